package domain

import (
	"fmt"
)

// Quota names what an account may hold only so many of; it is also the
// field an API error names.
type Quota string

// The per-account quotas.
const (
	QuotaApps         Quota = "apps"          // applications
	QuotaTokens       Quota = "api_tokens"    // API tokens not revoked
	QuotaLiveSessions Quota = "live_sessions" // users in rooms at once
)

// QuotaError is a change refused because the account already holds Limit
// of what Quota names.
type QuotaError struct {
	Quota Quota
	Limit int
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("store: the account holds %d %s, its quota", e.Limit, e.Quota)
}
