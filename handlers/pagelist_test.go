package handlers_test

// Every page of the console, for the tests that look at all of them: the
// language check (language_test.go) and the browser matrix
// (browser_matrix_test.go). The fixture is the demo data with a user of
// each role and a trail of changes made by each kind of actor.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"rtcbill/billing"
	"rtcbill/demo"
	"rtcbill/domain"
)

// roles are the ways to see the console: a visitor (""), then each role.
var roles = []domain.Role{"", domain.RoleCustomer, domain.RoleSupport, domain.RoleSales, domain.RoleAdmin}

// roleName names a role in test names and messages.
func roleName(r domain.Role) string {
	if r == "" {
		return "anonymous"
	}
	return string(r)
}

// pageLangs are the console's languages as the browser asks for them.
var pageLangs = []string{"zh-CN", "en"}

// pageFixture is a console with the demo data, one user of each role and
// the ids of what the pages show.
type pageFixture struct {
	*env
	// account is Qingyun Meet, a demo account with overage on its latest
	// bills; its customer is the customer user, and sales may open it.
	account int64
	// closed is Pixel Pals Studio, whose trial ran out (停服).
	closed           int64
	app              int64 // Qingyun Meet's first application
	room             string
	day              string // a day with calls in room
	issued, estimate string // an issued month with overage, the running month
	pkg              int64  // a package of account, for its order page
	emails           map[domain.Role]string
	resetLink        string
	names            []string // names and ids the pages show as they are
}

// fixturePassword is the password of every user of the fixture.
const fixturePassword = "correct horse battery staple"

// newPageFixture loads the demo data as of fixedNow, adds the users and a
// trail of changes: by the customer in the console, by the staff token and
// a customer's token through the API, and on the command line.
func newPageFixture(t testing.TB, e *env) *pageFixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Load(ctx, e.store, fixedNow); err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	f := &pageFixture{env: e, emails: map[domain.Role]string{}}
	byName := func(name string) int64 {
		as, err := e.store.SearchAccounts(ctx, domain.AccountSearch{Query: name, Limit: 2})
		if err != nil || len(as) != 1 {
			t.Fatalf("demo account %s: got %v, %v", name, as, err)
		}
		return as[0].ID
	}
	f.account, f.closed = byName("Qingyun Meet"), byName("Pixel Pals Studio")

	for _, r := range roles[1:] {
		f.emails[r] = string(r) + "@rtcbill.example"
		account := int64(0)
		if r == domain.RoleCustomer {
			f.emails[r] = "owner@qingyun.example"
			account = f.account
		}
		if _, err := e.store.CreateUser(ctx, f.emails[r], fixturePassword, r, account, fixedNow); err != nil {
			t.Fatalf("create the %s user: %v", r, err)
		}
	}

	apps, err := e.store.Apps(ctx, f.account)
	if err != nil || len(apps) == 0 {
		t.Fatalf("applications of Qingyun Meet: %v %v", apps, err)
	}
	f.app = apps[0].SDKAppID
	f.room = "meet-0008"
	last, err := e.store.LastRoomDay(ctx, f.app, f.room)
	if err != nil || last.IsZero() {
		t.Fatalf("the last day of room %s: %v %v", f.room, last, err)
	}
	f.day = billing.FormatDate(last)
	f.estimate = billing.MonthOf(fixedNow).String()
	f.issued = billing.MonthOf(fixedNow).Prev().String()
	pkgs, err := e.store.Packages(ctx, f.account)
	if err != nil || len(pkgs) == 0 {
		t.Fatalf("packages of Qingyun Meet: %v %v", pkgs, err)
	}
	f.pkg = pkgs[len(pkgs)-1].ID

	// The trail: the customer makes a token in the console and uses it
	// through the API; the staff token records a backdated purchase; the
	// command line imports sessions; an admin makes a reset link and
	// disables a second user of the account.
	customer := e.visitor("en")
	customer.signInAs(f.emails[domain.RoleCustomer])
	rec := customer.post(fmt.Sprintf("/accounts/%d/tokens", f.account), url.Values{"name": {"CI 部署"}})
	if rec.Code != http.StatusCreated {
		t.Fatalf("create a token: got %d", rec.Code)
	}
	secret := strings.TrimSpace(doc(t, rec).Find(`[data-testid="token-secret"]`).Text())
	if secret == "" {
		t.Fatalf("the new token's secret is not on the page")
	}
	e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/accounts/%d/apps", f.account), token: withToken(secret),
		body: map[string]string{"name": "青云课堂"}})
	e.call("POST", fmt.Sprintf("/api/v1/accounts/%d/purchases", f.account),
		map[string]string{"plan": "standard", "purchased_at": "2026-11-01T09:00:00+08:00"}, http.StatusCreated)
	cli := domain.WithActor(ctx, domain.Actor{Label: "command line"})
	csv := "session_id,room_id,user_id,joined_at,left_at\n" +
		"cli-1," + f.room + ",qy-cli,2026-11-24T10:00:00+08:00,2026-11-24T10:30:00+08:00\n"
	if _, err := e.store.ImportSessionsCSV(cli, f.app, strings.NewReader(csv), fixedNow, nil); err != nil {
		t.Fatalf("import on the command line: %v", err)
	}
	second, err := e.store.CreateUser(ctx, "second@qingyun.example", fixturePassword, domain.RoleCustomer, f.account, fixedNow)
	if err != nil {
		t.Fatalf("create a second customer user: %v", err)
	}
	admin := domain.WithActor(ctx, domain.Actor{Label: f.emails[domain.RoleAdmin] + " (admin)"})
	if _, err := e.store.SetUserDisabled(admin, second.ID, true, fixedNow); err != nil {
		t.Fatalf("disable the second user: %v", err)
	}
	owner, err := e.store.Authenticate(ctx, f.emails[domain.RoleCustomer], fixturePassword)
	if err != nil {
		t.Fatalf("the customer user: %v", err)
	}
	if f.resetLink, _, err = e.store.CreatePasswordReset(admin, owner.ID, fixedNow); err != nil {
		t.Fatalf("a reset link: %v", err)
	}

	// What the pages show as it was recorded: names of accounts,
	// applications and tokens, e-mails, ids.
	accounts, err := e.store.SearchAccounts(ctx, domain.AccountSearch{Limit: 1000})
	if err != nil {
		t.Fatalf("list the accounts: %v", err)
	}
	for _, a := range accounts {
		f.names = append(f.names, a.Name, a.Email)
		apps, _ := e.store.Apps(ctx, a.ID)
		for _, app := range apps {
			f.names = append(f.names, app.Name)
		}
		tokens, _ := e.store.APITokens(ctx, a.ID)
		for _, tk := range tokens {
			f.names = append(f.names, tk.Name)
		}
	}
	users, _ := e.store.Users(ctx)
	for _, u := range users {
		f.names = append(f.names, u.Email)
	}
	// What the tests type: users who join the live room, the name of an
	// application and a token, a bad value quoted back.
	for _, lang := range pageLangs {
		for _, user := range []string{"alice", "bob", "carol"} {
			f.names = append(f.names, user+lang)
		}
	}
	f.names = append(f.names, "qy-cli", "nobody", "语言测试", "yesterday", "“fr”")
	// Longest first, so that a name is taken out before a shorter one in it.
	slices.SortFunc(f.names, func(a, b string) int { return len(b) - len(a) })
	return f
}

