package domain

import (
	"time"
)

// LiveSession is a user in a room right now.
type LiveSession struct {
	SessionID string
	User      string
	Joined    time.Time
}
