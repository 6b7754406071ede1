package handlers_test

// The limits of issue 7: oversized bodies, absurd batch sizes, sessions
// longer than 24 hours or in the future, and instants before 2015 each get a
// clear 4xx that names the field, and store nothing.
//
// Already tested in api_errors_test.go, so not repeated here:
//   - TestBodyOverTheLimitIs413: a session batch (with its length announced
//     and streamed) and an account body over the limit → 413 payload_too_large.
//   - TestSessionBatchWithOneInvalidRowStoresNothing: 10,001 sessions → 422
//     sessions; a session of 24 h + 1 s → 422 left_at; a session ending 1 s
//     after the server's now → 422 left_at; a session wholly before 2015 →
//     422 joined_at; a room_id over 128 characters → 422 room_id.
//   - TestRejectedRequestsChangeNothing: purchased_at and an app's
//     created_at before 2015 or in the future → 422; a bill month before
//     2015 or not started → 422 month.
//
// This file adds what they leave out: the exact edge of each limit (the last
// value accepted next to the first refused), the same limits on the other
// fields and routes, and absurd values.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"rtcbill/handlers"
)

// bodyLimitBytes is handlers.BodyLimit in bytes: echo reads "8M" as decimal
// megabytes, 8,000,000 bytes, not 8 MiB.
const bodyLimitBytes = 8_000_000

// padded writes a JSON object of exactly size bytes: head (an object's
// members, without braces) and a "pad" member that the handlers ignore.
func padded(head string, size int) []byte {
	prefix := "{" + head + `,"pad":"`
	const suffix = `"}`
	n := size - len(prefix) - len(suffix)
	if n < 0 {
		panic("padded: head longer than size")
	}
	return []byte(prefix + strings.Repeat("x", n) + suffix)
}

// stream hides a body's length, as a chunked upload does.
func stream(b []byte) io.Reader { return io.MultiReader(bytes.NewReader(b)) }

// row is one session of a batch as a JSON object, for bodies built by hand.
func row(id, joined, left string) string {
	return fmt.Sprintf(`{"session_id":%q,"room_id":"r","user_id":"u-%s","joined_at":%q,"left_at":%q}`, id, id, joined, left)
}

// accepted posts a staff request that must succeed with want.
func accepted(t *testing.T, env *env, r req, want int) map[string]any {
	t.Helper()
	rec := env.do(r)
	if rec.Code != want {
		t.Fatalf("%s %s: got status %d, want %d; body %s", r.method, r.path, rec.Code, want, rec.Body.String())
	}
	return decodeObject(t, rec.Body.Bytes())
}

func TestLimitBodySizeIsExact(t *testing.T) {
	t.Parallel()
	if handlers.BodyLimit != "8M" {
		t.Fatalf("handlers.BodyLimit: got %q, want \"8M\" (update bodyLimitBytes with it)", handlers.BodyLimit)
	}
	env := newEnv(t)
	f := newRejectFixture(env)
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)
	purchases := fmt.Sprintf("/api/v1/accounts/%d/purchases", f.acct)
	apps := fmt.Sprintf("/api/v1/accounts/%d/apps", f.acct)
	join := fmt.Sprintf("/api/v1/apps/%d/rooms/big/join", f.app)
	batch := func(size int) []byte {
		return padded(`"sessions":[`+row("edge", "2019-05-01T10:00:00+08:00", "2019-05-01T10:30:00+08:00")+`]`, size)
	}
	none := -1

	runRejections(t, env, []rejection{
		{"413 a session batch one byte over the limit, its length announced", req{method: "POST", path: sessions, body: batch(bodyLimitBytes + 1)}, 413, "payload_too_large", "", none},
		{"413 a purchase one byte over the limit", req{method: "POST", path: purchases, body: padded(`"plan":"starter"`, bodyLimitBytes+1)}, 413, "payload_too_large", "", none},
		{"413 an application one byte over the limit", req{method: "POST", path: apps, body: padded(`"name":"big"`, bodyLimitBytes+1)}, 413, "payload_too_large", "", none},
		{"413 a join one byte over the limit", req{method: "POST", path: join, body: padded(`"user_id":"big"`, bodyLimitBytes+1)}, 413, "payload_too_large", "", none},
		{"413 a purchase 1 MB over the limit, streamed with an Idempotency-Key", req{method: "POST", path: purchases, body: stream(padded(`"plan":"starter"`, bodyLimitBytes+1_000_000)),
			headers: map[string]string{"Idempotency-Key": "big"}}, 413, "payload_too_large", "", none},
	})

	t.Run("a session batch of exactly the limit is accepted", func(t *testing.T) {
		before := env.counts()
		body := batch(bodyLimitBytes)
		if len(body) != bodyLimitBytes {
			t.Fatalf("test body: got %d bytes, want %d", len(body), bodyLimitBytes)
		}
		res := accepted(t, env, req{method: "POST", path: sessions, body: stream(body)}, http.StatusCreated)
		wantInt(t, res, "inserted", 1)
		if got, want := env.counts()["sessions"], before["sessions"]+1; got != want {
			t.Errorf("session rows: got %d, want %d", got, want)
		}
	})
}

