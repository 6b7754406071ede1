package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
	"rtcbill/handlers"
)

// secCustomer opens an account through the API and a customer user for it.
func secCustomer(t *testing.T, env *env, name, email, password string) int64 {
	t.Helper()
	id := env.createAccount(name)
	if _, err := env.store.CreateUser(context.Background(), email, password, domain.RoleCustomer, id, fixedNow); err != nil {
		t.Fatalf("create the customer user %s: %v", email, err)
	}
	return id
}

// secCounts is env.counts plus the tables the console writes besides the
// billing ones.
func secCounts(t *testing.T, env *env) map[string]int64 {
	t.Helper()
	out := env.counts()
	for _, table := range []string{"audit_log", "api_tokens", "users"} {
		var n int64
		if err := env.ro.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// secBuyToken opens the purchase confirmation and reads its one-time token.
func secBuyToken(t *testing.T, c *authzClient, account int64) string {
	t.Helper()
	rec := c.do("GET", fmt.Sprintf("/accounts/%d/buy/starter", account), nil, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("confirmation page: got %d, want 200", rec.Code)
	}
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	token, _ := d.Find(`[data-testid="buy-form"] input[name="token"]`).Attr("value")
	if len(token) != 32 {
		t.Fatalf("one-time token: got %q, want 32 hex digits", token)
	}
	return token
}

func TestCSRFFormPosts(t *testing.T) {
	env := newEnv(t)
	const email, password = "carol@example.com", "carol-password-1"
	id := secCustomer(t, env, "Carol Co", email, password)
	c := newAuthzClient(t, env.e)
	visitorToken := c.csrf()
	if rec := c.signIn(email, password); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: got %d, want 303", rec.Code)
	}
	buy := fmt.Sprintf("/accounts/%d/buy/starter", id)
	right := c.csrf()
	if right == visitorToken {
		t.Fatalf("the token after sign-in is the visitor's token from before it: it must be made anew at sign-in")
	}
	elsewhere := newAuthzClient(t, env.e)
	if rec := elsewhere.signIn(email, password); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in elsewhere: got %d, want 303", rec.Code)
	}
	otherSession := elsewhere.csrf()

	refused := []struct {
		name string
		form url.Values
		edit func(*http.Request)
	}{
		{"without a token", url.Values{}, nil},
		{"with a wrong token", url.Values{"_csrf": {"wrong-" + right}}, nil},
		{"with an empty token", url.Values{"_csrf": {""}}, nil},
		{"with the token of the same user's other session (tokens are bound to their session)", url.Values{"_csrf": {otherSession}}, nil},
		{"with the visitor's token from before the sign-in (tokens are made anew at sign-in)", url.Values{"_csrf": {visitorToken}}, nil},
		{"with a wrong X-CSRF-Token header", url.Values{}, func(r *http.Request) { r.Header.Set("X-CSRF-Token", "not-the-token") }},
		{"from another site (Sec-Fetch-Site: cross-site), even with the right token", url.Values{"_csrf": {right}},
			func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }},
		{"from a sibling site (Sec-Fetch-Site: same-site) without a token", url.Values{},
			func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-site") }},
	}
	for _, tc := range refused {
		t.Run("a purchase "+tc.name+" is refused with 403 and buys nothing", func(t *testing.T) {
			before := secCounts(t, env)
			tc.form.Set("token", secBuyToken(t, c, id))
			rec := c.do("POST", buy, tc.form, tc.edit)
			if rec.Code != http.StatusForbidden {
				t.Errorf("got %d, want 403; Location %q", rec.Code, rec.Header().Get("Location"))
			}
			assertUnchanged(t, before, secCounts(t, env))
		})
	}

	accepted := []struct {
		name string
		form url.Values
		edit func(*http.Request)
	}{
		{"with the right _csrf field", url.Values{"_csrf": {right}}, nil},
		{"with the right X-CSRF-Token header", url.Values{}, func(r *http.Request) { r.Header.Set("X-CSRF-Token", right) }},
		{"from this site (Sec-Fetch-Site: same-origin) without a token", url.Values{},
			func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }},
	}
	for _, tc := range accepted {
		t.Run("a purchase "+tc.name+" buys one package", func(t *testing.T) {
			before := secCounts(t, env)
			tc.form.Set("token", secBuyToken(t, c, id))
			rec := c.do("POST", buy, tc.form, tc.edit)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("got %d, want 303; body %.300s", rec.Code, authzSnippet(rec))
			}
			if got, want := secCounts(t, env)["packages"], before["packages"]+1; got != want {
				t.Errorf("packages: got %d, want %d", got, want)
			}
		})
	}

	t.Run("every other form is refused without its token too", func(t *testing.T) {
		for _, f := range []struct {
			path string
			form url.Values
		}{
			{"/signin", url.Values{"email": {email}, "password": {password}}},
			{"/signup", url.Values{"name": {"Mallory Ltd"}, "email": {"mallory@example.com"}, "password": {"mallory-password"}}},
			{"/signout", url.Values{}},
			{"/accounts", url.Values{"name": {"Forged"}, "email": {"forged@example.com"}}},
			{fmt.Sprintf("/accounts/%d/apps", id), url.Values{"name": {"Forged app"}}},
			{fmt.Sprintf("/accounts/%d/tokens", id), url.Values{"name": {"forged token"}}},
			{"/admin/users", url.Values{"email": {"forged@example.com"}, "password": {"forged-password"}, "role": {"admin"}}},
		} {
			before := secCounts(t, env)
			session := c.cookies["rtcbill_session"]
			rec := c.do("POST", f.path, f.form, nil)
			if rec.Code != http.StatusForbidden {
				t.Errorf("POST %s without a token: got %d, want 403", f.path, rec.Code)
			}
			if c.cookies["rtcbill_session"] != session {
				t.Errorf("POST %s without a token changed the session cookie", f.path)
			}
			assertUnchanged(t, before, secCounts(t, env))
		}
		if rec := c.do("GET", fmt.Sprintf("/accounts/%d", id), nil, nil); rec.Code != http.StatusOK {
			t.Errorf("after a refused sign-out the session must still work: GET the account got %d, want 200", rec.Code)
		}
	})

	t.Run("a visitor's form post without a token meets the CSRF check before the sign-in check: 403", func(t *testing.T) {
		before := secCounts(t, env)
		visitor := newAuthzClient(t, env.e)
		if rec := visitor.do("POST", fmt.Sprintf("/accounts/%d/apps", id), url.Values{"name": {"Forged app"}}, nil); rec.Code != http.StatusForbidden {
			t.Errorf("got %d, want 403", rec.Code)
		}
		if rec := visitor.post(fmt.Sprintf("/accounts/%d/apps", id), url.Values{"name": {"Forged app"}}); rec.Code != http.StatusUnauthorized {
			t.Errorf("with its token: got %d, want 401 (sign in first)", rec.Code)
		}
		assertUnchanged(t, before, secCounts(t, env))
	})

	t.Run("the API takes no cookie, so it needs no CSRF token", func(t *testing.T) {
		before := secCounts(t, env)
		hr := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/accounts/%d/purchases", id), strings.NewReader(`{"plan":"starter"}`))
		hr.Header.Set("Content-Type", "application/json")
		for name, value := range c.cookies {
			hr.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		hr.Header.Set("X-CSRF-Token", right)
		rec := httptest.NewRecorder()
		env.e.ServeHTTP(rec, hr)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("API purchase with the web session's cookies and no bearer: got %d, want 401", rec.Code)
		}
		assertUnchanged(t, before, secCounts(t, env))
	})
}

