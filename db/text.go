package db

import ()
