package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rtcbill/domain"
	"rtcbill/handlers"
	"rtcbill/jobs"
	"rtcbill/mailer"
	"rtcbill/mailer/mailtest"
)

// mailBase is the base URL of the consoles that send e-mail in these
// tests; their requests come with the Host evilHost, which no link may
// name.
const (
	mailBase = "https://billing.example.com"
	evilHost = "evil.example"
)

// mailWorld is a console that sends e-mail: its store queues mails, a job
// queue (River, as serve runs it) delivers them to an SMTP server in the
// test's process.
type mailWorld struct {
	*env
	sink *mailtest.Sink
}

// newMailServer is a console whose store queues mails, without a job
// queue to send them: for what the pages do.
func newMailServer(t *testing.T, edit func(*handlers.Config)) *env {
	t.Helper()
	env := authzServer(t, filepath.Join(t.TempDir(), "mail.db"), func(cfg *handlers.Config) {
		cfg.BaseURL = mailBase
		if edit != nil {
			edit(cfg)
		}
	})
	env.store.SetSendsMail(true)
	return env
}

func newMailWorld(t *testing.T, edit func(*handlers.Config)) *mailWorld {
	t.Helper()
	env := newMailServer(t, edit)
	sink := mailtest.Start(t)
	smtp, err := mailer.ParseURL(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	from, err := mailer.ParseFrom("rtcbill <billing@rtcbill.example>")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := jobs.Start(context.Background(), jobs.Config{Store: env.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: env.clock.Now, Every: time.Hour, PollInterval: 100 * time.Millisecond, DispatchEvery: 100 * time.Millisecond,
		Mailer: mailer.New(smtp, from), BaseURL: mailBase})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Stop(context.Background()) })
	return &mailWorld{env: env, sink: sink}
}

// fromEvil sends a request with the Host of another site.
func fromEvil(r *http.Request) { r.Host = evilHost }

// postForm posts a form as a new visitor, with the Host of another site.
func postForm(t *testing.T, env *env, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	c := newAuthzClient(t, env.e)
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.csrf())
	return c.do("POST", path, f, fromEvil)
}

// sameAnswer compares two answers, each with its own e-mail replaced, and
// the visitors' CSRF tokens, which differ by visitor.
func sameAnswer(t *testing.T, a, b *httptest.ResponseRecorder, emailA, emailB string) {
	t.Helper()
	csrf := regexp.MustCompile(`name="_csrf" value="[^"]*"`)
	norm := func(rec *httptest.ResponseRecorder, email string) string {
		return csrf.ReplaceAllString(strings.ReplaceAll(rec.Body.String(), email, "EMAIL"), "")
	}
	if a.Code != b.Code || norm(a, emailA) != norm(b, emailB) {
		t.Errorf("the answers differ: %d and %d;\n%s\n----\n%s", a.Code, b.Code, norm(a, emailA), norm(b, emailB))
	}
	for _, h := range []string{"Location", "Set-Cookie", "Content-Type"} {
		if a.Header().Get(h) != b.Header().Get(h) && h != "Set-Cookie" {
			t.Errorf("%s: %q and %q", h, a.Header().Get(h), b.Header().Get(h))
		}
	}
}

// linkIn finds the link under path in a mail's body, and checks that
// every address the mail names is the base URL's.
func linkIn(t *testing.T, m mailtest.Message, path string) string {
	t.Helper()
	if strings.Contains(m.Body, evilHost) || strings.Count(m.Body, "://") != strings.Count(m.Body, mailBase) {
		t.Errorf("the mail names addresses other than %s: %s", mailBase, m.Body)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(mailBase+path) + `[A-Za-z0-9_-]+`).FindString(m.Body)
	if link == "" {
		t.Fatalf("no link %s… in the mail: %s", mailBase+path, m.Body)
	}
	return strings.TrimPrefix(link, mailBase)
}