func TestRateLimitSignIn(t *testing.T) {
	const email, password = "dave@example.com", "dave-password-1"
	from := func(ip string) func(*http.Request) {
		return func(r *http.Request) { r.RemoteAddr = ip + ":40000" }
	}

	// The e-mail alone is no key: failures from other addresses must not
	// lock its owner out (TestSignInLockoutOnlyPerAddressAndEmail has more).
	t.Run("ten failures for one e-mail from ten addresses do not refuse the right password from an eleventh", func(t *testing.T) {
		env := newEnv(t)
		id := secCustomer(t, env, "Dave Co", email, password)
		c := newAuthzClient(t, env.e)
		c.csrf()
		for i := 1; i <= 10; i++ {
			env.clock.Advance(time.Second)
			rec := c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {email}, "password": {fmt.Sprintf("wrong-guess-%02d", i)}},
				from(fmt.Sprintf("198.51.100.%d", i)))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("bad sign-in %d: got %d, want 401", i, rec.Code)
			}
		}
		rec := c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {email}, "password": {password}}, from("198.51.100.11"))
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != fmt.Sprintf("/accounts/%d", id) {
			t.Errorf("the right password from an eleventh address: got %d to %q, want 303 to the account", rec.Code, rec.Header().Get("Location"))
		}
	})

	// The address is the connection's (echo.ExtractIPDirect): a client
	// cannot name another in X-Forwarded-For or X-Real-IP and start afresh.
	t.Run("forged X-Forwarded-For and X-Real-IP headers do not dodge the per-IP limit", func(t *testing.T) {
		env := newEnv(t)
		c := newAuthzClient(t, env.e)
		c.csrf()
		for i := 1; i <= 11; i++ {
			rec := c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong-guess-1"}},
				func(r *http.Request) {
					r.RemoteAddr = "203.0.113.9:40000"
					r.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
					r.Header.Set("X-Real-IP", fmt.Sprintf("10.0.1.%d", i))
				})
			want := http.StatusUnauthorized
			if i == 11 {
				want = http.StatusTooManyRequests
			}
			if rec.Code != want {
				t.Fatalf("sign-in %d claiming to come from 10.0.0.%d: got %d, want %d", i, i, rec.Code, want)
			}
		}
	})

	t.Run("the 11th sign-in from one IP within a minute is refused, whatever the e-mail", func(t *testing.T) {
		env := newEnv(t)
		id := secCustomer(t, env, "Dave Co", email, password)
		c := newAuthzClient(t, env.e)
		c.csrf()
		const ip = "203.0.113.7"
		for i := 1; i <= 10; i++ {
			rec := c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong-guess-1"}}, from(ip))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("bad sign-in %d: got %d, want 401", i, rec.Code)
			}
		}
		rec := c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {email}, "password": {password}}, from(ip))
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("11th sign-in from %s: got %d, want 429", ip, rec.Code)
		}
		elsewhere := newAuthzClient(t, env.e)
		elsewhere.csrf()
		if rec := elsewhere.do("POST", "/signin", url.Values{"_csrf": {elsewhere.csrf()}, "email": {email}, "password": {password}}, from("203.0.113.8")); rec.Code != http.StatusSeeOther {
			t.Errorf("the same user from another IP: got %d, want 303", rec.Code)
		}
		env.clock.Advance(time.Minute + time.Second)
		rec = c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {email}, "password": {password}}, from(ip))
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != fmt.Sprintf("/accounts/%d", id) {
			t.Errorf("a minute later from %s: got %d to %q, want 303 to the account", ip, rec.Code, rec.Header().Get("Location"))
		}
	})
}

