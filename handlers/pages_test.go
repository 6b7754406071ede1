package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// page sends a browser-like request: no token, a language, an optional form.
func (env *env) page(method, path, lang string, form url.Values) *httptest.ResponseRecorder {
	env.t.Helper()
	var hr *http.Request
	if form != nil {
		hr = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		hr = httptest.NewRequest(method, path, nil)
	}
	if lang != "" {
		hr.Header.Set("Accept-Language", lang)
	}
	rec := httptest.NewRecorder()
	env.e.ServeHTTP(rec, hr)
	return rec
}

func doc(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	return d
}

// buyToken opens the confirmation page and reads its one-time token.
func (env *env) buyToken(account int64, plan string) string {
	env.t.Helper()
	rec := env.page("GET", fmt.Sprintf("/accounts/%d/buy/%s", account, plan), "en", nil)
	if rec.Code != http.StatusOK {
		env.t.Fatalf("confirmation page: got %d, want 200", rec.Code)
	}
	token, _ := doc(env.t, rec).Find(`[data-testid="buy-form"] input[name="token"]`).Attr("value")
	if len(token) != 32 {
		env.t.Fatalf("one-time token: got %q", token)
	}
	return token
}

func TestPagePurchaseBuysOncePerToken(t *testing.T) {
	env := newEnv(t)
	id := env.createAccount("Buyer")
	token := env.buyToken(id, "starter")
	path := fmt.Sprintf("/accounts/%d/buy/starter", id)

	first := env.page("POST", path, "en", url.Values{"token": {token}})
	if first.Code != http.StatusSeeOther {
		t.Fatalf("confirm: got %d, want 303", first.Code)
	}
	order := first.Header().Get("Location")
	if !strings.HasPrefix(order, fmt.Sprintf("/accounts/%d/orders/", id)) {
		t.Fatalf("confirm leads to %q, want the order page", order)
	}
	t.Run("a double click or a resubmit lands on the same order and buys nothing more", func(t *testing.T) {
		for range 3 {
			again := env.page("POST", path, "en", url.Values{"token": {token}})
			if again.Code != http.StatusSeeOther || again.Header().Get("Location") != order {
				t.Errorf("resubmit: got %d to %q, want 303 to %q", again.Code, again.Header().Get("Location"), order)
			}
		}
		if n := env.counts()["packages"]; n != 1 {
			t.Errorf("packages: got %d, want 1", n)
		}
	})
	t.Run("the order page says how to apply for group support (R12)", func(t *testing.T) {
		d := doc(t, env.page("GET", order, "en", nil))
		if d.Find(`[data-testid="order-flash"]`).Length() != 1 || d.Find(`[data-testid="apply-group"]`).Length() != 1 {
			t.Error("the order page lacks the thank-you note or the group support application")
		}
	})
	t.Run("a new confirmation buys a second package: packages stack", func(t *testing.T) {
		env.page("POST", path, "en", url.Values{"token": {env.buyToken(id, "starter")}})
		if n := env.counts()["packages"]; n != 2 {
			t.Errorf("packages: got %d, want 2", n)
		}
	})
	t.Run("without a valid token nothing is bought", func(t *testing.T) {
		before := env.counts()
		for _, bad := range []string{"", "not-a-token", strings.Repeat("z", 32)} {
			rec := env.page("POST", path, "en", url.Values{"token": {bad}})
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
			if rec := env.page("GET", fmt.Sprintf("/accounts/%d/buy/%s", id, plan), "en", nil); rec.Code != http.StatusNotFound {
				t.Errorf("%s: got %d, want 404", plan, rec.Code)
			}
		}
	})
}

func TestPageAccountForm(t *testing.T) {
	env := newEnv(t)
	t.Run("a bad form keeps the input, says what is wrong and stores nothing", func(t *testing.T) {
		before := env.counts()
		rec := env.page("POST", "/accounts", "zh-CN", url.Values{"name": {"  "}, "email": {"ops@example.com"}})
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
		rec = env.page("POST", "/accounts", "en", url.Values{"name": {"Acme"}, "email": {"not an address"}})
		if rec.Code != http.StatusUnprocessableEntity || doc(t, rec).Find(`[data-testid="email-error"]`).Length() != 1 {
			t.Errorf("bad e-mail: got %d without an error next to the field", rec.Code)
		}
		assertUnchanged(t, before, env.counts())
	})
	t.Run("a good form opens the account and goes on to the plan chosen", func(t *testing.T) {
		rec := env.page("POST", "/accounts", "en", url.Values{"name": {"Acme"}, "email": {"ops@acme.example"}, "buy": {"premium"}})
		if rec.Code != http.StatusSeeOther || !regexp.MustCompile(`^/accounts/\d+/buy/premium$`).MatchString(rec.Header().Get("Location")) {
			t.Errorf("got %d to %q, want 303 to the premium confirmation", rec.Code, rec.Header().Get("Location"))
		}
	})
}

func TestPageLanguageSwitch(t *testing.T) {
	env := newEnv(t)
	rec := env.page("GET", "/lang?to=en&next=%2Faccounts", "zh-CN", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/accounts" {
		t.Fatalf("got %d to %q, want 303 to /accounts", rec.Code, rec.Header().Get("Location"))
	}
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].Value != "en" || !c[0].HttpOnly {
		t.Errorf("cookie: got %+v, want rtcbill_lang=en, HttpOnly", c)
	}
	if loc := env.page("GET", "/lang?to=en&next=%2F%2Fevil.example", "", nil).Header().Get("Location"); loc != "/" {
		t.Errorf("an off-site next: got %q, want /", loc)
	}
	if rec := env.page("GET", "/lang?to=fr", "", nil); rec.Code != http.StatusUnprocessableEntity {
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
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range paths {
			t.Run(lang+" "+p, func(t *testing.T) {
				rec := env.page("GET", p, lang, nil)
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
	t.Run("unknown pages answer an HTML 404", func(t *testing.T) {
		for _, p := range []string{"/nowhere", "/accounts/999", fmt.Sprintf("/accounts/%d/orders/999", id), "/apps/1/rooms/r1"} {
			rec := env.page("GET", p, "en", nil)
			if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("%s: got %d %s, want an HTML 404", p, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
	})
	t.Run("the bill page refuses a bad month and serves its CSV", func(t *testing.T) {
		if rec := env.page("GET", fmt.Sprintf("/accounts/%d/bills/2019-13", id), "en", nil); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad month: got %d, want 422", rec.Code)
		}
		rec := env.page("GET", fmt.Sprintf("/accounts/%d/bills/2019-08.csv", id), "en", nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("CSV: got %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
		}
	})
}