// TestSignUpByMail: with e-mail, a sign-up with a new address and one with
// an address that has a user get the same answer; the first gets the link
// that confirms it, in the sign-up's language, the second a mail that it
// has an account, in its user's; nothing opens before the link is used,
// and the link opens the account once, signed in.
func TestSignUpByMail(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	w := newMailWorld(t, func(cfg *handlers.Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	ctx := context.Background()
	if _, err := w.store.CreateUser(ctx, "taken@example.com", "an old long passphrase", domain.RoleAdmin, 0, fixedNow); err != nil {
		t.Fatal(err)
	}
	form := func(email string) url.Values {
		return url.Values{"name": {"Mailed Ltd"}, "email": {email}, "password": {"a new long passphrase"}, "plan": {"starter"}}
	}
	fresh := postForm(t, w.env, "/signup", form("fresh@example.com"))
	taken := postForm(t, w.env, "/signup", form("taken@example.com"))

	t.Run("a new and an existing address get the same answer", func(t *testing.T) {
		if fresh.Code != http.StatusOK || !strings.Contains(fresh.Body.String(), "We sent a message with a link to fresh@example.com") {
			t.Errorf("a new address: got %d; body %.300s", fresh.Code, authzSnippet(fresh))
		}
		sameAnswer(t, fresh, taken, "fresh@example.com", "taken@example.com")
	})
	var link string
	t.Run("the new address gets its link, in the sign-up's language, from the base URL", func(t *testing.T) {
		m := w.sink.Wait(t, "fresh@example.com", 1)[0]
		if m.Subject != "[rtcbill] Confirm your sign-up" || !strings.Contains(m.Body, "Mailed Ltd") {
			t.Errorf("got %q: %s", m.Subject, m.Body)
		}
		link = linkIn(t, m, "/signup/confirm/")
	})
	t.Run("the existing address is told it has an account, in its user's language", func(t *testing.T) {
		m := w.sink.Wait(t, "taken@example.com", 1)[0]
		if m.Subject != "[rtcbill] 你已有账户" || !strings.Contains(m.Body, mailBase+"/signin") || !strings.Contains(m.Body, mailBase+"/forgot") {
			t.Errorf("got %q: %s", m.Subject, m.Body)
		}
		if strings.Contains(m.Body, "/signup/confirm/") || strings.Contains(m.Body, "/reset/") {
			t.Errorf("the mail carries a link that acts: %s", m.Body)
		}
	})
	t.Run("nothing is open before the link is used", func(t *testing.T) {
		if _, err := w.store.UserByEmail(ctx, "fresh@example.com"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the user of fresh@example.com: got %v, want none yet", err)
		}
		if rec := newAuthzClient(t, w.e).signIn("fresh@example.com", "a new long passphrase"); rec.Code != http.StatusUnauthorized {
			t.Errorf("sign-in before the link: got %d, want 401", rec.Code)
		}
	})
	t.Run("the link opens the account once, signs in and goes on to the plan", func(t *testing.T) {
		if link == "" {
			t.Skip("no link")
		}
		c := newAuthzClient(t, w.e)
		rec := c.do("GET", link, nil, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "fresh@example.com") || rec.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("GET the link: got %d, Referrer-Policy %q; body %.300s", rec.Code, rec.Header().Get("Referrer-Policy"), authzSnippet(rec))
		}
		rec = c.post(link, url.Values{})
		u, err := w.store.UserByEmail(ctx, "fresh@example.com")
		if err != nil {
			t.Fatalf("no user after the link: %v", err)
		}
		if want := fmt.Sprintf("/accounts/%d/buy/starter", u.AccountID); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Fatalf("POST the link: got %d to %q, want 303 to %s", rec.Code, rec.Header().Get("Location"), want)
		}
		if rec := c.do("GET", fmt.Sprintf("/accounts/%d", u.AccountID), nil, nil); rec.Code != http.StatusOK {
			t.Errorf("the new account's page: got %d, want 200 signed in", rec.Code)
		}
		s, err := w.store.AlertSettings(ctx, u.AccountID)
		if err != nil || s.Language != "en" || u.Lang != "en" {
			t.Errorf("languages: account %q, user %q (%v); want the sign-up's, en", s.Language, u.Lang, err)
		}
		again := newAuthzClient(t, w.e)
		if rec := again.post(link, url.Values{}); rec.Code != http.StatusNotFound {
			t.Errorf("the link used again: got %d, want 404", rec.Code)
		}
		if rec := again.do("GET", link, nil, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET the used link: got %d, want 404", rec.Code)
		}
		if rec := again.post("/signup/confirm/"+strings.Repeat("x", 5000), url.Values{}); rec.Code != http.StatusNotFound {
			t.Errorf("a link of 5,000 characters: got %d, want 404", rec.Code)
		}
	})
	t.Run("the request log hides the link", func(t *testing.T) {
		if token := strings.TrimPrefix(link, "/signup/confirm/"); token == "" || strings.Contains(logs.String(), token) {
			t.Errorf("the request log holds the link's token")
		}
	})
}

