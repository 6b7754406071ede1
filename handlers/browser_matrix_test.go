package handlers_test

// The browser matrix: every page of pagelist_test.go, as each role that
// sees it, in Chinese and English, at 1280 px and at a phone's 390 px, in
// a real headless chromium. Each view must
//
//   - answer the status the page list says, at the path asked for;
//   - fit its viewport: document.documentElement.scrollWidth ≤
//     window.innerWidth (tables scroll in their own boxes, the page never
//     does sideways);
//   - have no serious or critical violation found by axe-core
//     (testdata/axe, injected through the DevTools protocol; the console
//     never serves it);
//   - speak its language, as TestEveryPageSpeaksItsLanguage checks, on the
//     document the browser built.
//
// The views run in parallel tabs, one browser context (cookies) per role
// and language. What is known to fail and being fixed is listed in
// matrixExpectedFailures with its reason; a view that fails otherwise, or
// an expected failure that no longer happens, fails the test. With
// -screenshots it writes the phone views of docs/screenshots.
//
//	RTCBILL_E2E=1 go test ./handlers/ -run BrowserMatrix -v
//	cd handlers && RTCBILL_E2E=1 go test -run BrowserMatrix . -args -screenshots

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rtcbill/domain"
	"rtcbill/handlers"
)

// axeFile is axe-core, vendored from npm (testdata/axe/README.md).
const axeFile = "testdata/axe/axe-4.14.1.min.js"

// matrixWidths are the viewports: a laptop and a phone (CSS pixels).
var matrixWidths = []struct {
	name          string
	width, height int64
}{{"1280", 1280, 900}, {"390", 390, 844}}

// matrixTabs is how many views load at once: enough to keep two cores
// busy while a tab waits on the server.
const matrixTabs = 4

// matrixExpectedFailures are the views known to fail, each with its
// reason, while they are being fixed. A key is
// "page/role/lang/width/check" (role "anonymous"; check "overflow",
// "axe:RULE" or "language"), where any part may be "*". Empty it as the
// fixes land: an entry that no longer fails fails the test.
var matrixExpectedFailures = map[string]string{}

// phoneScreenshots are the views -screenshots writes at 390 px, as the
// role that uses them, in Chinese (and the plans in English too).
var phoneScreenshots = map[string]domain.Role{
	"plans": "", "estimate-answer": "", "signin": "",
	"overview": domain.RoleCustomer, "apps": domain.RoleCustomer, "bills": domain.RoleCustomer,
	"bill-issued": domain.RoleCustomer, "room": domain.RoleCustomer, "tokens": domain.RoleCustomer,
	"accounts": domain.RoleSupport, "audit": domain.RoleSupport, "users": domain.RoleAdmin,
}

// matrixView is one cell of the matrix and what it found.
type matrixView struct {
	page  page
	role  domain.Role
	lang  string
	width string
	found []string // "check: what", in order
}

func (v matrixView) key(check string) string {
	return strings.Join([]string{v.page.Name, roleName(v.role), v.lang, v.width, check}, "/")
}

// expected is the reason the view's check is expected to fail, or "".
func expected(key string) (pattern, reason string) {
	for p, why := range matrixExpectedFailures {
		if ok, _ := path.Match(p, key); ok {
			return p, why
		}
	}
	return "", ""
}

func TestBrowserMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests do not run with -short")
	}
	browser := browserPath()
	if browser == "" {
		if os.Getenv("RTCBILL_E2E") == "1" {
			t.Fatal("RTCBILL_E2E=1 but no browser found: looked for chromium, chromium-browser and google-chrome on PATH (apt-get install chromium fonts-noto-cjk)")
		}
		t.Skip("no browser found: install Debian's chromium and run RTCBILL_E2E=1 go test ./handlers/ -run BrowserMatrix")
	}
	axe, err := os.ReadFile(axeFile)
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	start := time.Now()
	f := newPageFixture(t, newEnv(t))
	// The fixture's console, with room for every tab's estimates: all come
	// from one address, and the clock stands still, so the estimator's
	// limit (60 a minute) would never refill.
	srv := httptest.NewServer(handlers.New(handlers.Config{Store: f.store, AdminToken: staffToken, Now: f.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: handlers.Limits{EstimatesPerMinute: 1 << 20}}))
	t.Cleanup(srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN"),
		chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()),
	)
	root, cancelRoot := context.WithTimeout(context.Background(), 6*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelRoot() })
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}

	// One browser context per role and language, signed in and with the
	// language chosen; its views are then shared among the tabs.
	type session struct {
		role domain.Role
		lang string
		ctx  context.Context // its tab
	}
	var sessions []session
	for _, role := range roles {
		for _, lang := range pageLangs {
			ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
			t.Cleanup(cancel)
			// The tab opens with the context it is first run in: this one,
			// which lives as long as the test.
			if err := chromedp.Do(ctx); err != nil {
				t.Fatalf("open a tab: %v", err)
			}
			if err := matrixSignIn(ctx, srv.URL, role, f.emails[role], lang); err != nil {
				t.Fatalf("%s in %s: %v", roleName(role), lang, err)
			}
			sessions = append(sessions, session{role, lang, ctx})
		}
	}

	matrixChecksCanFail(t, sessions[0].ctx, srv.URL, string(axe))

	var views []*matrixView
	for _, s := range sessions {
		for _, p := range f.pagesFor(s.role) {
			for _, w := range matrixWidths {
				views = append(views, &matrixView{page: p, role: s.role, lang: s.lang, width: w.name})
			}
		}
	}
	// Each session's views run one after another on its tab, matrixTabs
	// sessions at a time.
	tabs := make(chan struct{}, matrixTabs)
	var wg sync.WaitGroup
	for _, s := range sessions {
		var mine []*matrixView
		for _, v := range views {
			if v.role == s.role && v.lang == s.lang {
				mine = append(mine, v)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tabs <- struct{}{}
			defer func() { <-tabs }()
			for _, v := range mine {
				f.look(s.ctx, srv.URL, string(axe), v)
			}
		}()
	}
	wg.Wait()

	// The verdict: every finding is expected, every expectation found.
	seen := map[string]bool{}
	var unexpected []string
	byCheck := map[string]int{}
	for _, v := range views {
		for _, finding := range v.found {
			check, _, _ := strings.Cut(finding, ": ")
			byCheck[strings.SplitN(check, ":", 2)[0]]++
			key := v.key(check)
			if p, why := expected(key); p != "" {
				seen[p] = true
				t.Logf("expected failure %s (%s): %s", key, why, finding)
				continue
			}
			unexpected = append(unexpected, fmt.Sprintf("%s (GET %s): %s", key, v.page.Path, finding))
		}
	}
	sort.Strings(unexpected)
	for _, u := range unexpected {
		t.Error(u)
	}
	for p, why := range matrixExpectedFailures {
		if !seen[p] {
			t.Errorf("expected failure %s (%s) no longer fails: remove it from matrixExpectedFailures", p, why)
		}
	}
	t.Logf("%d views (%d pages as each role that sees them × 2 languages × 2 widths) in %v; findings by check: %v",
		len(views), len(views)/4, time.Since(start).Round(time.Second), byCheck)
}

// matrixSignIn signs role in (anonymous stays a visitor) in the browser
// context of ctx and chooses lang with the header's switch.
func matrixSignIn(ctx context.Context, base string, role domain.Role, email, lang string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if role != "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/signin")); err != nil {
			return err
		}
		submit := fmt.Sprintf(`(() => {
			document.querySelector("#email").value = %q;
			document.querySelector("#password").value = %q;
			document.querySelector('[data-testid="signin-submit"]').click();
			return true;
		})()`, email, fixturePassword)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](submit)); err != nil {
			return err
		}
		if err := waitJS(ctx, `location.pathname !== "/signin" && document.readyState === "complete"`); err != nil {
			return fmt.Errorf("signing in as %s: %w", email, err)
		}
	}
	return chromedp.Do(ctx, chromedp.Navigate(base+"/lang?to="+lang+"&next=/"))
}

// waitJS polls a JavaScript condition until it holds or ctx ends.
func waitJS(ctx context.Context, cond string) error {
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error %v)", cond, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// overflow is what makes a page wider than its viewport.
type overflow struct {
	ScrollWidth float64  `json:"scrollWidth"`
	InnerWidth  float64  `json:"innerWidth"`
	Culprits    []string `json:"culprits"`
}

// overflowJS measures the document and names the outermost elements that
// reach past the viewport outside any scroll box.
const overflowJS = `(() => {
	const iw = window.innerWidth, sw = document.documentElement.scrollWidth;
	const out = [];
	if (sw > iw) {
		const clips = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
			const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; } return false; };
		const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
			(el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
			(el.dataset.testid ? "[data-testid=" + el.dataset.testid + "]" : "");
		for (const el of document.body.querySelectorAll("*")) {
			if (out.length >= 3) break;
			const r = el.getBoundingClientRect();
			if (r.right > iw + 0.5 && !clips(el) && !(el.parentElement && el.parentElement.getBoundingClientRect().right > iw + 0.5 && !clips(el.parentElement) && el.parentElement !== document.body)) {
				out.push(name(el) + " reaches " + Math.round(r.right) + " px");
			}
		}
	}
	return {scrollWidth: sw, innerWidth: iw, culprits: out};
})()`

// axeViolation is one rule axe found broken, with where.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRunJS runs axe-core on the document and keeps the serious and
// critical violations.
const axeRunJS = `axe.run(document, {resultTypes: ["violations"]}).then((r) => r.violations
	.filter((v) => v.impact === "serious" || v.impact === "critical")
	.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))})))`

