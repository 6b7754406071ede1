package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rtcbill/domain"
)

// TestUnknownURLIsNotFoundForEveryone: an address no route serves is 404
// for a visitor too (not a detour through the sign-in page), for the API
// without a token too (not 401), and the page keeps the header of whoever
// is signed in.
func TestUnknownURLIsNotFoundForEveryone(t *testing.T) {
	env := newEnv(t)
	anon := env.visitor("zh-CN")
	for _, path := range []string{"/nowhere", "/accounts/1/nothing-here", "/apps/1/rooms/r1/nothing"} {
		rec := anon.get(path)
		if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s as a visitor: got %d to %q, want an HTML 404", path, rec.Code, rec.Header().Get("Location"))
		}
	}
	rec := env.do(req{method: "GET", path: "/api/v1/nothing-here", token: noToken()})
	if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("GET /api/v1/nothing-here without a token: got %d %s, want a JSON 404", rec.Code, rec.Header().Get("Content-Type"))
	}
	if c := rec.Header().Get("Set-Cookie"); c != "" {
		t.Errorf("the API's 404 sets a cookie %q", c)
	}
	// A page that needs a sign-in still asks a visitor to sign in.
	if rec := anon.get("/accounts"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/signin?next=") {
		t.Errorf("GET /accounts as a visitor: got %d to %q, want 303 to sign in", rec.Code, rec.Header().Get("Location"))
	}

	admin := env.signIn("en", domain.RoleAdmin, 0)
	d := doc(t, admin.get("/nowhere"))
	if got := d.Find(`[data-testid="signed-in-as"]`).Text(); !strings.Contains(got, "admin") {
		t.Errorf("the 404 page's header says %q, want the admin signed in", got)
	}
	if href, _ := d.Find(`[data-testid="error-home"]`).Attr("href"); href != "/accounts" {
		t.Errorf("the 404 page leads staff to %q, want /accounts", href)
	}
}

// TestForbiddenPageSaysSoInThePageLanguage: support clicking what they may
// not do (here: creating an application) is told in the page's language,
// with the account's navigation and the way back to its overview.
func TestForbiddenPageSaysSoInThePageLanguage(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Huaxing Group")
	for _, c := range []struct{ lang, want, not string }{
		{"zh-CN", "客服", "may not"},
		{"en", "support", "不能"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			support := env.signIn(c.lang, domain.RoleSupport, 0)
			rec := support.post(fmt.Sprintf("/accounts/%d/apps", account), url.Values{"name": {"Nope"}})
			if rec.Code != http.StatusForbidden {
				t.Fatalf("POST as support: got %d, want 403", rec.Code)
			}
			d := doc(t, rec)
			msg := d.Find(`[data-testid="error-message"]`).Text()
			if !strings.Contains(msg, c.want) || strings.Contains(msg, c.not) || strings.Contains(msg, "you may not do this") {
				t.Errorf("message %q: want it in %s, naming the role", msg, c.lang)
			}
			if got := strings.TrimSpace(d.Find(`[data-testid="account-name"]`).Text()); got != "Huaxing Group" {
				t.Errorf("account navigation: got %q, want Huaxing Group", got)
			}
			if href, _ := d.Find(`[data-testid="error-back"]`).Attr("href"); href != fmt.Sprintf("/accounts/%d", account) {
				t.Errorf("the way back: got %q, want the account's overview", href)
			}
			if href, _ := d.Find(`[data-testid="lang-en"], [data-testid="lang-zh"]`).Attr("href"); strings.Contains(href, "apps") {
				t.Errorf("the language switch %q would repeat the refused POST as a GET", href)
			}
		})
	}
}

// TestNotFoundNamesNoAccountOneMayNotRead: a 404 that hides another
// customer's account shows no navigation of it.
func TestNotFoundNamesNoAccountOneMayNotRead(t *testing.T) {
	env := newEnv(t)
	mine, theirs := env.createAccount("Mine Ltd"), env.createAccount("Theirs Ltd")
	customer := env.signIn("en", domain.RoleCustomer, mine)
	rec := customer.get(fmt.Sprintf("/accounts/%d/bills", theirs))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("another's bills: got %d, want 404", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "Theirs Ltd") || strings.Contains(body, `data-testid="account-nav"`) {
		t.Errorf("the 404 names the account it hides")
	}
	if d := doc(t, rec); d.Find(`[data-testid="error-home"]`).AttrOr("href", "") != fmt.Sprintf("/accounts/%d", mine) {
		t.Errorf("the 404 leads the customer to %q, want their own account", d.Find(`[data-testid="error-home"]`).AttrOr("href", ""))
	}
}