// TestLimitStreamedBodyJustOverTheLimit: a body sent without its length
// (chunked) is cut by echo's BodyLimit reader, which fails the read that
// crosses the limit; json.Decoder keeps the bytes of that read, so a JSON
// value ending inside it would decode and be stored. expectEnd
// (handlers/json.go) reads on to the end of the body, where the limit's 413
// surfaces; it also refuses anything after the value.
func TestLimitStreamedBodyJustOverTheLimit(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)
	batch := padded(`"sessions":[`+row("over", "2019-05-01T10:00:00+08:00", "2019-05-01T10:30:00+08:00")+`]`, bodyLimitBytes+1)
	none := -1
	runRejections(t, env, []rejection{
		{"413 a session batch one byte over the limit, streamed", req{method: "POST", path: sessions, body: stream(batch)}, 413, "payload_too_large", "", none},
		{"413 a purchase one byte over the limit, streamed", req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/purchases", f.acct),
			body: stream(padded(`"plan":"starter"`, bodyLimitBytes+1))}, 413, "payload_too_large", "", none},
		{"413 a join one byte over the limit, streamed", req{method: "POST", path: fmt.Sprintf("/api/v1/apps/%d/rooms/big/join", f.app),
			body: stream(padded(`"user_id":"big"`, bodyLimitBytes+1))}, 413, "payload_too_large", "", none},
	})
}

