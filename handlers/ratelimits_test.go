package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtcbill/domain"
	"rtcbill/handlers"
)

// limitedServer is a test server with limits.
func limitedServer(t *testing.T, lim handlers.Limits, edit func(*handlers.Config)) *env {
	t.Helper()
	return authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) {
		cfg.Limits = lim
		if edit != nil {
			edit(cfg)
		}
	})
}

// assertRateLimited checks a 429 with Retry-After (want, if not empty).
func assertRateLimited(t *testing.T, rec *httptest.ResponseRecorder, retryAfter string) {
	t.Helper()
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("got %d, want 429; body %.300s", rec.Code, rec.Body.String())
	}
	got := rec.Header().Get("Retry-After")
	if got == "" || (retryAfter != "" && got != retryAfter) {
		t.Errorf("Retry-After: got %q, want %q", got, retryAfter)
	}
}

func signUpForm(n int) url.Values {
	return url.Values{"name": {fmt.Sprintf("Signup %d Co", n)}, "email": {fmt.Sprintf("signup%d@example.com", n)}, "password": {"a-good-password-1"}}
}

func TestRateLimitSignUp(t *testing.T) {
	t.Run("at most SignUpsPerAddress sign-ups an hour from one address; others and later go on", func(t *testing.T) {
		env := limitedServer(t, handlers.Limits{SignUpsPerAddress: 3}, nil)
		c := newAuthzClient(t, env.e)
		for i := 1; i <= 3; i++ {
			if rec := c.postFrom("203.0.113.1", "/signup", signUpForm(i)); rec.Code != http.StatusSeeOther {
				t.Fatalf("sign-up %d: got %d, want 303", i, rec.Code)
			}
			delete(c.cookies, "rtcbill_session")
		}
		before := secCounts(t, env)
		rec := c.postFrom("203.0.113.1", "/signup", signUpForm(4))
		assertRateLimited(t, rec, "3600")
		if !strings.Contains(rec.Body.String(), "Too many requests") {
			t.Errorf("the 429 page does not say why; body %.300s", authzSnippet(rec))
		}
		assertUnchanged(t, before, secCounts(t, env))
		if rec := c.postFrom("203.0.113.2", "/signup", signUpForm(5)); rec.Code != http.StatusSeeOther {
			t.Errorf("from another address: got %d, want 303", rec.Code)
		}
		delete(c.cookies, "rtcbill_session")
		env.clock.Advance(time.Hour)
		if rec := c.postFrom("203.0.113.1", "/signup", signUpForm(6)); rec.Code != http.StatusSeeOther {
			t.Errorf("an hour later: got %d, want 303", rec.Code)
		}
	})

	t.Run("the global ceiling holds across addresses", func(t *testing.T) {
		env := limitedServer(t, handlers.Limits{SignUpsPerHour: 2}, nil)
		c := newAuthzClient(t, env.e)
		for i := 1; i <= 2; i++ {
			if rec := c.postFrom(fmt.Sprint("203.0.113.", i), "/signup", signUpForm(i)); rec.Code != http.StatusSeeOther {
				t.Fatalf("sign-up %d: got %d, want 303", i, rec.Code)
			}
			delete(c.cookies, "rtcbill_session")
		}
		assertRateLimited(t, c.postFrom("203.0.113.3", "/signup", signUpForm(3)), "")
	})

	t.Run("an e-mail that has an account is not confirmed, and such attempts count against the limit", func(t *testing.T) {
		env := limitedServer(t, handlers.Limits{SignUpsPerAddress: 3}, nil)
		secCustomer(t, env, "Known Co", "known@example.com", "known-password-1")
		c := newAuthzClient(t, env.e)
		for i := 1; i <= 3; i++ {
			rec := c.postFrom("203.0.113.9", "/signup", url.Values{"name": {"Probe"}, "email": {"known@example.com"}, "password": {"a-good-password-1"}})
			if rec.Code != http.StatusConflict {
				t.Fatalf("attempt %d: got %d, want 409", i, rec.Code)
			}
			body := rec.Body.String()
			if strings.Contains(body, "already has an account") {
				t.Errorf("the answer confirms the account: %.300s", authzSnippet(rec))
			}
			if !strings.Contains(body, `href="/signin"`) || !strings.Contains(body, "set a new one") {
				t.Errorf("the answer does not offer sign-in and password help: %.400s", authzSnippet(rec))
			}
		}
		assertRateLimited(t, c.postFrom("203.0.113.9", "/signup", url.Values{"name": {"Probe"}, "email": {"other@example.com"}, "password": {"a-good-password-1"}}), "")
	})
}

