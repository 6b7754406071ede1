package db

import (
	"context"
	"fmt"
	"time"

	"rtcbill/domain"
)

// audit appends a line in the caller's transaction, so that the line and
// the change it records stand or fall together.
func audit(ctx context.Context, q querier, at time.Time, action string, accountID int64, detail string) error {
	a := domain.ActorOf(ctx)
	var actorID, account any
	if a.UserID != 0 {
		actorID = a.UserID
	}
	if accountID != 0 {
		account = accountID
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_user_id, actor, action, account_id, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		unix(at), actorID, a.Label, action, account, detail); err != nil {
		return fmt.Errorf("store: unable to write the audit trail: %w", err)
	}
	return nil
}

// Audit records an action that changes nothing else (a sign-in, staff
// opening an account).
func (s *SQLStore) Audit(ctx context.Context, at time.Time, action string, accountID int64, detail string) error {
	return audit(ctx, s.wq(), at, action, accountID, detail)
}

// AuditLog is one page (from 1) of an account's trail, newest first, and
// whether an older page exists.
func (s *SQLStore) AuditLog(ctx context.Context, accountID int64, page int) ([]domain.AuditEntry, bool, error) {
	page = max(page, 1)
	rows, err := s.rq.QueryContext(ctx, `SELECT id, at, COALESCE(actor_user_id, 0), actor, action, COALESCE(account_id, 0), detail
		FROM audit_log WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		accountID, domain.AuditPageSize+1, (page-1)*domain.AuditPageSize)
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to read the audit trail: %w", err)
	}
	defer rows.Close()
	var out []domain.AuditEntry
	for rows.Next() {
		var e domain.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.AccountID, &e.Detail); err != nil {
			return nil, false, fmt.Errorf("store: unable to read the audit trail: %w", err)
		}
		e.At = fromUnix(at)
		out = append(out, e)
	}
	more := len(out) > domain.AuditPageSize
	if more {
		out = out[:domain.AuditPageSize]
	}
	return out, more, rows.Err()
}
