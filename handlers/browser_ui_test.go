package handlers_test

// Browser tests of the console's looks and conveniences: a phone's
// screen, the header's menu, the token page's copy button and its
// confirmation before a revocation.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rtcbill/domain"
)

// phoneWidth is the screen the phone tests use, in CSS pixels.
const phoneWidth = 390

// asPhone makes the tab a phone's screen.
func (b *browserEnv) asPhone() {
	b.t.Helper()
	b.step("a phone's screen", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile))
}

// box is an element's place on the screen.
type box struct {
	Found bool    `json:"found"`
	Left  float64 `json:"left"`
	Right float64 `json:"right"`
	Top   float64 `json:"top"`
	H     float64 `json:"h"`
}

// boxOf measures the first element that matches sel.
func (b *browserEnv) boxOf(sel string) box {
	b.t.Helper()
	return run(b, "measure "+sel, chromedp.Evaluate[box](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return {found: false, left: 0, right: 0, top: 0, h: 0};
		const r = el.getBoundingClientRect();
		return {found: true, left: r.left, right: r.right, top: r.top + scrollY, h: r.height};
	})()`, sel)))
}

// fitsTheScreen fails the test when the page scrolls sideways or when one
// of sels is not wholly on the screen.
func (b *browserEnv) fitsTheScreen(sels ...string) {
	b.t.Helper()
	if w := run(b, "read the page's width", chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > phoneWidth {
		b.t.Errorf("%s is %.0f px wide on a %d px screen: the page scrolls sideways", b.currentPath(), w, phoneWidth)
	}
	for _, sel := range sels {
		bx := b.boxOf(sel)
		if !bx.Found {
			b.t.Errorf("%s: no %s", b.currentPath(), sel)
		} else if bx.Left < 0 || bx.Right > phoneWidth {
			b.t.Errorf("%s: %s spans %.0f–%.0f px, off a %d px screen", b.currentPath(), sel, bx.Left, bx.Right, phoneWidth)
		}
	}
}

// TestBrowserPhone: on a 390 px screen the header is one row whose menu
// opens without a page load and holds the language switch; the plans are
// cards with their price and Buy button on the screen; the overview shows
// each package's used and remaining minutes; no page scrolls sideways.
func TestBrowserPhone(t *testing.T) {
	b := newBrowserEnv(t)
	w := b.setupW1()
	b.asPhone()

	b.open("/plans")
	if h := b.boxOf(".site-nav").H; h > 80 {
		t.Errorf("the header's row is %.0f px high on a phone, want one row (≤ 80 px)", h)
	}
	b.fitsTheScreen(tid("plan-starter")+" "+tid("price"), tid("plan-starter")+" "+tid("per-minute"), tid("plan-premium")+" "+tid("buy"))
	loads := len(b.requests(func(r seenRequest) bool { return r.Path == "/plans" }))
	b.click(tid("menu-toggle"))
	b.waitFor("the open menu", `document.querySelector("details.site-menu").open`)
	if got := len(b.requests(func(r seenRequest) bool { return r.Path == "/plans" })); got != loads {
		t.Errorf("opening the menu loaded the page again")
	}
	b.fitsTheScreen(tid("lang-en"), tid("menu-plans"))
	b.click(tid("lang-en"))
	b.waitFor("the English plans page", `document.documentElement.lang === "en"`)
	b.fitsTheScreen(tid("plan-standard")+" "+tid("buy"), tid("recommended"))

	b.signInAsStaff(domain.RoleSupport, "desk@rtcbill.example")
	b.open(fmt.Sprintf("/accounts/%d", w.account))
	b.fitsTheScreen(tid("packages")+" tbody tr "+tid("used"), tid("packages")+" tbody tr "+tid("remaining"), tid("packages")+" tbody tr "+tid("usage-bar"))
	for _, path := range []string{"/accounts", fmt.Sprintf("/accounts/%d/apps", w.account), fmt.Sprintf("/accounts/%d/audit", w.account)} {
		b.open(path)
		b.fitsTheScreen()
	}
	// The estimator's chart in its narrow layout: on the screen, its text
	// at least 9 px high.
	b.open("/estimate?minutes_per_month=100000")
	b.fitsTheScreen(tid("breakeven-chart-narrow"))
	if got := b.boxOf(tid("breakeven-chart-narrow") + " text.tick").H; got < 9 {
		t.Errorf("the chart's tick labels are %.1f px high on a phone, want at least 9", got)
	}
	if b.boxOf(tid("breakeven-chart")).H != 0 {
		t.Errorf("the wide chart shows on a phone beside the narrow one")
	}
	b.checkAssets()
}

var tokensPagePath = regexp.MustCompile(`^/accounts/(\d+)/tokens$`)

// TestBrowserTokenCopyAndRevoke: the new token's copy button appears with
// JavaScript and copies the secret; revoking asks first, naming the token.
func TestBrowserTokenCopyAndRevoke(t *testing.T) {
	b := newBrowserEnv(t)
	b.open("/signup")
	b.signUpWith("Token Keeper", "ops@token-keeper.example")
	m := b.waitPath(accountPagePath)
	account, _ := strconv.ParseInt(m[1], 10, 64)

	b.open(fmt.Sprintf("/accounts/%d/tokens", account))
	b.typeInto("#token-name", "ci")
	b.click(tid("create-token-submit"))
	b.waitFor("the new token", "document.querySelector('"+tid("token-secret")+"')")
	secret := b.text(tid("token-secret"))
	if hidden := run(b, "read the copy button", chromedp.Evaluate[bool](`document.querySelector('`+tid("token-copy")+`').hidden`)); hidden {
		t.Fatalf("the copy button stays hidden: app.js did not run")
	}
	// The headless browser has no clipboard to read back: record what the
	// page hands it.
	b.step("record the clipboard", chromedp.Evaluate[chromedp.Void](`navigator.clipboard.writeText = async (s) => { window.copied = s; }`))
	b.click(tid("token-copy"))
	b.waitFor("the copied token", `window.copied !== undefined`)
	if got := run(b, "read what was copied", chromedp.Evaluate[string](`window.copied`)); got != secret {
		t.Errorf("copied %q, want the secret %q", got, secret)
	}
	if got := b.text(tid("token-copy") + " + .copy-status"); got == "" {
		t.Errorf("copying says nothing")
	}

	b.open(fmt.Sprintf("/accounts/%d/tokens", account))
	if b.count(tid("token-revoke-confirm")+"[open]") != 0 {
		t.Fatalf("the confirmation is open before anyone asked")
	}
	b.click(tid("token-revoke-open"))
	b.waitFor("the confirmation", "document.querySelector('"+tid("token-revoke-confirm")+"').open")
	if got := b.text(tid("token-revoke-form")); !strings.Contains(got, "ci") {
		t.Errorf("the confirmation %q does not name the token", got)
	}
	b.click(tid("token-revoke"))
	b.waitFor("the revocation", "document.querySelector('"+tid("token-revoked")+"')")
	b.waitPath(tokensPagePath)
	if got := b.text(tid("token-state")); !strings.Contains(got, "吊销") {
		t.Errorf("token state after revoking: got %q", got)
	}
	b.checkAssets()
}

// TestBrowserBillPrintAndPhoneList: the bill's print button appears with
// JavaScript and opens the browser's print dialog; on a phone the bills
// list puts each month's amount due on the screen.
func TestBrowserBillPrintAndPhoneList(t *testing.T) {
	b := newBrowserEnv(t)
	w := b.setupW1()
	b.signInAsStaff(domain.RoleAdmin, "admin@rtcbill.example")

	b.open(fmt.Sprintf("/accounts/%d/bills/2019-08", w.account))
	if hidden := run(b, "read the print button", chromedp.Evaluate[bool](`document.querySelector('`+tid("print-button")+`').hidden`)); hidden {
		t.Fatalf("the print button stays hidden: app.js did not run")
	}
	b.step("record printing", chromedp.Evaluate[chromedp.Void](`window.print = () => { window.printed = true; }`))
	b.click(tid("print-button"))
	b.waitFor("the print dialog", `window.printed === true`)
	if got := b.text(tid("bill-number")); got != fmt.Sprintf("RBB201908%06d", w.account) {
		t.Errorf("bill number: got %q", got)
	}

	b.asPhone()
	b.open(fmt.Sprintf("/accounts/%d/bills", w.account))
	b.fitsTheScreen(tid("bill-row-2019-08")+" "+tid("amount-due"), tid("bill-row-2019-08")+" "+tid("bill-status"))
	due, usage := b.boxOf(tid("bill-row-2019-08")+" "+tid("amount-due")), b.boxOf(tid("bill-row-2019-08")+" "+tid("usage-minutes"))
	if due.Top > usage.Top {
		t.Errorf("on a phone the amount due (at %.0f px) comes after the usage (at %.0f px), want it first", due.Top, usage.Top)
	}
	b.open(fmt.Sprintf("/accounts/%d/bills/2019-08", w.account))
	b.fitsTheScreen(tid("amount-due"))
	b.checkAssets()
}

// TestBrowserKeyboard: the first Tab reaches the skip link, shown on the
// screen with a focus ring of 3:1 against the page at least; Enter on it
// takes the keyboard past the header to the page's content.
func TestBrowserKeyboard(t *testing.T) {
	b := newBrowserEnv(t)
	b.open("/plans")
	b.step("press Tab", chromedp.KeyEvent("\t"))
	type ring struct {
		ID       string  `json:"id"`
		Top      float64 `json:"top"`
		Style    string  `json:"style"`
		Width    float64 `json:"width"`
		Contrast float64 `json:"contrast"`
	}
	r := run(b, "read the focus", chromedp.Evaluate[ring](`(() => {
		const el = document.activeElement, cs = getComputedStyle(el);
		const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
		const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
			.reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
		// The page's background: the first of body and html that paints one.
		const bg = [document.body, document.documentElement].map((e) => getComputedStyle(e).backgroundColor)
			.find((c) => !/rgba\(.*,\s*0\)$|transparent/.test(c)) || "rgb(255, 255, 255)";
		const a = lum(rgb(cs.outlineColor)), b = lum(rgb(bg));
		return {id: el.dataset.testid || el.tagName, top: el.getBoundingClientRect().top, style: cs.outlineStyle,
			width: parseFloat(cs.outlineWidth), contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
	})()`))
	if r.ID != "skip-link" {
		t.Fatalf("the first Tab reaches %q, want the skip link", r.ID)
	}
	if r.Top < 0 {
		t.Errorf("the focused skip link is off the screen (top %.0f px)", r.Top)
	}
	if r.Style == "none" || r.Width < 2 || r.Contrast < 3 {
		t.Errorf("focus ring: %s %.1f px at %.2f:1 against the page, want a visible ring of 3:1 or more", r.Style, r.Width, r.Contrast)
	}
	b.step("press Enter", chromedp.KeyEvent("\r"))
	b.waitFor("the content focused", `location.hash === "#main"`)
	b.step("press Tab", chromedp.KeyEvent("\t"))
	if inMain := run(b, "read the focus", chromedp.Evaluate[bool](`!!document.activeElement.closest("main")`)); !inMain {
		t.Errorf("after the skip link the next Tab lands outside the content")
	}
}
