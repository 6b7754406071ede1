package handlers_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/handlers"
)

// credPage parses an answer for its data-testid elements.
func credPage(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func credText(d *goquery.Document, id string) string {
	return strings.TrimSpace(d.Find(`[data-testid="` + id + `"]`).First().Text())
}

// signedInAt signs a new client in and fails the test if it cannot.
func signedInAt(t *testing.T, env *env, email, password string) *authzClient {
	t.Helper()
	c := newAuthzClient(t, env.e)
	if rec := c.signIn(email, password); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: got %d, want 303; body %.300s", email, rec.Code, authzSnippet(rec))
	}
	return c
}

// wantSignedOut checks that c's session no longer signs it in: the
// sign-in page shows its form (a signed-in user is sent home from it).
func wantSignedOut(t *testing.T, c *authzClient, why string) {
	t.Helper()
	if rec := c.do("GET", "/signin", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("%s: GET /signin got %d to %q, want 200: the form of a visitor", why, rec.Code, rec.Header().Get("Location"))
	}
}

func wantSignedIn(t *testing.T, c *authzClient, why string) {
	t.Helper()
	if rec := c.do("GET", "/signin", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("%s: GET /signin got %d, want 303 home: a signed-in user", why, rec.Code)
	}
}

// secDump is every text and blob of the tables that hold credentials.
func secDump(t *testing.T, env *env) string {
	t.Helper()
	var out strings.Builder
	for _, q := range []string{
		`SELECT token_hash || ' ' || CAST(data AS TEXT) FROM web_sessions`,
		`SELECT token_hash FROM password_resets`,
		`SELECT actor || ' ' || action || ' ' || detail FROM audit_log`,
	} {
		rows, err := env.ro.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out.WriteString(s + "\n")
		}
		rows.Close()
	}
	return out.String()
}

func TestSessionTokensStoredHashed(t *testing.T) {
	env := newEnv(t)
	const email, password = "grace@example.com", "grace-password-1"
	secCustomer(t, env, "Grace Co", email, password)
	c := signedInAt(t, env, email, password)
	token := c.cookies["rtcbill_session"]
	var n int
	if err := env.ro.QueryRow(`SELECT COUNT(*) FROM web_sessions WHERE token_hash = ?`, sha256Hex(token)).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows named by the SHA-256 of the session cookie: %d (%v), want 1", n, err)
	}
	if strings.Contains(secDump(t, env), token) {
		t.Errorf("the database holds the session cookie's token in clear")
	}
}

// sessionRow reads the stored session of a cookie.
func sessionRow(t *testing.T, env *env, cookie string) (string, int64) {
	t.Helper()
	var data []byte
	var expiry int64
	if err := env.ro.QueryRow(`SELECT data, expiry FROM web_sessions WHERE token_hash = ?`, sha256Hex(cookie)).Scan(&data, &expiry); err != nil {
		t.Fatalf("the session row: %v", err)
	}
	return string(data), expiry
}

