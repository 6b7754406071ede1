package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rtcbill/domain"
)

// TestAppScriptIsServedFromTheConsole: the pages' one script is a static
// file of the console, which the CSP's script-src 'self' allows.
func TestAppScriptIsServedFromTheConsole(t *testing.T) {
	env := newEnv(t)
	rec := env.visitor("en").get("/static/app.js")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "javascript") {
		t.Fatalf("GET /static/app.js: got %d %q, want 200 JavaScript", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{"data-copy", "data-print"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("app.js does not handle %s", want)
		}
	}
}

// TestPlansPageOffersBuyByRole: the plans page shows Buy buttons to those
// who may buy (can) and to visitors, who sign up first; support sees the
// packages without them, for an account or not.
func TestPlansPageOffersBuyByRole(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Plans Ltd")
	for _, c := range []struct {
		who  string
		v    func() *visitor
		path string
		buys int
		href string
	}{
		{"a visitor", func() *visitor { return env.visitor("en") }, "/plans", 4, "/signup?plan=starter"},
		{"the customer", func() *visitor { return env.signIn("en", domain.RoleCustomer, account) }, "/plans", 4, fmt.Sprintf("/accounts/%d/buy/starter", account)},
		{"an admin", func() *visitor { return env.signIn("en", domain.RoleAdmin, 0) }, "/plans", 4, "/accounts?buy=starter"},
		{"an admin for the account", func() *visitor { return env.signIn("en", domain.RoleAdmin, 0) }, fmt.Sprintf("/plans?account=%d", account), 4, fmt.Sprintf("/accounts/%d/buy/starter", account)},
		{"support", func() *visitor { return env.signIn("en", domain.RoleSupport, 0) }, "/plans", 0, ""},
		{"support for the account", func() *visitor { return env.signIn("en", domain.RoleSupport, 0) }, fmt.Sprintf("/plans?account=%d", account), 0, ""},
	} {
		t.Run(c.who, func(t *testing.T) {
			d := doc(t, c.v().get(c.path))
			buys := d.Find(`[data-testid="buy"]`)
			if buys.Length() != c.buys {
				t.Fatalf("got %d Buy buttons, want %d", buys.Length(), c.buys)
			}
			if c.buys > 0 {
				if href, _ := d.Find(`[data-testid="plan-starter"] [data-testid="buy"]`).Attr("href"); href != c.href {
					t.Errorf("the Starter's Buy leads to %q, want %q", href, c.href)
				}
			}
		})
	}
}

// TestAccountsListShowsStatusAndMinutesLeft: support finds an account by
// its SDKAppID and reads from the list whether it runs and how many
// minutes its packages have left.
func TestAccountsListShowsStatusAndMinutesLeft(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Left Ltd")
	app, _ := env.createApp(account, "2026-11-01T10:00:00+08:00")
	env.purchase(account, "starter", "2026-11-02T09:00:00+08:00")
	fresh := env.createAccount("Fresh Ltd")
	support := env.signIn("zh-CN", domain.RoleSupport, 0)

	d := doc(t, support.get(fmt.Sprintf("/accounts?q=%d", app)))
	row := d.Find(fmt.Sprintf(`[data-testid="account-%d"]`, account))
	if row.Length() != 1 {
		t.Fatalf("the search for SDKAppID %d does not find account %d", app, account)
	}
	if got, _ := row.Find(`[data-testid="account-status"]`).Attr("data-status"); got != "active" {
		t.Errorf("status: got %q, want active", got)
	}
	// The trial (1,000) and the Starter (50,000), nothing used.
	if got := strings.TrimSpace(row.Find(`[data-testid="minutes-left"]`).Text()); got != "51,000" {
		t.Errorf("minutes left: got %q, want 51,000", got)
	}
	d = doc(t, support.get("/accounts?q=Fresh"))
	if got, _ := d.Find(fmt.Sprintf(`[data-testid="account-%d"] [data-testid="account-status"]`, fresh)).Attr("data-status"); got != "new" {
		t.Errorf("an account without an application: got %q, want new", got)
	}
}

// TestBillPageNamesAppsAndOrders: the bill page names each application
// beside its SDKAppID and each package by its order ID, from the store.
func TestBillPageNamesAppsAndOrders(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Named Ltd")
	app, _ := env.createApp(account, "2026-11-01T10:00:00+08:00")
	env.postSessions(app, []session{{ID: "s1", Room: "r1", User: "u1", Joined: "2026-11-02T10:00:00+08:00", Left: "2026-11-02T10:30:00+08:00"}})
	admin := env.signIn("en", domain.RoleAdmin, 0)
	d := doc(t, admin.get(fmt.Sprintf("/accounts/%d/bills/2026-11", account)))
	if got := strings.TrimSpace(d.Find(`[data-testid="app-row"] [data-testid="app-name"]`).Text()); got != "app of 2026-11-01T10:00:00+08:00" {
		t.Errorf("application name: got %q", got)
	}
	order := strings.TrimSpace(d.Find(`[data-testid="deduction-row"] [data-testid="order-id"]`).Text())
	if !strings.HasPrefix(order, "RB20261101") {
		t.Errorf("the trial's deduction is named %q, want its order ID RB20261101…", order)
	}
	if got := strings.TrimSpace(d.Find(`[data-testid="bill-number"]`).Text()); got != fmt.Sprintf("RBB202611%06d", account) {
		t.Errorf("bill number: got %q", got)
	}
	d = doc(t, admin.get(fmt.Sprintf("/accounts/%d/bills", account)))
	if got, _ := d.Find(`[data-testid="bill-row-2026-11"] [data-testid="bill-stage"]`).Attr("data-stage"); got != "estimate" {
		t.Errorf("the running month's stage: got %q, want estimate", got)
	}
}