func TestRateLimitEstimator(t *testing.T) {
	env := limitedServer(t, handlers.Limits{EstimatesPerMinute: 3}, func(cfg *handlers.Config) {
		cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	api := func(ip, xff string) *httptest.ResponseRecorder {
		h := map[string]string{}
		if xff != "" {
			h["X-Forwarded-For"] = xff
		}
		r := httptest.NewRequest("GET", "/api/v1/estimate?minutes_per_month=100000", nil)
		r.RemoteAddr = ip + ":4000"
		for k, v := range h {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		env.e.ServeHTTP(rec, r)
		return rec
	}
	page := newAuthzClient(t, env.e)

	t.Run("page and API share one budget per address: the 4th in a minute is 429 rate_limited", func(t *testing.T) {
		for i := 1; i <= 2; i++ {
			if rec := api("198.51.100.1", ""); rec.Code != http.StatusOK {
				t.Fatalf("estimate %d: got %d, want 200", i, rec.Code)
			}
		}
		if rec := page.do("GET", "/estimate?minutes_per_month=100000", nil, from("198.51.100.1")); rec.Code != http.StatusOK {
			t.Fatalf("the page, 3rd: got %d, want 200", rec.Code)
		}
		rec := api("198.51.100.1", "")
		assertRateLimited(t, rec, "20")
		assertError(t, rec, http.StatusTooManyRequests, "rate_limited")
		assertRateLimited(t, page.do("GET", "/estimate?minutes_per_month=100000", nil, from("198.51.100.1")), "")
		if rec := api("198.51.100.2", ""); rec.Code != http.StatusOK {
			t.Errorf("another address: got %d, want 200", rec.Code)
		}
	})

	t.Run("X-Forwarded-For names the client only when a trusted proxy sends it", func(t *testing.T) {
		for i := 1; i <= 3; i++ {
			if rec := api("10.0.0.1", "203.0.113.7"); rec.Code != http.StatusOK {
				t.Fatalf("through the proxy %d: got %d, want 200", i, rec.Code)
			}
		}
		assertRateLimited(t, api("10.0.0.2", "198.51.100.77, 203.0.113.7"), "")
		if rec := api("10.0.0.1", "203.0.113.8"); rec.Code != http.StatusOK {
			t.Errorf("another client through the proxy: got %d, want 200", rec.Code)
		}
		for i := 1; i <= 3; i++ {
			api("198.51.100.50", fmt.Sprint("203.0.113.", 100+i))
		}
		assertRateLimited(t, api("198.51.100.50", "203.0.113.200"), "")
	})

	t.Run("a minute later the budget is back", func(t *testing.T) {
		env.clock.Advance(time.Minute)
		if rec := api("198.51.100.1", ""); rec.Code != http.StatusOK {
			t.Errorf("got %d, want 200", rec.Code)
		}
	})
}

func TestOneImportAtATimePerAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rtcbill.db")
	serverA := authzServer(t, path, nil)
	serverB := authzServer(t, path, func(cfg *handlers.Config) { cfg.Limits.ImportTimeout = 5 * time.Minute })
	account := serverB.createAccount("Importer")
	app, _ := serverB.createApp(account, "2026-11-01T09:00:00+08:00")
	owner := serverB.signIn("en", domain.RoleCustomer, account)

	// Server A's import holds the lock, as it would in the middle of one.
	release, _, err := serverA.store.LockImport(context.Background(), account, fixedNow, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	rec := owner.upload(app, "sessions.csv", []byte(uploadCSV))
	assertRateLimited(t, rec, "600")
	if !strings.Contains(rec.Body.String(), "Another import for this account is in progress") {
		t.Errorf("the page does not say why; body %.300s", rec.Body.String())
	}
	if n := serverB.counts()["sessions"]; n != 0 {
		t.Errorf("sessions: got %d, want none stored", n)
	}
	release()
	if rec := owner.upload(app, "sessions.csv", []byte(uploadCSV)); rec.Code != http.StatusOK {
		t.Fatalf("once A's import ended: got %d, want 200", rec.Code)
	}

	// A lock its server never released (it stopped mid-import) expires.
	if _, _, err := serverA.store.LockImport(context.Background(), account, fixedNow, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	assertRateLimited(t, owner.upload(app, "sessions.csv", []byte(uploadCSV)), "")
	serverB.clock.Advance(10*time.Minute + time.Second)
	if rec := owner.upload(app, "sessions.csv", []byte(uploadCSV)); rec.Code != http.StatusOK {
		t.Errorf("after the lock expired: got %d, want 200", rec.Code)
	}
}

func TestQuotasPerAccount(t *testing.T) {
	env := limitedServer(t, handlers.Limits{Apps: 2, Tokens: 1, LiveSessions: 1}, nil)
	account := env.createAccount("Quota Co")
	app, _ := env.createApp(account, "2026-11-01T09:00:00+08:00")
	owner := env.signIn("en", domain.RoleCustomer, account)

	t.Run("applications: the API answers 422 quota_exceeded naming apps, the page says the limit", func(t *testing.T) {
		env.createApp(account, "2026-11-02T09:00:00+08:00")
		before := secCounts(t, env)
		e := assertError(t, env.do(req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", account), body: map[string]string{"name": "third"}}), 422, "quota_exceeded")
		if e["field"] != "apps" {
			t.Errorf("field: got %v, want apps", e["field"])
		}
		rec := owner.post(fmt.Sprintf("/accounts/%d/apps", account), url.Values{"name": {"third"}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "limit of 2 applications") {
			t.Errorf("the page: got %d, want 422 saying the limit", rec.Code)
		}
		assertUnchanged(t, before, secCounts(t, env))
	})

	t.Run("API tokens: one in use at a time here; revoking one frees its place", func(t *testing.T) {
		tokens := fmt.Sprintf("/accounts/%d/tokens", account)
		if rec := owner.post(tokens, url.Values{"name": {"first"}}); rec.Code != http.StatusCreated {
			t.Fatalf("first token: got %d, want 201", rec.Code)
		}
		rec := owner.post(tokens, url.Values{"name": {"second"}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "limit of 1 API tokens") {
			t.Fatalf("second token: got %d, want 422 saying the limit", rec.Code)
		}
		list, _ := env.store.APITokens(context.Background(), account)
		if rec := owner.post(fmt.Sprintf("%s/%d/revoke", tokens, list[0].ID), url.Values{}); rec.Code != http.StatusSeeOther {
			t.Fatalf("revoke: got %d", rec.Code)
		}
		if rec := owner.post(tokens, url.Values{"name": {"second"}}); rec.Code != http.StatusCreated {
			t.Errorf("after a revocation: got %d, want 201", rec.Code)
		}
	})

	t.Run("live sessions: a join past the quota is 422 quota_exceeded; a leave frees a place", func(t *testing.T) {
		join := func(user string) *httptest.ResponseRecorder {
			return env.do(req{method: "POST", path: fmt.Sprintf("/api/v1/apps/%d/rooms/r1/join", app), body: map[string]string{"user_id": user}})
		}
		if rec := join("alice"); rec.Code != http.StatusCreated {
			t.Fatalf("first join: got %d, want 201; %s", rec.Code, rec.Body.String())
		}
		e := assertError(t, join("bob"), 422, "quota_exceeded")
		if e["field"] != "live_sessions" {
			t.Errorf("field: got %v, want live_sessions", e["field"])
		}
		rec := owner.post(fmt.Sprintf("/apps/%d/rooms/r1/live/join", app), url.Values{"user_id": {"bob"}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "1 users in rooms") {
			t.Errorf("the live page: got %d, want 422 saying the limit", rec.Code)
		}
		env.call("POST", fmt.Sprintf("/api/v1/apps/%d/rooms/r1/leave", app), map[string]string{"user_id": "alice"}, http.StatusOK)
		if rec := join("bob"); rec.Code != http.StatusCreated {
			t.Errorf("after a leave: got %d, want 201", rec.Code)
		}
	})
}

// The server's timeouts, on a real listener with the read timeouts cut
// short so that the test is quick.
func TestServerTimeouts(t *testing.T) {
	env := limitedServer(t, handlers.Limits{ImportTimeout: 5 * time.Second}, nil)
	srv := httptest.NewUnstartedServer(env.e)
	handlers.Timeouts(srv.Config)
	c := srv.Config
	if c.ReadHeaderTimeout != 10*time.Second || c.ReadTimeout != 60*time.Second || c.WriteTimeout != 60*time.Second ||
		c.IdleTimeout != 120*time.Second || c.MaxHeaderBytes != 64<<10 {
		t.Errorf("got header %s, read %s, write %s, idle %s, max header %d bytes; want 10s, 60s, 60s, 2m0s, 65536",
			c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.MaxHeaderBytes)
	}
	c.ReadHeaderTimeout, c.ReadTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	// trickle sends s a byte at a time, every, and reports how long until
	// the server closed the connection (or all was sent and answered).
	trickle := func(s string, every time.Duration) time.Duration {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		done := make(chan struct{})
		go func() { io.Copy(io.Discard, conn); close(done) }()
		for i := 0; i < len(s); i++ {
			select {
			case <-done:
				return time.Since(start)
			case <-time.After(every):
			}
			if _, err := conn.Write([]byte{s[i]}); err != nil {
				return time.Since(start)
			}
		}
		<-done
		return time.Since(start)
	}
	t.Run("headers sent slowly are cut off", func(t *testing.T) {
		if d := trickle("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "+strings.Repeat("a", 200)+"\r\n\r\n", 20*time.Millisecond); d > 2*time.Second {
			t.Errorf("the connection lasted %s, want it closed soon after the header timeout", d)
		}
	})
	t.Run("a body sent slowly is cut off", func(t *testing.T) {
		body := `{"name":"Slow Co","email":"slow@example.com"}` + strings.Repeat(" ", 200)
		req := fmt.Sprintf("POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			staffToken, len(body), body)
		if d := trickle(req, 10*time.Millisecond); d > 2*time.Second {
			t.Errorf("the connection lasted %s, want it cut soon after the read timeout", d)
		}
	})
	t.Run("the CSV upload has longer than the read timeout", func(t *testing.T) {
		account := env.createAccount("Slow Importer")
		app, _ := env.createApp(account, "2026-11-01T09:00:00+08:00")
		owner := env.signIn("en", domain.RoleCustomer, account)
		body, ctype := uploadBody(owner.csrf(), []byte(uploadCSV))
		pr, pw := io.Pipe()
		go func() {
			step := len(body)/40 + 1
			for i := 0; i < len(body); i += step {
				time.Sleep(15 * time.Millisecond) // about 600 ms in all, twice the read timeout
				pw.Write(body[i:min(i+step, len(body))])
			}
			pw.Close()
		}()
		hr, _ := http.NewRequest("POST", srv.URL+fmt.Sprintf("/apps/%d/import", app), pr)
		hr.ContentLength = int64(len(body))
		hr.Header.Set("Content-Type", ctype)
		hr.Header.Set("Accept-Language", "en")
		for _, ck := range owner.cookies {
			hr.AddCookie(ck)
		}
		start := time.Now()
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(hr)
		if err != nil {
			t.Fatalf("the upload failed after %s: %v", time.Since(start), err)
		}
		defer res.Body.Close()
		page, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || time.Since(start) < 300*time.Millisecond || !strings.Contains(string(page), `data-testid="import-done"`) {
			t.Errorf("got %d after %s, want 200 after more than the read timeout, the import done; body %.300s", res.StatusCode, time.Since(start), page)
		}
	})
}

// uploadBody is the multipart form of the import: the CSRF token and a file.
func uploadBody(csrf string, file []byte) ([]byte, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrf)
	fw, _ := mw.CreateFormFile("file", "sessions.csv")
	fw.Write(file)
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}
