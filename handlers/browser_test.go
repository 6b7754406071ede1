package handlers_test

// End-to-end tests: a real headless chromium (Debian's package) clicks
// through the pages of a real server on loopback, on its own SQLite file
// and fixed clock. Customers sign up in the browser, staff are created
// through the store and sign in on /signin, as people would. They skip
// without a browser unless RTCBILL_E2E=1:
//
//	RTCBILL_E2E=1 go test ./handlers/ -run Browser -v
//	cd handlers && RTCBILL_E2E=1 go test -run Browser . -args -screenshots

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rtcbill/domain"
)

var (
	buyPagePath   = regexp.MustCompile(`^/accounts/(\d+)/buy/starter$`)
	orderPagePath = regexp.MustCompile(`^/accounts/(\d+)/orders/(\d+)$`)
)

// onlyStarter lists the account's packages through the staff API and
// checks there is exactly one, a Starter; it returns its order id.
func (b *browserEnv) onlyStarter(account int64, when string) string {
	b.t.Helper()
	pk := b.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", account), nil, http.StatusOK)
	list := listAt(b.t, pk, "packages")
	if len(list) != 1 {
		b.t.Fatalf("%s: got %d packages %v, want exactly one (a Starter)", when, len(list), list)
	}
	wantStr(b.t, list[0], "plan", "starter")
	return strAt(b.t, list[0], "order_id")
}

