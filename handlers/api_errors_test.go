package handlers_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rejectFixture is an account with history to reject requests against.
type rejectFixture struct {
	acct, app             int64 // active: a starter bought with Idempotency-Key "k1"
	closedAcct, closedApp int64 // no package at all: closed (R5)
}

func newRejectFixture(env *env) rejectFixture {
	t := env.t
	t.Helper()
	var f rejectFixture
	f.acct = env.createAccount("Reject Customer")
	f.app, _ = env.createApp(f.acct, "2019-03-01T09:00:00+08:00")
	rec := env.do(req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/purchases", f.acct),
		body: map[string]string{"plan": "starter", "purchased_at": "2019-03-15T10:00:00+08:00"}, headers: map[string]string{"Idempotency-Key": "k1"}})
	if rec.Code != http.StatusCreated {
		t.Fatalf("fixture purchase: got status %d, want 201; body %s", rec.Code, rec.Body.String())
	}
	env.postSessions(f.app, []session{{ID: "old", Room: "r", User: "u", Joined: "2019-04-01T10:00:00+08:00", Left: "2019-04-01T11:00:00+08:00"}})
	env.call("POST", fmt.Sprintf("/api/v1/apps/%d/rooms/busy/join", f.app), map[string]string{"user_id": "inroom"}, http.StatusCreated)
	f.closedAcct = env.createAccount("Closed Customer")
	f.closedApp, _ = env.createApp(f.closedAcct, "2019-03-01T09:00:00+08:00")
	return f
}

// rejection is one request the API must refuse without changing anything.
type rejection struct {
	name   string
	req    req
	status int
	code   string
	field  string // "" when the error names no field
	index  int    // -1 when the error names no row
}

func runRejections(t *testing.T, env *env, cases []rejection) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := env.counts()
			rec := env.do(c.req)
			e := assertError(t, rec, c.status, c.code)
			if c.field != "" {
				if got, _ := e["field"].(string); got != c.field {
					t.Errorf("error.field: got %#v, want %q (message %v)", e["field"], c.field, e["message"])
				}
			}
			if c.index >= 0 {
				if _, ok := e["index"]; !ok {
					t.Errorf("error.index: missing, want %d (message %v)", c.index, e["message"])
				} else if got := intAt(t, e, "index"); got != int64(c.index) {
					t.Errorf("error.index: got %d, want %d (message %v)", got, c.index, e["message"])
				}
			} else if _, ok := e["index"]; ok {
				t.Errorf("error.index: got %v, want none", e["index"])
			}
			assertUnchanged(t, before, env.counts())
		})
	}
}