func TestPasswordsNeverLoggedOrShown(t *testing.T) {
	var logs bytes.Buffer
	env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	// Distinctive strings, each found nowhere unless it leaked.
	const (
		signUpPassword = "Signup-Secret-7f3a9e"
		wrongPassword  = "Wrong-Guess-c41d2b"
		// A password typed into the e-mail field by mistake: the form may
		// show it back to the one who typed it, but no log may keep it.
		typedAsEmail  = "Typed-In-The-Email-Field-3e1"
		shortPassword = "Sh0rt-q8z"
		adminPassword = "Admin-Secret-91be7a"
		staffPassword = "Staff-Secret-5d0c8f"
		staffShort    = "Tiny-x7k"
	)
	secrets := []string{signUpPassword, wrongPassword, shortPassword, adminPassword, staffPassword, staffShort}
	if _, err := env.store.CreateUser(context.Background(), "root@example.com", adminPassword, domain.RoleAdmin, 0, fixedNow); err != nil {
		t.Fatal(err)
	}

	visitor := newAuthzClient(t, env.e)
	steps := []struct {
		what   string
		c      *authzClient
		path   string
		form   url.Values
		status int
	}{
		{"sign up", visitor, "/signup", url.Values{"name": {"Erin Co"}, "email": {"erin@example.com"}, "password": {signUpPassword}}, 303},
		{"sign out", visitor, "/signout", url.Values{}, 303},
		{"sign in with a wrong password", visitor, "/signin", url.Values{"email": {"erin@example.com"}, "password": {wrongPassword}}, 401},
		{"sign in with the password typed into the e-mail field", visitor, "/signin", url.Values{"email": {typedAsEmail}, "password": {wrongPassword}}, 401},
		{"sign in", visitor, "/signin", url.Values{"email": {"erin@example.com"}, "password": {signUpPassword}}, 303},
		{"sign out again", visitor, "/signout", url.Values{}, 303},
		{"sign up with a short password", visitor, "/signup", url.Values{"name": {"Frank Co"}, "email": {"frank@example.com"}, "password": {shortPassword}}, 422},
		{"sign up with a taken e-mail", visitor, "/signup", url.Values{"name": {"Erin Again"}, "email": {"erin@example.com"}, "password": {signUpPassword}}, 409},
		{"sign in as admin", visitor, "/signin", url.Values{"email": {"root@example.com"}, "password": {adminPassword}}, 303},
		{"add a user", visitor, "/admin/users", url.Values{"email": {"staff@example.com"}, "password": {staffPassword}, "role": {"support"}}, 303},
		{"add a user with a short password", visitor, "/admin/users", url.Values{"email": {"short@example.com"}, "password": {staffShort}, "role": {"support"}}, 422},
		{"add a user with a taken e-mail", visitor, "/admin/users", url.Values{"email": {"staff@example.com"}, "password": {staffPassword}, "role": {"support"}}, 409},
		{"add a customer without an account", visitor, "/admin/users", url.Values{"email": {"cust@example.com"}, "password": {staffPassword}, "role": {"customer"}}, 422},
	}
	for _, s := range steps {
		rec := s.c.post(s.path, s.form)
		if rec.Code != s.status {
			t.Errorf("%s: got %d, want %d; body %.300s", s.what, rec.Code, s.status, authzSnippet(rec))
		}
		if rec.Code == http.StatusSeeOther {
			s.c.do("GET", rec.Header().Get("Location"), nil, nil) // the page the form leads to
		}
	}

	if !strings.Contains(logs.String(), "uri=/signin") {
		t.Fatalf("the log holds no request line for /signin: the logger is not the one the test reads; log:\n%s", logs.String())
	}
	var audit, sessions strings.Builder
	rows, err := env.ro.Query(`SELECT actor || ' ' || action || ' ' || detail FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		rows.Scan(&line)
		audit.WriteString(line + "\n")
	}
	rows.Close()
	rows, err = env.ro.Query(`SELECT data FROM web_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var data []byte
		rows.Scan(&data)
		sessions.Write(data)
	}
	rows.Close()

	for _, secret := range secrets {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("password %q appears in the server log", secret)
		}
		if strings.Contains(audit.String(), secret) {
			t.Errorf("password %q appears in the audit trail", secret)
		}
		if strings.Contains(sessions.String(), secret) {
			t.Errorf("password %q appears in a stored web session", secret)
		}
		for i, rec := range visitor.responses {
			if strings.Contains(rec.Body.String(), secret) {
				t.Errorf("password %q appears in answer %d (%d) to the browser", secret, i, rec.Code)
			}
			for name, values := range rec.Header() {
				if strings.Contains(strings.Join(values, " "), secret) {
					t.Errorf("password %q appears in header %s of answer %d", secret, name, i)
				}
			}
		}
	}

	t.Run("a password typed into the e-mail field is kept in no log", func(t *testing.T) {
		if strings.Contains(logs.String(), typedAsEmail) {
			t.Errorf("%q appears in the server log", typedAsEmail)
		}
		if strings.Contains(audit.String(), typedAsEmail) {
			t.Errorf("%q appears in the audit trail: a failed sign-in records whatever was typed as the e-mail", typedAsEmail)
		}
	})

	t.Run("passwords are stored as argon2id hashes", func(t *testing.T) {
		rows, err := env.ro.Query(`SELECT email, password_hash FROM users`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var email, hash string
			rows.Scan(&email, &hash)
			if !strings.HasPrefix(hash, "$argon2id$v=19$") {
				t.Errorf("password of %s: stored as %.12q…, want an argon2id hash", email, hash)
			}
			for _, secret := range secrets {
				if strings.Contains(hash, secret) {
					t.Errorf("password of %s is stored in clear", email)
				}
			}
		}
	})
}