// signInAs signs the visitor in as an existing user of the fixture.
func (v *visitor) signInAs(email string) {
	v.env.t.Helper()
	if rec := v.post("/signin", url.Values{"email": {email}, "password": {fixturePassword}}); rec.Code != http.StatusSeeOther {
		v.env.t.Fatalf("sign in as %s: got %d, want 303", email, rec.Code)
	}
}

// page is one page to look at: a GET, seen by some roles.
type page struct {
	Name  string
	Path  string
	Roles []domain.Role
	// Status is what the page answers; 0 means 200.
	Status int
}

var (
	everyone  = roles
	signedIn  = roles[1:]
	staffOnly = []domain.Role{domain.RoleSupport, domain.RoleSales, domain.RoleAdmin}
	writers   = []domain.Role{domain.RoleCustomer, domain.RoleSales, domain.RoleAdmin}
	anonymous = []domain.Role{""}
	admins    = []domain.Role{domain.RoleAdmin}
)

// pages lists every page the console serves to a GET, with the error
// pages a link can lead to.
func (f *pageFixture) pages() []page {
	acct := func(path string) string { return fmt.Sprintf("/accounts/%d%s", f.account, path) }
	room := fmt.Sprintf("/apps/%d/rooms/%s", f.app, f.room)
	return []page{
		{Name: "plans", Path: "/", Roles: everyone},
		{Name: "plans-for-account", Path: fmt.Sprintf("/plans?account=%d", f.account), Roles: writers},
		{Name: "estimate", Path: "/estimate", Roles: everyone},
		{Name: "estimate-answer", Path: "/estimate?minutes_per_month=100000&months=12&features=whiteboard_sdk", Roles: everyone},
		{Name: "estimate-new-customer", Path: "/estimate?basis=users&users=200&minutes_per_user_per_day=30&days_per_month=22&months=24&growth_pct=5&new_customer=true&start=2026-01", Roles: anonymous},
		{Name: "estimate-errors", Path: "/estimate?minutes_per_month=-5&months=99&start=2026-13", Roles: everyone, Status: http.StatusUnprocessableEntity},
		{Name: "signin", Path: "/signin", Roles: anonymous},
		{Name: "signup", Path: "/signup?plan=starter", Roles: anonymous},
		{Name: "reset", Path: "/reset/" + f.resetLink, Roles: anonymous},
		{Name: "accounts", Path: "/accounts?q=" + url.QueryEscape("@"+demo.EmailDomain), Roles: staffOnly},
		{Name: "overview", Path: acct(""), Roles: signedIn},
		{Name: "overview-closed", Path: fmt.Sprintf("/accounts/%d", f.closed), Roles: staffOnly},
		{Name: "buy", Path: acct("/buy/standard"), Roles: writers},
		{Name: "order", Path: acct(fmt.Sprintf("/orders/%d", f.pkg)), Roles: signedIn},
		{Name: "apps", Path: acct("/apps"), Roles: signedIn},
		{Name: "bills", Path: acct("/bills"), Roles: signedIn},
		{Name: "bill-issued", Path: acct("/bills/" + f.issued), Roles: signedIn},
		{Name: "bill-estimate", Path: acct("/bills/" + f.estimate), Roles: signedIn},
		{Name: "bill-rooms", Path: acct("/bills/" + f.issued + "/rooms"), Roles: signedIn},
		{Name: "bill-rooms-search", Path: acct("/bills/" + f.estimate + "/rooms?q=meet&page=1"), Roles: signedIn},
		{Name: "bill-rooms-none", Path: acct("/bills/" + f.estimate + "/rooms?q=nobody"), Roles: signedIn},
		{Name: "tokens", Path: acct("/tokens"), Roles: signedIn},
		{Name: "audit", Path: acct("/audit"), Roles: staffOnly},
		{Name: "room", Path: room + "?day=" + f.day, Roles: signedIn},
		{Name: "live-room", Path: room + "/live", Roles: signedIn},
		{Name: "users", Path: "/admin/users", Roles: admins},
		{Name: "security", Path: "/security", Roles: signedIn},

		// Error pages.
		{Name: "not-found", Path: "/no-such-page", Roles: everyone, Status: http.StatusNotFound},
		{Name: "reset-unknown", Path: "/reset/no-such-link", Roles: anonymous, Status: http.StatusNotFound},
		{Name: "bill-not-started", Path: acct("/bills/2030-01"), Roles: signedIn, Status: http.StatusUnprocessableEntity},
		{Name: "bill-bad-month", Path: acct("/bills/2026-13"), Roles: signedIn, Status: http.StatusUnprocessableEntity},
		{Name: "plans-bad-account", Path: "/plans?account=x", Roles: everyone, Status: http.StatusUnprocessableEntity},
		{Name: "lang-unknown", Path: "/lang?to=fr&next=/", Roles: everyone, Status: http.StatusUnprocessableEntity},
		{Name: "buy-forbidden", Path: acct("/buy/standard"), Roles: []domain.Role{domain.RoleSupport}, Status: http.StatusForbidden},
		{Name: "audit-bad-page", Path: acct("/audit?page=x"), Roles: staffOnly, Status: http.StatusUnprocessableEntity},
		{Name: "bill-rooms-bad-page", Path: acct("/bills/" + f.issued + "/rooms?page=0"), Roles: signedIn, Status: http.StatusUnprocessableEntity},
		{Name: "room-bad-day", Path: room + "?day=2026-02-30", Roles: signedIn, Status: http.StatusUnprocessableEntity},
	}
}

// pagesFor lists the pages role sees.
func (f *pageFixture) pagesFor(role domain.Role) []page {
	var out []page
	for _, p := range f.pages() {
		if slices.Contains(p.Roles, role) {
			out = append(out, p)
		}
	}
	return out
}

// visitorAs is a visitor of role, signed in unless anonymous, whose
// browser asks for lang.
func (f *pageFixture) visitorAs(role domain.Role, lang string) *visitor {
	f.t.Helper()
	v := f.visitor(lang)
	if role != "" {
		v.signInAs(f.emails[role])
	}
	return v
}
