package db

import (
	"context"
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

var quotaQueries = map[Quota]string{
	QuotaApps:   `SELECT COUNT(*) FROM apps WHERE account_id = ?`,
	QuotaTokens: `SELECT COUNT(*) FROM api_tokens WHERE account_id = ? AND revoked_at IS NULL`,
	QuotaLiveSessions: `SELECT COUNT(*) FROM live_sessions l JOIN apps a ON a.sdk_app_id = l.sdk_app_id
		WHERE a.account_id = ?`,
}

// CheckQuota returns a *QuotaError when account accountID already holds
// limit or more of q, so that one more would pass it; limit <= 0 is no
// bound. It counts before the change it guards, outside its transaction:
// requests that race may pass the quota by as many as run at once, which
// a quota meant to stop runaway scripts allows.
func (s *Store) CheckQuota(ctx context.Context, accountID int64, q Quota, limit int) error {
	if limit <= 0 {
		return nil
	}
	query, ok := quotaQueries[q]
	if !ok {
		return fmt.Errorf("store: unknown quota %q", q)
	}
	var n int
	if err := s.rq.QueryRowContext(ctx, query, accountID).Scan(&n); err != nil {
		return fmt.Errorf("store: unable to count %s: %w", q, err)
	}
	if n >= limit {
		return &QuotaError{Quota: q, Limit: limit}
	}
	return nil
}