func TestSessionCookiesAndSignOut(t *testing.T) {
	const email, password = "grace@example.com", "grace-password-1"
	newSignedWith := func(t *testing.T, edit func(*handlers.Config)) (*env, int64) {
		env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), edit)
		return env, secCustomer(t, env, "Grace Co", email, password)
	}
	newSigned := func(t *testing.T, secure bool) (*env, int64) {
		return newSignedWith(t, func(cfg *handlers.Config) { cfg.SecureCookies = secure })
	}
	accountPage := func(id int64) string { return fmt.Sprintf("/accounts/%d", id) }
	wantSignInPage := func(t *testing.T, rec *httptest.ResponseRecorder, path, why string) {
		t.Helper()
		if want := "/signin?next=" + url.QueryEscape(path); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("%s: GET %s got %d to %q, want 303 to %q", why, path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	replay := func(env *env, session, path string) *httptest.ResponseRecorder {
		c := newAuthzClient(t, env.e)
		c.cookies["rtcbill_session"] = session
		return c.do("GET", path, nil, nil)
	}

	t.Run("sign-in ignores a session id planted before it", func(t *testing.T) {
		env, id := newSigned(t, false)
		c := newAuthzClient(t, env.e)
		const planted = "planted-by-an-attacker-0123456789abcdefABCDEF"
		c.cookies["rtcbill_session"] = planted
		if rec := c.signIn(email, password); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign in: got %d, want 303", rec.Code)
		}
		if got := c.cookies["rtcbill_session"]; got == planted || got == "" {
			t.Errorf("session cookie after sign-in: got %q, want a new id", got)
		}
		wantSignInPage(t, replay(env, planted, accountPage(id)), accountPage(id), "the planted id")
	})

	t.Run("sign-in renews the session id and the old one stops working", func(t *testing.T) {
		env, id := newSigned(t, false)
		c := newAuthzClient(t, env.e)
		c.signIn(email, password)
		before := c.cookies["rtcbill_session"]
		if rec := c.signIn(email, password); rec.Code != http.StatusSeeOther {
			t.Fatalf("second sign-in: got %d, want 303", rec.Code)
		}
		after := c.cookies["rtcbill_session"]
		if after == before || after == "" {
			t.Fatalf("session cookie: got %q after signing in again, want a new id (was %q)", after, before)
		}
		if rec := replay(env, after, accountPage(id)); rec.Code != http.StatusOK {
			t.Errorf("the new session id: got %d, want 200", rec.Code)
		}
		wantSignInPage(t, replay(env, before, accountPage(id)), accountPage(id), "the session id from before the sign-in")
	})

	// Over TLS every cookie is Secure and named with the __Host- prefix, so
	// that browsers refuse it from plain HTTP, from a sibling subdomain
	// (no Domain) and for a narrower path: nobody can plant one.
	for _, tc := range []struct {
		name   string
		edit   func(*handlers.Config)
		secure bool
	}{
		{"on plain HTTP", nil, false},
		{"with RTCBILL_SECURE_COOKIES", func(cfg *handlers.Config) { cfg.SecureCookies = true }, true},
		{"with an https base URL", func(cfg *handlers.Config) { cfg.BaseURL = "https://billing.example.com" }, true},
		{"with an http base URL", func(cfg *handlers.Config) { cfg.BaseURL = "http://billing.example.com" }, false},
	} {
		t.Run("cookies "+tc.name+" are HttpOnly, SameSite=Lax, for /, and Secure with __Host- names over TLS", func(t *testing.T) {
			env, _ := newSignedWith(t, tc.edit)
			c := newAuthzClient(t, env.e)
			seen := map[string]*http.Cookie{}
			origin := func(r *http.Request) {} // the base URL's origin is the only one accepted
			if tc.edit != nil {
				var cfg handlers.Config
				tc.edit(&cfg)
				if cfg.BaseURL != "" {
					origin = func(r *http.Request) { r.Header.Set("Origin", cfg.BaseURL) }
				}
			}
			for _, rec := range []*httptest.ResponseRecorder{
				c.do("GET", "/signin", nil, nil),
				c.do("POST", "/signin", url.Values{"_csrf": {c.csrf()}, "email": {email}, "password": {password}}, origin),
				c.do("GET", "/lang?to=en&next=/plans", nil, nil),
			} {
				for _, ck := range rec.Result().Cookies() {
					seen[ck.Name] = ck
				}
			}
			prefix := ""
			if tc.secure {
				prefix = "__Host-"
			}
			for _, base := range []string{"rtcbill_session", "rtcbill_csrf", "rtcbill_lang"} {
				name := prefix + base
				ck, ok := seen[name]
				if !ok {
					t.Errorf("cookie %s: never set (set: %v)", name, slices.Collect(maps.Keys(seen)))
					continue
				}
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure || ck.Path != "/" || ck.Domain != "" {
					t.Errorf("cookie %s: HttpOnly %v, SameSite %v, Secure %v, Path %q, Domain %q; want HttpOnly, SameSite=Lax, Secure %v, Path /, no Domain",
						name, ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path, ck.Domain, tc.secure)
				}
			}
			if len(seen) != 3 {
				t.Errorf("cookies set: %v, want exactly the session, CSRF and language cookies", slices.Collect(maps.Keys(seen)))
			}
			if tc.secure {
				// The language chosen sticks under its new name.
				if rec := c.do("GET", "/plans", nil, func(r *http.Request) { r.Header.Set("Accept-Language", "zh-CN") }); rec.Header().Get("Content-Language") != "en" {
					t.Errorf("after choosing English: Content-Language %q, want en", rec.Header().Get("Content-Language"))
				}
			}
		})
	}

	t.Run("sign-out destroys the session", func(t *testing.T) {
		env, id := newSigned(t, false)
		c := newAuthzClient(t, env.e)
		c.signIn(email, password)
		old := c.cookies["rtcbill_session"]
		rec := c.post("/signout", url.Values{})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("sign out: got %d, want 303", rec.Code)
		}
		cleared := false
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == "rtcbill_session" && (ck.MaxAge < 0 || ck.Value == "") {
				cleared = true
			}
		}
		if !cleared {
			t.Errorf("sign out: the answer does not clear the rtcbill_session cookie; Set-Cookie %q", rec.Header().Values("Set-Cookie"))
		}
		var n int
		if err := env.ro.QueryRow(`SELECT COUNT(*) FROM web_sessions WHERE token_hash = ?`, sha256Hex(old)).Scan(&n); err != nil || n != 0 {
			t.Errorf("web_sessions rows for the signed-out id: got %d (%v), want 0", n, err)
		}
		wantSignInPage(t, replay(env, old, accountPage(id)), accountPage(id), "the old cookie after sign-out")
		wantSignInPage(t, c.do("GET", accountPage(id), nil, nil), accountPage(id), "the browser after sign-out")
	})
}

