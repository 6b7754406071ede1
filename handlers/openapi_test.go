package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	oaerrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"rtcbill/db/dbtest"
	"rtcbill/domain"
	"rtcbill/handlers"
)

// The OpenAPI document (handlers/openapi.json, served at
// /api/v1/openapi.json) is checked two ways: against the route table, so
// that no /api/v1 route goes undocumented and no documented path is
// served by nothing; and against real answers, every request and answer of
// a walk through the whole API validated with libopenapi-validator, with
// undeclared fields and headers reported (its strict mode), so that the
// schemas say what the handlers send.

// openAPIAwaitingRoutes are operations of docs/api.md that the document
// already describes while their routes are still being built: the route
// test lets them be documented and not served. Once a route lands its
// entry has no use, and the test says so in its log: delete the entry.
var openAPIAwaitingRoutes = []string{}

// openAPIAwaitingFields are fields of docs/api.md that the document
// requires in an answer while the handlers are still being taught to send
// them: the walk validates against the document without that requirement
// (a field that is sent is still checked against its schema). Once the
// field is sent its entry has no use, and the walk says so in its log:
// delete the entry.
var openAPIAwaitingFields = []struct{ op, schema, field string }{}

// openAPICommonHeaders are set on every answer by the security middleware;
// the document leaves them out rather than repeat them on every response.
var openAPICommonHeaders = []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"}

// fetchOpenAPI asks the server for its document, as a client would.
func fetchOpenAPI(t *testing.T, env *env) []byte {
	t.Helper()
	rec := env.do(req{method: "GET", path: "/api/v1/openapi.json", token: noToken()})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: got status %d, want 200; body %.300s", rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

// openAPIParam is a path parameter of the document and whatever follows it
// in its segment: {month}.csv is echo's :month, whose handler reads the
// suffix.
var openAPIParam = regexp.MustCompile(`\{([^}/]+)\}[^/]*`)

// echoPattern turns a documented path into the route pattern that serves it.
func echoPattern(docPath string) string { return openAPIParam.ReplaceAllString(docPath, ":$1") }

// documentedOperations lists the document's operations as "METHOD
// /path/{param}".
func documentedOperations(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	var out []string
	for path, item := range d.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	env := newEnv(t)
	doc := fetchOpenAPI(t, env)

	served := map[string]bool{}
	for _, r := range env.e.Routes() {
		if r.Method != echo.RouteNotFound {
			served[r.Method+" "+r.Path] = true
		}
	}
	documented := map[string]bool{}
	for _, op := range documentedOperations(t, doc) {
		method, path, _ := strings.Cut(op, " ")
		key := method + " " + echoPattern(path)
		documented[key] = true
		awaiting := slices.Contains(openAPIAwaitingRoutes, key)
		switch {
		case served[key] && awaiting:
			t.Logf("%s is served now: its entry in openAPIAwaitingRoutes can go", key)
		case !served[key] && !awaiting:
			t.Errorf("the document describes %s, which no route serves (route %s)", op, key)
		}
	}
	for key := range served {
		_, path, _ := strings.Cut(key, " ")
		if strings.HasPrefix(path, "/api/v1/") && !documented[key] {
			t.Errorf("route %s is missing from handlers/openapi.json: document it (path parameters as {name})", key)
		}
	}
	for _, key := range openAPIAwaitingRoutes {
		if !documented[key] {
			t.Errorf("openAPIAwaitingRoutes names %s, which the document does not describe", key)
		}
	}
}

func TestOpenAPIDocumentIsServedAndCacheable(t *testing.T) {
	env := newEnv(t)
	rec := env.do(req{method: "GET", path: "/api/v1/openapi.json", token: noToken()})
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200 without a token", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control: got %q, want a max-age", cc)
	}
	etag := rec.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 3 {
		t.Fatalf("ETag: got %q, want a quoted tag", etag)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi: got %q (%v), want 3.1.x", doc.OpenAPI, err)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
		again := env.do(req{method: "GET", path: "/api/v1/openapi.json", token: noToken(), headers: map[string]string{"If-None-Match": inm}})
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("If-None-Match: %s: got status %d with %d bytes, want 304 and no body", inm, again.Code, again.Body.Len())
		}
	}
	other := env.do(req{method: "GET", path: "/api/v1/openapi.json", token: noToken(), headers: map[string]string{"If-None-Match": `"other"`}})
	if other.Code != http.StatusOK || !bytes.Equal(other.Body.Bytes(), rec.Body.Bytes()) {
		t.Errorf("If-None-Match with another tag: got status %d, want 200 and the document", other.Code)
	}
}

