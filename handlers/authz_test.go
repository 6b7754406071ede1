package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
	"rtcbill/domain"
	"rtcbill/handlers"
)

// The authorization matrix: every route of the echo router × who asks →
// the status. A route added without a row fails TestAuthzMatrix, and so
// does a row whose route is gone.
//
// Every cell runs on a server of its own, opened on a copy of one SQLite
// file prepared once (accounts, applications, packages, API tokens, users
// and their signed-in web sessions), so what one cell changes never reaches
// another and the order of the cells does not matter.

// toSignIn in a cell: 303 to /signin?next=<this request>, where a visitor
// asks for a page that needs sign-in.
const toSignIn = -303

// authzWant is a row's expected statuses. The first six columns ask about
// account A's resources (its account, application, room, package, token);
// the last two cross over to another account's.
type authzWant struct {
	anon, a, b, support, sales, admin int
	aOnB                              int // customer A asking for account B's resources
	salesDemo                         int // sales asking for the demo account's resources
}

func (w authzWant) cells() [8]int {
	return [8]int{w.anon, w.a, w.b, w.support, w.sales, w.admin, w.aOnB, w.salesDemo}
}

// authzWho is who sends a request.
type authzWho int

const (
	whoAnon authzWho = iota
	whoA
	whoB
	whoSupport
	whoSales
	whoAdmin
)

// authzColumns names the matrix's columns: who asks, about whose resources.
var authzColumns = [8]struct {
	name   string
	who    authzWho
	target string
}{
	{"anonymous", whoAnon, "A"},
	{"customer A", whoA, "A"},
	{"customer B", whoB, "A"},
	{"support", whoSupport, "A"},
	{"sales", whoSales, "A"},
	{"admin", whoAdmin, "A"},
	{"customer A on account B", whoA, "B"},
	{"sales on the demo account", whoSales, "demo"},
}

// authzRow is one route: its method and path as registered, what a valid
// request to it carries, and the expected statuses.
type authzRow struct {
	method, path string
	query        string     // appended to the filled path
	form         url.Values // a page's valid form; the CSRF token is added
	json         string     // an API route's valid body
	want         authzWant
}

// The users of the matrix; every one has authzPassword.
const (
	authzPassword = "matrix-password-1"
	authzEmailA   = "alice@a.example.com"
	authzEmailB   = "bob@b.example.com"
)

var authzEmails = map[authzWho]string{
	whoA:       authzEmailA,
	whoB:       authzEmailB,
	whoSupport: "sam@support.example.com",
	whoSales:   "sally@sales.example.com",
	whoAdmin:   "ada@admin.example.com",
}