// secForbiddenCSP lists the source expressions that would let injected
// script run.
var secForbiddenCSP = []string{"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"}

func TestSecurityHeaders(t *testing.T) {
	w := newAuthzWorld(t)
	env := w.server(t)
	a := w.targets["A"]
	asA := &authzClient{t: t, e: env.e, cookies: maps.Clone(w.cookies[whoA])}
	asAdmin := &authzClient{t: t, e: env.e, cookies: maps.Clone(w.cookies[whoAdmin])}
	anon := newAuthzClient(t, env.e)

	answers := map[string]*httptest.ResponseRecorder{
		"the plans page":        anon.do("GET", "/plans", nil, nil),
		"the account page":      asA.do("GET", fmt.Sprintf("/accounts/%d", a.account), nil, nil),
		"a page's 404":          asA.do("GET", fmt.Sprintf("/accounts/%d", w.targets["B"].account), nil, nil),
		"the CSRF refusal":      asA.do("POST", fmt.Sprintf("/accounts/%d/apps", a.account), url.Values{"name": {"x"}}, nil),
		"the API's plans":       env.do(req{method: "GET", path: "/api/v1/plans", token: noToken()}),
		"the API's account":     env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d", a.account)}),
		"the API's 401":         env.do(req{method: "GET", path: "/api/v1/accounts", token: noToken()}),
		"the API's bill as CSV": env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/%s.csv", a.account, authzMonth)}),
		"a static file":         anon.do("GET", "/static/app.css", nil, nil),
		"the health check":      anon.do("GET", "/healthz", nil, nil),
		"an unknown API path":   env.do(req{method: "GET", path: "/api/v1/nothing-here"}),
	}
	for what, rec := range answers {
		t.Run(what, func(t *testing.T) {
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			if csp == "" {
				t.Fatalf("no Content-Security-Policy (status %d)", rec.Code)
			}
			directives := map[string][]string{}
			for _, d := range strings.Split(csp, ";") {
				if f := strings.Fields(d); len(f) > 0 {
					directives[strings.ToLower(f[0])] = f[1:]
				}
			}
			scripts, ok := directives["script-src"]
			if !ok {
				scripts, ok = directives["default-src"]
			}
			if !ok {
				t.Errorf("CSP %q: neither script-src nor default-src, so any script may run", csp)
			}
			for _, bad := range secForbiddenCSP {
				for _, src := range scripts {
					if strings.EqualFold(src, bad) {
						t.Errorf("CSP %q: scripts allow %s", csp, bad)
					}
				}
			}
			if got := directives["object-src"]; len(got) != 1 || got[0] != "'none'" {
				t.Errorf("CSP %q: object-src %v, want 'none'", csp, got)
			}
			if got := directives["frame-ancestors"]; len(got) != 1 || got[0] != "'none'" {
				t.Errorf("CSP %q: frame-ancestors %v, want 'none'", csp, got)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options: got %q, want DENY", got)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			switch got := h.Get("Referrer-Policy"); got {
			case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
			default:
				t.Errorf("Referrer-Policy: got %q, want one that keeps paths from other sites", got)
			}
		})
	}

	// The CSP forbids inline script and style: a page that carried any would
	// break in the browser, or tempt someone to loosen the policy.
	t.Run("pages carry no inline script, event handler or style", func(t *testing.T) {
		pages := map[string]*authzClient{
			"/": anon, "/plans": anon, "/signin": anon, "/signup": anon,
			fmt.Sprintf("/accounts/%d", a.account):                      asA,
			fmt.Sprintf("/accounts/%d/buy/starter", a.account):          asA,
			fmt.Sprintf("/accounts/%d/orders/%d", a.account, a.pkg):     asA,
			fmt.Sprintf("/accounts/%d/apps", a.account):                 asA,
			fmt.Sprintf("/accounts/%d/bills", a.account):                asA,
			fmt.Sprintf("/accounts/%d/bills/%s", a.account, authzMonth): asA,
			fmt.Sprintf("/accounts/%d/tokens", a.account):               asA,
			fmt.Sprintf("/apps/%d/rooms/%s", a.app, a.room):             asA,
			fmt.Sprintf("/apps/%d/rooms/%s/live", a.app, a.room):        asA,
			"/accounts?q=": asAdmin,
			"/admin/users": asAdmin,
			fmt.Sprintf("/accounts/%d/audit", a.account):                        asAdmin,
			fmt.Sprintf("/accounts/%d", w.targets["B"].account+1000):            asA, // the 404 page
			fmt.Sprintf("/accounts/%d/bills/2019-13", a.account):                asA, // a 422 page
			fmt.Sprintf("/apps/%d/rooms/%s?day=not-a-day", a.app, a.room):       asA,
			fmt.Sprintf("/accounts/%d/apps?app=%d&room=%%20", a.account, a.app): asA,
		}
		for path, c := range pages {
			rec := c.do("GET", path, nil, nil)
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: got %d %q, want an HTML page", path, rec.Code, rec.Header().Get("Content-Type"))
				continue
			}
			d, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			for _, problem := range secInlineCode(d) {
				t.Errorf("GET %s: %s", path, problem)
			}
		}
	})
}