// TestSignUpLinkExpiresAndIsReplaced: a sign-up's link works for 24 hours;
// a second sign-up with the address replaces the first link.
func TestSignUpLinkExpiresAndIsReplaced(t *testing.T) {
	t.Parallel()
	w := newMailWorld(t, nil)
	form := url.Values{"name": {"Late Ltd"}, "email": {"late@example.com"}, "password": {"a new long passphrase"}}
	postForm(t, w.env, "/signup", form)
	first := linkIn(t, w.sink.Wait(t, "late@example.com", 1)[0], "/signup/confirm/")
	postForm(t, w.env, "/signup", form)
	second := linkIn(t, w.sink.Wait(t, "late@example.com", 2)[1], "/signup/confirm/")
	c := newAuthzClient(t, w.e)
	if rec := c.do("GET", first, nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("the replaced link: got %d, want 404", rec.Code)
	}
	w.clock.Advance(domain.SignUpLinkTTL)
	if rec := c.post(second, url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("the link 24 hours later: got %d, want 404", rec.Code)
	}
}

// TestForgotPasswordByMail: the forgotten-password form answers the same
// for any address; a user's address gets, in their language, a link that
// sets a new password once, within 30 minutes, and signs them out
// everywhere.
func TestForgotPasswordByMail(t *testing.T) {
	t.Parallel()
	w := newMailWorld(t, nil)
	ctx := context.Background()
	id := w.createAccount("Zhang Co")
	if _, err := w.store.CreateUser(ctx, "zhang@example.com", "an old long passphrase", domain.RoleCustomer, id, fixedNow); err != nil {
		t.Fatal(err)
	}
	home, laptop := newAuthzClient(t, w.e), newAuthzClient(t, w.e)
	for _, c := range []*authzClient{home, laptop} {
		if rec := c.signIn("zhang@example.com", "an old long passphrase"); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign in: %d", rec.Code)
		}
	}
	if rec := home.do("GET", "/signin", nil, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("GET /signin signed in: %d", rec.Code)
	}
	if rec := newAuthzClient(t, w.e).do("GET", "/signin", nil, nil); !strings.Contains(rec.Body.String(), `href="/forgot"`) {
		t.Error("the sign-in page has no link to /forgot")
	}

	known := postForm(t, w.env, "/forgot", url.Values{"email": {"zhang@example.com"}})
	unknown := postForm(t, w.env, "/forgot", url.Values{"email": {"nobody@example.com"}})
	t.Run("the same answer for a user's address and any other", func(t *testing.T) {
		if known.Code != http.StatusOK || !strings.Contains(known.Body.String(), "forgot-sent") {
			t.Errorf("got %d; body %.300s", known.Code, authzSnippet(known))
		}
		sameAnswer(t, known, unknown, "zhang@example.com", "nobody@example.com")
		var n int
		if err := w.ro.QueryRow(`SELECT COUNT(*) FROM mails WHERE to_addr = ?`, "nobody@example.com").Scan(&n); err != nil || n != 0 {
			t.Errorf("mails to nobody@example.com: %d, %v", n, err)
		}
	})
	m := w.sink.Wait(t, "zhang@example.com", 1)[0]
	link := linkIn(t, m, "/reset/")
	t.Run("the mail is in the user's language", func(t *testing.T) {
		if m.Subject != "[rtcbill] 设置新密码" || !strings.Contains(m.Body, "有人（很可能是你）申请为 rtcbill 上的 zhang@example.com 设置新密码") ||
			!strings.Contains(m.Body, "2026-11-25 12:30") {
			t.Errorf("got %q: %s", m.Subject, m.Body)
		}
	})
	t.Run("29 minutes later the link sets the password, once, and signs out everywhere", func(t *testing.T) {
		w.clock.Advance(29 * time.Minute)
		c := newAuthzClient(t, w.e)
		if rec := c.do("GET", link, nil, nil); rec.Code != http.StatusOK {
			t.Fatalf("GET the link: %d", rec.Code)
		}
		rec := c.post(link, url.Values{"password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin?reset=1" {
			t.Fatalf("POST the link: got %d to %q", rec.Code, rec.Header().Get("Location"))
		}
		for name, s := range map[string]*authzClient{"home": home, "laptop": laptop} {
			if rec := s.do("GET", "/security", nil, nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/signin") {
				t.Errorf("%s after the reset: got %d to %q, want signed out", name, rec.Code, rec.Header().Get("Location"))
			}
		}
		if rec := newAuthzClient(t, w.e).signIn("zhang@example.com", "an old long passphrase"); rec.Code != http.StatusUnauthorized {
			t.Errorf("the old password: got %d, want 401", rec.Code)
		}
		if rec := newAuthzClient(t, w.e).signIn("zhang@example.com", "a brand new passphrase"); rec.Code != http.StatusSeeOther {
			t.Errorf("the new password: got %d, want 303", rec.Code)
		}
		if rec := c.post(link, url.Values{"password": {"yet another passphrase"}, "confirm": {"yet another passphrase"}}); rec.Code != http.StatusNotFound {
			t.Errorf("the link again: got %d, want 404", rec.Code)
		}
	})
	t.Run("after 30 minutes a link no longer works, and its page offers a new one", func(t *testing.T) {
		postForm(t, w.env, "/forgot", url.Values{"email": {"zhang@example.com"}})
		link := linkIn(t, w.sink.Wait(t, "zhang@example.com", 2)[1], "/reset/")
		w.clock.Advance(domain.MailedResetLinkTTL)
		rec := newAuthzClient(t, w.e).do("GET", link, nil, nil)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `data-testid="reset-forgot"`) {
			t.Errorf("the link 30 minutes on: got %d; body %.300s", rec.Code, authzSnippet(rec))
		}
	})
}

