package db

import (
	"context"
	"database/sql"
	"fmt"

	"rtcbill/domain"
)

// The look-ups the demo loader (package demo) needs to finish a load cut
// short; everything else it does through the Store's usual methods.

// FindDemoAccount finds the demo account with this name and e-mail, the
// oldest if there are several; false when there is none.
func (s *SQLStore) FindDemoAccount(ctx context.Context, name, email string) (domain.Account, bool, error) {
	var id sql.NullInt64
	err := s.rq.QueryRowContext(ctx, `SELECT MIN(id) FROM accounts WHERE demo = 1 AND email = ? AND name = ?`,
		email, name).Scan(&id)
	if err != nil {
		return domain.Account{}, false, fmt.Errorf("store: unable to look up demo account %s: %w", email, err)
	}
	if !id.Valid {
		return domain.Account{}, false, nil
	}
	a, err := s.Account(ctx, id.Int64)
	return a, err == nil, err
}

// HasSession reports whether one of the account's applications holds the
// session with this id.
func (s *SQLStore) HasSession(ctx context.Context, accountID int64, sessionID string) (bool, error) {
	var n int64
	err := s.rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions s JOIN apps a ON a.sdk_app_id = s.sdk_app_id
		WHERE a.account_id = ? AND s.session_id = ?`, accountID, sessionID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: unable to look up session %q of account %d: %w", sessionID, accountID, err)
	}
	return n > 0, nil
}