// openAPIChecker validates exchanges with the server against its document.
type openAPIChecker struct {
	t         *testing.T
	v, loose  validator.Validator
	model     *v3.Document
	templates []openAPITemplate
	// ok records each operation that answered 2xx: "METHOD /path/{param}".
	ok map[string]bool
	// sent records the openAPIAwaitingFields that an answer carried.
	sent map[string]bool
}

type openAPITemplate struct {
	path    string
	re      *regexp.Regexp
	literal int // characters outside parameters: the more, the more specific
}

func newOpenAPIChecker(t *testing.T, env *env) *openAPIChecker {
	t.Helper()
	raw := fetchOpenAPI(t, env)
	doc, err := libopenapi.NewDocument(withoutAwaitingFields(t, raw))
	if err != nil {
		t.Fatalf("libopenapi cannot read the document: %v", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("libopenapi cannot build the document's model: %v", err)
	}
	v, errs := validator.NewValidator(doc,
		config.WithFormatAssertions(),
		config.WithStrictMode(),
		config.WithStrictIgnoredHeadersExtra(openAPICommonHeaders...),
	)
	if len(errs) > 0 {
		t.Fatalf("no validator for the document: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("the document is not valid OpenAPI 3.1:\n%s", describeOpenAPIErrors(verrs))
	}
	// The document's own answer is an OpenAPI document, whose shape the
	// OpenAPI specification gives (ValidateDocument checked it): its schema
	// names the top level only, so strict mode is not for it.
	loose, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatalf("no validator for the document: %v", errs)
	}
	c := &openAPIChecker{t: t, v: v, loose: loose, model: &model.Model, ok: map[string]bool{}, sent: map[string]bool{}}
	seen := map[string]bool{}
	for _, op := range documentedOperations(t, raw) {
		_, path, _ := strings.Cut(op, " ")
		if seen[path] {
			continue
		}
		seen[path] = true
		var re strings.Builder
		re.WriteString("^")
		last := 0
		for _, m := range regexp.MustCompile(`\{[^}/]+\}`).FindAllStringIndex(path, -1) {
			re.WriteString(regexp.QuoteMeta(path[last:m[0]]) + "([^/]+?)")
			last = m[1]
		}
		re.WriteString(regexp.QuoteMeta(path[last:]) + "$")
		c.templates = append(c.templates, openAPITemplate{path: path, re: regexp.MustCompile(re.String()),
			literal: len(regexp.MustCompile(`\{[^}/]+\}`).ReplaceAllString(path, ""))})
	}
	return c
}

// withoutAwaitingFields is the document without the requirement of each
// of openAPIAwaitingFields.
func withoutAwaitingFields(t *testing.T, raw []byte) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, a := range openAPIAwaitingFields {
		schema, _ := schemas[a.schema].(map[string]any)
		required, _ := schema["required"].([]any)
		i := slices.Index(required, any(a.field))
		if i < 0 {
			t.Fatalf("openAPIAwaitingFields: schema %s does not require %s", a.schema, a.field)
		}
		schema["required"] = slices.Delete(required, i, i+1)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// route finds the documented path of a request: the most specific that
// matches. The validator's own router reads .../bills/2019-08.csv as
// .../bills/{month} with month "2019-08.csv", so the checker chooses.
func (c *openAPIChecker) route(r *http.Request) (*v3.PathItem, string) {
	c.t.Helper()
	best := -1
	for i, tp := range c.templates {
		if tp.re.MatchString(r.URL.EscapedPath()) && (best < 0 || tp.literal > c.templates[best].literal) {
			best = i
		}
	}
	if best < 0 {
		c.t.Fatalf("%s %s: no path of the document matches", r.Method, r.URL.Path)
	}
	path := c.templates[best].path
	return c.model.Paths.PathItems.GetOrZero(path), path
}

// exchange is one request to the server and the status it must answer.
type exchange struct {
	method, path string
	body         any     // string or []byte sent as is, anything else as JSON
	token        *string // nil: the staff token
	headers      map[string]string
	status       int
	// outside: the request breaks the document (a wrong type, a missing
	// token), and the validator must say so; the server refuses it too.
	outside bool
}

// send runs x against env and validates the request and the answer; it
// returns the answer.
func (c *openAPIChecker) send(env *env, x exchange) *httptest.ResponseRecorder {
	c.t.Helper()
	var body []byte
	switch b := x.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			c.t.Fatalf("marshal request body: %v", err)
		}
	}
	newRequest := func() *http.Request {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		hr := httptest.NewRequest(x.method, x.path, r)
		if body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		token := staffToken
		if x.token != nil {
			token = *x.token
		}
		if token != "" {
			hr.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range x.headers {
			hr.Header.Set(k, v)
		}
		return hr
	}
	rec := httptest.NewRecorder()
	env.e.ServeHTTP(rec, newRequest())
	if rec.Code != x.status {
		c.t.Fatalf("%s %s: got status %d, want %d; body %.500s", x.method, x.path, rec.Code, x.status, rec.Body.String())
	}

	r := newRequest()
	item, path := c.route(r)
	op := x.method + " " + path
	v := c.v
	if op == "GET /api/v1/openapi.json" {
		v = c.loose
	}
	ok, errs := v.ValidateHttpRequestSyncWithPathItem(r, item, path)
	switch {
	case x.outside && ok:
		c.t.Errorf("%s %s: the document accepts this request, which the server refuses with %d", x.method, x.path, rec.Code)
	case !x.outside && !ok:
		c.t.Errorf("%s %s: the request breaks the document (%s):\n%s", x.method, x.path, op, describeOpenAPIErrors(errs))
	}
	ok, errs = v.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(newRequest(), rec.Result(), item, path)
	if !ok {
		c.t.Errorf("%s %s → %d: the answer breaks the document (%s):\n%s\nbody %.800s",
			x.method, x.path, rec.Code, op, describeOpenAPIErrors(errs), rec.Body.String())
	}
	if rec.Code < 300 {
		c.ok[op] = true
	}
	for _, a := range openAPIAwaitingFields {
		var answer map[string]json.RawMessage
		if a.op == op && rec.Code < 300 && json.Unmarshal(rec.Body.Bytes(), &answer) == nil && answer[a.field] != nil {
			c.sent[a.op+" "+a.field] = true
		}
	}
	return rec
}

// json sends x and decodes the answer, a JSON object.
func (c *openAPIChecker) json(env *env, x exchange) map[string]any {
	c.t.Helper()
	return decodeObject(c.t, c.send(env, x).Body.Bytes())
}

func describeOpenAPIErrors(errs []*oaerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s\n", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "      %s (at %s)\n", s.Reason, s.FieldPath)
		}
	}
	return b.String()
}

