package domain

import (
	"time"
)

// APIToken is a customer's token for the JSON API. Only its hash is stored.
type APIToken struct {
	ID         int64
	AccountID  int64
	Name       string
	Prefix     string // the first characters, to tell tokens apart
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while the token works
	LastUsedAt time.Time // zero until first used
}

// TokenPrefix starts every customer token, so a leaked one is recognisable.
const TokenPrefix = "rtcb_"