func TestSessionTimeouts(t *testing.T) {
	const email, password = "grace@example.com", "grace-password-1"
	setup := func(t *testing.T) (*env, *authzClient) {
		env := newEnv(t)
		secCustomer(t, env, "Grace Co", email, password)
		return env, signedInAt(t, env, email, password)
	}

	t.Run("a page view writes the session at most once every 5 minutes", func(t *testing.T) {
		env, c := setup(t)
		cookie := c.cookies["rtcbill_session"]
		data, expiry := sessionRow(t, env, cookie)
		for range 14 { // 4 min 40 s of page views
			env.clock.Advance(20 * time.Second)
			wantSignedIn(t, c, "a page view")
		}
		if d, e := sessionRow(t, env, cookie); d != data || e != expiry {
			t.Errorf("the session row was rewritten within 5 minutes")
		}
		env.clock.Advance(20 * time.Second) // 5 minutes after the sign-in
		wantSignedIn(t, c, "the page view 5 minutes on")
		touched, _ := sessionRow(t, env, cookie)
		if touched == data {
			t.Errorf("the time of the latest request was not recorded after 5 minutes")
		}
		env.clock.Advance(10 * time.Second)
		wantSignedIn(t, c, "the next page view")
		if d, _ := sessionRow(t, env, cookie); d != touched {
			t.Errorf("the session row was rewritten again 10 s after the last write")
		}
		if c.cookies["rtcbill_session"] != cookie {
			t.Errorf("the session cookie changed without a sign-in")
		}
	})

	t.Run("2 hours without a request end the session", func(t *testing.T) {
		env, c := setup(t)
		env.clock.Advance(2*time.Hour - 6*time.Minute)
		wantSignedIn(t, c, "after 1 h 54 min idle")
		env.clock.Advance(2 * time.Hour)
		wantSignedOut(t, c, "after 2 h idle")
	})

	t.Run("the idle timeout is configurable", func(t *testing.T) {
		env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) { cfg.IdleTimeout = 30 * time.Minute })
		secCustomer(t, env, "Grace Co", email, password)
		c := signedInAt(t, env, email, password)
		env.clock.Advance(31 * time.Minute)
		wantSignedOut(t, c, "after 31 min idle with a 30 min timeout")
	})

	t.Run("12 hours after sign-in the session ends, however busy", func(t *testing.T) {
		env, c := setup(t)
		for range 11 {
			env.clock.Advance(time.Hour)
			wantSignedIn(t, c, "an hourly page view")
		}
		env.clock.Advance(time.Hour)
		wantSignedOut(t, c, "12 h after sign-in")
	})
}

func TestCSRFTokensOfVisitors(t *testing.T) {
	env := newEnv(t)
	const email, password = "grace@example.com", "grace-password-1"
	secCustomer(t, env, "Grace Co", email, password)

	t.Run("a planted rtcbill_csrf cookie with a matching form field is refused", func(t *testing.T) {
		c := newAuthzClient(t, env.e)
		const planted = "planted-by-a-sibling-site-0123456789abcdefAB"
		c.cookies["rtcbill_csrf"] = planted
		rec := c.do("POST", "/signin", url.Values{"_csrf": {planted}, "email": {email}, "password": {password}}, nil)
		if rec.Code != http.StatusForbidden {
			t.Errorf("got %d, want 403", rec.Code)
		}
		rec = c.do("POST", "/signin", url.Values{"email": {email}, "password": {password}}, func(r *http.Request) { r.Header.Set("X-CSRF-Token", planted) })
		if rec.Code != http.StatusForbidden {
			t.Errorf("as a header: got %d, want 403", rec.Code)
		}
	})

	t.Run("one visitor's token does not work with another visitor's cookie", func(t *testing.T) {
		one, two := newAuthzClient(t, env.e), newAuthzClient(t, env.e)
		token := one.csrf()
		two.csrf()
		rec := two.do("POST", "/signin", url.Values{"_csrf": {token}, "email": {email}, "password": {password}}, nil)
		if rec.Code != http.StatusForbidden {
			t.Errorf("got %d, want 403", rec.Code)
		}
	})

	t.Run("a visitor's token costs no database write", func(t *testing.T) {
		newAuthzClient(t, env.e).csrf() // the key exists from here on
		before := secCounts(t, env)
		var sessions, settings int
		count := func() (int, int) {
			var a, b int
			env.ro.QueryRow(`SELECT COUNT(*) FROM web_sessions`).Scan(&a)
			env.ro.QueryRow(`SELECT COUNT(*) FROM settings`).Scan(&b)
			return a, b
		}
		sessions, settings = count()
		for range 5 {
			c := newAuthzClient(t, env.e)
			c.csrf()
			c.do("GET", "/plans", nil, nil)
		}
		if a, b := count(); a != sessions || b != settings {
			t.Errorf("five first visits: web_sessions %d → %d, settings %d → %d; want no new rows", sessions, a, settings, b)
		}
		assertUnchanged(t, before, secCounts(t, env))
	})

	t.Run("two servers on one database accept each other's visitor tokens", func(t *testing.T) {
		other := authzServer(t, env.path, nil)
		c := newAuthzClient(t, env.e)
		token := c.csrf()
		c.e = other.e
		if rec := c.do("POST", "/signin", url.Values{"_csrf": {token}, "email": {email}, "password": {password}}, nil); rec.Code != http.StatusSeeOther {
			t.Errorf("the token of one server on the other: got %d, want 303", rec.Code)
		}
	})
}

