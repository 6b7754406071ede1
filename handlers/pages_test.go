package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
)

// visitor is a browser for the page tests: it keeps cookies (the web
// session, the CSRF token, the language) and puts the CSRF token into every
// form it posts.
type visitor struct {
	env     *env
	lang    string
	cookies map[string]*http.Cookie
	token   string // the CSRF token of the last page's forms
}

func (env *env) visitor(lang string) *visitor {
	return &visitor{env: env, lang: lang, cookies: map[string]*http.Cookie{}}
}

func (v *visitor) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	v.env.t.Helper()
	var hr *http.Request
	if form != nil {
		if v.token != "" && !form.Has("_csrf") {
			form.Set("_csrf", v.token)
		}
		hr = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		hr = httptest.NewRequest(method, path, nil)
	}
	if v.lang != "" {
		hr.Header.Set("Accept-Language", v.lang)
	}
	for _, c := range v.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	v.env.e.ServeHTTP(rec, hr)
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "rtcbill_session") {
			v.token = ""
		}
		if c.MaxAge < 0 || c.Value == "" {
			delete(v.cookies, c.Name)
		} else {
			v.cookies[c.Name] = c
		}
	}
	if token, ok := pageCSRF(rec); ok {
		v.token = token
	}
	return rec
}

func (v *visitor) get(path string) *httptest.ResponseRecorder { return v.do("GET", path, nil) }

// post sends a form; a first GET fetches a page with the CSRF token when
// the visitor has none.
func (v *visitor) post(path string, form url.Values) *httptest.ResponseRecorder {
	v.csrf()
	return v.do("POST", path, form)
}

// csrf returns the CSRF token of the visitor's forms, opening a page with a
// form when there is none.
func (v *visitor) csrf() string {
	for _, path := range []string{"/signin", "/"} {
		if v.token == "" {
			v.get(path)
		}
	}
	return v.token
}

const testPassword = "correct horse battery"

var userSeq atomic.Int64

// signIn signs a visitor in as a new user of role (customers need account).
func (env *env) signIn(lang string, role domain.Role, account int64) *visitor {
	env.t.Helper()
	email := fmt.Sprintf("%s%d-%d@example.com", role, account, userSeq.Add(1))
	if _, err := env.store.CreateUser(context.Background(), email, testPassword, role, account, fixedNow); err != nil {
		env.t.Fatalf("create %s user: %v", role, err)
	}
	v := env.visitor(lang)
	if rec := v.post("/signin", url.Values{"email": {email}, "password": {testPassword}}); rec.Code != http.StatusSeeOther {
		env.t.Fatalf("sign in as %s: got %d, want 303", role, rec.Code)
	}
	return v
}

func doc(t testing.TB, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	return d
}

// buyToken opens the confirmation page and reads its one-time token.
func (v *visitor) buyToken(account int64, plan string) string {
	v.env.t.Helper()
	rec := v.get(fmt.Sprintf("/accounts/%d/buy/%s", account, plan))
	if rec.Code != http.StatusOK {
		v.env.t.Fatalf("confirmation page: got %d, want 200", rec.Code)
	}
	token, _ := doc(v.env.t, rec).Find(`[data-testid="buy-form"] input[name="token"]`).Attr("value")
	if len(token) != 32 {
		v.env.t.Fatalf("one-time token: got %q", token)
	}
	return token
}