// authzMatrix is the route table seen from each principal.
//
// Pages are asked with the principal's cookies (a web session signed in
// through POST /signin, and the CSRF cookie; forms carry the CSRF token,
// so a refused POST says "sign in" or "not yours", never "bad CSRF": the
// CSRF check itself is TestCSRF...). A visitor GETting a member page is
// sent to sign in; a visitor POSTing to one gets 401.
//
// The API is asked with bearer tokens: the staff token for admin, account
// A's and account B's customer tokens for the customers. Support and sales
// have no API credential: their requests carry their web session cookies
// and no bearer, and must get 401 like anyone's, because the API never
// accepts a cookie (which would make it open to CSRF).
//
// The columns of authzWant, in order: anonymous, customer A, customer B,
// support, sales, admin (all on account A's resources), then customer A on
// account B's, then sales on the demo account's.
var authzMatrix = []authzRow{
	{method: "GET", path: "/healthz", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "GET", path: "/", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "GET", path: "/plans", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "GET", path: "/estimate", query: "?minutes_per_month=100000", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "GET", path: "/lang", query: "?to=en&next=/plans", want: authzWant{303, 303, 303, 303, 303, 303, 303, 303}},
	{method: "GET", path: "/signin", want: authzWant{200, 303, 303, 303, 303, 303, 303, 303}},
	{method: "POST", path: "/signin", form: url.Values{"email": {authzEmailA}, "password": {authzPassword}},
		want: authzWant{303, 303, 303, 303, 303, 303, 303, 303}},
	{method: "GET", path: "/signup", want: authzWant{200, 303, 303, 303, 303, 303, 303, 303}},
	{method: "POST", path: "/signup", form: url.Values{"name": {"Newcomer Ltd"}, "email": {"newcomer@example.com"}, "password": {authzPassword}},
		want: authzWant{303, 303, 303, 303, 303, 303, 303, 303}},
	{method: "POST", path: "/signout", form: url.Values{}, want: authzWant{303, 303, 303, 303, 303, 303, 303, 303}},

	// Customers are sent from the account list to their own account.
	{method: "GET", path: "/accounts", want: authzWant{toSignIn, 303, 303, 200, 200, 200, 303, 200}},
	{method: "POST", path: "/accounts", form: url.Values{"name": {"Opened Here"}, "email": {"opened@example.com"}},
		want: authzWant{401, 403, 403, 403, 303, 303, 403, 303}},
	{method: "GET", path: "/accounts/:id", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "GET", path: "/accounts/:id/buy/:plan", want: authzWant{toSignIn, 200, 404, 403, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/buy/:plan", form: url.Values{"token": {"0123456789abcdef0123456789abcdef"}},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	{method: "GET", path: "/accounts/:id/orders/:package", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "GET", path: "/accounts/:id/apps", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/apps", form: url.Values{"name": {"Matrix app"}},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	{method: "GET", path: "/accounts/:id/bills", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "GET", path: "/accounts/:id/bills/:month", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "GET", path: "/accounts/:id/bills/:month/rooms", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	// Support sees the token list read-only; the answer to the create form
	// shows the new token once.
	{method: "GET", path: "/accounts/:id/tokens", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/tokens", form: url.Values{"name": {"matrix token"}},
		want: authzWant{401, 201, 404, 403, 404, 201, 404, 201}},
	{method: "POST", path: "/accounts/:id/tokens/:token/revoke", form: url.Values{},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	// The audit trail is for staff: customers do not learn it exists.
	{method: "GET", path: "/accounts/:id/audit", want: authzWant{toSignIn, 404, 404, 200, 404, 200, 404, 200}},
	// Notifications: each reader marks what they have read, support too.
	{method: "GET", path: "/accounts/:id/notifications", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/notifications/read", form: url.Values{"up_to": {"1"}},
		want: authzWant{401, 303, 404, 303, 404, 303, 404, 303}},
	{method: "GET", path: "/accounts/:id/alerts", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/alerts", form: url.Values{"low_balance_pct": {"30, 10"}, "expiring_days": {"14"}},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	// Webhooks: the answer to the add form shows the secret once.
	{method: "GET", path: "/accounts/:id/webhooks", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/webhooks", form: url.Values{"url": {"https://203.0.113.10/new"}, "events": {"bill.issued"}},
		want: authzWant{401, 201, 404, 403, 404, 201, 404, 201}},
	{method: "GET", path: "/accounts/:id/webhooks/:webhook_id", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/accounts/:id/webhooks/:webhook_id/delete", form: url.Values{},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	{method: "POST", path: "/accounts/:id/webhooks/:webhook_id/deliveries/:event_id/retry", form: url.Values{},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	{method: "GET", path: "/apps/:sdk_app_id/rooms/:room_id", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "GET", path: "/apps/:sdk_app_id/rooms/:room_id/live", want: authzWant{toSignIn, 200, 404, 200, 404, 200, 404, 200}},
	{method: "POST", path: "/apps/:sdk_app_id/rooms/:room_id/live/join", form: url.Values{"user_id": {"newcomer"}},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	{method: "POST", path: "/apps/:sdk_app_id/rooms/:room_id/live/leave", form: url.Values{"user_id": {"leaver"}},
		want: authzWant{401, 303, 404, 403, 404, 303, 404, 303}},
	{method: "GET", path: "/admin/users", want: authzWant{toSignIn, 404, 404, 404, 404, 200, 404, 404}},
	{method: "POST", path: "/admin/users", form: url.Values{"email": {"added@example.com"}, "password": {authzPassword}, "role": {"support"}, "account": {""}},
		want: authzWant{401, 404, 404, 404, 404, 303, 404, 404}},
	// Loading the demo is the admins'; the upload form posts a CSV file (here
	// none: the refusal shows who may post at all, a 422 that it was read).
	{method: "POST", path: "/admin/demo", form: url.Values{}, want: authzWant{401, 404, 404, 404, 404, 303, 404, 404}},
	// The credential lifecycle. An admin disables, enables and resets the
	// target's customer; the reset shows the one-time link (201). Anyone
	// with a reset link may use it: the link is the credential.
	{method: "POST", path: "/admin/users/:user/disable", form: url.Values{}, want: authzWant{401, 404, 404, 404, 404, 303, 404, 404}},
	{method: "POST", path: "/admin/users/:user/enable", form: url.Values{}, want: authzWant{401, 404, 404, 404, 404, 303, 404, 404}},
	{method: "POST", path: "/admin/users/:user/reset", form: url.Values{}, want: authzWant{401, 404, 404, 404, 404, 201, 404, 404}},
	{method: "GET", path: "/security", want: authzWant{toSignIn, 200, 200, 200, 200, 200, 200, 200}},
	{method: "POST", path: "/security/password",
		form: url.Values{"current": {authzPassword}, "password": {"matrix-password-2"}, "confirm": {"matrix-password-2"}},
		want: authzWant{401, 303, 303, 303, 303, 303, 303, 303}},
	{method: "POST", path: "/security/signout-everywhere", form: url.Values{}, want: authzWant{401, 303, 303, 303, 303, 303, 303, 303}},
	// E-mail's pages: the matrix's console sends none, so they are not
	// there (TestSignUpByMail, TestForgotPasswordByMail and
	// TestMailLanguages test them with e-mail); a sign-up link is no reset
	// link.
	{method: "POST", path: "/security/language", form: url.Values{"lang": {"en"}}, want: authzWant{401, 404, 404, 404, 404, 404, 404, 404}},
	{method: "GET", path: "/forgot", want: authzWant{404, 404, 404, 404, 404, 404, 404, 404}},
	{method: "POST", path: "/forgot", form: url.Values{"email": {authzEmailA}}, want: authzWant{404, 404, 404, 404, 404, 404, 404, 404}},
	{method: "GET", path: "/signup/confirm/:link", want: authzWant{404, 404, 404, 404, 404, 404, 404, 404}},
	{method: "POST", path: "/signup/confirm/:link", form: url.Values{}, want: authzWant{404, 404, 404, 404, 404, 404, 404, 404}},
	{method: "GET", path: "/reset/:link", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "POST", path: "/reset/:link", form: url.Values{"password": {"matrix-password-3"}, "confirm": {"matrix-password-3"}},
		want: authzWant{303, 303, 303, 303, 303, 303, 303, 303}},
	{method: "POST", path: "/apps/:sdk_app_id/import", form: url.Values{},
		want: authzWant{401, 422, 404, 403, 404, 422, 404, 422}},

	// The API. Support and sales have no API credential (see above).
	{method: "GET", path: "/api/v1/plans", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "GET", path: "/api/v1/estimate", query: "?minutes_per_month=100000", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "GET", path: "/api/v1/openapi.json", want: authzWant{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: "POST", path: "/api/v1/accounts", json: `{"name":"Opened by API","email":"api@example.com"}`,
		want: authzWant{401, 403, 403, 401, 401, 201, 403, 401}},
	{method: "GET", path: "/api/v1/accounts", query: "?q=a", want: authzWant{401, 403, 403, 401, 401, 200, 403, 401}},
	{method: "GET", path: "/api/v1/accounts/:id", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/apps", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "POST", path: "/api/v1/accounts/:id/apps", json: `{"name":"Matrix app"}`,
		want: authzWant{401, 201, 404, 401, 401, 201, 404, 401}},
	{method: "POST", path: "/api/v1/accounts/:id/purchases", json: `{"plan":"starter"}`,
		want: authzWant{401, 201, 404, 401, 401, 201, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/packages", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/bills/:month", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/bills/:month/rooms", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "POST", path: "/api/v1/apps/:sdk_app_id/sessions",
		json: `{"sessions":[{"session_id":"matrix-1","room_id":"lobby","user_id":"u9","joined_at":"2026-11-25T10:00:00+08:00","left_at":"2026-11-25T10:30:00+08:00"}]}`,
		want: authzWant{401, 201, 404, 401, 401, 201, 404, 401}},
	{method: "POST", path: "/api/v1/apps/:sdk_app_id/rooms/:room_id/join", json: `{"user_id":"newcomer"}`,
		want: authzWant{401, 201, 404, 401, 401, 201, 404, 401}},
	{method: "POST", path: "/api/v1/apps/:sdk_app_id/rooms/:room_id/leave", json: `{"user_id":"leaver"}`,
		want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	// Events, alerts and webhooks: the account's own customer and admins.
	{method: "GET", path: "/api/v1/accounts/:id/events", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/alerts", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "PUT", path: "/api/v1/accounts/:id/alerts", json: `{"low_balance_pct":[30,10],"expiring_days":14}`,
		want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "POST", path: "/api/v1/accounts/:id/webhooks", json: `{"url":"https://203.0.113.10/hooks/rtcbill"}`,
		want: authzWant{401, 201, 404, 401, 401, 201, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/webhooks", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "DELETE", path: "/api/v1/accounts/:id/webhooks/:webhook_id", want: authzWant{401, 204, 404, 401, 401, 204, 404, 401}},
	{method: "GET", path: "/api/v1/accounts/:id/webhooks/:webhook_id/deliveries", want: authzWant{401, 200, 404, 401, 401, 200, 404, 401}},
	{method: "POST", path: "/api/v1/accounts/:id/webhooks/:webhook_id/deliveries/:event_id/retry",
		want: authzWant{401, 202, 404, 401, 401, 202, 404, 401}},
}

// authzMonth is the month of the bills the matrix asks for: the month of
// the fixture's W1-like usage.
const authzMonth = "2019-08"

// authzTarget is one account's resources, the values of the path
// parameters.
type authzTarget struct {
	account, app, pkg, token int64
	room                     string
	// user is the user the admin pages act on; link a password reset link
	// of that user.
	user int64
	link string
	// webhook is one of its webhooks, event one of its events.
	webhook int64
	event   string
}

// fill puts the target's ids into a route's path pattern.
func (tg authzTarget) fill(pattern string) (string, error) {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		name, ok := strings.CutPrefix(p, ":")
		if !ok {
			continue
		}
		switch name {
		case "id":
			parts[i] = strconv.FormatInt(tg.account, 10)
		case "sdk_app_id":
			parts[i] = strconv.FormatInt(tg.app, 10)
		case "room_id":
			parts[i] = url.PathEscape(tg.room)
		case "package":
			parts[i] = strconv.FormatInt(tg.pkg, 10)
		case "token":
			parts[i] = strconv.FormatInt(tg.token, 10)
		case "plan":
			parts[i] = "starter"
		case "month":
			parts[i] = authzMonth
		case "user":
			parts[i] = strconv.FormatInt(tg.user, 10)
		case "link":
			parts[i] = tg.link
		case "webhook_id":
			parts[i] = strconv.FormatInt(tg.webhook, 10)
		case "event_id":
			parts[i] = tg.event
		default:
			return "", fmt.Errorf("%s: no value for the path parameter %q: add one to authzTarget.fill", pattern, name)
		}
	}
	return strings.Join(parts, "/"), nil
}

// authzWorld is the prepared database every cell starts from, and how each
// principal presents itself.
type authzWorld struct {
	template string
	targets  map[string]authzTarget
	users    map[authzWho]domain.User
	cookies  map[authzWho]map[string]string // name → value
	tokens   map[authzWho]string            // the CSRF token of each one's forms
	bearer   map[authzWho]string
	secrets  map[string]string // target → its customer API token in clear
}

// authzServer opens a server on the SQLite file at path (created if need
// be), like newEnv; edit may change the configuration first.
func authzServer(t *testing.T, path string, edit func(*handlers.Config)) *env {
	t.Helper()
	path = dbtest.Or(t, path)
	store, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("db.Open(%s): %v", dbtest.Describe(path), err)
	}
	t.Cleanup(func() { store.Close() })
	ro := dbtest.ReadOnly(t, path)
	t.Cleanup(func() { ro.Close() })
	clk := &clock{t: fixedNow}
	cfg := handlers.Config{
		Store:      store,
		AdminToken: staffToken,
		Now:        clk.Now,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	return &env{t: t, e: handlers.New(cfg), store: store, path: path, clock: clk, ro: ro}
}

// authzAccount gives an account the W1-like history the matrix reads: an
// application created in July 2019 (with the trial), a starter bought in
// August, calls in room "lobby" in August, a user still in the room, and a
// customer API token.
func authzAccount(t *testing.T, store db.Store, name, email string, demo bool) (authzTarget, string) {
	t.Helper()
	ctx := context.Background()
	create := store.CreateAccount
	if demo {
		create = store.CreateDemoAccount
	}
	a, err := create(ctx, name, email, mustInstant("2019-07-01T09:00:00+08:00"), fixedNow)
	if err != nil {
		t.Fatalf("create account %s: %v", name, err)
	}
	app, _, err := store.CreateApp(ctx, a.ID, name+" app", mustInstant("2019-07-10T10:00:00+08:00"), fixedNow)
	if err != nil {
		t.Fatalf("create app of %s: %v", name, err)
	}
	pkg, _, err := store.Purchase(ctx, a.ID, "starter", mustInstant("2019-08-05T10:00:00+08:00"), "", fixedNow)
	if err != nil {
		t.Fatalf("buy a starter for %s: %v", name, err)
	}
	var sessions []billing.Session
	for day := 1; day <= 20; day++ {
		joined := mustInstant(fmt.Sprintf("2019-08-%02dT09:00:00+08:00", day))
		sessions = append(sessions, billing.Session{ID: fmt.Sprintf("aug-%d", day), Room: "lobby", User: "u1",
			Joined: joined, Left: joined.Add(2*time.Hour + 17*time.Second)})
	}
	if _, err := store.InsertSessions(ctx, app.SDKAppID, sessions, fixedNow); err != nil {
		t.Fatalf("record the calls of %s: %v", name, err)
	}
	if _, err := store.Join(ctx, app.SDKAppID, "lobby", "leaver", fixedNow.Add(-10*time.Minute)); err != nil {
		t.Fatalf("join the room of %s: %v", name, err)
	}
	tok, secret, err := store.CreateAPIToken(ctx, a.ID, "ci", fixedNow)
	if err != nil {
		t.Fatalf("create a token for %s: %v", name, err)
	}
	hook, _, err := store.CreateWebhook(ctx, a.ID, "https://203.0.113.10/hooks/"+name, nil, fixedNow)
	if err != nil {
		t.Fatalf("create a webhook for %s: %v", name, err)
	}
	events, err := store.Events(ctx, a.ID, "", 1)
	if err != nil || len(events) == 0 {
		t.Fatalf("the events of %s: %v, %v", name, events, err)
	}
	return authzTarget{account: a.ID, app: app.SDKAppID, pkg: pkg.ID, token: tok.ID, room: "lobby", webhook: hook.ID, event: events[0].ID}, secret
}

// newAuthzWorld prepares the database, signs every user in through the
// sign-in page, and closes the database so that cells can copy it.
func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	env := authzServer(t, filepath.Join(t.TempDir(), "template.db"), nil)
	path := env.path
	ctx := context.Background()
	w := &authzWorld{template: path, targets: map[string]authzTarget{}, users: map[authzWho]domain.User{},
		cookies: map[authzWho]map[string]string{}, tokens: map[authzWho]string{}, bearer: map[authzWho]string{whoAdmin: staffToken}, secrets: map[string]string{}}
	for _, acct := range []struct {
		key, name, email string
		demo             bool
	}{{"A", "Account A", "billing@a.example.com", false}, {"B", "Account B", "billing@b.example.com", false}, {"demo", "Demo Co", "demo@example.com", true}} {
		w.targets[acct.key], w.secrets[acct.key] = authzAccount(t, env.store, acct.name, acct.email, acct.demo)
	}
	w.bearer[whoA], w.bearer[whoB] = w.secrets["A"], w.secrets["B"]
	for who, role := range map[authzWho]domain.Role{whoA: domain.RoleCustomer, whoB: domain.RoleCustomer, whoSupport: domain.RoleSupport, whoSales: domain.RoleSales, whoAdmin: domain.RoleAdmin} {
		var account int64
		switch who {
		case whoA:
			account = w.targets["A"].account
		case whoB:
			account = w.targets["B"].account
		}
		u, err := env.store.CreateUser(ctx, authzEmails[who], authzPassword, role, account, fixedNow)
		if err != nil {
			t.Fatalf("create the %s user: %v", role, err)
		}
		w.users[who] = u
	}
	// The admin pages act on the target's customer (on the demo account,
	// which has none, the sales user), and each has a reset link.
	for key, who := range map[string]authzWho{"A": whoA, "B": whoB, "demo": whoSales} {
		tg := w.targets[key]
		tg.user = w.users[who].ID
		link, _, err := env.store.CreatePasswordReset(ctx, tg.user, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		tg.link = link
		w.targets[key] = tg
	}
	anon := newAuthzClient(t, env.e)
	w.tokens[whoAnon] = anon.csrf()
	w.cookies[whoAnon] = anon.cookies
	for who, email := range authzEmails {
		c := newAuthzClient(t, env.e)
		if rec := c.signIn(email, authzPassword); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign in as %s: got %d, want 303; body %.300s", email, rec.Code, rec.Body.String())
		}
		if c.cookies["rtcbill_session"] == "" {
			t.Fatalf("sign in as %s: no rtcbill_session cookie", email)
		}
		w.tokens[who] = c.csrf()
		w.cookies[who] = c.cookies
	}
	if err := env.ro.Close(); err != nil {
		t.Fatal(err)
	}
	if err := env.store.Close(); err != nil {
		t.Fatalf("close the template database: %v", err)
	}
	return w
}

// server opens a fresh server on a copy of the prepared database.
func (w *authzWorld) server(t *testing.T) *env {
	t.Helper()
	return authzServer(t, dbtest.Clone(t, w.template), nil)
}

// request builds the request of one cell.
func (w *authzWorld) request(t *testing.T, row authzRow, col int) *http.Request {
	t.Helper()
	c := authzColumns[col]
	path, err := w.targets[c.target].fill(row.path)
	if err != nil {
		t.Fatal(err)
	}
	var hr *http.Request
	switch {
	case strings.HasPrefix(row.path, "/api/"):
		var body io.Reader
		if row.json != "" {
			body = strings.NewReader(row.json)
		}
		hr = httptest.NewRequest(row.method, path+row.query, body)
		if body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		if tok := w.bearer[c.who]; tok != "" {
			hr.Header.Set("Authorization", "Bearer "+tok)
		}
	case row.form != nil:
		form := url.Values{}
		for k, v := range row.form {
			form[k] = slices.Clone(v)
		}
		form.Set("_csrf", w.tokens[c.who])
		hr = httptest.NewRequest(row.method, path+row.query, strings.NewReader(form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		hr = httptest.NewRequest(row.method, path+row.query, nil)
	}
	hr.Header.Set("Accept-Language", "en")
	for name, value := range w.cookies[c.who] {
		hr.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	return hr
}

// authzRouteKeys lists the router's routes as "METHOD /path", leaving out
// echo's own not-found routes (a group with middleware registers some) and
// the static files, which everyone may fetch.
func authzRouteKeys(e *echo.Echo) []string {
	var out []string
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || r.Path == "/static/*" {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestAuthzMatrix(t *testing.T) {
	w := newAuthzWorld(t)

	routes := authzRouteKeys(w.server(t).e)
	t.Run("every route has a row and every row a route", func(t *testing.T) {
		rows := map[string]bool{}
		for _, r := range authzMatrix {
			key := r.method + " " + r.path
			if rows[key] {
				t.Errorf("%s has two rows in the matrix", key)
			}
			rows[key] = true
		}
		for _, key := range routes {
			if !rows[key] {
				t.Errorf("route %s has no row in authzMatrix: add one with the status each principal must get", key)
			}
		}
		for key := range rows {
			if !slices.Contains(routes, key) {
				t.Errorf("authzMatrix has a row for %s, which the router no longer has: remove it", key)
			}
		}
	})

	t.Logf("authorization matrix: %d routes × %d principals (anonymous, customer A, customer B, support, sales, admin) = %d cells, "+
		"plus %d cross-account cells (customer A on account B, sales on a demo account): %d requests",
		len(authzMatrix), 6, len(authzMatrix)*6, len(authzMatrix)*2, len(authzMatrix)*len(authzColumns))

	for _, row := range authzMatrix {
		t.Run(row.method+" "+row.path, func(t *testing.T) {
			t.Parallel()
			for col, want := range row.want.cells() {
				hr := w.request(t, row, col)
				rec := httptest.NewRecorder()
				w.server(t).e.ServeHTTP(rec, hr)
				who := authzColumns[col].name
				if want == toSignIn {
					next := "/signin?next=" + url.QueryEscape(hr.URL.RequestURI())
					if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != next {
						t.Errorf("%s %s as %s: got %d to %q, want 303 to %q", row.method, hr.URL.RequestURI(), who,
							rec.Code, rec.Header().Get("Location"), next)
					}
					continue
				}
				if rec.Code != want {
					t.Errorf("%s %s as %s: got %d, want %d; Location %q; body %.200s", row.method, hr.URL.RequestURI(), who,
						rec.Code, want, rec.Header().Get("Location"), authzSnippet(rec))
				}
			}
		})
	}
}

// authzSnippet is the start of an answer's text, for failure messages.
func authzSnippet(rec *httptest.ResponseRecorder) string {
	s := rec.Body.String()
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	return s
}

// TestAuthzCrossAccountIDs mixes one account's path with another's ids:
// the store must check that the package, token or application belongs to
// the account in the path, not only that the caller may read that account.
func TestAuthzCrossAccountIDs(t *testing.T) {
	w := newAuthzWorld(t)
	a, b := w.targets["A"], w.targets["B"]
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		who                authzWho
		want               int
		location           string // where a 303 must lead
	}{
		{"B's package under A's account", "GET", fmt.Sprintf("/accounts/%d/orders/%d", a.account, b.pkg), nil, whoA, 404, ""},
		{"B's token revoked under A's account", "POST", fmt.Sprintf("/accounts/%d/tokens/%d/revoke", a.account, b.token), url.Values{}, whoA, 404, ""},
		{"B's application opened from A's applications page", "GET",
			fmt.Sprintf("/accounts/%d/apps?app=%d&room=lobby&view=calls", a.account, b.app), nil, whoA, 404, ""},
		{"B's bill as CSV", "GET", fmt.Sprintf("/accounts/%d/bills/%s.csv", b.account, authzMonth), nil, whoA, 404, ""},
		{"the plans page buying for B", "GET", fmt.Sprintf("/plans?account=%d", b.account), nil, whoA, 404, ""},
		{"the plans page buying for a non-demo account, as sales", "GET", fmt.Sprintf("/plans?account=%d", a.account), nil, whoSales, 404, ""},
		{"the account search for B's application sends customer A to their own account", "GET",
			fmt.Sprintf("/accounts?q=%d", b.app), nil, whoA, 303, fmt.Sprintf("/accounts/%d", a.account)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := w.server(t)
			c := &authzClient{t: t, e: env.e, cookies: maps.Clone(w.cookies[tc.who])}
			var rec *httptest.ResponseRecorder
			if tc.method == "POST" {
				rec = c.post(tc.path, tc.form)
			} else {
				rec = c.do("GET", tc.path, nil, nil)
			}
			if rec.Code != tc.want || rec.Header().Get("Location") != tc.location {
				t.Errorf("%s %s: got %d to %q, want %d to %q; body %.200s", tc.method, tc.path,
					rec.Code, rec.Header().Get("Location"), tc.want, tc.location, authzSnippet(rec))
			}
		})
	}

	t.Run("B's token still works after A tried to revoke it", func(t *testing.T) {
		env := w.server(t)
		c := &authzClient{t: t, e: env.e, cookies: maps.Clone(w.cookies[whoA])}
		c.post(fmt.Sprintf("/accounts/%d/tokens/%d/revoke", a.account, b.token), url.Values{})
		rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d", b.account), token: withToken(w.secrets["B"])})
		if rec.Code != http.StatusOK {
			t.Errorf("B's token after A's attempt: got %d, want 200", rec.Code)
		}
	})

	t.Run("a customer token reaches B through no route of the API", func(t *testing.T) {
		env := w.server(t)
		for _, path := range []string{
			fmt.Sprintf("/api/v1/accounts/%d/bills/%s.csv", b.account, authzMonth),
			fmt.Sprintf("/api/v1/accounts/%d/packages?at=2019-08-31T12:00:00%%2B08:00", b.account),
			fmt.Sprintf("/api/v1/accounts/%d?at=2019-08-31T12:00:00%%2B08:00", b.account),
		} {
			rec := env.do(req{method: "GET", path: path, token: withToken(w.secrets["A"])})
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s with A's token: got %d, want 404", path, rec.Code)
			}
		}
	})

	t.Run("a customer token cannot backdate", func(t *testing.T) {
		env := w.server(t)
		before := env.counts()
		for _, c := range []struct{ path, body string }{
			{fmt.Sprintf("/api/v1/accounts/%d/purchases", a.account), `{"plan":"starter","purchased_at":"2019-08-01T10:00:00+08:00"}`},
			{fmt.Sprintf("/api/v1/accounts/%d/apps", a.account), `{"name":"old","created_at":"2019-08-01T10:00:00+08:00"}`},
		} {
			rec := env.do(req{method: "POST", path: c.path, body: c.body, token: withToken(w.secrets["A"])})
			if rec.Code != http.StatusForbidden {
				t.Errorf("POST %s %s with A's token: got %d, want 403", c.path, c.body, rec.Code)
			}
		}
		assertUnchanged(t, before, env.counts())
	})

	t.Run("a revoked token answers 401", func(t *testing.T) {
		env := w.server(t)
		if err := env.store.RevokeAPIToken(context.Background(), a.account, a.token, fixedNow); err != nil {
			t.Fatal(err)
		}
		rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d", a.account), token: withToken(w.secrets["A"])})
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("A's revoked token: got %d, want 401", rec.Code)
		}
	})

	t.Run("sales open demo accounts only", func(t *testing.T) {
		env := w.server(t)
		c := &authzClient{t: t, e: env.e, cookies: maps.Clone(w.cookies[whoSales])}
		rec := c.post("/accounts", url.Values{"name": {"Prospect"}, "email": {"prospect@example.com"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST /accounts as sales: got %d, want 303", rec.Code)
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(rec.Header().Get("Location"), "/accounts/"), 10, 64)
		if err != nil {
			t.Fatalf("POST /accounts as sales leads to %q, want the new account", rec.Header().Get("Location"))
		}
		if demo, err := env.store.IsDemo(context.Background(), id); err != nil || !demo {
			t.Errorf("the account sales opened: demo %v (%v), want a demo account", demo, err)
		}
		if rec := c.do("GET", fmt.Sprintf("/accounts/%d", id), nil, nil); rec.Code != http.StatusOK {
			t.Errorf("sales opening the demo account they made: got %d, want 200", rec.Code)
		}
	})
}

// authzClient is a minimal browser for the authorization and security
// tests: it keeps cookies by name and the CSRF token of the last page's
// forms, and on post sends that token back as the _csrf form field.
type authzClient struct {
	t       *testing.T
	e       *echo.Echo
	cookies map[string]string
	token   string
	// responses keeps every answer, for the tests that search them.
	responses []*httptest.ResponseRecorder
}

func newAuthzClient(t *testing.T, e *echo.Echo) *authzClient {
	return &authzClient{t: t, e: e, cookies: map[string]string{}}
}

// do sends a request with the client's cookies and a form if any; edit
// may change the request last. It keeps the cookies the answer sets.
func (c *authzClient) do(method, path string, form url.Values, edit func(*http.Request)) *httptest.ResponseRecorder {
	c.t.Helper()
	var hr *http.Request
	if form != nil {
		hr = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		hr = httptest.NewRequest(method, path, nil)
	}
	hr.Header.Set("Accept-Language", "en")
	for name, value := range c.cookies {
		hr.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	if edit != nil {
		edit(hr)
	}
	rec := httptest.NewRecorder()
	c.e.ServeHTTP(rec, hr)
	for _, ck := range rec.Result().Cookies() {
		if strings.HasSuffix(ck.Name, "rtcbill_session") {
			c.token = "" // a new session, or none: its forms carry another token
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if token, ok := pageCSRF(rec); ok {
		c.token = token
	}
	c.responses = append(c.responses, rec)
	return rec
}

// csrfField is the hidden field of every form that posts.
var csrfField = regexp.MustCompile(`<input type="hidden" name="_csrf" value="([^"]+)"`)

// pageCSRF reads the CSRF token of a page's forms.
func pageCSRF(rec *httptest.ResponseRecorder) (string, bool) {
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		return "", false
	}
	return m[1], true
}

// csrf returns the CSRF token of the client's forms, opening a page with a
// form first if the client has none: the sign-in page for a visitor, the
// plans page (its header's sign-out form) for a user.
func (c *authzClient) csrf() string {
	c.t.Helper()
	for _, path := range []string{"/signin", "/"} {
		if c.token == "" {
			c.do("GET", path, nil, nil)
		}
	}
	if c.token == "" {
		c.t.Fatal("neither /signin nor / has a form with a CSRF token")
	}
	return c.token
}

// post sends a form with the right CSRF token.
func (c *authzClient) post(path string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = slices.Clone(v)
	}
	f.Set("_csrf", c.csrf())
	return c.do("POST", path, f, nil)
}

func (c *authzClient) signIn(email, password string) *httptest.ResponseRecorder {
	c.t.Helper()
	return c.post("/signin", url.Values{"email": {email}, "password": {password}})
}

// TestAuthzPagesOfferOnlyWhatTheMatrixAllows: every page a principal may
// open offers them nothing the matrix refuses them. Starting from the
// matrix's pages that answer them 200, and following their links two
// steps further, each link and each form's action is matched to its
// route's row, and the cell of that principal on the account the link
// names must be neither 401, 403 nor 404: no Buy button for support (not
// on the plans page, not after choosing an account), no join form in a
// room they may only watch, no link to a trail a customer may not read. A
// link to no route at all fails too.
func TestAuthzPagesOfferOnlyWhatTheMatrixAllows(t *testing.T) {
	w := newAuthzWorld(t)
	type route struct {
		row authzRow
		re  *regexp.Regexp
	}
	var routes []route
	param := regexp.MustCompile(`:[a-z_]+`)
	for _, row := range authzMatrix {
		routes = append(routes, route{row, regexp.MustCompile(`^` + param.ReplaceAllString(row.path, `[^/]+`) + `$`)})
	}
	find := func(method, path string) (authzRow, bool) {
		for _, r := range routes {
			if r.row.method == method && r.re.MatchString(path) {
				return r.row, true
			}
		}
		return authzRow{}, false
	}
	// targetOf names the prepared account whose ids the path carries, ""
	// for none.
	targetOf := func(row authzRow, path string) string {
		pp, ps := strings.Split(row.path, "/"), strings.Split(path, "/")
		for key, tg := range w.targets {
			for i, p := range pp {
				if i < len(ps) && ((p == ":id" && ps[i] == strconv.FormatInt(tg.account, 10)) ||
					(p == ":sdk_app_id" && ps[i] == strconv.FormatInt(tg.app, 10))) {
					return key
				}
			}
		}
		return ""
	}
	// cell is what who gets on target's resources: the matrix's column
	// for them, or the column of the same standing (a customer on their
	// own account or on another's; staff see accounts A and B alike).
	cell := func(row authzRow, who authzWho, target string, col int) int {
		switch {
		case target == "":
			return row.want.cells()[col]
		case who == whoA || who == whoB:
			if (who == whoA && target == "A") || (who == whoB && target == "B") {
				return row.want.a
			}
			return row.want.aOnB
		}
		for _, tg := range []string{target, "A"} {
			for i, c := range authzColumns {
				if c.who == who && c.target == tg {
					return row.want.cells()[i]
				}
			}
		}
		return row.want.cells()[col]
	}
	const maxPages = 200 // per principal
	pages := 0
	for col, c := range authzColumns {
		t.Run(c.name, func(t *testing.T) {
			env := w.server(t)
			client := &authzClient{t: t, e: env.e, cookies: maps.Clone(w.cookies[c.who])}
			type visit struct {
				uri   string
				depth int
			}
			var queue []visit
			seen := map[string]bool{}
			for _, row := range authzMatrix {
				if row.method == "GET" && !strings.HasPrefix(row.path, "/api/") && row.want.cells()[col] == http.StatusOK {
					hr := w.request(t, row, col)
					queue = append(queue, visit{hr.URL.RequestURI(), 0})
				}
			}
			for len(queue) > 0 && len(seen) < maxPages {
				v := queue[0]
				queue = queue[1:]
				if seen[v.uri] {
					continue
				}
				seen[v.uri] = true
				rec := client.do("GET", v.uri, nil, nil)
				if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
					continue
				}
				pages++
				doc, err := goquery.NewDocumentFromReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				page, _ := url.Parse("http://example.com" + v.uri)
				check := func(method, ref, what string) {
					u, err := page.Parse(ref)
					if err != nil || u.Host != page.Host || strings.HasPrefix(u.Path, "/static/") || (u.Path == page.Path && u.Fragment != "") {
						return
					}
					target, ok := find(method, u.Path)
					if !ok {
						t.Errorf("%s as %s: %s %s %s leads to no route", v.uri, c.name, what, method, u.RequestURI())
						return
					}
					got := cell(target, c.who, targetOf(target, u.Path), col)
					if got == http.StatusUnauthorized || got == http.StatusForbidden || got == http.StatusNotFound {
						t.Errorf("%s as %s: offers %s %s %s, which the matrix answers %d", v.uri, c.name, what, method, u.RequestURI(), got)
						return
					}
					if method == "GET" && got == http.StatusOK && v.depth < 2 && !strings.HasSuffix(u.Path, ".csv") {
						queue = append(queue, visit{u.RequestURI(), v.depth + 1})
					}
				}
				doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
					check("GET", a.AttrOr("href", ""), "the link “"+strings.Join(strings.Fields(a.Text()), " ")+"” to")
				})
				doc.Find("form").Each(func(_ int, f *goquery.Selection) {
					check(strings.ToUpper(f.AttrOr("method", "GET")), f.AttrOr("action", v.uri), "a form to")
				})
			}
		})
	}
	t.Logf("%d pages searched for links and forms", pages)
}
