package domain

import (
	"context"
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

func ActorOf(ctx context.Context) Actor {
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

	AuditAlertsChanged  = "alerts_changed"
	AuditWebhookCreated = "webhook_created"
	AuditWebhookDeleted = "webhook_deleted"
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

// AuditPageSize is how many lines one page of the trail shows.
const AuditPageSize = 50
