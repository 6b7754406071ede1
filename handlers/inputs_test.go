package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"rtcbill/domain"
	"rtcbill/handlers"
)

// The tests of docs/security.md: each attack as a client makes it, through
// HTTP.

func TestInputLengthLimits(t *testing.T) {
	env := newEnv(t)
	huge := strings.Repeat("a", 7<<20) + "@example.com" // 7 MB

	t.Run("a 7 MB e-mail on the public sign-up gets the form's error and stores nothing", func(t *testing.T) {
		before := secCounts(t, env)
		c := newAuthzClient(t, env.e)
		rec := c.post("/signup", url.Values{"name": {"Huge Co"}, "email": {huge}, "password": {"a-good-password-1"}})
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", rec.Code)
		}
		if !strings.Contains(rec.Body.String(), "254 bytes") {
			t.Errorf("the form does not say the limit; body %.400s", authzSnippet(rec))
		}
		if rec.Body.Len() > 64<<10 {
			t.Errorf("the answer is %d bytes: the refused e-mail is echoed back whole", rec.Body.Len())
		}
		assertUnchanged(t, before, secCounts(t, env))
	})

	t.Run("the API refuses an account e-mail of 255 bytes and takes one of 254", func(t *testing.T) {
		domain := "@" + strings.Repeat("d", 60) + ".example.com"
		at254 := strings.Repeat("a", 254-len(domain)) + domain
		rec := env.do(req{method: "POST", path: "/api/v1/accounts", body: map[string]string{"name": "Edge", "email": "b" + at254}})
		e := assertError(t, rec, 422, "validation_failed")
		if e["field"] != "email" {
			t.Errorf("field: got %v, want email", e["field"])
		}
		env.call("POST", "/api/v1/accounts", map[string]string{"name": "Edge", "email": at254}, http.StatusCreated)
	})

	t.Run("a search of 201 characters is refused before it reaches the database; 200 is searched", func(t *testing.T) {
		long := strings.Repeat("搜", 201)
		e := assertError(t, env.do(req{method: "GET", path: "/api/v1/accounts?q=" + url.QueryEscape(long)}), 422, "validation_failed")
		if e["field"] != "q" {
			t.Errorf("field: got %v, want q", e["field"])
		}
		env.call("GET", "/api/v1/accounts?q="+url.QueryEscape(long[len("搜"):]), nil, http.StatusOK)
		staff := env.signIn("en", domain.RoleSupport, 0)
		if rec := staff.get("/accounts?q=" + url.QueryEscape(long)); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), "at most 200 characters") {
			t.Errorf("the accounts page: got %d, want 422 saying the limit; body %.300s", rec.Code, rec.Body.String())
		}
	})

	t.Run("an admin adding a user with an e-mail of 255 bytes gets the form's error", func(t *testing.T) {
		admin := env.signIn("en", domain.RoleAdmin, 0)
		before := secCounts(t, env)
		rec := admin.post("/admin/users", url.Values{"email": {strings.Repeat("u", 243) + "@example.com"}, "role": {"support"}, "password": {"a-good-password-1"}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "254 bytes") {
			t.Errorf("got %d, want 422 saying the limit", rec.Code)
		}
		after := secCounts(t, env)
		if after["users"] != before["users"] {
			t.Errorf("users: got %d, want %d", after["users"], before["users"])
		}
	})
}

