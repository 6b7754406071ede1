package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	_ "modernc.org/sqlite" // the read-only side of the row counts

	"rtcbill/db"
	"rtcbill/db/dbtest"
	"rtcbill/handlers"
)

// staffToken is the AdminToken of every test server.
const staffToken = "staff-token-of-the-handlers-tests-32+"

// fixedNow is the instant the tests' clock shows unless a test moves it.
var fixedNow = mustInstant("2026-11-25T12:00:00+08:00")

func mustInstant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// clock is a Config.Now that a test can move between requests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one API server on its own SQLite file.
type env struct {
	t     testing.TB
	e     *echo.Echo
	store db.Store
	path  string
	clock *clock
	ro    dbtest.DB // a second view of the same database, for row counts
}

func newEnv(t testing.TB) *env {
	t.Helper()
	path := dbtest.Default().New(t)
	store, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("db.Open(%s): %v", dbtest.Describe(path), err)
	}
	t.Cleanup(func() { store.Close() })
	ro := dbtest.ReadOnly(t, path)
	t.Cleanup(func() { ro.Close() })
	clk := &clock{t: fixedNow}
	e := handlers.New(handlers.Config{
		Store:      store,
		AdminToken: staffToken,
		Now:        clk.Now,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return &env{t: t, e: e, store: store, path: path, clock: clk, ro: ro}
}

// req describes one request; the zero value is a staff request.
type req struct {
	method, path string
	body         any // string or []byte sent as is, anything else as JSON
	token        *string
	headers      map[string]string
}

func noToken() *string           { s := ""; return &s }
func withToken(t string) *string { return &t }

func (env *env) do(r req) *httptest.ResponseRecorder {
	env.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	case io.Reader:
		body = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			env.t.Fatalf("marshal request body: %v", err)
		}
		body = bytes.NewReader(buf)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	token := staffToken
	if r.token != nil {
		token = *r.token
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.e.ServeHTTP(rec, hr)
	return rec
}

// call sends a staff request and wants status back; it returns the decoded
// JSON object of the answer.
func (env *env) call(method, path string, body any, want int) map[string]any {
	env.t.Helper()
	rec := env.do(req{method: method, path: path, body: body})
	if rec.Code != want {
		env.t.Fatalf("%s %s: got status %d, want %d; body %s", method, path, rec.Code, want, rec.Body.String())
	}
	return decodeObject(env.t, rec.Body.Bytes())
}

func decodeObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("answer is not a JSON object: %v; body %s", err, b)
	}
	return m
}

// --- the API's resources ---------------------------------------------------