func TestPagePurchaseBuysOncePerToken(t *testing.T) {
	env := newEnv(t)
	id := env.createAccount("Buyer")
	customer := env.signIn("en", domain.RoleCustomer, id)
	token := customer.buyToken(id, "starter")
	path := fmt.Sprintf("/accounts/%d/buy/starter", id)

	first := customer.post(path, url.Values{"token": {token}})
	if first.Code != http.StatusSeeOther {
		t.Fatalf("confirm: got %d, want 303", first.Code)
	}
	order := first.Header().Get("Location")
	if !strings.HasPrefix(order, fmt.Sprintf("/accounts/%d/orders/", id)) {
		t.Fatalf("confirm leads to %q, want the order page", order)
	}
	t.Run("a double click or a resubmit lands on the same order and buys nothing more", func(t *testing.T) {
		for range 3 {
			again := customer.post(path, url.Values{"token": {token}})
			if again.Code != http.StatusSeeOther || again.Header().Get("Location") != order {
				t.Errorf("resubmit: got %d to %q, want 303 to %q", again.Code, again.Header().Get("Location"), order)
			}
		}
		if n := env.counts()["packages"]; n != 1 {
			t.Errorf("packages: got %d, want 1", n)
		}
	})
	t.Run("the order page says how to apply for group support (R12)", func(t *testing.T) {
		d := doc(t, customer.get(order))
		if d.Find(`[data-testid="order-flash"]`).Length() != 1 || d.Find(`[data-testid="apply-group"]`).Length() != 1 {
			t.Error("the order page lacks the thank-you note or the group support application")
		}
	})
	t.Run("a new confirmation buys a second package: packages stack", func(t *testing.T) {
		customer.post(path, url.Values{"token": {customer.buyToken(id, "starter")}})
		if n := env.counts()["packages"]; n != 2 {
			t.Errorf("packages: got %d, want 2", n)
		}
	})
	t.Run("without a valid token nothing is bought", func(t *testing.T) {
		before := env.counts()
		for _, bad := range []string{"", "not-a-token", strings.Repeat("z", 32)} {
			rec := customer.post(path, url.Values{"token": {bad}})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("token %q: got %d, want 422", bad, rec.Code)
			}
			if doc(t, rec).Find(`[data-testid="buy-error"]`).Length() != 1 {
				t.Errorf("token %q: the page does not say what went wrong", bad)
			}
		}
		assertUnchanged(t, before, env.counts())
	})
	t.Run("the trial and unknown plans have no purchase page (R4)", func(t *testing.T) {
		for _, plan := range []string{"trial", "gold"} {
			if rec := customer.get(fmt.Sprintf("/accounts/%d/buy/%s", id, plan)); rec.Code != http.StatusNotFound {
				t.Errorf("%s: got %d, want 404", plan, rec.Code)
			}
		}
	})
}

func TestPageAccountForm(t *testing.T) {
	env := newEnv(t)
	zhAdmin, enAdmin := env.signIn("zh-CN", domain.RoleAdmin, 0), env.signIn("en", domain.RoleAdmin, 0)
	t.Run("a bad form keeps the input, says what is wrong and stores nothing", func(t *testing.T) {
		before := env.counts()
		rec := zhAdmin.post("/accounts", url.Values{"name": {"  "}, "email": {"ops@example.com"}})
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", rec.Code)
		}
		d := doc(t, rec)
		if d.Find(`[data-testid="name-error"]`).Length() != 1 {
			t.Error("no error next to the name")
		}
		if v, _ := d.Find(`input[name="email"]`).Attr("value"); v != "ops@example.com" {
			t.Errorf("e-mail input: got %q, want it kept", v)
		}
		rec = enAdmin.post("/accounts", url.Values{"name": {"Acme"}, "email": {"not an address"}})
		if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find(`[data-testid="email-error"]`).Length() != 1 {
			t.Errorf("bad e-mail: got %d without an error next to the field", rec.Code)
		}
		assertUnchanged(t, before, env.counts())
	})
	t.Run("a good form opens the account and goes on to the plan chosen", func(t *testing.T) {
		rec := enAdmin.post("/accounts", url.Values{"name": {"Acme"}, "email": {"ops@acme.example"}, "buy": {"premium"}})
		if rec.Code != http.StatusSeeOther || !regexp.MustCompile(`^/accounts/\d+/buy/premium$`).MatchString(rec.Header().Get("Location")) {
			t.Errorf("got %d to %q, want 303 to the premium confirmation", rec.Code, rec.Header().Get("Location"))
		}
	})
}

