package domain

import (
	"time"
)

// ResetLinkTTL is how long a password reset link may be used.
const ResetLinkTTL = 24 * time.Hour