func TestRejectedRequestsChangeNothing(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	acct := func(format string) string { return fmt.Sprintf(format, f.acct) }
	app := func(format string) string { return fmt.Sprintf(format, f.app) }
	starter := map[string]string{"plan": "starter"}
	newAccount := map[string]string{"name": "Nobody", "email": "nobody@example.com"}
	none := -1

	cases := []rejection{
		// 401: no token, a wrong one, another scheme.
		{"401 creating an account without a token", req{method: "POST", path: "/api/v1/accounts", body: newAccount, token: noToken()}, 401, "unauthorized", "", none},
		{"401 buying with a wrong token", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: starter, token: withToken("wrong-token")}, 401, "unauthorized", "", none},
		{"401 ingesting sessions with a wrong token", req{method: "POST", path: app("/api/v1/apps/%d/sessions"),
			body: map[string]any{"sessions": []session{{Room: "r", User: "x", Joined: "2019-05-01T10:00:00+08:00", Left: "2019-05-01T10:01:00+08:00"}}}, token: withToken(staffToken + "-2")}, 401, "unauthorized", "", none},
		{"401 reading a bill without a token", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/2019-04"), token: noToken()}, 401, "unauthorized", "", none},
		{"401 with Basic instead of Bearer", req{method: "GET", path: acct("/api/v1/accounts/%d"), token: noToken(), headers: map[string]string{"Authorization": "Basic c3RhZmY6dG9rZW4="}}, 401, "unauthorized", "", none},

		// 404: no such account, app or route.
		{"404 account that does not exist", req{method: "GET", path: "/api/v1/accounts/999999"}, 404, "not_found", "", none},
		{"404 account id that is not a number", req{method: "GET", path: "/api/v1/accounts/abc"}, 404, "not_found", "", none},
		{"404 account id zero", req{method: "GET", path: "/api/v1/accounts/0/packages"}, 404, "not_found", "", none},
		{"404 buying for an account that does not exist", req{method: "POST", path: "/api/v1/accounts/999999/purchases", body: starter}, 404, "not_found", "", none},
		{"404 creating an app for an account that does not exist", req{method: "POST", path: "/api/v1/accounts/999999/apps", body: map[string]string{"name": "x"}}, 404, "not_found", "", none},
		{"404 packages of an account that does not exist", req{method: "GET", path: "/api/v1/accounts/999999/packages"}, 404, "not_found", "", none},
		{"404 bill of an account that does not exist", req{method: "GET", path: "/api/v1/accounts/999999/bills/2019-08"}, 404, "not_found", "", none},
		{"404 sessions for an app that does not exist", req{method: "POST", path: "/api/v1/apps/1399999999/sessions",
			body: map[string]any{"sessions": []session{{Room: "r", User: "x", Joined: "2019-05-01T10:00:00+08:00", Left: "2019-05-01T10:01:00+08:00"}}}}, 404, "not_found", "", none},
		{"404 join in an app that does not exist", req{method: "POST", path: "/api/v1/apps/1399999999/rooms/r/join", body: map[string]string{"user_id": "x"}}, 404, "not_found", "", none},
		{"404 leave in an app that does not exist", req{method: "POST", path: "/api/v1/apps/1399999999/rooms/r/leave", body: map[string]string{"user_id": "x"}}, 404, "not_found", "", none},
		{"404 unknown route under the API", req{method: "GET", path: "/api/v1/nothing-here"}, 404, "not_found", "", none},
		{"404 unknown route below an account", req{method: "GET", path: acct("/api/v1/accounts/%d/nothing-here")}, 404, "not_found", "", none},

		// 422: plans (R1, R4: the trial is never sold).
		{"422 R4 the trial cannot be bought", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "trial"}}, 422, "validation_failed", "plan", none},
		{"422 unknown plan", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "gold"}}, 422, "validation_failed", "plan", none},
		{"422 missing plan", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{}}, 422, "validation_failed", "plan", none},
		{"422 plan that is not a string", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: `{"plan": 5}`}, 422, "validation_failed", "plan", none},
		{"422 unknown plan with a used Idempotency-Key", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "gold"}, headers: map[string]string{"Idempotency-Key": "k1"}}, 422, "validation_failed", "plan", none},

		// 422: instants of purchases, apps and ?at=.
		{"422 purchased_at without an offset", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "starter", "purchased_at": "2019-08-01T10:00:00"}}, 422, "validation_failed", "purchased_at", none},
		{"422 purchased_at that is garbage", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "starter", "purchased_at": "last tuesday"}}, 422, "validation_failed", "purchased_at", none},
		{"422 purchased_at before 2015", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "starter", "purchased_at": "2014-12-31T23:59:59+08:00"}}, 422, "validation_failed", "purchased_at", none},
		{"422 purchased_at in the future", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: map[string]string{"plan": "starter", "purchased_at": "2026-11-25T12:00:01+08:00"}}, 422, "validation_failed", "purchased_at", none},
		{"422 app created_at without an offset", req{method: "POST", path: acct("/api/v1/accounts/%d/apps"), body: map[string]string{"name": "x", "created_at": "2019-08-01 10:00:00"}}, 422, "validation_failed", "created_at", none},
		{"422 app created_at in the future", req{method: "POST", path: acct("/api/v1/accounts/%d/apps"), body: map[string]string{"name": "x", "created_at": "2027-01-01T00:00:00+08:00"}}, 422, "validation_failed", "created_at", none},
		{"422 app created_at before 2015", req{method: "POST", path: acct("/api/v1/accounts/%d/apps"), body: map[string]string{"name": "x", "created_at": "2014-06-01T00:00:00+08:00"}}, 422, "validation_failed", "created_at", none},
		{"422 app without a name", req{method: "POST", path: acct("/api/v1/accounts/%d/apps"), body: map[string]string{"name": "  "}}, 422, "validation_failed", "name", none},
		{"422 account without a name", req{method: "POST", path: "/api/v1/accounts", body: map[string]string{"email": "a@example.com"}}, 422, "validation_failed", "name", none},
		{"422 account with a bad e-mail", req{method: "POST", path: "/api/v1/accounts", body: map[string]string{"name": "A", "email": "not-an-address"}}, 422, "validation_failed", "email", none},
		{"422 status ?at= that is garbage", req{method: "GET", path: acct("/api/v1/accounts/%d?at=noon")}, 422, "validation_failed", "at", none},
		{"422 packages ?at= without an offset", req{method: "GET", path: acct("/api/v1/accounts/%d/packages?at=2019-08-31T23:59:59")}, 422, "validation_failed", "at", none},

		// 422: the month of a bill.
		{"422 R11 bill month 13", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/2019-13")}, 422, "validation_failed", "month", none},
		{"422 R11 bill month without a dash", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/201908")}, 422, "validation_failed", "month", none},
		{"422 R11 bill month with one digit", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/2019-8")}, 422, "validation_failed", "month", none},
		{"422 R11 bill month that is a word", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/august")}, 422, "validation_failed", "month", none},
		{"422 R11 bill month not started yet", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/2026-12")}, 422, "validation_failed", "month", none},
		{"422 R11 bill month before 2015", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/2014-12")}, 422, "validation_failed", "month", none},
		{"422 R11 csv bill with a bad month", req{method: "GET", path: acct("/api/v1/accounts/%d/bills/2019-13.csv")}, 422, "validation_failed", "month", none},

		// 400: bodies that are not JSON.
		{"400 account body cut short", req{method: "POST", path: "/api/v1/accounts", body: `{"name": "A", "email":`}, 400, "invalid_json", "", none},
		{"400 purchase body with unquoted keys", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: `{plan: "starter"}`}, 400, "invalid_json", "", none},
		{"400 purchase with an empty body", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: ``}, 400, "invalid_json", "", none},
		{"400 purchase body with two JSON values", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"), body: `{"plan":"starter"} {"plan":"starter"}`}, 400, "invalid_json", "", none},
		{"400 session batch cut short after a valid row", req{method: "POST", path: app("/api/v1/apps/%d/sessions"),
			body: `{"sessions":[{"room_id":"r","user_id":"x","joined_at":"2019-05-01T10:00:00+08:00","left_at":"2019-05-01T10:01:00+08:00"},{"room_id":`}, 400, "invalid_json", "", none},
		{"400 session batch that is an array", req{method: "POST", path: app("/api/v1/apps/%d/sessions"), body: `[]`}, 400, "invalid_json", "", none},
		{"400 join body that is not JSON", req{method: "POST", path: app("/api/v1/apps/%d/rooms/r/join"), body: `user_id=x`}, 400, "invalid_json", "", none},

		// 403: R5 a closed account cannot start calls.
		{"403 R5 join on a closed account is service_closed", req{method: "POST", path: fmt.Sprintf("/api/v1/apps/%d/rooms/r/join", f.closedApp), body: map[string]string{"user_id": "x"}}, 403, "service_closed", "", none},

		// 409: conflicts with what is stored.
		{"409 joining a room twice", req{method: "POST", path: app("/api/v1/apps/%d/rooms/busy/join"), body: map[string]string{"user_id": "inroom"}}, 409, "already_in_room", "", none},
		{"409 leaving a room one is not in", req{method: "POST", path: app("/api/v1/apps/%d/rooms/busy/leave"), body: map[string]string{"user_id": "stranger"}}, 409, "not_in_room", "", none},
		{"409 leaving another room", req{method: "POST", path: app("/api/v1/apps/%d/rooms/quiet/leave"), body: map[string]string{"user_id": "inroom"}}, 409, "not_in_room", "", none},
		{"409 Idempotency-Key reused for another plan", req{method: "POST", path: acct("/api/v1/accounts/%d/purchases"),
			body: map[string]string{"plan": "standard", "purchased_at": "2019-03-15T10:00:00+08:00"}, headers: map[string]string{"Idempotency-Key": "k1"}}, 409, "idempotency_conflict", "", none},
	}
	runRejections(t, env, cases)
}

// validRow is a session of the fixture's app that would be accepted.
func validRow(i int) map[string]any {
	return map[string]any{
		"session_id": fmt.Sprintf("ok-%d", i), "room_id": "r", "user_id": fmt.Sprintf("user-%d", i),
		"joined_at": "2019-05-01T10:00:00+08:00", "left_at": "2019-05-01T10:30:00+08:00",
	}
}

func TestSessionBatchWithOneInvalidRowStoresNothing(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	path := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)

	cases := []struct {
		name  string
		index int
		field string
		edit  func(row map[string]any)
	}{
		{"joined_at without an offset", 1, "joined_at", func(r map[string]any) { r["joined_at"] = "2019-05-01T10:00:00" }},
		{"joined_at that is garbage", 0, "joined_at", func(r map[string]any) { r["joined_at"] = "yesterday" }},
		{"joined_at that is a number", 1, "joined_at", func(r map[string]any) { r["joined_at"] = 1556676000 }},
		{"joined_at missing", 2, "joined_at", func(r map[string]any) { delete(r, "joined_at") }},
		{"left_at that is garbage", 2, "left_at", func(r map[string]any) { r["left_at"] = "soon" }},
		{"R6 left_at before joined_at", 1, "left_at", func(r map[string]any) { r["left_at"] = "2019-05-01T09:59:59+08:00" }},
		{"R6 left_at before joined_at within one second", 1, "left_at", func(r map[string]any) {
			r["joined_at"], r["left_at"] = "2019-05-01T10:00:00.6+08:00", "2019-05-01T10:00:00.4+08:00"
		}},
		{"a session longer than 24 hours", 2, "left_at", func(r map[string]any) { r["left_at"] = "2019-05-02T10:00:01+08:00" }},
		{"a session that ends in the future", 1, "left_at", func(r map[string]any) {
			r["joined_at"], r["left_at"] = "2026-11-25T11:00:00+08:00", "2026-11-25T12:00:01+08:00"
		}},
		{"a session before 2015", 0, "joined_at", func(r map[string]any) {
			r["joined_at"], r["left_at"] = "2014-12-31T23:00:00+08:00", "2014-12-31T23:30:00+08:00"
		}},
		{"a session before its app was created", 1, "joined_at", func(r map[string]any) {
			r["joined_at"], r["left_at"] = "2019-02-28T10:00:00+08:00", "2019-02-28T10:30:00+08:00"
		}},
		{"room_id missing", 2, "room_id", func(r map[string]any) { delete(r, "room_id") }},
		{"user_id blank", 1, "user_id", func(r map[string]any) { r["user_id"] = "   " }},
		{"room_id longer than 128 characters", 1, "room_id", func(r map[string]any) { r["room_id"] = strings.Repeat("房", 129) }},
	}
	for _, c := range cases {
		t.Run("422 "+c.name+" names its row and stores none of the batch", func(t *testing.T) {
			rows := []map[string]any{validRow(0), validRow(1), validRow(2)}
			c.edit(rows[c.index])
			before := env.counts()
			billBefore := env.bill(f.acct, "2019-05")
			rec := env.do(req{method: "POST", path: path, body: map[string]any{"sessions": rows}})
			e := assertError(t, rec, http.StatusUnprocessableEntity, "validation_failed")
			if got, _ := e["field"].(string); got != c.field {
				t.Errorf("error.field: got %#v, want %q (message %v)", e["field"], c.field, e["message"])
			}
			if _, ok := e["index"]; !ok {
				t.Fatalf("error.index: missing, want %d (message %v)", c.index, e["message"])
			}
			if got := intAt(t, e, "index"); got != int64(c.index) {
				t.Errorf("error.index: got %d, want %d (message %v)", got, c.index, e["message"])
			}
			assertUnchanged(t, before, env.counts())
			if got, want := intAt(t, env.bill(f.acct, "2019-05"), "usage_seconds"), intAt(t, billBefore, "usage_seconds"); got != want {
				t.Errorf("May 2019 usage_seconds: got %d after the rejected batch, want %d", got, want)
			}
		})
	}

	runRejections(t, env, []rejection{
		{"422 an empty batch", req{method: "POST", path: path, body: `{"sessions": []}`}, 422, "validation_failed", "sessions", -1},
		{"422 a body without sessions", req{method: "POST", path: path, body: `{"rows": []}`}, 422, "validation_failed", "sessions", -1},
		{"422 a batch over the row limit", req{method: "POST", path: path, body: bigBatch(10_001)}, 422, "validation_failed", "sessions", -1},
	})
}

// bigBatch is a batch of n valid sessions.
func bigBatch(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"sessions":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"session_id":"b%d","room_id":"r","user_id":"u%d","joined_at":"2019-06-01T10:00:00+08:00","left_at":"2019-06-01T10:01:00+08:00"}`, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func TestBodyOverTheLimitIs413(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	// A valid row, then one padded past handlers.BodyLimit (8M).
	pad := strings.Repeat("x", 9<<20)
	batch := []byte(`{"sessions":[{"room_id":"r","user_id":"a","joined_at":"2019-05-01T10:00:00+08:00","left_at":"2019-05-01T10:30:00+08:00"},` +
		`{"room_id":"r","user_id":"b","joined_at":"2019-05-01T10:00:00+08:00","left_at":"2019-05-01T10:30:00+08:00","pad":"` + pad + `"}]}`)
	account := []byte(`{"name":"Big","email":"big@example.com","pad":"` + pad + `"}`)
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)

	runRejections(t, env, []rejection{
		{"413 a session batch with its length announced", req{method: "POST", path: sessions, body: batch}, 413, "payload_too_large", "", -1},
		{"413 a session batch streamed without a length", req{method: "POST", path: sessions, body: io.MultiReader(bytes.NewReader(batch))}, 413, "payload_too_large", "", -1},
		{"413 an account streamed without a length", req{method: "POST", path: "/api/v1/accounts", body: io.MultiReader(bytes.NewReader(account))}, 413, "payload_too_large", "", -1},
	})
}