func TestPageLanguageSwitch(t *testing.T) {
	env := newEnv(t)
	v := env.visitor("zh-CN")
	rec := v.get("/lang?to=en&next=%2Faccounts")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/accounts" {
		t.Fatalf("got %d to %q, want 303 to /accounts", rec.Code, rec.Header().Get("Location"))
	}
	if c := v.cookies["rtcbill_lang"]; c == nil || c.Value != "en" || !c.HttpOnly {
		t.Errorf("cookie: got %+v, want rtcbill_lang=en, HttpOnly", c)
	}
	if loc := v.get("/lang?to=en&next=%2F%2Fevil.example").Header().Get("Location"); loc != "/" {
		t.Errorf("an off-site next: got %q, want /", loc)
	}
	if rec := v.get("/lang?to=fr"); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: got %d, want 422", rec.Code)
	}
}

// messageID matches a catalogue id shown instead of its text.
var messageID = regexp.MustCompile(`\b(layout|plans|account|accounts|buy|order|apps|rooms|bills|error|feature|money)\.[a-z_]+(\.[a-z_]+)*\b`)

// Every page answers in both languages, with no message id left showing.
func TestPagesRenderInBothLanguages(t *testing.T) {
	env := newEnv(t)
	id := env.createAccount("W1")
	app, _ := env.createApp(id, "2019-07-01T10:00:00+08:00")
	pkg := env.purchase(id, "starter", "2019-08-01T09:00:00+08:00")
	env.postSessions(app, []session{
		{ID: "a", Room: "r1", User: "A", Joined: "2019-08-02T10:00:00+08:00", Left: "2019-08-02T10:10:00+08:00"},
		{ID: "b", Room: "r1", User: "B", Joined: "2019-08-02T10:05:00+08:00", Left: "2019-08-02T10:25:00+08:00"},
	})
	paths := []string{
		"/", "/plans", fmt.Sprintf("/plans?account=%d", id), "/accounts", "/accounts?q=W1&buy=starter",
		fmt.Sprintf("/accounts/%d", id), fmt.Sprintf("/accounts/%d/apps", id),
		fmt.Sprintf("/accounts/%d/bills", id), fmt.Sprintf("/accounts/%d/bills/2019-08", id),
		fmt.Sprintf("/accounts/%d/buy/enterprise", id), fmt.Sprintf("/accounts/%d/orders/%d", id, intAt(t, pkg, "id")),
		fmt.Sprintf("/apps/%d/rooms/r1", app), fmt.Sprintf("/apps/%d/rooms/r1/live", app),
	}
	paths = append(paths, fmt.Sprintf("/accounts/%d/tokens", id), fmt.Sprintf("/accounts/%d/audit", id), "/admin/users", "/signin", "/signup")
	for _, lang := range []string{"zh-CN", "en"} {
		admin := env.signIn(lang, domain.RoleAdmin, 0)
		for _, p := range paths {
			t.Run(lang+" "+p, func(t *testing.T) {
				rec := admin.get(p)
				if p == "/signin" || p == "/signup" {
					rec = env.visitor(lang).get(p)
				}
				if rec.Code != http.StatusOK {
					t.Fatalf("got %d, want 200", rec.Code)
				}
				if got := rec.Header().Get("Content-Language"); got != lang {
					t.Errorf("Content-Language: got %q, want %q", got, lang)
				}
				d := doc(t, rec)
				if l, _ := d.Find("html").Attr("lang"); l != lang {
					t.Errorf("html lang: got %q, want %q", l, lang)
				}
				if m := messageID.FindString(d.Find("body").Text()); m != "" {
					t.Errorf("the page shows the message id %q instead of its text", m)
				}
			})
		}
	}
	admin := env.signIn("en", domain.RoleAdmin, 0)
	t.Run("unknown pages answer an HTML 404", func(t *testing.T) {
		for _, p := range []string{"/nowhere", "/accounts/999", fmt.Sprintf("/accounts/%d/orders/999", id), "/apps/1/rooms/r1"} {
			rec := admin.get(p)
			if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("%s: got %d %s, want an HTML 404", p, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
	})
	t.Run("the bill page refuses a bad month and serves its CSV", func(t *testing.T) {
		if rec := admin.get(fmt.Sprintf("/accounts/%d/bills/2019-13", id)); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad month: got %d, want 422", rec.Code)
		}
		rec := admin.get(fmt.Sprintf("/accounts/%d/bills/2019-08.csv", id))
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("CSV: got %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
		}
	})
}
