package handlers_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rtcbill/domain"
	"rtcbill/views"
)

// screenshots makes TestBrowserScreenshots write the documentation's
// screenshots: go test ./handlers/ -run Browser -args -screenshots
var screenshots = flag.Bool("screenshots", false, "write docs/screenshots/*.png")

// screenshotDir is where -screenshots writes, relative to this package.
var screenshotDir = filepath.Join("..", "docs", "screenshots")

const (
	// browserBudget bounds one browser's whole life: a hang fails the test
	// instead of blocking go test.
	browserBudget = 60 * time.Second
	// stepTimeout bounds one browser step (a navigation, a click, a wait).
	stepTimeout = 15 * time.Second
)

// browserPath finds the browser: Debian's chromium first.
func browserPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// seenRequest is one request the browser made to the test server.
type seenRequest struct {
	Method, Path, Query string
	Status              int
	Token               string // the form's one-time token, for a POST
	AcceptLanguage      string
}

// browserEnv is a real server on loopback (the API tests' env, on its own
// SQLite file and movable clock) and one headless browser driving it.
type browserEnv struct {
	*env
	t   *testing.T
	srv *httptest.Server
	ctx context.Context // the browser tab

	mu   sync.Mutex
	seen []seenRequest
	// slowBuy delays the answer to a purchase POST after the purchase is
	// done, so that a second click lands while the first is in flight.
	slowBuy time.Duration
}

// newBrowserEnv starts the server and the browser, or skips: under -short,
// and when no browser is installed unless RTCBILL_E2E=1 asks for them.
func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests do not run with -short")
	}
	path := browserPath()
	if path == "" {
		if os.Getenv("RTCBILL_E2E") == "1" {
			t.Fatal("RTCBILL_E2E=1 but no browser found: looked for chromium, chromium-browser and google-chrome on PATH (apt-get install chromium fonts-noto-cjk)")
		}
		t.Skip("no browser found: install Debian's chromium and run RTCBILL_E2E=1 go test ./handlers/ -run Browser")
	}

	b := &browserEnv{env: newEnv(t), t: t}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close) // runs after the browser has gone (cleanups run last first)

	userData := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// A Chinese browser, as most of the console's customers have; the
		// server's default is Chinese too.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN"),
		chromedp.UserDataDir(userData),
		chromedp.WindowSize(1280, 1000),
	)
	root, cancelRoot := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit, before userData is removed
		cancelRoot()
	})
	start := time.Now()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	t.Logf("browser %s started in %v", path, time.Since(start).Round(time.Millisecond))
	b.ctx = tab
	return b
}

var buyPath = regexp.MustCompile(`^/accounts/\d+/buy/[a-z]+$`)

