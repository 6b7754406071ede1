package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtcbill/domain"
	"rtcbill/handlers"
)

// A passphrase of 25 Chinese characters, 75 bytes: more than bcrypt reads.
const cjkPassphrase = "我们每周三下午三点在会议室讨论新版本的上线计划安排"

func TestPasswordRulesThroughTheForms(t *testing.T) {
	env := newEnv(t)
	visitor := newAuthzClient(t, env.e)
	signUp := func(email, password string) *httptest.ResponseRecorder {
		rec := newAuthzClient(t, env.e).post("/signup", url.Values{"name": {"Passphrase Co"}, "email": {email}, "password": {password}})
		if rec.Code == http.StatusSeeOther && !strings.HasPrefix(rec.Header().Get("Location"), "/accounts/") {
			t.Fatalf("sign-up led to %q, want the new account", rec.Header().Get("Location"))
		}
		return rec
	}
	for _, tc := range []struct{ name, password string }{
		{"11 characters", "kettle-rain"},
		{"a common password", "Password1234"},
		{"a keyboard walk", "1qaz2wsx3edc"},
		{"a run of digits", "123456789012"},
	} {
		t.Run("sign-up refuses "+tc.name+" and says why in both languages", func(t *testing.T) {
			for _, lang := range []string{"en", "zh-CN"} {
				rec := visitor.do("POST", "/signup", url.Values{"_csrf": {visitor.csrf()}, "name": {"Weak Co"}, "email": {"weak@example.com"}, "password": {tc.password}},
					func(r *http.Request) { r.Header.Set("Accept-Language", lang) })
				if rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("%s: got %d, want 422", lang, rec.Code)
				}
				msg := credText(credPage(t, rec), "password-error")
				if msg == "" || strings.Contains(msg, "password.") || strings.Contains(msg, "auth.") {
					t.Errorf("%s: password error %q, want a sentence", lang, msg)
				}
			}
		})
	}
	t.Run("a passphrase of 25 Chinese characters signs up and signs in", func(t *testing.T) {
		if rec := signUp("li@example.com", cjkPassphrase); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-up: got %d, want 303; body %.300s", rec.Code, authzSnippet(rec))
		}
		signedInAt(t, env, "li@example.com", cjkPassphrase)
		if rec := newAuthzClient(t, env.e).signIn("li@example.com", strings.TrimSuffix(cjkPassphrase, "排")); rec.Code != http.StatusUnauthorized {
			t.Errorf("the passphrase less its last character: got %d, want 401", rec.Code)
		}
	})
	t.Run("a 128-character password is accepted", func(t *testing.T) {
		long := strings.Repeat("tea kettle, ", 10) + "rain on a roof"
		long = long[:128]
		if rec := signUp("long@example.com", long); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-up: got %d, want 303", rec.Code)
		}
		signedInAt(t, env, "long@example.com", long)
	})
}

func TestChangePassword(t *testing.T) {
	env := newEnv(t)
	const email, old, fresh = "grace@example.com", "grace-password-1", "a new grace password"
	secCustomer(t, env, "Grace Co", email, old)
	here := signedInAt(t, env, email, old)
	there := signedInAt(t, env, email, old)

	page := here.do("GET", "/security", nil, nil)
	if page.Code != http.StatusOK || credPage(t, page).Find(`[data-testid="password-form"]`).Length() != 1 {
		t.Fatalf("GET /security: got %d, want 200 with the password form", page.Code)
	}
	for _, tc := range []struct {
		name, current, password, confirm, errorID string
	}{
		{"a wrong current password", "not-my-password", fresh, fresh, "current-error"},
		{"two different new passwords", old, fresh, fresh + "!", "confirm-error"},
		{"a common new password", old, "password1234", "password1234", "password-error"},
		{"a short new password", old, "too-short", "too-short", "password-error"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			rec := here.post("/security/password", url.Values{"current": {tc.current}, "password": {tc.password}, "confirm": {tc.confirm}})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", rec.Code)
			}
			if msg := credText(credPage(t, rec), tc.errorID); msg == "" {
				t.Errorf("no %s on the page", tc.errorID)
			}
			if strings.Contains(rec.Body.String(), tc.password) {
				t.Errorf("the page shows the password back")
			}
		})
	}
	wantSignedIn(t, there, "the other session after refused changes")

	t.Run("a new password signs out every other session, not this one", func(t *testing.T) {
		before := here.cookies["rtcbill_session"]
		rec := here.post("/security/password", url.Values{"current": {old}, "password": {fresh}, "confirm": {fresh}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/security?changed=1" {
			t.Fatalf("got %d to %q, want 303 to /security?changed=1", rec.Code, rec.Header().Get("Location"))
		}
		if here.cookies["rtcbill_session"] == before {
			t.Errorf("the session kept its token across the password change")
		}
		if got := credText(credPage(t, here.do("GET", "/security?changed=1", nil, nil)), "password-changed"); got == "" {
			t.Errorf("no confirmation after the change")
		}
		wantSignedOut(t, there, "the other session")
		if rec := newAuthzClient(t, env.e).signIn(email, old); rec.Code != http.StatusUnauthorized {
			t.Errorf("the old password: got %d, want 401", rec.Code)
		}
		signedInAt(t, env, email, fresh)
	})
}