func (env *env) createAccount(name string) int64 {
	env.t.Helper()
	a := env.call("POST", "/api/v1/accounts", map[string]string{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"}, http.StatusCreated)
	return intAt(env.t, a, "id")
}

// createApp creates an application backdated to createdAt (staff) and
// returns its SDKAppID and whether it brought the trial.
func (env *env) createApp(account int64, createdAt string) (int64, bool) {
	env.t.Helper()
	a := env.call("POST", fmt.Sprintf("/api/v1/accounts/%d/apps", account),
		map[string]string{"name": "app of " + createdAt, "created_at": createdAt}, http.StatusCreated)
	granted, ok := at(env.t, a, "trial_granted").(bool)
	if !ok {
		env.t.Fatalf("trial_granted: got %T %v, want a JSON boolean", at(env.t, a, "trial_granted"), at(env.t, a, "trial_granted"))
	}
	return intAt(env.t, a, "sdk_app_id"), granted
}

func (env *env) purchase(account int64, plan, purchasedAt string) map[string]any {
	env.t.Helper()
	body := map[string]string{"plan": plan}
	if purchasedAt != "" {
		body["purchased_at"] = purchasedAt
	}
	return env.call("POST", fmt.Sprintf("/api/v1/accounts/%d/purchases", account), body, http.StatusCreated)
}

// session is one row of a session batch.
type session struct {
	ID     string `json:"session_id,omitempty"`
	Room   string `json:"room_id"`
	User   string `json:"user_id"`
	Joined string `json:"joined_at"`
	Left   string `json:"left_at"`
}

func (env *env) postSessions(app int64, rows []session) (inserted, duplicates int64) {
	env.t.Helper()
	res := env.call("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), map[string]any{"sessions": rows}, http.StatusCreated)
	return intAt(env.t, res, "inserted"), intAt(env.t, res, "duplicates")
}

func (env *env) bill(account int64, month string) map[string]any {
	env.t.Helper()
	return env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/bills/%s", account, month), nil, http.StatusOK)
}

func (env *env) status(account int64, atInstant string) string {
	env.t.Helper()
	path := fmt.Sprintf("/api/v1/accounts/%d", account)
	if atInstant != "" {
		path += "?at=" + urlQueryEscape(atInstant)
	}
	return strAt(env.t, env.call("GET", path, nil, http.StatusOK), "status")
}

func urlQueryEscape(s string) string { return strings.ReplaceAll(s, "+", "%2B") }

// --- row counts --------------------------------------------------------------

var countedTables = []string{"accounts", "apps", "packages", "sessions", "usage_daily", "usage_room_monthly", "live_sessions"}

// counts reads the number of rows of every table the API writes, through a
// separate read-only connection to the same file.
func (env *env) counts() map[string]int64 {
	env.t.Helper()
	out := map[string]int64{}
	for _, table := range countedTables {
		var n int64
		if err := env.ro.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			env.t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	// The sums matter as much as the rows: an update of a sum adds no row.
	for _, table := range []string{"usage_daily", "usage_room_monthly"} {
		var n int64
		if err := env.ro.QueryRow(`SELECT COALESCE(SUM(seconds), 0) FROM ` + table).Scan(&n); err != nil {
			env.t.Fatalf("sum %s: %v", table, err)
		}
		out[table+".seconds"] = n
	}
	return out
}

func assertUnchanged(t *testing.T, before, after map[string]int64) {
	t.Helper()
	for k, b := range before {
		if a := after[k]; a != b {
			t.Errorf("rows of %s: got %d after the rejected request, want %d (unchanged)", k, a, b)
		}
	}
}

// --- answers -------------------------------------------------------------------

// assertError checks a rejected request: its status, the shape
// {"error":{"code","message",...}} and the code. It returns the error object.
func assertError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("got status %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	body := decodeObject(t, rec.Body.Bytes())
	if len(body) != 1 {
		t.Errorf("error answer: got keys %v, want only \"error\"", keys(body))
	}
	e, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("error answer: got %s, want {\"error\":{...}}", rec.Body.String())
	}
	for _, k := range []string{"code", "message"} {
		s, ok := e[k].(string)
		if !ok || s == "" {
			t.Errorf("error.%s: got %#v, want a non-empty string", k, e[k])
		}
	}
	if got := e["code"]; got != code {
		t.Errorf("error.code: got %v, want %q (message %v)", got, code, e["message"])
	}
	return e
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// at walks a decoded JSON value along a dotted path: "deductions.0.plan".
func at(t testing.TB, v any, path string) any {
	t.Helper()
	cur := v
	for _, step := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[step]
			if !ok {
				t.Fatalf("%s: no key %q in %v", path, step, keys(c))
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(c) {
				t.Fatalf("%s: no element %q in a list of %d", path, step, len(c))
			}
			cur = c[i]
		default:
			t.Fatalf("%s: cannot step into %T at %q", path, cur, step)
		}
	}
	return cur
}

func intAt(t testing.TB, v any, path string) int64 {
	t.Helper()
	n, ok := at(t, v, path).(json.Number)
	if !ok {
		t.Fatalf("%s: got %T %v, want a JSON number", path, at(t, v, path), at(t, v, path))
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%s: got %s, want an integer", path, n)
	}
	return i
}

func strAt(t testing.TB, v any, path string) string {
	t.Helper()
	s, ok := at(t, v, path).(string)
	if !ok {
		t.Fatalf("%s: got %T %v, want a JSON string", path, at(t, v, path), at(t, v, path))
	}
	return s
}

func listAt(t testing.TB, v any, path string) []any {
	t.Helper()
	l, ok := at(t, v, path).([]any)
	if !ok {
		t.Fatalf("%s: got %T %v, want a JSON array", path, at(t, v, path), at(t, v, path))
	}
	return l
}

func wantInt(t testing.TB, v any, path string, want int64) {
	t.Helper()
	if got := intAt(t, v, path); got != want {
		t.Errorf("%s: got %d, want %d", path, got, want)
	}
}

func wantStr(t testing.TB, v any, path, want string) {
	t.Helper()
	if got := strAt(t, v, path); got != want {
		t.Errorf("%s: got %q, want %q", path, got, want)
	}
}

func wantLen(t testing.TB, v any, path string, want int) {
	t.Helper()
	if got := listAt(t, v, path); len(got) != want {
		t.Errorf("%s: got %d elements %v, want %d", path, len(got), got, want)
	}
}

// wantMoney checks that path holds money as the contract says: a JSON
// string with exactly the decimal text want.
func wantMoney(t testing.TB, v any, path, want string) {
	t.Helper()
	got, ok := at(t, v, path).(string)
	if !ok {
		t.Errorf("%s: got %T %v, want money as a JSON string", path, at(t, v, path), at(t, v, path))
		return
	}
	if got != want {
		t.Errorf("%s: got %q, want %q", path, got, want)
	}
}
