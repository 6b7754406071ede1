package db

import (
	"context"
	"fmt"

	"rtcbill/domain"
)

var quotaQueries = map[domain.Quota]string{
	domain.QuotaApps:   `SELECT COUNT(*) FROM apps WHERE account_id = ?`,
	domain.QuotaTokens: `SELECT COUNT(*) FROM api_tokens WHERE account_id = ? AND revoked_at IS NULL`,
	domain.QuotaLiveSessions: `SELECT COUNT(*) FROM live_sessions l JOIN apps a ON a.sdk_app_id = l.sdk_app_id
		WHERE a.account_id = ?`,
}

// CheckQuota returns a *QuotaError when account accountID already holds
// limit or more of q, so that one more would pass it; limit <= 0 is no
// bound. It counts before the change it guards, outside its transaction:
// requests that race may pass the quota by as many as run at once, which
// a quota meant to stop runaway scripts allows.
func (s *SQLStore) CheckQuota(ctx context.Context, accountID int64, q domain.Quota, limit int) error {
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
		return &domain.QuotaError{Quota: q, Limit: limit}
	}
	return nil
}