// look opens the view in tab and records what fails.
func (f *pageFixture) look(tab context.Context, base, axe string, v *matrixView) {
	ctx, cancel := context.WithTimeout(tab, 45*time.Second)
	defer cancel()
	fail := func(check, format string, args ...any) {
		v.found = append(v.found, check+": "+fmt.Sprintf(format, args...))
	}
	var w, h int64
	for _, mw := range matrixWidths {
		if mw.name == v.width {
			w, h = mw.width, mw.height
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1))); err != nil {
		fail("load", "set the viewport: %v", err)
		return
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+v.page.Path))
	if err != nil {
		fail("load", "%v", err)
		return
	}
	want := v.page.Status
	if want == 0 {
		want = http.StatusOK
	}
	if resp == nil || int(resp.Status) != want {
		status := 0
		if resp != nil {
			status = int(resp.Status)
		}
		fail("load", "status %d, want %d", status, want)
		return
	}
	if u, err := url.Parse(resp.URL); err != nil || u.RequestURI() != v.page.Path {
		fail("load", "landed on %s", resp.URL)
		return
	}
	if err := waitJS(ctx, `document.readyState === "complete"`); err != nil {
		fail("load", "%v", err)
		return
	}

	o, err := chromedp.Run(ctx, chromedp.Evaluate[overflow](overflowJS))
	if err != nil {
		fail("overflow", "measure: %v", err)
	} else if o.ScrollWidth > o.InnerWidth {
		fail("overflow", "the document is %.0f px wide in a %.0f px viewport (%s)", o.ScrollWidth, o.InnerWidth, strings.Join(o.Culprits, "; "))
	}

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
		fail("axe", "inject axe-core: %v", err)
	} else if found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise)); err != nil {
		fail("axe", "run axe-core: %v", err)
	} else {
		for _, a := range found {
			fail("axe:"+a.ID, "%s (%s) at %s", a.Help, a.Impact, strings.Join(a.Nodes, ", "))
		}
	}

	doc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		fail("language", "read the document: %v", err)
	} else if text, err := readableText([]byte(doc), v.lang); err != nil {
		fail("language", "%v", err)
	} else if p := append(langProblems(v.lang, text, f.names), termProblems(text)...); len(p) > 0 {
		fail("language", "%s", strings.Join(p, "; "))
	}

	if *screenshots && v.width == "390" {
		role, ok := phoneScreenshots[v.page.Name]
		if ok && role == v.role && (v.lang == "zh-CN" || v.page.Name == "plans") {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err == nil {
				err = os.WriteFile(filepath.Join(screenshotDir, "phone-"+v.page.Name+"."+v.lang+".png"), png, 0o644)
			}
			if err != nil {
				fail("screenshot", "%v", err)
			}
		}
	}
}

// matrixChecksCanFail makes a page wider than the phone's viewport and
// gives it an image without a text alternative, and wants the matrix's
// checks to say so: a check that cannot fail checks nothing.
func matrixChecksCanFail(t *testing.T, tab context.Context, base, axe string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)), chromedp.Navigate(base+"/signin"))
	if err != nil {
		t.Fatalf("open /signin: %v", err)
	}
	broken := `(() => {
		const wide = document.createElement("div");
		wide.style.width = "900px"; wide.style.height = "10px";
		document.querySelector("main").appendChild(wide);
		document.querySelector("main").appendChild(document.createElement("img"));
		return true;
	})()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](broken)); err != nil {
		t.Fatalf("break the page: %v", err)
	}
	if o, err := chromedp.Run(ctx, chromedp.Evaluate[overflow](overflowJS)); err != nil || o.ScrollWidth <= o.InnerWidth || len(o.Culprits) == 0 {
		t.Errorf("a 900 px box in a 390 px viewport: got %+v, %v, want the overflow and its culprit", o, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil || !slices.ContainsFunc(found, func(v axeViolation) bool { return v.ID == "image-alt" }) {
		t.Errorf("an image without alt: axe found %+v, %v, want image-alt", found, err)
	}
}

// TestMatrixExpectedFailuresAreWellFormed: every expected failure names
// five parts and a reason.
func TestMatrixExpectedFailuresAreWellFormed(t *testing.T) {
	for k, why := range matrixExpectedFailures {
		parts := strings.Split(k, "/")
		if len(parts) != 5 || strings.TrimSpace(why) == "" {
			t.Errorf("%q: want page/role/lang/width/check and a reason, got %d parts and %q", k, len(parts), why)
		}
		if !slices.Contains([]string{"*", "1280", "390"}, parts[3]) {
			t.Errorf("%q: width %q, want 1280, 390 or *", k, parts[3])
		}
	}
}