// TestOpenAPIValidatesEveryAnswer walks the whole API, each endpoint with
// its answers and errors, and validates every request and answer.
func TestOpenAPIValidatesEveryAnswer(t *testing.T) {
	env := newEnv(t)
	c := newOpenAPIChecker(t, env)
	ctx := context.Background()

	// The service: health, this document, the catalogue, the estimator.
	c.send(env, exchange{method: "GET", path: "/healthz", token: noToken(), status: 200})
	doc := c.send(env, exchange{method: "GET", path: "/api/v1/openapi.json", token: noToken(), status: 200})
	c.send(env, exchange{method: "GET", path: "/api/v1/openapi.json", token: noToken(),
		headers: map[string]string{"If-None-Match": doc.Header().Get("ETag")}, status: 304})
	c.send(env, exchange{method: "GET", path: "/api/v1/plans", token: noToken(), status: 200})
	est := c.json(env, exchange{method: "GET", path: "/api/v1/estimate?minutes_per_month=100000", token: noToken(), status: 200})
	if est["trial"] != nil {
		t.Errorf("estimate for a customer who is not new: trial %v, want null", est["trial"])
	}
	est = c.json(env, exchange{method: "GET", token: noToken(), status: 200,
		path: "/api/v1/estimate?minutes_per_month=" + url.QueryEscape("3,000") + "&new_customer=true&months=6&start=2026-12&growth_pct=5&features=whiteboard_sdk,dedicated_support"})
	if _, ok := est["trial"].(map[string]any); !ok {
		t.Errorf("estimate for a new customer: trial %v, want an object", est["trial"])
	}
	c.send(env, exchange{method: "GET", token: noToken(), status: 200,
		path: "/api/v1/estimate?basis=users&users=200&minutes_per_user_per_day=30&days_per_month=22&new_customer=yes"})
	c.send(env, exchange{method: "GET", path: "/api/v1/estimate?minutes_per_month=1000&users=20", token: noToken(), status: 422})
	c.send(env, exchange{method: "GET", path: "/api/v1/estimate?minutes_per_month=-5", token: noToken(), status: 422, outside: true})
	c.send(env, exchange{method: "GET", path: "/api/v1/estimate?minutes_per_month=5&months=99", token: noToken(), status: 422, outside: true})

	// Accounts.
	acme := c.json(env, exchange{method: "POST", path: "/api/v1/accounts", status: 201,
		body: map[string]string{"name": "Acme", "email": "ops@acme.example", "created_at": "2019-07-01T09:00:00+08:00"}})
	id := intAt(t, acme, "id")
	closed := intAt(t, c.json(env, exchange{method: "POST", path: "/api/v1/accounts", status: 201,
		body: map[string]string{"name": "Quiet Ltd", "email": "ops@quiet.example", "created_at": "2019-07-01T09:00:00+08:00"}}), "id")
	c.send(env, exchange{method: "POST", path: "/api/v1/accounts", status: 201, body: map[string]string{"name": "Opened Now", "email": "now@example.com"}})
	acct := fmt.Sprintf("/api/v1/accounts/%d", id)
	c.send(env, exchange{method: "GET", path: acct, status: 200})
	c.send(env, exchange{method: "GET", path: acct + "?at=" + url.QueryEscape("2019-08-15T00:00:00+08:00"), status: 200})
	c.send(env, exchange{method: "GET", path: "/api/v1/accounts?q=example", status: 200})
	c.send(env, exchange{method: "GET", path: "/api/v1/accounts", status: 200})
	// Paging: follow next_cursor to the end.
	cursor, pages := "", 0
	for {
		path := "/api/v1/accounts?limit=1"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		page := c.json(env, exchange{method: "GET", path: path, status: 200})
		pages++
		next, _ := page["next_cursor"].(string)
		if next == "" || pages > 10 {
			break
		}
		cursor = next
	}

	// Applications: the first one brings the trial.
	app := c.json(env, exchange{method: "POST", path: acct + "/apps", status: 201,
		body: map[string]string{"name": "Acme Live", "created_at": "2019-07-10T10:00:00+08:00"}})
	sdk := intAt(t, app, "sdk_app_id")
	c.send(env, exchange{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", closed), status: 201,
		body: map[string]string{"name": "Quiet app", "created_at": "2019-07-10T10:00:00+08:00"}})
	c.send(env, exchange{method: "GET", path: acct + "/apps", status: 200})

	// Purchases, with and without an Idempotency-Key.
	key := map[string]string{"Idempotency-Key": "order-1"}
	first := c.json(env, exchange{method: "POST", path: acct + "/purchases", headers: key, status: 201,
		body: map[string]string{"plan": "starter", "purchased_at": "2019-08-05T10:00:00+08:00"}})
	again := c.json(env, exchange{method: "POST", path: acct + "/purchases", headers: key, status: 200,
		body: map[string]string{"plan": "starter", "purchased_at": "2019-08-05T10:00:00+08:00"}})
	if intAt(t, first, "id") != intAt(t, again, "id") {
		t.Errorf("the same Idempotency-Key bought package %v, then %v", first["id"], again["id"])
	}
	c.send(env, exchange{method: "POST", path: acct + "/purchases", headers: key, status: 409, body: map[string]string{"plan": "standard"}})
	c.send(env, exchange{method: "POST", path: acct + "/purchases", status: 422, body: map[string]string{"plan": "trial"}})

	// Sessions: August 2019 beyond the packages (overage), then a batch
	// with a duplicate and two conflicts.
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", sdk)
	var rows []session
	for day := 1; day <= 28; day++ {
		for _, user := range []string{"alice", "bob"} {
			joined := fmt.Sprintf("2019-08-%02dT00:30:00+08:00", day)
			rows = append(rows, session{ID: fmt.Sprintf("%s-%d", user, day), Room: fmt.Sprintf("room-%d", day%3), User: user,
				Joined: joined, Left: fmt.Sprintf("2019-08-%02dT23:30:00+08:00", day)})
		}
	}
	c.send(env, exchange{method: "POST", path: sessions, status: 201, body: map[string]any{"sessions": rows}})
	batch := c.json(env, exchange{method: "POST", path: sessions, status: 201, body: map[string]any{"sessions": []session{
		rows[0],
		{ID: rows[1].ID, Room: rows[1].Room, User: rows[1].User, Joined: rows[1].Joined, Left: "2019-08-01T23:00:00+08:00"},
		{ID: "new-id", Room: rows[2].Room, User: rows[2].User, Joined: rows[2].Joined, Left: rows[2].Left},
		{Room: "room-x", User: "carol", Joined: "2019-08-29T10:00:00+08:00", Left: "2019-08-29T10:00:00+08:00"},
	}}})
	wantInt(t, batch, "duplicates", 1)
	wantInt(t, batch, "conflicts", 2)
	rowErr := assertError(t, c.send(env, exchange{method: "POST", path: sessions, status: 422, body: map[string]any{"sessions": []session{
		{Room: "r", User: "u", Joined: "2019-08-30T10:00:00+08:00", Left: "2019-08-30T11:00:00+08:00"},
		{Room: "r", User: "u", Joined: "2019-08-30T12:00:00+08:00", Left: "2019-08-30T11:00:00+08:00"},
	}}}), 422, "validation_failed")
	wantInt(t, rowErr, "index", 1)
	c.send(env, exchange{method: "POST", path: sessions, status: 422, outside: true,
		body: `{"sessions":[{"user_id":"u","joined_at":"2019-08-30T10:00:00+08:00","left_at":"2019-08-30T11:00:00+08:00"}]}`})
	c.send(env, exchange{method: "POST", path: sessions, status: 422, outside: true, body: `{"sessions":[]}`})

	// Packages and their forecast: an object at the end of August 2019,
	// null today (no usage in the last 30 days).
	pk := c.json(env, exchange{method: "GET", path: acct + "/packages?at=" + url.QueryEscape("2019-08-31T23:59:59+08:00"), status: 200})
	if _, ok := pk["forecast"].(map[string]any); !ok {
		t.Errorf("packages at the end of August 2019: forecast %v, want an object", pk["forecast"])
	}
	pk = c.json(env, exchange{method: "GET", path: acct + "/packages", status: 200})
	if pk["forecast"] != nil {
		t.Errorf("packages today: forecast %v, want null", pk["forecast"])
	}

	// Bills: August (overage), its CSV, late usage on September after
	// August is stored, the month the starter expired, and the rooms.
	aug := c.json(env, exchange{method: "GET", path: acct + "/bills/2019-08", status: 200})
	if intAt(t, aug, "overage_minutes") == 0 {
		t.Errorf("the August bill has no overage: %v", aug)
	}
	csv := c.send(env, exchange{method: "GET", path: acct + "/bills/2019-08.csv", status: 200})
	if ct := csv.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV Content-Type: got %q", ct)
	}
	c.send(env, exchange{method: "POST", path: sessions, status: 201, body: map[string]any{"sessions": []session{
		{ID: "late-1", Room: "room-late", User: "dave", Joined: "2019-08-30T00:30:00+08:00", Left: "2019-08-30T23:30:00+08:00"},
	}}})
	sep := c.json(env, exchange{method: "GET", path: acct + "/bills/2019-09", status: 200})
	if len(listAt(t, sep, "late_usage")) == 0 {
		t.Errorf("the September bill has no late usage after late August sessions: %v", sep)
	}
	expires := strAt(t, first, "expires_on")
	gone := c.json(env, exchange{method: "GET", path: acct + "/bills/" + expires[:7], status: 200})
	if len(listAt(t, gone, "expired")) == 0 {
		t.Errorf("the bill of %s lists no expired package", expires[:7])
	}
	if slices.Contains(openAPIServedRoutes(env), "GET /api/v1/accounts/:id/bills/:month/rooms") {
		cursor, seen := "", 0
		for pages := 0; pages < 20; pages++ {
			path := acct + "/bills/2019-08/rooms?limit=2"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			page := c.json(env, exchange{method: "GET", path: path, status: 200})
			seen += len(listAt(t, page, "rooms"))
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if seen == 0 {
			t.Errorf("the rooms of August 2019: none listed")
		}
		c.send(env, exchange{method: "GET", path: acct + "/bills/2019-08/rooms?cursor=no-such-cursor", status: 422})
	}
	c.send(env, exchange{method: "GET", path: acct + "/bills/2026-12", status: 422})
	c.send(env, exchange{method: "GET", path: acct + "/bills/2014-12", status: 422})
	c.send(env, exchange{method: "GET", path: acct + "/bills/2019-13", status: 422, outside: true})

	// Live rooms: join, join again, leave, leave again; a closed account
	// may not join.
	room := fmt.Sprintf("/api/v1/apps/%d/rooms/%s", sdk, url.PathEscape("room one"))
	c.send(env, exchange{method: "POST", path: room + "/join", status: 201, body: map[string]string{"user_id": "alice"}})
	c.send(env, exchange{method: "POST", path: room + "/join", status: 409, body: map[string]string{"user_id": "alice"}})
	env.clock.Advance(90 * time.Second)
	c.send(env, exchange{method: "POST", path: room + "/leave", status: 200, body: map[string]string{"user_id": "alice"}})
	c.send(env, exchange{method: "POST", path: room + "/leave", status: 409, body: map[string]string{"user_id": "alice"}})
	quietApps := c.json(env, exchange{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/apps", closed), status: 200})
	quietApp := intAt(t, quietApps, "apps.0.sdk_app_id")
	assertError(t, c.send(env, exchange{method: "POST", path: fmt.Sprintf("/api/v1/apps/%d/rooms/lobby/join", quietApp), status: 403,
		body: map[string]string{"user_id": "alice"}}), 403, "service_closed")

	// Events, alert settings and webhooks: a delivery attempt is logged by
	// hand, since no job runs here.
	evs := c.json(env, exchange{method: "GET", path: acct + "/events", status: 200})
	evID := strAt(t, evs, "events.0.id")
	c.send(env, exchange{method: "GET", path: acct + "/events?limit=2&after=" + evID, status: 200})
	c.send(env, exchange{method: "GET", path: acct + "/events?after=evt_nosuchevent", status: 422})
	c.send(env, exchange{method: "GET", path: acct + "/events?limit=0", status: 422, outside: true})
	c.send(env, exchange{method: "GET", path: acct + "/alerts", status: 200})
	c.send(env, exchange{method: "PUT", path: acct + "/alerts", status: 200, body: map[string]any{"low_balance_pct": []int{20, 50}, "expiring_days": 14}})
	c.send(env, exchange{method: "PUT", path: acct + "/alerts", status: 422, outside: true, body: map[string]any{"low_balance_pct": []int{120}, "expiring_days": 14}})
	hook := c.json(env, exchange{method: "POST", path: acct + "/webhooks", status: 201,
		body: map[string]any{"url": "https://203.0.113.10/hooks/rtcbill", "events": []string{"bill.issued"}}})
	c.send(env, exchange{method: "POST", path: acct + "/webhooks", status: 422, body: map[string]any{"url": "https://10.0.0.1/hooks"}})
	c.send(env, exchange{method: "GET", path: acct + "/webhooks", status: 200})
	hookID := intAt(t, hook, "id")
	hookPath := fmt.Sprintf("%s/webhooks/%d", acct, hookID)
	c.send(env, exchange{method: "POST", path: hookPath + "/deliveries/" + evID + "/retry", status: 202})
	if _, err := env.store.RecordAttempt(ctx, domain.Attempt{WebhookID: hookID, EventID: evID, Attempt: 1, StatusCode: 500, Error: "HTTP 500",
		At: env.clock.Now(), NextAttemptAt: env.clock.Now().Add(30 * time.Second)}, domain.DeliveryPending); err != nil {
		t.Fatal(err)
	}
	c.send(env, exchange{method: "GET", path: hookPath + "/deliveries", status: 200})
	c.send(env, exchange{method: "DELETE", path: hookPath, status: 204})
	c.send(env, exchange{method: "GET", path: hookPath + "/deliveries", status: 404})

	// A customer's token: its own account only, nothing of staff's.
	_, secret, err := env.store.CreateAPIToken(ctx, id, "openapi", fixedNow)
	if err != nil {
		t.Fatalf("create a customer token: %v", err)
	}
	customer := withToken(secret)
	c.send(env, exchange{method: "GET", path: acct, token: customer, status: 200})
	c.send(env, exchange{method: "GET", path: acct + "/bills/2019-08", token: customer, status: 200})
	c.send(env, exchange{method: "POST", path: acct + "/purchases", token: customer, status: 201, body: map[string]string{"plan": "standard"}})
	c.send(env, exchange{method: "POST", path: acct + "/purchases", token: customer, status: 403,
		body: map[string]string{"plan": "standard", "purchased_at": "2019-08-05T10:00:00+08:00"}})
	c.send(env, exchange{method: "GET", path: "/api/v1/accounts?q=acme", token: customer, status: 403})
	c.send(env, exchange{method: "POST", path: "/api/v1/accounts", token: customer, status: 403, body: map[string]string{"name": "Mine", "email": "mine@example.com"}})
	c.send(env, exchange{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d", closed), token: customer, status: 404})

	// The errors every endpoint shares.
	assertError(t, c.send(env, exchange{method: "GET", path: acct, token: noToken(), status: 401, outside: true}), 401, "unauthorized")
	c.send(env, exchange{method: "GET", path: acct, token: withToken("no-such-token"), status: 401})
	c.send(env, exchange{method: "GET", path: "/api/v1/accounts/999999", status: 404})
	c.send(env, exchange{method: "GET", path: "/api/v1/accounts/abc", status: 404, outside: true})
	c.send(env, exchange{method: "POST", path: "/api/v1/apps/999999/sessions", status: 404, body: map[string]any{"sessions": rows[:1]}})
	assertError(t, c.send(env, exchange{method: "POST", path: "/api/v1/accounts", status: 400, outside: true, body: `{"name":`}), 400, "invalid_json")
	c.send(env, exchange{method: "POST", path: "/api/v1/accounts", status: 422, outside: true, body: map[string]string{"name": "", "email": "x@example.com"}})
	c.send(env, exchange{method: "POST", path: "/api/v1/accounts", status: 422, outside: true, body: map[string]string{"name": "Typo", "email": "not-an-email"}})
	c.send(env, exchange{method: "POST", path: "/api/v1/accounts", status: 413, outside: true,
		body: `{"name":"` + strings.Repeat("x", 9<<20) + `","email":"big@example.com"}`})

	// Rate limits, quotas and a database that does not answer, each on a
	// server of its own.
	limited := authzServer(t, dbtest.Default().New(t), func(cfg *handlers.Config) {
		cfg.Limits = handlers.Limits{EstimatesPerMinute: 1, Apps: 1}
	})
	c.send(limited, exchange{method: "GET", path: "/api/v1/estimate?minutes_per_month=1000", token: noToken(), status: 200})
	c.send(limited, exchange{method: "GET", path: "/api/v1/estimate?minutes_per_month=1000", token: noToken(), status: 429})
	one := intAt(t, c.json(limited, exchange{method: "POST", path: "/api/v1/accounts", status: 201,
		body: map[string]string{"name": "One App", "email": "one@example.com"}}), "id")
	c.send(limited, exchange{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", one), status: 201, body: map[string]string{"name": "first"}})
	assertError(t, c.send(limited, exchange{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", one), status: 422,
		body: map[string]string{"name": "second"}}), 422, "quota_exceeded")
	down := newEnv(t)
	down.store.Close()
	c.send(down, exchange{method: "GET", path: "/healthz", token: noToken(), status: 503})

	for _, a := range openAPIAwaitingFields {
		if c.sent[a.op+" "+a.field] {
			t.Logf("%s sends %s now: its entry in openAPIAwaitingFields can go", a.op, a.field)
		}
	}

	// Every documented operation answered at least once with success.
	served := openAPIServedRoutes(env)
	for _, op := range documentedOperations(t, fetchOpenAPI(t, env)) {
		method, path, _ := strings.Cut(op, " ")
		if !c.ok[op] && slices.Contains(served, method+" "+echoPattern(path)) {
			t.Errorf("%s: no request of this walk succeeded, so its answer went unchecked: add one", op)
		}
	}
}

func openAPIServedRoutes(env *env) []string {
	var out []string
	for _, r := range env.e.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}