// secInlineCode lists what in a page the CSP would block: inline scripts,
// event handler attributes, javascript: URLs, style elements and
// attributes.
func secInlineCode(d *goquery.Document) []string {
	var out []string
	d.Find("*").Each(func(_ int, s *goquery.Selection) {
		n := s.Get(0)
		hasSrc := false
		for _, a := range n.Attr {
			key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case key == "src":
				hasSrc = true
			case strings.HasPrefix(key, "on"):
				out = append(out, fmt.Sprintf("<%s %s=%q>: an inline event handler", n.Data, a.Key, a.Val))
			case key == "style":
				out = append(out, fmt.Sprintf("<%s style=%q>: an inline style", n.Data, a.Val))
			}
			if (key == "href" || key == "action" || key == "src" || key == "formaction") && strings.HasPrefix(val, "javascript:") {
				out = append(out, fmt.Sprintf("<%s %s=%q>: a javascript: URL", n.Data, a.Key, a.Val))
			}
		}
		if n.Data == "script" && (!hasSrc || strings.TrimSpace(s.Text()) != "") {
			out = append(out, "an inline <script>")
		}
		if n.Data == "style" {
			out = append(out, "a <style> element")
		}
	})
	return out
}

// sha256Hex is how the database names a session token: its SHA-256 in hex.
func sha256Hex(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