func TestOriginOfUnsafeRequests(t *testing.T) {
	const email, password = "grace@example.com", "grace-password-1"
	for _, tc := range []struct {
		name, base, origin string
		want               int
	}{
		{"no Origin (an older browser, a form without one)", "", "", http.StatusSeeOther},
		{"this host's origin", "", "http://example.com", http.StatusSeeOther},
		{"another site", "", "https://evil.example", http.StatusForbidden},
		{"a sibling subdomain", "", "http://evil.example.com", http.StatusForbidden},
		{"the opaque origin null", "", "null", http.StatusForbidden},
		{"the base URL's origin", "https://billing.example.com", "https://billing.example.com", http.StatusSeeOther},
		{"the base URL's host over plain http", "https://billing.example.com", "http://billing.example.com", http.StatusForbidden},
		{"the request's host when a base URL names another", "https://billing.example.com", "http://example.com", http.StatusForbidden},
	} {
		t.Run("a sign-in from "+tc.name, func(t *testing.T) {
			env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) { cfg.BaseURL = tc.base })
			secCustomer(t, env, "Grace Co", email, password)
			c := newAuthzClient(t, env.e)
			rec := c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {email}, "password": {password}}, func(r *http.Request) {
				if tc.origin != "" {
					r.Header.Set("Origin", tc.origin)
				}
			})
			if rec.Code != tc.want {
				t.Errorf("Origin %q with base URL %q: got %d, want %d", tc.origin, tc.base, rec.Code, tc.want)
			}
		})
	}

	t.Run("every form is checked: sign-up, sign-out and a signed-in form", func(t *testing.T) {
		env := newEnv(t)
		id := secCustomer(t, env, "Grace Co", email, password)
		c := signedInAt(t, env, email, password)
		before := secCounts(t, env)
		evil := func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }
		for _, path := range []string{"/signout", fmt.Sprintf("/accounts/%d/apps", id), fmt.Sprintf("/accounts/%d/tokens", id)} {
			if rec := c.do("POST", path, url.Values{"_csrf": {c.csrf()}, "name": {"Forged"}}, evil); rec.Code != http.StatusForbidden {
				t.Errorf("POST %s from another origin with the right token: got %d, want 403", path, rec.Code)
			}
		}
		visitor := newAuthzClient(t, env.e)
		if rec := visitor.do("POST", "/signup", url.Values{"_csrf": {visitor.csrf()}, "name": {"Mallory"}, "email": {"m@example.com"}, "password": {"mallory-password-1"}}, evil); rec.Code != http.StatusForbidden {
			t.Errorf("a sign-up from another origin: got %d, want 403", rec.Code)
		}
		assertUnchanged(t, before, secCounts(t, env))
		wantSignedIn(t, c, "after the refused sign-out")
	})

	t.Run("bearer-token API calls are exempt", func(t *testing.T) {
		env := newEnv(t)
		rec := env.do(req{method: "POST", path: "/api/v1/accounts", body: `{"name":"From a script","email":"s@example.com"}`,
			headers: map[string]string{"Origin": "https://tools.example"}})
		if rec.Code != http.StatusCreated {
			t.Errorf("got %d, want 201; body %s", rec.Code, rec.Body.String())
		}
	})
}
