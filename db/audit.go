package db

import (
	"context"
	"fmt"
	"time"
)

// Actor is who a change is made by, for the audit trail.
type Actor struct {
	UserID int64  // 0 when no user signed in (the staff token, the command line)
	Label  string // "ops@example.com (admin)", "staff token", "command line"
}

type actorKey struct{}

// WithActor tells the store who acts in ctx; changes made with it are
// recorded in the audit trail under that name.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

func actorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Label: "system"}
}

// The actions the audit trail records.
const (
	AuditSignIn        = "sign_in"
	AuditSignInFailed  = "sign_in_failed"
	AuditSignOut       = "sign_out"
	AuditSignUp        = "sign_up"
	AuditAccountOpened = "account_opened" // staff opened an account's pages
	AuditAccount       = "account_created"
	AuditApp           = "app_created"
	AuditPurchase      = "purchase"
	AuditTokenCreated  = "token_created"
	AuditTokenRevoked  = "token_revoked"
	AuditUserCreated   = "user_created"
	AuditImport        = "sessions_imported"

	AuditPasswordChanged      = "password_changed"
	AuditSignedOutEverywhere  = "signed_out_everywhere"
	AuditUserDisabled         = "user_disabled"
	AuditUserEnabled          = "user_enabled"
	AuditPasswordResetCreated = "password_reset_created" // an admin made a reset link
	AuditPasswordReset        = "password_reset"         // the link was used
)

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   int64
	Actor     string
	Action    string
	AccountID int64
	Detail    string
}

// audit appends a line in the caller's transaction, so that the line and
// the change it records stand or fall together.
func audit(ctx context.Context, q querier, at time.Time, action string, accountID int64, detail string) error {
	a := actorOf(ctx)
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
func (s *Store) Audit(ctx context.Context, at time.Time, action string, accountID int64, detail string) error {
	return audit(ctx, s.w, at, action, accountID, detail)
}

// AuditPageSize is how many lines one page of the trail shows.
const AuditPageSize = 50

// AuditLog is one page (from 1) of an account's trail, newest first, and
// whether an older page exists.
func (s *Store) AuditLog(ctx context.Context, accountID int64, page int) ([]AuditEntry, bool, error) {
	page = max(page, 1)
	rows, err := s.rq.QueryContext(ctx, `SELECT id, at, COALESCE(actor_user_id, 0), actor, action, COALESCE(account_id, 0), detail
		FROM audit_log WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		accountID, AuditPageSize+1, (page-1)*AuditPageSize)
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to read the audit trail: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.AccountID, &e.Detail); err != nil {
			return nil, false, fmt.Errorf("store: unable to read the audit trail: %w", err)
		}
		e.At = fromUnix(at)
		out = append(out, e)
	}
	more := len(out) > AuditPageSize
	if more {
		out = out[:AuditPageSize]
	}
	return out, more, rows.Err()
}
