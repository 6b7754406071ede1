package db

import (
	"context"
	"database/sql"
	"io"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// Store is what the console asks of its database: the JSON API, the pages,
// the command line and the background jobs all go through it, and see only
// it and the domain types. Open returns the one implementation, *SQLStore,
// on SQLite or PostgreSQL.
type Store interface {
	// Accounts and applications
	CreateAccount(ctx context.Context, name, email string, at, now time.Time) (domain.Account, error)
	CreateDemoAccount(ctx context.Context, name, email string, at, now time.Time) (domain.Account, error)
	Account(ctx context.Context, id int64) (domain.Account, error)
	SearchAccounts(ctx context.Context, q domain.AccountSearch) ([]domain.Account, error)
	IsDemo(ctx context.Context, accountID int64) (bool, error)
	CreateApp(ctx context.Context, accountID int64, name string, at, now time.Time) (domain.App, bool, error)
	App(ctx context.Context, sdkAppID int64) (domain.App, error)
	Apps(ctx context.Context, accountID int64) ([]domain.App, error)
	ListApps(ctx context.Context, accountID int64, offset, limit int) ([]domain.App, error)
	CheckQuota(ctx context.Context, accountID int64, q domain.Quota, limit int) error

	// Packages, standing and usage (R3–R9)
	Purchase(ctx context.Context, accountID int64, planCode string, at time.Time, key string, now time.Time) (billing.Package, bool, error)
	Packages(ctx context.Context, accountID int64) ([]billing.Package, error)
	Standing(ctx context.Context, accountID int64, at time.Time) (domain.Standing, error)
	Status(ctx context.Context, accountID int64, at time.Time) (billing.Status, error)
	PackageHistory(ctx context.Context, accountID, packageID int64, now time.Time) ([]billing.PackageMonth, error)
	InsertSessions(ctx context.Context, sdkAppID int64, sessions []billing.Session, now time.Time) (domain.IngestResult, error)
	ImportSessionsCSV(ctx context.Context, sdkAppID int64, r io.Reader, now time.Time, progress func(int64)) (domain.IngestResult, error)
	LockImport(ctx context.Context, accountID int64, now time.Time, ttl time.Duration) (release func(), until time.Time, err error)
	Join(ctx context.Context, sdkAppID int64, room, user string, now time.Time) (string, error)
	Leave(ctx context.Context, sdkAppID int64, room, user string, now time.Time) (billing.Session, error)
	LiveSessions(ctx context.Context, sdkAppID int64, room string) ([]domain.LiveSession, error)
	UsageSeconds(ctx context.Context, accountID int64, from, until time.Time) (int64, error)
	DailyUsage(ctx context.Context, accountID int64, from, until time.Time) ([]billing.DayAppUsage, error)
	RoomSessions(ctx context.Context, sdkAppID int64, room string, from, until time.Time) ([]billing.Session, error)
	EachRoomSession(ctx context.Context, sdkAppID int64, room string, from, until time.Time, fn func(billing.Session) error) error
	LastRoomDay(ctx context.Context, sdkAppID int64, room string) (time.Time, error)

	// Bills (R11) and the monthly close
	Bill(ctx context.Context, accountID int64, month billing.Month, now time.Time) (billing.Bill, error)
	Bills(ctx context.Context, accountID int64, now time.Time) ([]billing.Bill, error)
	BillRooms(ctx context.Context, accountID int64, month billing.Month, after domain.RoomKey, limit int, now time.Time) ([]billing.RoomUsage, error)
	SearchBillRooms(ctx context.Context, accountID int64, month billing.Month, q string, offset, limit int, now time.Time) ([]billing.RoomUsage, error)
	EachBillRoom(ctx context.Context, accountID int64, month billing.Month, now time.Time, fn func(billing.RoomUsage) error) error
	CloseMonth(ctx context.Context, month billing.Month, now time.Time) (int, error)
	CloseBatch(ctx context.Context, month billing.Month, after int64, limit int, now time.Time) (last int64, issued int, err error)
	CloseGrace() time.Duration
	SetCloseGrace(d time.Duration)
	CountIssuedBills(ctx context.Context) (int, error)
	AccountVersion(ctx context.Context, accountID int64) (int64, error)

	// Events, alerts and webhooks
	Events(ctx context.Context, accountID int64, after string, limit int) ([]domain.Event, error)
	Event(ctx context.Context, accountID int64, id string) (domain.Event, error)
	Notifications(ctx context.Context, accountID, userID int64, limit int) ([]domain.Event, int64, error)
	UnreadNotifications(ctx context.Context, accountID, userID int64) (int, error)
	MarkNotificationsRead(ctx context.Context, accountID, userID, seq int64) error
	AlertSettings(ctx context.Context, accountID int64) (domain.AlertSettings, error)
	SetAlertSettings(ctx context.Context, accountID int64, settings domain.AlertSettings, now time.Time) (domain.AlertSettings, error)
	ScanAlerts(ctx context.Context, now time.Time) (int, error)
	CreateWebhook(ctx context.Context, accountID int64, url string, events []string, now time.Time) (domain.Webhook, string, error)
	Webhooks(ctx context.Context, accountID int64) ([]domain.Webhook, error)
	Webhook(ctx context.Context, accountID, id int64) (domain.Webhook, error)
	DeleteWebhook(ctx context.Context, accountID, id int64, now time.Time) error
	WebhookAttempts(ctx context.Context, accountID, webhookID int64, limit int) ([]domain.Attempt, error)
	RetryDelivery(ctx context.Context, accountID, webhookID int64, eventID string, now time.Time) error
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]domain.Delivery, error)
	MarkDeliveryQueued(ctx context.Context, d domain.Delivery) (bool, error)
	DeliveryTarget(ctx context.Context, webhookID int64, eventID string) (domain.Delivery, domain.Webhook, string, domain.Event, error)
	RecordAttempt(ctx context.Context, a domain.Attempt, state string) (bool, error)

	// Users, credentials, web sessions and API tokens
	CreateUser(ctx context.Context, email, password string, role domain.Role, accountID int64, now time.Time) (domain.User, error)
	SignUp(ctx context.Context, name, email, password, lang string, now time.Time) (domain.User, domain.Account, error)
	Authenticate(ctx context.Context, email, password string) (domain.User, error)
	UserByID(ctx context.Context, id int64) (domain.User, error)
	UserByEmail(ctx context.Context, email string) (domain.User, error)
	Users(ctx context.Context) ([]domain.User, error)
	ListUsers(ctx context.Context, offset, limit int) ([]domain.User, error)
	ChangePassword(ctx context.Context, userID int64, current, next string, now time.Time) (domain.User, error)
	EndSessions(ctx context.Context, userID int64, now time.Time) (domain.User, error)
	SetUserDisabled(ctx context.Context, userID int64, disabled bool, now time.Time) (domain.User, error)
	CreatePasswordReset(ctx context.Context, userID int64, now time.Time) (string, time.Time, error)
	PasswordResetUser(ctx context.Context, token string, now time.Time) (domain.User, time.Time, error)
	ResetPassword(ctx context.Context, token, password string, now time.Time) (domain.User, error)
	SetUserLang(ctx context.Context, userID int64, lang string) (domain.User, error)
	WebSessions() WebSessions
	Secret(ctx context.Context, name string) ([]byte, error)
	CreateAPIToken(ctx context.Context, accountID int64, name string, now time.Time) (domain.APIToken, string, error)
	APIToken(ctx context.Context, accountID, tokenID int64) (domain.APIToken, error)
	APITokens(ctx context.Context, accountID int64) ([]domain.APIToken, error)
	ListAPITokens(ctx context.Context, accountID int64, offset, limit int) ([]domain.APIToken, error)
	AccountForToken(ctx context.Context, token string) (int64, int64, error)
	TouchAPIToken(ctx context.Context, tokenID int64, now time.Time) error
	RevokeAPIToken(ctx context.Context, accountID, tokenID int64, now time.Time) error

	// E-mail: sign-ups confirmed by mail, forgotten passwords, the queue
	RequestSignUp(ctx context.Context, name, email, password, lang, plan string, now time.Time) error
	SignUpRequest(ctx context.Context, token string, now time.Time) (domain.SignUpRequest, error)
	ConfirmSignUp(ctx context.Context, token string, now time.Time) (domain.User, domain.Account, string, error)
	RequestPasswordReset(ctx context.Context, email string, now time.Time) error
	SetSendsMail(on bool)
	SendsMail() bool
	DueMails(ctx context.Context, limit int) ([]int64, error)
	MarkMailQueued(ctx context.Context, id int64) (bool, error)
	MailToSend(ctx context.Context, id int64) (domain.Mail, error)
	RecordMailAttempt(ctx context.Context, id int64, sent bool, why string, giveUp bool, now time.Time) error

	// Audit trail
	Audit(ctx context.Context, at time.Time, action string, accountID int64, detail string) error
	AuditLog(ctx context.Context, accountID int64, page int) ([]domain.AuditEntry, bool, error)

	// What the demo loader (package demo) looks up
	FindDemoAccount(ctx context.Context, name, email string) (domain.Account, bool, error)
	HasSession(ctx context.Context, accountID int64, sessionID string) (bool, error)

	// Background jobs
	JobState(ctx context.Context, name string) (string, error)
	SetJobState(ctx context.Context, name, state string, now time.Time) error
	OpenJobPool() (*sql.DB, error)

	// The database
	Dialect() string
	Ping(ctx context.Context) error
	Backup(ctx context.Context, path string) error
	Close() error
}

var _ Store = (*SQLStore)(nil)