// serve passes every request to the handlers and records it.
func (b *browserEnv) serve(w http.ResponseWriter, r *http.Request) {
	rec := seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, AcceptLanguage: r.Header.Get("Accept-Language")}
	if r.Method == http.MethodPost && r.ParseForm() == nil {
		rec.Token = r.PostFormValue("token")
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	b.e.ServeHTTP(sw, r)
	rec.Status = sw.status
	b.mu.Lock()
	b.seen = append(b.seen, rec)
	delay := b.slowBuy
	b.mu.Unlock()
	if delay > 0 && r.Method == http.MethodPost && buyPath.MatchString(r.URL.Path) {
		time.Sleep(delay)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// requests returns the requests seen so far that match.
func (b *browserEnv) requests(match func(seenRequest) bool) []seenRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []seenRequest
	for _, r := range b.seen {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// checkAssets fails the test when a stylesheet or an image the pages asked
// for was missing.
func (b *browserEnv) checkAssets() {
	b.t.Helper()
	for _, r := range b.requests(func(r seenRequest) bool { return strings.HasPrefix(r.Path, "/static/") && r.Status >= 400 }) {
		b.t.Errorf("GET %s: got status %d, want the asset", r.Path, r.Status)
	}
}

// setClock moves the server's clock.
func (b *browserEnv) setClock(t time.Time) {
	b.clock.mu.Lock()
	defer b.clock.mu.Unlock()
	b.clock.t = t
}

func (b *browserEnv) url(path string) string { return b.srv.URL + path }

// tid is the CSS selector of a data-testid.
func tid(id string) string { return fmt.Sprintf("[data-testid=%q]", id) }

// step runs browser steps with a timeout and fails the test on an error.
func (b *browserEnv) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
}

// run runs one browser action that returns a value, with a timeout.
func run[T any](b *browserEnv, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
	return v
}

// location is the tab's URL, for messages; it never fails a test.
func (b *browserEnv) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

// currentPath is the tab's path and query.
func (b *browserEnv) currentPath() string {
	b.t.Helper()
	loc := run(b, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.RequestURI()
}

// open navigates to path and waits for the page to load.
func (b *browserEnv) open(path string) {
	b.t.Helper()
	b.step("open "+path, chromedp.Navigate(b.url(path)))
	b.checkPage()
}

// click clicks the element (a real mouse click) without waiting for what
// follows; waitFor does that. An element in a closed menu (a <details>,
// such as the header's) is reached as a person reaches it: the menu is
// opened with a click on its summary first.
func (b *browserEnv) click(sel string) {
	b.t.Helper()
	b.openMenuOf(sel)
	b.step("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// openMenuOf clicks the summary of the closed <details> that holds the
// element, if any, and waits for it to open.
func (b *browserEnv) openMenuOf(sel string) {
	b.t.Helper()
	type summary struct {
		Closed bool    `json:"closed"`
		X      float64 `json:"x"`
		Y      float64 `json:"y"`
	}
	s := run(b, "find the menu of "+sel, chromedp.Evaluate[summary](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		const d = el?.closest("details:not([open])");
		const s = d?.querySelector(":scope > summary");
		if (!s || s === el) return {closed: false, x: 0, y: 0};
		s.scrollIntoView({block: "center"});
		const r = s.getBoundingClientRect();
		return {closed: true, x: r.x + r.width / 2, y: r.y + r.height / 2};
	})()`, sel)))
	if !s.Closed {
		return
	}
	b.step("open the menu of "+sel, chromedp.MouseClickXY(s.X, s.Y))
	b.waitFor("the menu of "+sel+" open", fmt.Sprintf(`document.querySelector(%q)?.closest("details")?.open`, sel))
}

// waitFor polls a JavaScript condition until it holds: across
// navigations, where a query would fail while the next document loads.
func (b *browserEnv) waitFor(what, cond string) {
	b.t.Helper()
	expr := fmt.Sprintf(`document.readyState === "complete" && !!(%s)`, cond)
	deadline := time.Now().Add(stepTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		if b.ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s: still not so after %v (page %s, last error %v); the page says: %s",
		what, stepTimeout, b.location(), lastErr, b.bodyText(400))
}

// waitPath waits until the tab shows a page whose path matches re and
// whose document has loaded, and returns the path's submatches.
func (b *browserEnv) waitPath(re *regexp.Regexp) []string {
	b.t.Helper()
	b.waitFor("a page at "+re.String(), fmt.Sprintf(`new RegExp(%q).test(location.pathname)`, re.String()))
	m := re.FindStringSubmatch(strings.SplitN(b.currentPath(), "?", 2)[0])
	if m == nil {
		b.t.Fatalf("page %s: want a path matching %s", b.location(), re)
	}
	b.checkPage()
	return m
}

// text is the trimmed text of the first element that matches sel.
func (b *browserEnv) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read "+sel, chromedp.Evaluate[string](
		fmt.Sprintf(`(document.querySelector(%q) || {textContent: %q}).textContent`, sel, "<no element "+sel+">"))))
}

// count is the number of elements that match sel.
func (b *browserEnv) count(sel string) int {
	b.t.Helper()
	return run(b, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// bodyText is the start of the page's visible text, for messages.
func (b *browserEnv) bodyText(max int) string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

// messageIDPattern matches a message id of the catalogue shown as is: T
// shows the id when a message is missing ("bills.bill.title").
var messageIDPattern = func() *regexp.Regexp {
	var prefixes []string
	for _, ids := range views.MessageIDs() {
		for _, id := range ids {
			if p, _, ok := strings.Cut(id, "."); ok && !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
	}
	slices.Sort(prefixes)
	return regexp.MustCompile(`\b(?:` + strings.Join(prefixes, "|") + `)(?:\.[a-z0-9_]+)+\b`)
}()

// checkPage fails the test when the page shows an untranslated message id
// or is an error page.
func (b *browserEnv) checkPage() {
	b.t.Helper()
	text := run(b, "read the page text", chromedp.Evaluate[string](
		`(document.title || "") + "\n" + (document.body ? document.body.innerText : "")`))
	if ids := messageIDPattern.FindAllString(text, -1); len(ids) > 0 {
		b.t.Errorf("page %s shows untranslated message ids %q", b.location(), ids)
	}
}

// center scrolls the element into view and returns its centre in the
// viewport. It reads the page with JavaScript only: chromedp's DOM queries
// can stall on a page restored from the back-forward cache.
func (b *browserEnv) center(sel string) (x, y float64) {
	b.t.Helper()
	type point struct {
		Found bool    `json:"found"`
		X     float64 `json:"x"`
		Y     float64 `json:"y"`
	}
	p := run(b, "find "+sel, chromedp.Evaluate[point](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return {found: false, x: 0, y: 0};
		el.scrollIntoView({block: "center"});
		const r = el.getBoundingClientRect();
		return {found: true, x: r.x + r.width / 2, y: r.y + r.height / 2};
	})()`, sel)))
	if !p.Found {
		b.t.Fatalf("page %s: no element %s; the page says: %s", b.location(), sel, b.bodyText(400))
	}
	return p.X, p.Y
}

// mouseClick clicks the element's centre with the mouse, like click, but
// finds it with JavaScript (see center).
func (b *browserEnv) mouseClick(sel string) {
	b.t.Helper()
	x, y := b.center(sel)
	b.step("click "+sel, chromedp.MouseClickXY(x, y))
}

// doubleClick double-clicks the element as a person does: two presses of
// the left button, the second with click count 2, at the element's centre,
// with between run in between. (chromedp.DoubleClick sends one press with
// click count 2, which a browser turns into a single click and a dblclick.)
func (b *browserEnv) doubleClick(sel string, between func()) {
	b.t.Helper()
	x, y := b.center(sel)
	b.step("first click of the double click on "+sel, chromedp.MouseClickXY(x, y))
	between()
	b.step("second click of the double click on "+sel, chromedp.MouseClickXY(x, y, chromedp.ClickCount(2)))
}

// waitRequests waits until the server has answered n requests that match,
// and returns them.
func (b *browserEnv) waitRequests(what string, n int, match func(seenRequest) bool) []seenRequest {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		got := b.requests(match)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: the server saw %d of %d requests after %v", what, len(got), n, stepTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// value is the value of the form field that matches sel.
func (b *browserEnv) value(sel string) string {
	b.t.Helper()
	return run(b, "read "+sel, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.value ?? ""`, sel)))
}

// screenshot writes a full-page PNG of the current page into
// docs/screenshots. A quality of 100 makes chromedp ask for PNG; any other
// quality gives JPEG bytes.
func (b *browserEnv) screenshot(name string) {
	b.t.Helper()
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
		b.t.Fatalf("screenshot %s: got %d bytes that are not a PNG", name, len(png))
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatalf("screenshots: %v", err)
	}
	path := filepath.Join(screenshotDir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("screenshots: %v", err)
	}
	abs, _ := filepath.Abs(path)
	b.t.Logf("wrote %s (%d bytes)", abs, len(png))
}

// --- signing up, in and out ---------------------------------------------------

// browserPassword is the password of every user the browser tests sign up
// or create: at least db.MinPasswordLen characters.
const browserPassword = "correct horse battery staple"

var (
	// accountPagePath is an account's overview, where a customer lands.
	accountPagePath = regexp.MustCompile(`^/accounts/(\d+)$`)
	// accountsPagePath is the account list, where staff land.
	accountsPagePath = regexp.MustCompile(`^/accounts$`)
)

// typeInto types text into the form field sel, key by key.
func (b *browserEnv) typeInto(sel, text string) {
	b.t.Helper()
	b.step("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// signUpWith fills the sign-up form of the current page (/signup) with a
// new customer and submits it; the caller waits for where it leads.
func (b *browserEnv) signUpWith(name, email string) {
	b.t.Helper()
	b.waitFor("the sign-up form", "location.pathname === '/signup' && document.querySelector('"+tid("signup-submit")+"')")
	b.typeInto("#name", name)
	b.typeInto("#email", email)
	b.typeInto("#password", browserPassword)
	b.click(tid("signup-submit"))
}

// signInWith fills the sign-in form of the current page (/signin) and
// submits it, and waits for the signed-in page it leads to.
func (b *browserEnv) signInWith(email string) {
	b.t.Helper()
	b.waitFor("the sign-in form", "location.pathname === '/signin' && document.querySelector('"+tid("signin-submit")+"')")
	b.typeInto("#email", email)
	b.typeInto("#password", browserPassword)
	b.click(tid("signin-submit"))
	b.waitFor("a signed-in page after signing in as "+email,
		"location.pathname !== '/signin' && document.querySelector('"+tid("signout")+"')")
	b.checkPage()
	if got := b.text(tid("signed-in-as")); !strings.Contains(got, email) {
		b.t.Errorf("after signing in as %s the header says %q", email, got)
	}
}

// createUser adds a user through the store, as rtcbill user add does:
// staff have no account, a customer has one.
func (b *browserEnv) createUser(email string, role domain.Role, account int64) {
	b.t.Helper()
	if _, err := b.store.CreateUser(context.Background(), email, browserPassword, role, account, fixedNow); err != nil {
		b.t.Fatalf("create the %s user %s: %v", role, email, err)
	}
}

// signInAsStaff creates a staff user of role and signs in as them on
// /signin, which leads staff to the account list.
func (b *browserEnv) signInAsStaff(role domain.Role, email string) {
	b.t.Helper()
	b.createUser(email, role, 0)
	b.open("/signin")
	b.signInWith(email)
	b.waitPath(accountsPagePath)
}

// signOut clicks the header's sign-out button and waits for the plans
// page of a visitor.
func (b *browserEnv) signOut() {
	b.t.Helper()
	b.click(tid("signout"))
	b.waitFor("the visitor's home page after signing out",
		"location.pathname === '/' && document.querySelector('"+tid("nav-signin")+"') && !document.querySelector('"+tid("signout")+"')")
	b.checkPage()
}

// texts is the trimmed text of every element that matches sel.
func (b *browserEnv) texts(sel string) []string {
	b.t.Helper()
	return run(b, "read every "+sel, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll(%q)].map((el) => el.textContent.replace(/\s+/g, " ").trim())`, sel)))
}

// --- W1 through the API ------------------------------------------------------

// w1 is the worked example W1 of the rule book, set up through the JSON API.
type w1 struct {
	account, app int64
}

// setupW1 creates W1: an account opened 2019-06-20, the first application on 2019-07-01 (the trial), a
// Starter bought 2019-08-01 09:00, 11,970 s used in July and 3,108,030 s in
// August (35 whole days of two users and one stay of 84,030 s, all after
// the purchase, so nothing is refused).
func (b *browserEnv) setupW1() w1 {
	b.t.Helper()
	// Opened before its first application, so that pages shown at a 2019
	// clock (the screenshots) read naturally.
	a := b.call("POST", "/api/v1/accounts", map[string]string{"name": "W1 Customer", "email": "w1@example.com",
		"created_at": "2019-06-20T10:00:00+08:00"}, http.StatusCreated)
	acct := intAt(b.t, a, "id")
	app, granted := b.createApp(acct, "2019-07-01T10:00:00+08:00")
	if !granted {
		b.t.Fatalf("R4 first application on 2019-07-01: got trial_granted false, want true")
	}
	b.purchase(acct, "starter", "2019-08-01T09:00:00+08:00")

	rows := []session{{ID: "jul-1", Room: "r1", User: "u1", Joined: "2019-07-15T10:00:00+08:00", Left: "2019-07-15T13:19:30+08:00"}}
	first := time.Date(2019, 8, 2, 0, 0, 0, 0, fixedNow.Location())
	day := func(user string, i int) session {
		from := first.AddDate(0, 0, i)
		return session{ID: fmt.Sprintf("aug-%s-%d", user, i), Room: "r1", User: user,
			Joined: from.Format(time.RFC3339), Left: from.AddDate(0, 0, 1).Format(time.RFC3339)}
	}
	for i := range 18 {
		rows = append(rows, day("u1", i))
	}
	for i := range 17 {
		rows = append(rows, day("u2", i))
	}
	last := first.AddDate(0, 0, 17)
	rows = append(rows, session{ID: "aug-last", Room: "r1", User: "u2",
		Joined: last.Format(time.RFC3339), Left: last.Add(84030 * time.Second).Format(time.RFC3339)})
	var total int64
	for _, r := range rows[1:] {
		j, _ := time.Parse(time.RFC3339, r.Joined)
		l, _ := time.Parse(time.RFC3339, r.Left)
		total += int64(l.Sub(j) / time.Second)
	}
	if total != 3108030 {
		b.t.Fatalf("W1 August sessions add up to %d s, want 3108030", total)
	}
	if ins, dup := b.postSessions(app, rows); ins != int64(len(rows)) || dup != 0 {
		b.t.Fatalf("ingest W1: got inserted %d duplicates %d, want %d and 0", ins, dup, len(rows))
	}
	return w1{account: acct, app: app}
}