func TestLimitBatchSize(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	path := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)

	// Two "sessions" members of 6,000 rows: 12,000 in one request.
	var split bytes.Buffer
	split.WriteString(`{"sessions":[`)
	for i := range 12_000 {
		if i == 6_000 {
			split.WriteString(`],"sessions":[`)
		} else if i > 0 {
			split.WriteByte(',')
		}
		split.WriteString(row(fmt.Sprintf("split-%d", i), "2019-06-02T10:00:00+08:00", "2019-06-02T10:01:00+08:00"))
	}
	split.WriteString(`]}`)
	runRejections(t, env, []rejection{
		{"422 a batch over the row limit split over two sessions members", req{method: "POST", path: path, body: split.Bytes()}, 422, "validation_failed", "sessions", -1},
	})

	t.Run("a batch of exactly 10,000 sessions with 128-character ids fits the body limit and is stored whole", func(t *testing.T) {
		pad := func(prefix string, i int) string { return fmt.Sprintf("%s%0*d", prefix, 128-len(prefix), i) }
		var b bytes.Buffer
		b.WriteString(`{"sessions":[`)
		for i := range 10_000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"session_id":%q,"room_id":%q,"user_id":%q,"joined_at":"2019-06-03T10:00:00+08:00","left_at":"2019-06-03T10:01:00+08:00"}`,
				pad("s", i), pad("r", i%7), pad("u", i))
		}
		b.WriteString(`]}`)
		if b.Len() > bodyLimitBytes {
			t.Fatalf("test body: %d bytes, over the body limit of %d", b.Len(), bodyLimitBytes)
		}
		t.Logf("a full batch of ASCII ids at their longest is %d bytes (limit %d)", b.Len(), bodyLimitBytes)
		before := env.counts()
		res := accepted(t, env, req{method: "POST", path: path, body: b.Bytes()}, http.StatusCreated)
		wantInt(t, res, "inserted", 10_000)
		wantInt(t, res, "duplicates", 0)
		after := env.counts()
		if got, want := after["sessions"], before["sessions"]+10_000; got != want {
			t.Errorf("session rows: got %d, want %d", got, want)
		}
		if got, want := after["usage_daily.seconds"], before["usage_daily.seconds"]+10_000*60; got != want {
			t.Errorf("daily seconds: got %d, want %d", got, want)
		}
	})
}

func TestLimitSessionOfExactly24HoursIsAccepted(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	path := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)

	runRejections(t, env, []rejection{
		{"422 24 h + 1 s written in two offsets is measured between the instants", req{method: "POST", path: path,
			body: `{"sessions":[` + row("long", "2019-05-05T10:00:00+08:00", "2019-05-06T02:00:01Z") + `]}`}, 422, "validation_failed", "left_at", 0},
	})
	t.Run("a session of exactly 24 h is stored with its 86,400 seconds", func(t *testing.T) {
		before := env.counts()
		res := accepted(t, env, req{method: "POST", path: path,
			body: `{"sessions":[` + row("day", "2019-05-03T10:00:00+08:00", "2019-05-04T02:00:00Z") + `]}`}, http.StatusCreated)
		wantInt(t, res, "inserted", 1)
		if got, want := env.counts()["usage_daily.seconds"], before["usage_daily.seconds"]+86_400; got != want {
			t.Errorf("daily seconds: got %d, want %d", got, want)
		}
	})
}

func TestLimitTheFutureIsTheServersClock(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	// The server's clock is set back to 2019-05-01 12:00 CST: instants long
	// past on the wall clock are still in the future for it.
	env.clock.Advance(mustInstant("2019-05-01T12:00:00+08:00").Sub(fixedNow))
	const now, next = "2019-05-01T12:00:00+08:00", "2019-05-01T04:00:01Z" // next is 12:00:01 CST
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)
	purchases := fmt.Sprintf("/api/v1/accounts/%d/purchases", f.acct)
	apps := fmt.Sprintf("/api/v1/accounts/%d/apps", f.acct)
	none := -1

	runRejections(t, env, []rejection{
		{"422 a session ending 1 s after the server's now", req{method: "POST", path: sessions,
			body: `{"sessions":[` + row("future", "2019-05-01T11:00:00+08:00", next) + `]}`}, 422, "validation_failed", "left_at", 0},
		{"422 a purchase 1 s after the server's now", req{method: "POST", path: purchases, body: map[string]string{"plan": "starter", "purchased_at": next}}, 422, "validation_failed", "purchased_at", none},
		{"422 an application created 1 s after the server's now", req{method: "POST", path: apps, body: map[string]string{"name": "later", "created_at": next}}, 422, "validation_failed", "created_at", none},
		{"422 an account created 1 s after the server's now", req{method: "POST", path: "/api/v1/accounts",
			body: map[string]string{"name": "Later", "email": "later@example.com", "created_at": next}}, 422, "validation_failed", "created_at", none},
	})

	t.Run("instants exactly at the server's now are accepted", func(t *testing.T) {
		res := accepted(t, env, req{method: "POST", path: sessions, body: `{"sessions":[` + row("now", "2019-05-01T11:00:00+08:00", now) + `]}`}, http.StatusCreated)
		wantInt(t, res, "inserted", 1)
		wantStr(t, accepted(t, env, req{method: "POST", path: purchases, body: map[string]string{"plan": "starter", "purchased_at": now}}, http.StatusCreated), "purchased_at", now)
		wantStr(t, accepted(t, env, req{method: "POST", path: apps, body: map[string]string{"name": "now", "created_at": now}}, http.StatusCreated), "created_at", now)
		wantStr(t, accepted(t, env, req{method: "POST", path: "/api/v1/accounts",
			body: map[string]string{"name": "Now", "email": "now@example.com", "created_at": now}}, http.StatusCreated), "created_at", now)
	})
}

func TestLimit2015BeginsAtMidnightCST(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	// 2015-01-01 00:00 CST is 2014-12-31 16:00 UTC: the first instant
	// accepted, written in UTC; the second before it is refused.
	const first, before = "2014-12-31T16:00:00Z", "2014-12-31T15:59:59Z"
	none := -1

	acct := intAt(t, accepted(t, env, req{method: "POST", path: "/api/v1/accounts",
		body: map[string]string{"name": "First Customer", "email": "first@example.com", "created_at": first}}, http.StatusCreated), "id")
	app := accepted(t, env, req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", acct),
		body: map[string]string{"name": "first app", "created_at": first}}, http.StatusCreated)
	sdkApp := intAt(t, app, "sdk_app_id")
	wantStr(t, app, "created_at", "2015-01-01T00:00:00+08:00")
	wantStr(t, accepted(t, env, req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/purchases", acct),
		body: map[string]string{"plan": "starter", "purchased_at": first}}, http.StatusCreated), "purchased_at", "2015-01-01T00:00:00+08:00")
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", sdkApp)
	wantInt(t, accepted(t, env, req{method: "POST", path: sessions,
		body: `{"sessions":[` + row("first", first, "2015-01-01T00:30:00+08:00") + `]}`}, http.StatusCreated), "inserted", 1)
	wantInt(t, env.bill(acct, "2015-01"), "usage_seconds", 1800)

	runRejections(t, env, []rejection{
		{"422 an account created 1 s before 2015", req{method: "POST", path: "/api/v1/accounts",
			body: map[string]string{"name": "Early", "email": "early@example.com", "created_at": before}}, 422, "validation_failed", "created_at", none},
		{"422 an application created 1 s before 2015", req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", acct),
			body: map[string]string{"name": "early", "created_at": before}}, 422, "validation_failed", "created_at", none},
		{"422 a purchase 1 s before 2015", req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/purchases", acct),
			body: map[string]string{"plan": "starter", "purchased_at": before}}, 422, "validation_failed", "purchased_at", none},
		{"422 a session joined 1 s before 2015 that ends in 2015", req{method: "POST", path: sessions,
			body: `{"sessions":[` + row("straddle", "2014-12-31T23:59:59+08:00", "2015-01-01T00:30:00+08:00") + `]}`}, 422, "validation_failed", "joined_at", 0},
		{"422 a session joined 1 s before 2015, written in UTC", req{method: "POST", path: sessions,
			body: `{"sessions":[` + row("straddle-utc", before, "2015-01-01T00:30:00+08:00") + `]}`}, 422, "validation_failed", "joined_at", 0},
	})
}

func TestLimitAbsurdInstants(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)
	purchases := fmt.Sprintf("/api/v1/accounts/%d/purchases", f.acct)
	apps := fmt.Sprintf("/api/v1/accounts/%d/apps", f.acct)
	batch := func(joined, left string) string { return `{"sessions":[` + row("absurd", joined, left) + `]}` }
	none := -1

	runRejections(t, env, []rejection{
		{"422 a session joined in year 1", req{method: "POST", path: sessions, body: batch("0001-01-01T00:00:00Z", "0001-01-01T00:30:00Z")}, 422, "validation_failed", "joined_at", 0},
		{"422 a session ending in year 9999", req{method: "POST", path: sessions, body: batch("9999-12-31T23:00:00+08:00", "9999-12-31T23:59:59+08:00")}, 422, "validation_failed", "left_at", 0},
		{"422 a session joined in year 10000", req{method: "POST", path: sessions, body: batch("10000-01-01T00:00:00Z", "10000-01-01T00:30:00Z")}, 422, "validation_failed", "joined_at", 0},
		{"422 a session that ends a century before it begins", req{method: "POST", path: sessions, body: batch("2019-05-01T10:00:00+08:00", "1919-05-01T10:30:00+08:00")}, 422, "validation_failed", "left_at", 0},
		{"422 a purchase in year 1", req{method: "POST", path: purchases, body: map[string]string{"plan": "starter", "purchased_at": "0001-01-01T00:00:00Z"}}, 422, "validation_failed", "purchased_at", none},
		{"422 a purchase in year 9999", req{method: "POST", path: purchases, body: map[string]string{"plan": "starter", "purchased_at": "9999-12-31T23:59:59+08:00"}}, 422, "validation_failed", "purchased_at", none},
		{"422 an application created in year 9999", req{method: "POST", path: apps, body: map[string]string{"name": "x", "created_at": "9999-12-31T23:59:59Z"}}, 422, "validation_failed", "created_at", none},
		{"422 an account created in year 1", req{method: "POST", path: "/api/v1/accounts",
			body: map[string]string{"name": "Old", "email": "old@example.com", "created_at": "0001-01-01T00:00:00Z"}}, 422, "validation_failed", "created_at", none},
		{"422 R11 the bill of month 0000-01", req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/0000-01", f.acct)}, 422, "validation_failed", "month", none},
		{"422 R11 the bill of month 9999-12", req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/9999-12", f.acct)}, 422, "validation_failed", "month", none},
	})
}

// TestLimitStatusAtBefore2015 is the ?at= of the status and packages reads:
// an instant before 2015 or past year 9999 (which would not even print as
// RFC 3339) is refused with 422 on the field at.
func TestLimitStatusAtBefore2015(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	none := -1
	runRejections(t, env, []rejection{
		{"422 status ?at= 1 s before 2015", req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d?at=2014-12-31T15:59:59Z", f.acct)}, 422, "validation_failed", "at", none},
		{"422 packages ?at= 1 s before 2015", req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/packages?at=2014-12-31T15:59:59Z", f.acct)}, 422, "validation_failed", "at", none},
		{"422 status ?at= past year 9999 in CST", req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d?at=9999-12-31T23:59:59Z", f.acct)}, 422, "validation_failed", "at", none},
	})
}

func TestLimitLengthsOfIdsNamesAndKeys(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	f := newRejectFixture(env)
	sessions := fmt.Sprintf("/api/v1/apps/%d/sessions", f.app)
	purchases := fmt.Sprintf("/api/v1/accounts/%d/purchases", f.acct)
	apps := fmt.Sprintf("/api/v1/accounts/%d/apps", f.acct)
	long := strings.Repeat("房", 129) // 129 characters, 387 bytes
	batch := func(edit func(r map[string]any)) map[string]any {
		r := validRow(0)
		edit(r)
		return map[string]any{"sessions": []map[string]any{r}}
	}
	key := func(n int) map[string]string { return map[string]string{"Idempotency-Key": strings.Repeat("k", n)} }
	none := -1

	runRejections(t, env, []rejection{
		{"422 a session_id of 129 characters", req{method: "POST", path: sessions, body: batch(func(r map[string]any) { r["session_id"] = long })}, 422, "validation_failed", "session_id", 0},
		{"422 a user_id of 129 characters", req{method: "POST", path: sessions, body: batch(func(r map[string]any) { r["user_id"] = long })}, 422, "validation_failed", "user_id", 0},
		{"422 a join with a room_id of 129 characters", req{method: "POST", path: fmt.Sprintf("/api/v1/apps/%d/rooms/%s/join", f.app, strings.Repeat("r", 129)),
			body: map[string]string{"user_id": "x"}}, 422, "validation_failed", "room_id", none},
		{"422 a join with a user_id of 129 characters", req{method: "POST", path: fmt.Sprintf("/api/v1/apps/%d/rooms/r/join", f.app),
			body: map[string]string{"user_id": long}}, 422, "validation_failed", "user_id", none},
		{"422 an Idempotency-Key of 256 bytes", req{method: "POST", path: purchases, body: map[string]string{"plan": "starter"}, headers: key(256)}, 422, "validation_failed", "Idempotency-Key", none},
		{"422 an account name of 201 characters", req{method: "POST", path: "/api/v1/accounts",
			body: map[string]string{"name": strings.Repeat("名", 201), "email": "long@example.com"}}, 422, "validation_failed", "name", none},
		{"422 an application name of 201 characters", req{method: "POST", path: apps, body: map[string]string{"name": strings.Repeat("n", 201)}}, 422, "validation_failed", "name", none},
	})

	t.Run("ids of 128 characters, a key of 255 bytes and names of 200 characters are accepted", func(t *testing.T) {
		edge := strings.Repeat("房", 128)
		res := accepted(t, env, req{method: "POST", path: sessions, body: batch(func(r map[string]any) {
			r["session_id"], r["room_id"], r["user_id"] = edge, edge, edge
		})}, http.StatusCreated)
		wantInt(t, res, "inserted", 1)
		accepted(t, env, req{method: "POST", path: purchases, body: map[string]string{"plan": "starter"}, headers: key(255)}, http.StatusCreated)
		accepted(t, env, req{method: "POST", path: "/api/v1/accounts", body: map[string]string{"name": strings.Repeat("名", 200), "email": "edge@example.com"}}, http.StatusCreated)
		accepted(t, env, req{method: "POST", path: apps, body: map[string]string{"name": strings.Repeat("n", 200)}}, http.StatusCreated)
	})
}