func TestControlAndInvisibleCharactersAreRefused(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Glyph Co")
	owner := env.signIn("en", domain.RoleCustomer, account)
	for _, tc := range []struct {
		name, value string
	}{
		{"a right-to-left override", "invoice\u202Efdp.exe"},
		{"a zero-width space", "pay\u200Bpal"},
		{"a NUL", "nul\x00name"},
		{"a left-to-right isolate", "a\u2066b"},
	} {
		t.Run("the API refuses an account name with "+tc.name, func(t *testing.T) {
			before := secCounts(t, env)
			e := assertError(t, env.do(req{method: "POST", path: "/api/v1/accounts", body: map[string]string{"name": tc.value, "email": "glyph@example.com"}}), 422, "validation_failed")
			if e["field"] != "name" {
				t.Errorf("field: got %v, want name", e["field"])
			}
			assertUnchanged(t, before, secCounts(t, env))
		})
		t.Run("the API refuses an application name with "+tc.name, func(t *testing.T) {
			e := assertError(t, env.do(req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", account), body: map[string]string{"name": tc.value}}), 422, "validation_failed")
			if e["field"] != "name" {
				t.Errorf("field: got %v, want name", e["field"])
			}
		})
		t.Run("the token form refuses a name with "+tc.name+" and says why", func(t *testing.T) {
			before := secCounts(t, env)
			rec := owner.post(fmt.Sprintf("/accounts/%d/tokens", account), url.Values{"name": {tc.value}})
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "invisible character") {
				t.Errorf("got %d, want 422 saying why; body %.300s", rec.Code, rec.Body.String())
			}
			assertUnchanged(t, before, secCounts(t, env))
		})
		t.Run("the applications form refuses a name with "+tc.name+" and says why", func(t *testing.T) {
			rec := owner.post(fmt.Sprintf("/accounts/%d/apps", account), url.Values{"name": {tc.value}})
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "invisible character") {
				t.Errorf("got %d, want 422 saying why", rec.Code)
			}
		})
		t.Run("sign-up refuses a name and an e-mail with "+tc.name, func(t *testing.T) {
			before := secCounts(t, env)
			c := newAuthzClient(t, env.e)
			rec := c.post("/signup", url.Values{"name": {tc.value}, "email": {"x" + tc.value + "@example.com"}, "password": {"a-good-password-1"}})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", rec.Code)
			}
			body := rec.Body.String()
			if !strings.Contains(body, `data-testid="name-error"`) || !strings.Contains(body, `data-testid="email-error"`) {
				t.Errorf("the form does not name both fields; body %.400s", authzSnippet(rec))
			}
			assertUnchanged(t, before, secCounts(t, env))
		})
	}
	t.Run("the API refuses an account e-mail with a zero-width space", func(t *testing.T) {
		e := assertError(t, env.do(req{method: "POST", path: "/api/v1/accounts", body: map[string]string{"name": "Z Co", "email": "z\u200B@example.com"}}), 422, "validation_failed")
		if e["field"] != "email" {
			t.Errorf("field: got %v, want email", e["field"])
		}
	})
	t.Run("names are stored in NFC: one name typed two ways is one name", func(t *testing.T) {
		a := env.call("POST", "/api/v1/accounts", map[string]string{"name": "Cafe\u0301 Co", "email": "cafe@example.com"}, http.StatusCreated)
		wantStr(t, a, "name", "Caf\u00e9 Co")
	})
}

func TestTokenCurlNamesTheConfiguredAddress(t *testing.T) {
	for _, tc := range []struct {
		name, baseURL, addr, want string
	}{
		{"the configured public address", "https://billing.example.com", "127.0.0.1:8080", "https://billing.example.com"},
		{"without one, the listen address", "", "0.0.0.0:9090", "http://localhost:9090"},
	} {
		t.Run(tc.name+", never the request's Host", func(t *testing.T) {
			env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) {
				cfg.BaseURL, cfg.Addr = tc.baseURL, tc.addr
			})
			account := env.createAccount("Curl Co")
			owner := env.signIn("en", domain.RoleCustomer, account)
			form := url.Values{"name": {"ci"}, "_csrf": {owner.csrf()}}
			hr := httptest.NewRequest("POST", fmt.Sprintf("/accounts/%d/tokens", account), strings.NewReader(form.Encode()))
			hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			hr.Host = "evil.example"
			for _, c := range owner.cookies {
				hr.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			env.e.ServeHTTP(rec, hr)
			if rec.Code != http.StatusCreated {
				t.Fatalf("got %d, want 201", rec.Code)
			}
			curl := doc(t, rec).Find(`[data-testid="token-curl"]`).Text()
			if strings.Contains(curl, "evil.example") {
				t.Errorf("the curl example takes its host from the request: %s", curl)
			}
			want := fmt.Sprintf("'%s/api/v1/accounts/%d/packages'", tc.want, account)
			if !strings.HasPrefix(curl, "curl -H 'Authorization: Bearer rtcb_") || !strings.HasSuffix(curl, want) {
				t.Errorf("got %q, want curl -H 'Authorization: Bearer …' %s", curl, want)
			}
		})
	}
}