// TestBrowserDoubleClickBuysOnce: a visitor clicks Buy on the Starter on
// the plans page, signs up on the way, double-clicks "confirm" on the
// purchase page and later goes back and submits the same page again: one
// Starter is bought, one order.
func TestBrowserDoubleClickBuysOnce(t *testing.T) {
	b := newBrowserEnv(t)

	b.open("/plans")
	b.click(tid("plan-starter") + " " + tid("buy"))
	b.waitFor("the sign-up form for the Starter", "location.pathname === '/signup' && new URLSearchParams(location.search).get('plan') === 'starter' && document.querySelector('"+tid("signup-submit")+"')")
	b.checkPage()
	if got := b.text(tid("signup-plan")); !strings.Contains(got, "入门包") {
		t.Errorf("signup-plan: got %q, want it to name the Starter (入门包)", got)
	}
	b.signUpWith("双击科技", "ops@double-click.example")
	m := b.waitPath(buyPagePath)
	account, _ := strconv.ParseInt(m[1], 10, 64)
	b.waitFor("the purchase confirmation", "document.querySelector('"+tid("buy-submit")+"')")
	if got := b.text(tid("signed-in-as")); !strings.Contains(got, "ops@double-click.example") {
		t.Errorf("after signing up the header says %q, want the new customer signed in", got)
	}
	if got := b.text(tid("buy-plan")); got != "入门包" {
		t.Errorf("buy-plan: got %q, want 入门包", got)
	}
	tokenSel := tid("buy-form") + ` input[name="token"]`
	token := b.value(tokenSel)
	if len(token) != 32 {
		t.Fatalf("one-time token: got %q, want 32 hex digits", token)
	}

	// Hold each purchase's answer (the purchase itself is done by then) as
	// a slow network would, and click the second time once the server has
	// the first purchase: the second submission then races the first
	// answer, which is what a double click does to a form.
	isBuyPost := func(r seenRequest) bool { return r.Method == http.MethodPost && buyPagePath.MatchString(r.Path) }
	b.mu.Lock()
	b.slowBuy = time.Second
	b.mu.Unlock()
	b.doubleClick(tid("buy-submit"), func() {
		time.Sleep(100 * time.Millisecond)
		b.waitRequests("the first click's purchase", 1, isBuyPost)
	})
	om := b.waitPath(orderPagePath)
	b.waitFor("the order id", "document.querySelector('td"+tid("order-id")+"')")
	b.mu.Lock()
	b.slowBuy = 0
	b.mu.Unlock()
	if om[1] != m[1] {
		t.Errorf("order page of account %s, want account %s", om[1], m[1])
	}
	orderID := b.text("td" + tid("order-id"))
	if !strings.HasPrefix(orderID, "RB2026112500000") {
		t.Errorf("order id: got %q, want RB20261125… (RB, the CST purchase date, the package number)", orderID)
	}
	if got := b.count(tid("order-flash")); got != 1 {
		t.Errorf("order page after buying: got %d thank-you notes, want 1", got)
	}
	posts := b.requests(isBuyPost)
	if len(posts) != 2 {
		t.Fatalf("the double click reached the server %d times (%v), want 2: the test needs both submissions", len(posts), posts)
	}
	for _, p := range posts {
		if p.Token != token {
			t.Errorf("POST %s: got token %q, want the page's %q", p.Path, p.Token, token)
		}
		if p.Status != http.StatusSeeOther {
			t.Errorf("POST %s: got status %d, want 303 to the order", p.Path, p.Status)
		}
	}
	if got := b.onlyStarter(account, "after a double click"); got != orderID {
		t.Errorf("order id: page says %q, API says %q", orderID, got)
	}

	// Back to the confirmation (as the browser keeps it) and submit it again.
	b.back()
	b.waitPath(buyPagePath)
	b.waitFor("the purchase confirmation again", "document.querySelector('"+tid("buy-submit")+"')")
	getsOfBuy := len(b.requests(func(r seenRequest) bool { return r.Method == http.MethodGet && buyPagePath.MatchString(r.Path) }))
	t.Logf("after Back: the confirmation was fetched %d times in all (1: restored from the browser's cache)", getsOfBuy)
	again := b.value(tokenSel)
	if again != token {
		// The browser fetched the page anew: a resubmit then carries a
		// fresh token and would rightly buy again. Replay the old one.
		t.Logf("after Back the confirmation has a new token %q (was %q); resubmitting the old one", again, token)
		b.step("put the old token back", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = %q`, tokenSel, token)))
	}
	b.mouseClick(tid("buy-submit"))
	b.waitPath(orderPagePath)
	b.waitFor("the order id again", "document.querySelector('td"+tid("order-id")+"')")
	if got := b.text("td" + tid("order-id")); got != orderID {
		t.Errorf("resubmitted confirmation: got order %q, want the same order %q", got, orderID)
	}
	if got := len(b.requests(isBuyPost)); got != 3 {
		t.Errorf("purchase POSTs: got %d, want 3 (two clicks and a resubmit)", got)
	}
	b.onlyStarter(account, "after Back and resubmit")
	b.checkAssets()
}

// back goes one step back in the tab's history without waiting for a load
// event: a page restored from the back-forward cache fires none.
func (b *browserEnv) back() {
	b.t.Helper()
	b.step("go back", chromedp.Evaluate[chromedp.Void](`history.back()`))
}

// TestBrowserFirstApplicationBringsTheTrial: R4 on the applications page:
// a customer who has just signed up creates their first application there,
// it brings the trial, and the overview shows it with the trial status.
func TestBrowserFirstApplicationBringsTheTrial(t *testing.T) {
	b := newBrowserEnv(t)
	b.open("/signup")
	b.signUpWith("Trial Seeker", "ops@trial-seeker.example")
	m := b.waitPath(accountPagePath)
	account, _ := strconv.ParseInt(m[1], 10, 64)

	b.open(fmt.Sprintf("/accounts/%d/apps", account))
	b.waitFor("the create form", "document.querySelector('"+tid("create-app")+"')")
	if got := b.count(tid("trial-offer")); got != 1 {
		t.Errorf("applications page without any: got %d trial offers, want 1", got)
	}
	b.step("name the application", chromedp.SendKeys(chromedp.CSS("#app-name"), "直播间"))
	b.click(tid("create-app-submit"))
	b.waitFor("the trial message", "document.querySelector('"+tid("trial-granted")+"')")
	b.checkPage()
	if got := b.text(tid("trial-granted")); !strings.Contains(got, "1,000") && !strings.Contains(got, "1000") {
		t.Errorf("trial-granted: got %q, want the trial's 1,000 minutes", got)
	}
	// R3: created 2026-11-25 → valid to the last day of 2027-11.
	if got := b.text(tid("trial-granted")); !strings.Contains(got, "2027-11-30") {
		t.Errorf("trial-granted: got %q, want the expiry 2027-11-30", got)
	}
	if got := b.count(tid("app")); got != 1 {
		t.Errorf("applications: got %d, want 1", got)
	}
	if got := b.count(tid("trial-offer")); got != 0 {
		t.Errorf("after the first application: got %d trial offers, want none", got)
	}

	b.open(fmt.Sprintf("/accounts/%d", account))
	if got := run(b, "read the status", chromedp.Evaluate[string](
		`document.querySelector('`+tid("status-banner")+`')?.dataset.status ?? "<no status banner>"`)); got != "trial" {
		t.Errorf("status-banner data-status: got %q, want \"trial\"", got)
	}
	if got := b.count(tid("packages") + " tbody tr"); got != 1 {
		t.Fatalf("packages: got %d rows, want 1 (the trial)", got)
	}
	row := b.text(tid("packages") + " tbody tr")
	for _, want := range []string{"试用包", "2027-11-30", "1,000"} {
		if !strings.Contains(row, want) {
			t.Errorf("trial package row %q: want %q in it", row, want)
		}
	}
	b.checkAssets()
}

// TestBrowserW1AugustBill: the worked example W1 on the bill page: 25.03
// due and a chart whose only overage is on the last day of usage. An admin
// asks for the bill, signs in on the way and lands on it.
func TestBrowserW1AugustBill(t *testing.T) {
	b := newBrowserEnv(t)
	w := b.setupW1()
	b.createUser("admin@rtcbill.example", domain.RoleAdmin, 0)

	bill := fmt.Sprintf("/accounts/%d/bills/2019-08", w.account)
	b.open(bill)
	if got := b.currentPath(); got != "/signin?next="+url.QueryEscape(bill) {
		t.Errorf("the bill for a visitor: got %s, want the sign-in page coming back to the bill", got)
	}
	b.signInWith("admin@rtcbill.example")
	b.waitPath(regexp.MustCompile(`^` + regexp.QuoteMeta(bill) + `$`))
	b.waitFor("the bill", "document.querySelector('"+tid("amount-due")+"')")
	if got := b.text(tid("amount-due")); !strings.Contains(got, "25.03") {
		t.Errorf("amount-due: got %q, want 25.03 (R10: 1,001 min × 25 / 1000 = 25.025, rounded half-up)", got)
	}
	if got := b.text(tid("overage-minutes")); strings.ReplaceAll(got, ",", "") != "1001" {
		t.Errorf("overage-minutes: got %q, want 1,001", got)
	}
	type chart struct {
		SVG      bool     `json:"svg"`
		Width    float64  `json:"width"`
		Covered  int      `json:"covered"`
		Overage  int      `json:"overage"`
		Refused  int      `json:"refused"`
		Bars     int      `json:"bars"`
		Overaged []string `json:"overaged"`
	}
	c := run(b, "read the chart", chromedp.Evaluate[chart](`(() => {
		const svg = document.querySelector('`+tid("bill-chart")+`');
		if (!svg) return {svg: false, width: 0, covered: 0, overage: 0, refused: 0, bars: 0, overaged: []};
		const n = (sel) => svg.querySelectorAll(sel).length;
		return {
			svg: svg instanceof SVGSVGElement,
			width: svg.getBoundingClientRect().width,
			covered: n('rect.covered'), overage: n('rect.overage'), refused: n('rect.refused'),
			bars: n('[data-testid="chart-bar"]'),
			overaged: [...svg.querySelectorAll('rect.overage')].map((r) => r.closest('[data-day]')?.dataset.day ?? '?'),
		};
	})()`))
	if !c.SVG {
		t.Fatalf("bill-chart: want an inline <svg> element")
	}
	if c.Width < 300 {
		t.Errorf("bill-chart: drawn %.0f px wide, want it to fill the page (≥ 300 px)", c.Width)
	}
	// Usage on 2019-08-02 … 2019-08-19; the packages cover everything up to
	// part of the 19th, the rest of that day is the 1,000.5 min of overage.
	if c.Bars != 18 {
		t.Errorf("chart bars: got %d, want 18 (one per day with usage, 2019-08-02 to 2019-08-19)", c.Bars)
	}
	if c.Covered != 18 {
		t.Errorf("covered segments (rect.covered): got %d, want 18", c.Covered)
	}
	if c.Overage != 1 || len(c.Overaged) != 1 || c.Overaged[0] != "2019-08-19" {
		t.Errorf("overage segments (rect.overage): got %d on %v, want 1 on 2019-08-19", c.Overage, c.Overaged)
	}
	if c.Refused != 0 {
		t.Errorf("refused segments: got %d, want none", c.Refused)
	}
	b.checkAssets()
}

// TestBrowserLanguageSwitch: Chinese by default, English after the switch
// in the header, kept by the cookie on the next page, and back.
func TestBrowserLanguageSwitch(t *testing.T) {
	b := newBrowserEnv(t)
	const (
		zhTitle = "实时音视频套餐包"
		enTitle = "Real-time audio and video packages"
	)
	h1Is := func(want string) string {
		return fmt.Sprintf(`document.querySelector("h1")?.textContent.trim() === %q`, want)
	}

	b.open("/")
	if got := b.text("h1"); got != zhTitle {
		t.Errorf("h1 of / by default: got %q, want %q", got, zhTitle)
	}
	if got := run(b, "read html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != "zh-CN" {
		t.Errorf("<html lang>: got %q, want zh-CN", got)
	}

	b.click(tid("lang-en"))
	b.waitFor("the English plans page", h1Is(enTitle)+` && location.pathname === "/"`)
	b.checkPage()
	if got := run(b, "read html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != "en" {
		t.Errorf("<html lang> after switching: got %q, want en", got)
	}

	// A page for visitors keeps English…
	b.open("/signin")
	if got := b.text("h1"); got != "Sign in" {
		t.Errorf("h1 of /signin after switching to English: got %q, want \"Sign in\" (the cookie should keep English)", got)
	}
	// …and so does signing in (a new session), and the members' pages.
	b.createUser("desk@rtcbill.example", domain.RoleSupport, 0)
	b.signInWith("desk@rtcbill.example")
	b.waitPath(accountsPagePath)
	if got := b.text("h1"); got != "Accounts" {
		t.Errorf("h1 of /accounts after signing in in English: got %q, want \"Accounts\"", got)
	}
	if got := b.count(tid("lang-zh")); got != 1 {
		t.Fatalf("English page: got %d links back to Chinese, want 1", got)
	}

	b.click(tid("lang-zh"))
	b.waitFor("the Chinese accounts page", h1Is("账户")+` && location.pathname === "/accounts"`)
	b.checkPage()
	b.open("/")
	if got := b.text("h1"); got != zhTitle {
		t.Errorf("h1 of / after switching back: got %q, want %q", got, zhTitle)
	}

	// The browser said zh-CN all along: the pages followed the cookie.
	for _, r := range b.requests(func(r seenRequest) bool { return r.Path == "/" || r.Path == "/signin" || r.Path == "/accounts" }) {
		if !strings.HasPrefix(r.AcceptLanguage, "zh") {
			t.Errorf("GET %s: browser sent Accept-Language %q, want zh-CN", r.Path, r.AcceptLanguage)
		}
	}
	b.checkAssets()
}

// TestBrowserScreenshots writes the documentation's screenshots with
// -screenshots, and does nothing otherwise.
func TestBrowserScreenshots(t *testing.T) {
	if !*screenshots {
		t.Skip("writes docs/screenshots only with -args -screenshots")
	}
	b := newBrowserEnv(t)
	w := b.setupW1()

	b.open("/plans")
	b.screenshot("plans.zh-CN.png")
	b.click(tid("lang-en"))
	b.waitFor("the English plans page", `document.documentElement.lang === "en"`)
	b.checkPage()
	b.screenshot("plans.en.png")
	b.click(tid("lang-zh"))
	b.waitFor("the Chinese plans page", `document.documentElement.lang === "zh-CN"`)

	// The account and its bill as staff see them.
	b.signInAsStaff(domain.RoleAdmin, "admin@rtcbill.example")

	// W1 mid-August: the trial used up, the Starter valid and in use.
	b.setClock(mustInstant("2019-08-10T12:00:00+08:00"))
	b.open(fmt.Sprintf("/accounts/%d", w.account))
	b.screenshot("account.png")

	b.setClock(fixedNow)
	b.open(fmt.Sprintf("/accounts/%d/bills/2019-08", w.account))
	b.screenshot("bill-2019-08.png")
	b.checkAssets()
}

// TestBrowserSignUpBuySignOutSupportFinds is issue 4's walk through the
// console: a new customer signs up, creates an application, buys a Starter
// and signs out; their account is then closed to visitors; they sign in
// again and land on it; then a support user finds the account by the
// application's SDKAppID and sees the package bought.
func TestBrowserSignUpBuySignOutSupportFinds(t *testing.T) {
	b := newBrowserEnv(t)
	const email = "owner@find-me.example"
	// Another customer with an application, whom the search must leave out.
	decoy := b.createAccount("Decoy Studio")
	decoyApp, _ := b.createApp(decoy, "2026-11-01T10:00:00+08:00")

	// Sign up from the header.
	b.open("/")
	b.click(tid("nav-signup"))
	b.signUpWith("寻人科技", email)
	m := b.waitPath(accountPagePath)
	account, _ := strconv.ParseInt(m[1], 10, 64)
	accountPage := fmt.Sprintf("/accounts/%d", account)
	if got := b.count(tid("nav-my-account")); got != 1 {
		t.Errorf("a customer's header: got %d links to their account, want 1", got)
	}

	// An application, from the account's navigation.
	b.click(fmt.Sprintf(`.account-nav a[href=%q]`, accountPage+"/apps"))
	b.waitFor("the create form", "location.pathname.endsWith('/apps') && document.querySelector('"+tid("create-app")+"')")
	b.typeInto("#app-name", "寻人直播")
	b.click(tid("create-app-submit"))
	b.waitFor("the new application", "document.querySelector('"+tid("app-created")+"')")
	b.checkPage()
	sdkAppID := b.text(tid("app") + " " + tid("sdk-app-id"))
	if _, err := strconv.ParseInt(sdkAppID, 10, 64); err != nil {
		t.Fatalf("sdk-app-id: got %q, want a number", sdkAppID)
	}
	if sdkAppID == strconv.FormatInt(decoyApp, 10) {
		t.Fatalf("the new application has the decoy's SDKAppID %s", sdkAppID)
	}
	if got := b.text(tid("app-created")); !strings.Contains(got, sdkAppID) {
		t.Errorf("app-created: got %q, want the SDKAppID %s in it", got, sdkAppID)
	}

	// A Starter: overview → buy → the plans for this account → confirm.
	b.open(accountPage)
	b.click(tid("buy-cta"))
	b.waitFor("the plans for the account", "location.pathname === '/plans' && document.querySelector('"+tid("plan-starter")+"')")
	b.click(tid("plan-starter") + " " + tid("buy"))
	if bm := b.waitPath(buyPagePath); bm[1] != m[1] {
		t.Fatalf("Buy from the customer's plans page: confirmation of account %s, want %s", bm[1], m[1])
	}
	b.waitFor("the purchase confirmation", "document.querySelector('"+tid("buy-submit")+"')")
	b.click(tid("buy-submit"))
	b.waitPath(orderPagePath)
	b.waitFor("the order id", "document.querySelector('td"+tid("order-id")+"')")
	orderID := b.text("td" + tid("order-id"))
	if got := b.onlyStarterAmong(account); got != orderID {
		t.Errorf("order id: page says %q, API says %q", orderID, got)
	}

	// Sign out: the account is closed to visitors.
	b.signOut()
	b.open(accountPage)
	if got, want := b.currentPath(), "/signin?next="+url.QueryEscape(accountPage); got != want {
		t.Errorf("the account after signing out: got %s, want %s", got, want)
	}
	redirected := b.requests(func(r seenRequest) bool { return r.Method == http.MethodGet && r.Path == accountPage })
	if last := redirected[len(redirected)-1]; last.Status != http.StatusSeeOther {
		t.Errorf("GET %s after signing out: got %d, want 303 to /signin", accountPage, last.Status)
	}

	// Sign in again, from the header: the customer lands on their account.
	b.click(tid("nav-signin"))
	b.waitFor("the plain sign-in page", "location.pathname === '/signin' && location.search === ''")
	b.signInWith(email)
	if got := b.waitPath(accountPagePath); got[1] != m[1] {
		t.Errorf("signing in again: landed on account %s, want %s", got[1], m[1])
	}
	if got := b.texts(tid("packages") + " " + tid("order-id")); !slices.Contains(got, orderID) {
		t.Errorf("the customer's overview lists orders %q, want %s among them", got, orderID)
	}
	b.signOut()

	// Support signs in and finds the account by the SDKAppID.
	b.signInAsStaff(domain.RoleSupport, "desk@rtcbill.example")
	if got := b.count(tid("nav-accounts")); got != 1 {
		t.Errorf("support's header: got %d links to the accounts, want 1", got)
	}
	b.typeInto("input#q", sdkAppID)
	b.click(`form[role="search"] button[type="submit"]`)
	b.waitFor("the search results", "new URLSearchParams(location.search).get('q') === '"+sdkAppID+"' && document.querySelector('"+tid("accounts")+"')")
	b.checkPage()
	rows := b.count(tid("accounts") + " tbody tr")
	row := tid(fmt.Sprintf("account-%d", account))
	if rows != 1 || b.count(row) != 1 {
		t.Fatalf("search for SDKAppID %s: got %d rows %q, want only account %d", sdkAppID, rows, b.texts(tid("accounts")+" tbody tr"), account)
	}
	if got := b.text(row); !strings.Contains(got, "寻人科技") || !strings.Contains(got, email) {
		t.Errorf("the row found: got %q, want the account's name and e-mail", got)
	}
	b.click(row + " a")
	if got := b.waitPath(accountPagePath); got[1] != m[1] {
		t.Fatalf("the row found leads to account %s, want %s", got[1], m[1])
	}
	b.waitFor("the packages", "document.querySelector('"+tid("packages")+"')")
	var starter string
	for _, r := range b.texts(tid("packages") + " tbody tr") {
		if strings.Contains(r, orderID) {
			starter = r
		}
	}
	if !strings.Contains(starter, "入门包") {
		t.Errorf("support's view of the account: got package rows %q, want the Starter %s", b.texts(tid("packages")+" tbody tr"), orderID)
	}
	if got := b.text(tid("account-name")); got != "寻人科技" {
		t.Errorf("account-name: got %q, want 寻人科技", got)
	}
	b.checkAssets()
}

// onlyStarterAmong lists the account's packages through the staff API and
// checks there is exactly one Starter besides the trial; it returns its
// order id.
func (b *browserEnv) onlyStarterAmong(account int64) string {
	b.t.Helper()
	pk := b.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", account), nil, http.StatusOK)
	var starters []string
	for _, p := range listAt(b.t, pk, "packages") {
		if strAt(b.t, p, "plan") == "starter" {
			starters = append(starters, strAt(b.t, p, "order_id"))
		}
	}
	if len(starters) != 1 {
		b.t.Fatalf("got %d Starters %v, want exactly one", len(starters), starters)
	}
	return starters[0]
}