func TestSignOutEverywhere(t *testing.T) {
	env := newEnv(t)
	const email, password = "grace@example.com", "grace-password-1"
	secCustomer(t, env, "Grace Co", email, password)
	here, there := signedInAt(t, env, email, password), signedInAt(t, env, email, password)
	if rec := here.post("/security/signout-everywhere", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("got %d, want 303", rec.Code)
	}
	wantSignedOut(t, here, "this session")
	wantSignedOut(t, there, "the other session")
	var n int
	env.ro.QueryRow(`SELECT COUNT(*) FROM web_sessions WHERE user_id IS NOT NULL`).Scan(&n)
	if n != 0 {
		t.Errorf("signed-in sessions left in the table: %d, want 0", n)
	}
	signedInAt(t, env, email, password)
}

func TestAdminDisablesAndResets(t *testing.T) {
	var logs bytes.Buffer
	env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) {
		cfg.BaseURL = "https://billing.example.com"
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	ctx := context.Background()
	const adminEmail, adminPassword = "root@example.com", "root-password-1"
	admin, err := env.store.CreateUser(ctx, adminEmail, adminPassword, domain.RoleAdmin, 0, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "grace@example.com", "grace-password-1"
	secCustomer(t, env, "Grace Co", email, password)
	users, _ := env.store.Users(ctx)
	var grace domain.User
	for _, u := range users {
		if u.Email == email {
			grace = u
		}
	}
	fromHere := func(r *http.Request) { r.Header.Set("Origin", "https://billing.example.com") }
	post := func(c *authzClient, path string, form url.Values) *httptest.ResponseRecorder {
		form.Set("_csrf", c.csrf())
		return c.do("POST", path, form, fromHere)
	}
	signIn := func(email, password string) (*authzClient, int) {
		c := newAuthzClient(t, env.e)
		rec := post(c, "/signin", url.Values{"email": {email}, "password": {password}})
		return c, rec.Code
	}
	root, code := signIn(adminEmail, adminPassword)
	if code != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", code)
	}

	t.Run("a disabled user's sessions end and they cannot sign in; enabled, they can", func(t *testing.T) {
		user, code := signIn(email, password)
		if code != http.StatusSeeOther {
			t.Fatalf("sign in: %d", code)
		}
		rec := post(root, fmt.Sprintf("/admin/users/%d/disable", grace.ID), url.Values{})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("disable: got %d, want 303", rec.Code)
		}
		d := credPage(t, root.do("GET", rec.Header().Get("Location"), nil, nil))
		if credText(d, "user-notice") == "" || !strings.Contains(d.Find(fmt.Sprintf(`[data-user-id="%d"] [data-testid="user-state"]`, grace.ID)).Text(), "disabled") {
			t.Errorf("the users page neither confirms nor shows the user disabled")
		}
		wantSignedOut(t, user, "the disabled user's session")
		_, code = signIn(email, password)
		if code != http.StatusUnauthorized {
			t.Errorf("the disabled user's sign-in with the right password: got %d, want 401 like a wrong password", code)
		}
		if rec := post(root, fmt.Sprintf("/admin/users/%d/enable", grace.ID), url.Values{}); rec.Code != http.StatusSeeOther {
			t.Fatalf("enable: got %d, want 303", rec.Code)
		}
		if _, code := signIn(email, password); code != http.StatusSeeOther {
			t.Errorf("sign-in after enabling: got %d, want 303", code)
		}
	})

	t.Run("an admin cannot disable themselves", func(t *testing.T) {
		rec := post(root, fmt.Sprintf("/admin/users/%d/disable", admin.ID), url.Values{})
		if rec.Code != http.StatusUnprocessableEntity || credText(credPage(t, rec), "user-notice") == "" {
			t.Errorf("got %d, want 422 with a notice", rec.Code)
		}
		wantSignedIn(t, root, "the admin")
	})

	t.Run("a reset link is shown once, works once, sets the password and ends the sessions", func(t *testing.T) {
		user, _ := signIn(email, password)
		rec := post(root, fmt.Sprintf("/admin/users/%d/reset", grace.ID), url.Values{})
		if rec.Code != http.StatusCreated {
			t.Fatalf("reset: got %d, want 201", rec.Code)
		}
		link := credText(credPage(t, rec), "reset-link-url")
		token, ok := strings.CutPrefix(link, "https://billing.example.com/reset/")
		if !ok || len(token) < 40 {
			t.Fatalf("reset link %q: want https://billing.example.com/reset/<token>", link)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("the answer with the link may be cached: Cache-Control %q", rec.Header().Get("Cache-Control"))
		}
		var stored int
		env.ro.QueryRow(`SELECT COUNT(*) FROM password_resets WHERE token_hash = ?`, sha256Hex(token)).Scan(&stored)
		if stored != 1 {
			t.Errorf("rows holding the link's hash: %d, want 1", stored)
		}
		if strings.Contains(secDump(t, env), token) {
			t.Errorf("the database holds the link's token in clear")
		}
		if again := root.do("GET", "/admin/users", nil, nil); strings.Contains(again.Body.String(), token) {
			t.Errorf("the users page shows the link again")
		}
		if _, code := signIn(email, password); code != http.StatusSeeOther {
			t.Errorf("the current password before the link is used: got %d, want 303", code)
		}

		visitor := newAuthzClient(t, env.e)
		open := visitor.do("GET", "/reset/"+token, nil, nil)
		if open.Code != http.StatusOK || credPage(t, open).Find(`[data-testid="reset-form"]`).Length() != 1 {
			t.Fatalf("GET the link: got %d, want 200 with the form", open.Code)
		}
		if got := open.Header().Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("Referrer-Policy of the link's page: %q, want no-referrer", got)
		}
		if !strings.Contains(credText(credPage(t, open), "reset-for"), email) {
			t.Errorf("the page does not say whose password it sets")
		}
		if rec := post(visitor, "/reset/"+token, url.Values{"password": {"reset-password-2"}, "confirm": {"reset-password-3"}}); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("two different passwords: got %d, want 422", rec.Code)
		}
		rec = post(visitor, "/reset/"+token, url.Values{"password": {"reset-password-2"}, "confirm": {"reset-password-2"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin?reset=1" {
			t.Fatalf("set the password: got %d to %q, want 303 to /signin?reset=1", rec.Code, rec.Header().Get("Location"))
		}
		if credText(credPage(t, visitor.do("GET", "/signin?reset=1", nil, nil)), "signin-reset") == "" {
			t.Errorf("the sign-in page does not confirm the new password")
		}
		wantSignedOut(t, user, "the user's session from before the reset")
		if _, code := signIn(email, password); code != http.StatusUnauthorized {
			t.Errorf("the old password: got %d, want 401", code)
		}
		if _, code := signIn(email, "reset-password-2"); code != http.StatusSeeOther {
			t.Errorf("the new password: got %d, want 303", code)
		}
		if rec := visitor.do("GET", "/reset/"+token, nil, nil); rec.Code != http.StatusNotFound || credText(credPage(t, rec), "reset-invalid") == "" {
			t.Errorf("the link used again: got %d, want 404 saying it no longer works", rec.Code)
		}
		if strings.Contains(logs.String(), token) {
			t.Errorf("the request log holds the link's token")
		}
	})

	t.Run("a reset link expires after 24 hours", func(t *testing.T) {
		rec := post(root, fmt.Sprintf("/admin/users/%d/reset", grace.ID), url.Values{})
		token := strings.TrimPrefix(credText(credPage(t, rec), "reset-link-url"), "https://billing.example.com/reset/")
		env.clock.Advance(24 * time.Hour)
		visitor := newAuthzClient(t, env.e)
		if rec := visitor.do("GET", "/reset/"+token, nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("the link after 24 h: got %d, want 404", rec.Code)
		}
	})
}