// TestForgotPasswordLimits: the form checks the address's length first,
// counts against limits of its own, and one address gets at most
// MaxCredentialMailsPerHour mails about sign-ups and passwords an hour.
func TestForgotPasswordLimits(t *testing.T) {
	t.Parallel()
	env := newMailServer(t, func(cfg *handlers.Config) { cfg.Limits = handlers.Limits{SignUpsPerAddress: 3} })
	ctx := context.Background()
	if _, err := env.store.CreateUser(ctx, "often@example.com", "an old long passphrase", domain.RoleAdmin, 0, fixedNow); err != nil {
		t.Fatal(err)
	}
	c := newAuthzClient(t, env.e)
	if rec := c.postFrom("203.0.113.1", "/forgot", url.Values{"email": {strings.Repeat("a", 300) + "@example.com"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a 312-byte address: got %d, want 422", rec.Code)
	}
	for i := range 3 {
		if rec := c.postFrom("203.0.113.1", "/forgot", url.Values{"email": {"often@example.com"}}); rec.Code != http.StatusOK {
			t.Fatalf("request %d: got %d", i+1, rec.Code)
		}
	}
	assertRateLimited(t, c.postFrom("203.0.113.1", "/forgot", url.Values{"email": {"often@example.com"}}), "3600")
	for i := range 4 {
		if rec := c.postFrom(fmt.Sprint("203.0.113.", 10+i), "/forgot", url.Values{"email": {"often@example.com"}}); rec.Code != http.StatusOK {
			t.Fatalf("from another address %d: got %d", i, rec.Code)
		}
	}
	var n int
	if err := env.ro.QueryRow(`SELECT COUNT(*) FROM mails WHERE to_addr = ?`, "often@example.com").Scan(&n); err != nil || n != domain.MaxCredentialMailsPerHour {
		t.Errorf("mails queued to one address in an hour: %d (%v), want %d", n, err, domain.MaxCredentialMailsPerHour)
	}
}

// TestAlertMails: an alert goes to the account's e-mail in the account's
// language, its links made from the base URL whatever the Host of the
// request that caused it; demo accounts send none, and events that are
// not alerts are not mailed.
func TestAlertMails(t *testing.T) {
	t.Parallel()
	w := newMailWorld(t, nil)
	ctx := context.Background()
	english := w.createAccount("Alerted Ltd")
	if got := w.call("PUT", fmt.Sprintf("/api/v1/accounts/%d/alerts", english),
		map[string]any{"low_balance_pct": []int{20}, "expiring_days": 30, "language": "en"}, http.StatusOK); got["language"] != "en" {
		t.Fatalf("PUT alerts: %v", got)
	}
	chinese := w.createAccount("Qingyun Meet")
	demo, err := w.store.CreateDemoAccount(ctx, "Demo Ltd", "demo.ltd@example.com", fixedNow.Add(-72*time.Hour), fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{english, chinese, demo.ID} {
		sdk, _ := w.createApp(id, "2026-11-20T10:00:00+08:00")
		body := fmt.Sprintf(`{"sessions":[{"session_id":"s1","room_id":"r","user_id":"u","joined_at":"2026-11-24T10:00:00+08:00","left_at":%q}]}`,
			time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)).Add(850*time.Minute).Format(time.RFC3339))
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", sdk), strings.NewReader(body))
		req.Host = evilHost
		req.Header.Set("Authorization", "Bearer "+staffToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		w.e.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			t.Fatalf("sessions of account %d: %d %s", id, rec.Code, rec.Body.String())
		}
	}
	t.Run("in the account's language, with links from the base URL", func(t *testing.T) {
		m := w.sink.Wait(t, "alerted.ltd@example.com", 1)[0]
		if m.Subject != "[rtcbill] Package running low: Alerted Ltd" || !strings.Contains(m.Body, "150 of 1,000 minutes left (at or below 20 %)") {
			t.Errorf("got %q: %s", m.Subject, m.Body)
		}
		for _, path := range []string{"/notifications", "/alerts"} {
			if want := fmt.Sprintf("%s/accounts/%d%s", mailBase, english, path); !strings.Contains(m.Body, want) {
				t.Errorf("no link %s in %s", want, m.Body)
			}
		}
		linkIn(t, m, fmt.Sprintf("/accounts/%d/", english))
		zh := w.sink.Wait(t, "qingyun.meet@example.com", 1)[0]
		if zh.Subject != "[rtcbill] 资源包余量不足：Qingyun Meet" || !strings.Contains(zh.Body, "剩余 150 / 1,000 分钟") {
			t.Errorf("in Chinese: got %q: %s", zh.Subject, zh.Body)
		}
	})
	t.Run("a demo account sends none; a purchase is not mailed", func(t *testing.T) {
		events := w.call("GET", fmt.Sprintf("/api/v1/accounts/%d/events", demo.ID), nil, http.StatusOK)["events"].([]any)
		if len(events) == 0 {
			t.Fatal("the demo account has no event: the test shows nothing")
		}
		var n int
		if err := w.ro.QueryRow(`SELECT COUNT(*) FROM mails WHERE account_id = ?`, demo.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("mails of the demo account: %d, %v", n, err)
		}
		w.purchase(english, "starter", "")
		if err := w.ro.QueryRow(`SELECT COUNT(*) FROM mails m JOIN events e ON e.id = m.event_id WHERE e.type = ?`, domain.EventPurchase).Scan(&n); err != nil || n != 0 {
			t.Errorf("mails of purchases: %d, %v", n, err)
		}
		if got := len(w.sink.To("demo.ltd@example.com")); got != 0 {
			t.Errorf("the demo account's e-mail got %d mails", got)
		}
	})
}

// TestMailLanguages: a user chooses the language of their own mails on
// /security, an account's the language of its alerts on its alert
// settings; a demo account's page says it sends none.
func TestMailLanguages(t *testing.T) {
	t.Parallel()
	env := newMailServer(t, nil)
	ctx := context.Background()
	id := env.createAccount("Lingua Ltd")
	u, err := env.store.CreateUser(ctx, "lingua@example.com", authzPassword, domain.RoleCustomer, id, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	c := newAuthzClient(t, env.e)
	if rec := c.signIn("lingua@example.com", authzPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", rec.Code)
	}
	if doc := pageDoc(t, c.do("GET", "/security", nil, nil).Body.String()); doc.Find(`[data-testid="mail-lang"] option[selected]`).AttrOr("value", "") != "zh-CN" {
		t.Errorf("/security: the language offered is not the user's, zh-CN")
	}
	if rec := c.post("/security/language", url.Values{"lang": {"en"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /security/language: %d", rec.Code)
	}
	if got, _ := env.store.UserByID(ctx, u.ID); got.Lang != "en" {
		t.Errorf("the user's language: %q, want en", got.Lang)
	}
	if rec := c.post("/security/language", url.Values{"lang": {"fr"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a language the console does not speak: got %d, want 422", rec.Code)
	}
	base := fmt.Sprintf("/accounts/%d/alerts", id)
	if rec := c.post(base, url.Values{"low_balance_pct": {"20"}, "expiring_days": {"30"}, "language": {"en"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("POST alerts: %d", rec.Code)
	}
	doc := pageDoc(t, c.do("GET", base, nil, nil).Body.String())
	if doc.Find(`[data-testid="alerts-language"] option[selected]`).AttrOr("value", "") != "en" || !strings.Contains(doc.Find(`[data-testid="alerts-mail"]`).Text(), "lingua.ltd@example.com") {
		t.Error("the alerts page does not show the account's e-mail and its language, en")
	}
	if s, _ := env.store.AlertSettings(ctx, id); s.Language != "en" {
		t.Errorf("the account's language: %q, want en", s.Language)
	}
	demo, err := env.store.CreateDemoAccount(ctx, "Demo Lingua", "demo@example.com", fixedNow, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	staff := newAuthzClient(t, env.e)
	if _, err := env.store.CreateUser(ctx, "admin@example.com", authzPassword, domain.RoleAdmin, 0, fixedNow); err != nil {
		t.Fatal(err)
	}
	staff.signIn("admin@example.com", authzPassword)
	if doc := pageDoc(t, staff.do("GET", fmt.Sprintf("/accounts/%d/alerts", demo.ID), nil, nil).Body.String()); doc.Find(`[data-testid="alerts-mail-demo"]`).Length() != 1 ||
		doc.Find(`[data-testid="alerts-language"]`).Length() != 0 {
		t.Error("the demo account's alerts page does not say it sends no e-mail")
	}
}

// TestNoMailWithoutSMTP: without SMTP the console is as it was: sign-up
// opens the account at once, there is no forgotten-password page, no
// language to choose, and alerts queue no mail.
func TestNoMailWithoutSMTP(t *testing.T) {
	t.Parallel()
	env := authzServer(t, filepath.Join(t.TempDir(), "nomail.db"), func(cfg *handlers.Config) { cfg.BaseURL = mailBase })
	c := newAuthzClient(t, env.e)
	if strings.Contains(c.do("GET", "/signin", nil, nil).Body.String(), "/forgot") {
		t.Error("the sign-in page offers /forgot")
	}
	if rec := c.do("GET", "/forgot", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /forgot: got %d, want 404", rec.Code)
	}
	if rec := c.post("/forgot", url.Values{"email": {"x@example.com"}}); rec.Code != http.StatusNotFound {
		t.Errorf("POST /forgot: got %d, want 404", rec.Code)
	}
	rec := c.post("/signup", url.Values{"name": {"Direct Ltd"}, "email": {"direct@example.com"}, "password": {"a new long passphrase"}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/accounts/") {
		t.Fatalf("sign-up: got %d to %q, want 303 to the new account", rec.Code, rec.Header().Get("Location"))
	}
	if doc := pageDoc(t, c.do("GET", "/security", nil, nil).Body.String()); doc.Find(`[data-testid="mail-language"]`).Length() != 0 {
		t.Error("/security offers a language of e-mails")
	}
	id := env.createAccount("Quiet Ltd")
	sdk, _ := env.createApp(id, "2026-11-20T10:00:00+08:00")
	env.postSessions(sdk, []session{{ID: "s1", Room: "r", User: "u", Joined: "2026-11-24T10:00:00+08:00", Left: "2026-11-25T00:10:00+08:00"}})
	var events, mails int
	if err := env.ro.QueryRow(`SELECT COUNT(*) FROM events WHERE account_id = ? AND type = ?`, id, domain.EventLowBalance).Scan(&events); err != nil || events != 1 {
		t.Fatalf("low-balance events: %d, %v; want 1", events, err)
	}
	if err := env.ro.QueryRow(`SELECT COUNT(*) FROM mails`).Scan(&mails); err != nil || mails != 0 {
		t.Errorf("mails queued: %d, %v; want none", mails, err)
	}
}
