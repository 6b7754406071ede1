package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

var zh, en = views.Languages[0], language.English

func cst(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, billing.CST)
}

// renderDoc renders a component in a language and parses it.
func renderDoc(t *testing.T, lang language.Tag, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(views.WithLang(context.Background(), lang), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func text(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).First().Text())
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

func TestPlansPageShowsTheCatalog(t *testing.T) {
	now := cst(2020, 2, 29, 15, 0) // R3: a leap day purchase is valid to 2021-02-28
	for _, lang := range views.Languages {
		t.Run("R1 catalog in "+views.LangCode(lang), func(t *testing.T) {
			doc := renderDoc(t, lang, views.Plans(views.NewPlansPage(views.Meta{Title: "plans"}, lang, now, 0, views.BuyForStaff)))
			rows := doc.Find(`[data-testid^="plan-"]`)
			if rows.Length() != 5 {
				t.Fatalf("got %d plan rows, want 5", rows.Length())
			}
			want := map[string][2]string{
				"starter": {"3,688.00", "50,000"}, "standard": {"9,688.00", "250,000"},
				"enterprise": {"28,988.00", "1,000,000"}, "premium": {"73,888.00", "3,000,000"},
			}
			for code, w := range want {
				row := doc.Find(testid("plan-" + code))
				if got := strings.TrimSpace(row.Find(testid("price")).Text()); got != w[0] {
					t.Errorf("%s price: got %q, want %q", code, got, w[0])
				}
				if got := strings.TrimSpace(row.Find(testid("minutes")).Text()); got != w[1] {
					t.Errorf("%s minutes: got %q, want %q", code, got, w[1])
				}
				if href, _ := row.Find(testid("buy")).Attr("href"); href != "/accounts?buy="+code {
					t.Errorf("%s buy link: got %q", code, href)
				}
			}
			if got := text(doc, testid("plan-starter")+" "+testid("per-minute")); got != "0.0738" {
				t.Errorf("starter per minute: got %q, want 0.0738", got)
			}
			trial := doc.Find(testid("plan-trial"))
			if trial.Find(testid("buy")).Length() != 0 {
				t.Error("the trial has a Buy button; it is granted, never sold (R4)")
			}
			if trial.Find(testid("trial-note")).Length() != 1 {
				t.Error("the trial row does not say it comes with the first application")
			}
			if v := text(doc, testid("validity")); !strings.Contains(v, "2020-02-29") || !strings.Contains(v, "2021-02-28") {
				t.Errorf("R3 example: got %q, want today 2020-02-29 and expiry 2021-02-28", v)
			}
			if v := text(doc, testid("overage")); !strings.Contains(v, "25.00") || !strings.Contains(v, "0.025") {
				t.Errorf("overage rate: got %q, want 25.00 per 1,000 and 0.025 a minute", v)
			}
		})
	}
	t.Run("with an account the Buy buttons buy for it", func(t *testing.T) {
		doc := renderDoc(t, zh, views.Plans(views.NewPlansPage(views.Meta{}, zh, now, 7, views.BuyForAccount)))
		if href, _ := doc.Find(testid("plan-premium") + " " + testid("buy")).Attr("href"); href != "/accounts/7/buy/premium" {
			t.Errorf("got %q, want /accounts/7/buy/premium", href)
		}
	})
}

// standingOf rates packages and pieces at now the way the store does.
func standingOf(now time.Time, pkgs []billing.Package, pieces []billing.Piece) domain.Standing {
	r := billing.Rate(pkgs, pieces, now)
	st := domain.Standing{At: now, Status: billing.StatusAt(now, pkgs, r.Balances), Entitlements: billing.Entitlements(now, pkgs)}
	for _, p := range pkgs {
		b := r.Balances[p.ID]
		st.Packages = append(st.Packages, domain.PackageStanding{Package: p, Validity: p.Validity(), Balance: b, State: billing.StateAt(now, p, b)})
	}
	return st
}

func starter(id int64, at time.Time) billing.Package {
	plan, _ := billing.LookupPlan("starter")
	return billing.Package{ID: id, OrderID: "RB" + at.Format("20060102") + "00000" + string(rune('0'+id)), Plan: billing.Starter,
		PurchasedAt: at, Included: plan.IncludedMinutes, Price: plan.Price}
}

func trial(id int64, at time.Time) billing.Package {
	return billing.Package{ID: id, OrderID: "RBTRIAL", Plan: billing.Trial, PurchasedAt: at, Included: 1000}
}

// owner is the layout's data of an account's page as its customer sees
// it: every action offered.
var owner = views.Meta{Account: &views.AccountNav{ID: 3, Name: "星河教育", Can: views.Can{
	Buy: true, CreateApp: true, RecordUsage: true, LiveRoom: true, ManageTokens: true}}}

func TestAccountPage(t *testing.T) {
	acct := domain.Account{ID: 3, Name: "星河教育", Email: "ops@xinghe.example", CreatedAt: cst(2019, 7, 1, 9, 0)}
	use := func(at time.Time, minutes int64) billing.Piece {
		return billing.Piece{Start: at, Seconds: minutes * 60, Key: at.String(), App: 1400000001}
	}
	t.Run("R5 a trial account shows its minutes left and how long", func(t *testing.T) {
		now := cst(2019, 7, 20, 12, 0)
		st := standingOf(now, []billing.Package{trial(1, cst(2019, 7, 1, 10, 0))}, []billing.Piece{use(cst(2019, 7, 2, 10, 0), 200)})
		doc := renderDoc(t, en, views.Account(views.NewAccountPage(owner, en, acct, st, true, now)))
		banner := doc.Find(testid("status-banner"))
		if s, _ := banner.Attr("data-status"); s != "trial" {
			t.Fatalf("status: got %q, want trial", s)
		}
		if b := banner.Text(); !strings.Contains(b, "800") || !strings.Contains(b, "2020-07-31") {
			t.Errorf("banner: got %q, want 800 minutes left until 2020-07-31", b)
		}
		row := doc.Find(testid("package-1"))
		if got := strings.TrimSpace(row.Find(testid("used")).Text()); got != "200" {
			t.Errorf("used: got %q, want 200", got)
		}
		if got := strings.TrimSpace(row.Find(testid("remaining")).Text()); got != "800" {
			t.Errorf("remaining: got %q, want 800", got)
		}
		if got, _ := row.Find(testid("usage-bar")).Attr("value"); got != "20" {
			t.Errorf("usage bar: got %q%%, want 20%%", got)
		}
	})
	t.Run("R5 W3 a closed account is told to buy a package to re-activate", func(t *testing.T) {
		now := cst(2019, 7, 20, 12, 0)
		st := standingOf(now, []billing.Package{trial(1, cst(2019, 7, 1, 10, 0))}, []billing.Piece{use(cst(2019, 7, 2, 10, 0), 1200)})
		for _, lang := range views.Languages {
			doc := renderDoc(t, lang, views.Account(views.NewAccountPage(owner, lang, acct, st, true, now)))
			if s, _ := doc.Find(testid("status-banner")).Attr("data-status"); s != "closed" {
				t.Fatalf("status: got %q, want closed", s)
			}
			if href, _ := doc.Find(testid("buy-cta")).Attr("href"); href != "/plans?account=3" {
				t.Errorf("%s: re-activation link: got %q, want /plans?account=3", views.LangCode(lang), href)
			}
			if got := text(doc, testid("package-1")+" "+testid("state")); got == "" || got == "account.state.exhausted" {
				t.Errorf("%s: state: got %q, want the translated 'used up'", views.LangCode(lang), got)
			}
		}
	})
	t.Run("R9 a package expiring within 30 days with minutes left is flagged", func(t *testing.T) {
		now := cst(2020, 8, 10, 12, 0) // the starter of 2019-08-01 expires 2020-08-31
		st := standingOf(now, []billing.Package{starter(2, cst(2019, 8, 1, 9, 0))}, []billing.Piece{use(cst(2019, 8, 2, 10, 0), 1000)})
		doc := renderDoc(t, en, views.Account(views.NewAccountPage(owner, en, acct, st, true, now)))
		w := doc.Find(testid("expiry-warning"))
		if w.Length() != 1 || !strings.Contains(w.Text(), "2020-08-31") || !strings.Contains(w.Text(), "49,000") {
			t.Errorf("warning: got %d, %q; want one naming 2020-08-31 and 49,000 minutes", w.Length(), w.Text())
		}
		earlier := cst(2020, 7, 20, 12, 0) // 42 days before the expiry: no warning yet
		st = standingOf(earlier, []billing.Package{starter(2, cst(2019, 8, 1, 9, 0))}, []billing.Piece{use(cst(2019, 8, 2, 10, 0), 1000)})
		doc = renderDoc(t, en, views.Account(views.NewAccountPage(owner, en, acct, st, true, earlier)))
		if n := doc.Find(testid("expiry-warning")).Length(); n != 0 {
			t.Errorf("42 days before expiry: got %d warnings, want none", n)
		}
	})
	t.Run("R12 entitlements with the date each lasts to", func(t *testing.T) {
		now := cst(2019, 9, 1, 12, 0)
		st := standingOf(now, []billing.Package{trial(1, cst(2019, 7, 1, 10, 0)), starter(2, cst(2019, 8, 1, 9, 0))}, nil)
		doc := renderDoc(t, en, views.Account(views.NewAccountPage(owner, en, acct, st, true, now)))
		if got := text(doc, testid("entitlement-group_support")); !strings.Contains(got, "2020-08-31") || !strings.Contains(got, "RB20190801") {
			t.Errorf("group support: got %q, want until 2020-08-31 and the starter's order", got)
		}
		if got := text(doc, testid("entitlement-demo_source")); !strings.Contains(got, "2020-08-31") {
			t.Errorf("demo source: got %q, want until 2020-08-31 (the latest valid package)", got)
		}
		if doc.Find(testid("entitlement-whiteboard_sdk")).Length() != 0 {
			t.Error("a starter brings no whiteboard SDK (R12)")
		}
	})
}

func TestAccountBanners(t *testing.T) {
	acct := domain.Account{ID: 3, Name: "星河教育", Email: "ops@xinghe.example", CreatedAt: cst(2026, 11, 1, 9, 0)}
	use := func(at time.Time, minutes int64) billing.Piece {
		return billing.Piece{Start: at, Seconds: minutes * 60, Key: at.String(), App: 1400000001}
	}
	support := views.Meta{Account: &views.AccountNav{ID: 3, Name: "星河教育", Can: views.Can{ReadAudit: true}}}
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		t.Run("a brand-new account is invited to add its first application/"+code, func(t *testing.T) {
			now := cst(2026, 11, 25, 12, 0)
			doc := renderDoc(t, lang, views.Account(views.NewAccountPage(owner, lang, acct, standingOf(now, nil, nil), false, now)))
			banner := doc.Find(testid("status-banner"))
			if got, _ := banner.Attr("data-banner"); got != "new" {
				t.Fatalf("banner: got %q, want new", got)
			}
			if banner.HasClass("banner-closed") || strings.Contains(banner.Text(), "停服") {
				t.Errorf("a new account is shown as closed: %q", banner.Text())
			}
			// R3, R4: an application added today brings the trial, valid to 2027-11-30.
			if !strings.Contains(banner.Text(), "1,000") || !strings.Contains(banner.Text(), "2027-11-30") {
				t.Errorf("banner %q: want the trial's 1,000 minutes and 2027-11-30", strings.Join(strings.Fields(banner.Text()), " "))
			}
			if href, _ := doc.Find(testid("create-app-cta")).Attr("href"); href != "/accounts/3/apps" {
				t.Errorf("the first application's button leads to %q, want /accounts/3/apps", href)
			}
			if doc.Find(testid("month-figures")).Length() != 0 {
				t.Errorf("a new account shows the month's figures")
			}
		})
		t.Run("an active account shows the month's usage, minutes left and estimate/"+code, func(t *testing.T) {
			now := cst(2026, 11, 25, 12, 0)
			st := standingOf(now, []billing.Package{starter(2, cst(2026, 11, 2, 9, 0))}, []billing.Piece{use(cst(2026, 11, 3, 10, 0), 1200)})
			p := views.NewAccountPage(owner, lang, acct, st, true, now)
			p.ShowMonth(billing.Bill{Month: billing.MonthOf(now), UsageMinutes: 1200, AmountDue: decimal.RequireFromString("0")}, nil)
			doc := renderDoc(t, lang, views.Account(p))
			if got, _ := doc.Find(testid("status-banner")).Attr("data-banner"); got != "active" {
				t.Errorf("banner: got %q, want active", got)
			}
			for id, want := range map[string]string{"month-usage": "1,200", "minutes-left": "48,800", "month-due": "0.00"} {
				if got := text(doc, testid(id)); got != want {
					t.Errorf("%s: got %q, want %q", id, got, want)
				}
			}
			if href, _ := doc.Find(testid("month-bill")).Attr("href"); href != "/accounts/3/bills/2026-11" {
				t.Errorf("month-bill: got %q", href)
			}
		})
		t.Run("R7 every package used: minutes are billed at the overage rate/"+code, func(t *testing.T) {
			now := cst(2026, 11, 25, 12, 0)
			st := standingOf(now, []billing.Package{starter(2, cst(2026, 11, 2, 9, 0))}, []billing.Piece{use(cst(2026, 11, 3, 10, 0), 51_001)})
			p := views.NewAccountPage(owner, lang, acct, st, true, now)
			p.ShowMonth(billing.Bill{Month: billing.MonthOf(now), UsageMinutes: 51_001, Overage: 1001, AmountDue: decimal.RequireFromString("25.03")}, nil)
			doc := renderDoc(t, lang, views.Account(p))
			banner := doc.Find(testid("status-banner"))
			if got, _ := banner.Attr("data-banner"); got != "overage" {
				t.Fatalf("banner: got %q, want overage", got)
			}
			b := strings.Join(strings.Fields(banner.Text()), " ")
			for _, want := range []string{"25", "1,001", "25.03"} {
				if !strings.Contains(b, want) {
					t.Errorf("banner %q lacks %q", b, want)
				}
			}
			if got := text(doc, testid("minutes-left")); got != "0" {
				t.Errorf("minutes-left: got %q, want 0", got)
			}
		})
		t.Run("support is offered no purchase/"+code, func(t *testing.T) {
			now := cst(2026, 11, 25, 12, 0)
			st := standingOf(now, []billing.Package{trial(1, cst(2026, 11, 2, 9, 0))}, []billing.Piece{use(cst(2026, 11, 3, 10, 0), 1200)})
			doc := renderDoc(t, lang, views.Account(views.NewAccountPage(support, lang, acct, st, true, now)))
			if n := doc.Find(testid("buy-cta") + "," + testid("buy-link")).Length(); n != 0 {
				t.Errorf("support sees %d purchase links, want none", n)
			}
		})
	}
}

func TestBuyAndOrderPages(t *testing.T) {
	plan, _ := billing.LookupPlan("premium")
	now := cst(2019, 12, 1, 9, 30) // R3: valid to 2020-12-31
	doc := renderDoc(t, en, views.Buy(views.NewBuyPage(views.Meta{}, en, 5, plan, now, "0123456789abcdef0123456789abcdef")))
	for id, want := range map[string]string{"buy-price": "73,888.00", "buy-minutes": "3,000,000", "buy-valid-from": "2019-12-01", "buy-expires-on": "2020-12-31"} {
		if got := text(doc, testid(id)); !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
	}
	if v, _ := doc.Find(testid("buy-form") + ` input[name="token"]`).Attr("value"); v != "0123456789abcdef0123456789abcdef" {
		t.Errorf("one-time token: got %q", v)
	}
	if a, _ := doc.Find(testid("buy-form")).Attr("action"); a != "/accounts/5/buy/premium" {
		t.Errorf("form action: got %q", a)
	}

	pkg := starter(2, cst(2019, 8, 1, 9, 0))
	order := renderDoc(t, zh, views.Order(views.NewOrderPage(views.Meta{}, zh, domain.Account{ID: 5, Name: "A"}, pkg, true)))
	if got := text(order, testid("order-id")); got != pkg.OrderID {
		t.Errorf("order id: got %q, want %q", got, pkg.OrderID)
	}
	if got := text(order, testid("order-expires-on")); got != "2020-08-31" {
		t.Errorf("expiry: got %q, want 2020-08-31", got)
	}
	if order.Find(testid("apply-group")).Length() != 1 || order.Find(testid("apply-dedicated")).Length() != 0 {
		t.Error("a starter's order page says how to apply for the group and nothing about 1V1 (R12)")
	}
}

func TestPlansPageBuyButtonsLeadToSignUpForVisitors(t *testing.T) {
	doc := renderDoc(t, en, views.Plans(views.NewPlansPage(views.Meta{}, en, cst(2020, 1, 1, 9, 0), 0, views.BuyAfterSignUp)))
	if href, _ := doc.Find(testid("plan-standard") + " " + testid("buy")).Attr("href"); href != "/signup?plan=standard" {
		t.Errorf("got %q, want /signup?plan=standard", href)
	}
}

func TestPlansPageRecommendsAndOffersBuyOnlyToWhoMayBuy(t *testing.T) {
	now := cst(2026, 11, 25, 9, 0)
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		t.Run("the standard package is recommended/"+code, func(t *testing.T) {
			doc := renderDoc(t, lang, views.Plans(views.NewPlansPage(views.Meta{}, lang, now, 7, views.BuyForAccount)))
			rec := doc.Find("tr.recommended")
			if rec.Length() != 1 || rec.AttrOr("data-testid", "") != "plan-standard" || rec.Find(testid("recommended")).Length() != 1 {
				t.Fatalf("recommended rows: got %d (%q), want the standard with its badge", rec.Length(), rec.AttrOr("data-testid", ""))
			}
			if rec.Find(testid("buy")).HasClass("outline") || !doc.Find(testid("plan-starter")+" "+testid("buy")).HasClass("outline") {
				t.Errorf("want the recommended package's Buy button filled and the others outlined")
			}
		})
		t.Run("a phone shows each package as a card: every value carries its column's name/"+code, func(t *testing.T) {
			doc := renderDoc(t, lang, views.Plans(views.NewPlansPage(views.Meta{}, lang, now, 7, views.BuyForAccount)))
			row := doc.Find(testid("plan-starter"))
			for _, id := range []string{"price", "minutes", "per-minute"} {
				if l := row.Find(testid(id)).AttrOr("data-label", ""); l == "" {
					t.Errorf("%s has no data-label", id)
				}
			}
			if n := row.Find("td.feature[data-label]").Length(); n != 4 {
				t.Errorf("got %d labelled features, want 4", n)
			}
			if doc.Find(`.table-wrap[tabindex="0"][role="region"][aria-label]`).Length() != 1 {
				t.Errorf("the table's scroll region cannot take the keyboard's focus or has no name")
			}
		})
		t.Run("no Buy button for one who may not buy/"+code, func(t *testing.T) {
			doc := renderDoc(t, lang, views.Plans(views.NewPlansPage(views.Meta{}, lang, now, 0, views.BuyNone)))
			if n := doc.Find(testid("buy")).Length(); n != 0 {
				t.Errorf("got %d Buy buttons, want none", n)
			}
			if n := doc.Find("td.plan-buy").Length(); n != 0 {
				t.Errorf("got %d empty Buy cells, want no such column", n)
			}
		})
	}
}

func TestAccountsListSearchAndWhatIsLeft(t *testing.T) {
	now := cst(2026, 11, 25, 12, 0)
	accounts := []domain.Account{
		{ID: 1, Name: "Pixel Pals", Email: "a@example.com", CreatedAt: cst(2026, 1, 1, 9, 0)},
		{ID: 2, Name: "Qingyun", Email: "b@example.com", CreatedAt: cst(2026, 1, 2, 9, 0)},
	}
	for _, lang := range views.Languages {
		t.Run(views.LangCode(lang), func(t *testing.T) {
			p := views.NewAccountsPage(views.Meta{Title: "accounts"}, lang, "", accounts, "", views.AccountForm{})
			p.ShowStanding(1, standingOf(now, nil, nil))
			st := standingOf(now, []billing.Package{starter(2, cst(2026, 11, 2, 9, 0))}, []billing.Piece{{Start: cst(2026, 11, 3, 10, 0), Seconds: 1200 * 60, Key: "k", App: 1}})
			p.ShowStanding(2, st)
			doc := renderDoc(t, lang, views.Accounts(p))
			// A search field with a visible label and a button beside it.
			form := doc.Find(testid("account-search"))
			if form.Find(`label[for="q"]`).HasClass("sr-only") || strings.TrimSpace(form.Find(`label[for="q"]`).Text()) == "" {
				t.Errorf("the search field has no visible label")
			}
			if form.Find(".search-row #q + "+testid("search-submit")).Length() != 1 {
				t.Errorf("the search button is not beside the field")
			}
			row := doc.Find(testid("account-2"))
			if got, _ := row.Find(testid("account-status")).Attr("data-status"); got != "active" {
				t.Errorf("status: got %q, want active", got)
			}
			if got := text(doc, testid("account-2")+" "+testid("minutes-left")); got != "48,800" {
				t.Errorf("minutes left: got %q, want 48,800", got)
			}
			if got, _ := doc.Find(testid("account-1") + " " + testid("account-status")).Attr("data-status"); got != "new" {
				t.Errorf("an account without packages: got %q, want new", got)
			}
			if s := text(doc, testid("account-1")+" "+testid("account-status")); s == "" || strings.Contains(s, "account.") {
				t.Errorf("status word: got %q", s)
			}
		})
	}
}

// TestOrderPageForecast: the order page says each kind of forecast in a
// sentence of its own, in both languages, with the figures of
// billing.ForecastFrom.
func TestOrderPageForecast(t *testing.T) {
	now := cst(2026, 11, 28, 12, 0)
	st := starter(2, cst(2026, 1, 10, 9, 0))                                                                     // to 2027-01-31
	std := billing.Package{ID: 3, Plan: billing.Standard, PurchasedAt: cst(2026, 6, 2, 9, 0), Included: 250_000} // to 2027-06-30
	old := starter(4, cst(2025, 1, 10, 9, 0))                                                                    // expired 2026-01-31
	const rate500 = 30 * 500 * 60
	for _, c := range []struct {
		name      string
		pkgs      []billing.Package
		remaining map[int64]int64
		active    bool
		seconds   int64
		kind, en  string
	}{
		{"no usage in the 30 days", []billing.Package{st}, map[int64]int64{2: 10}, true, 0,
			"none", "No calls in the last 30 days: there is no rate to forecast from."},
		{"under a minute a day", []billing.Package{st}, map[int64]int64{2: 10}, true, 1_799,
			"slow", "Under a minute a day on average over the last 30 days: too little to forecast from."},
		{"R9 the packages expire first", []billing.Package{st}, map[int64]int64{2: 100_000}, true, rate500,
			"lasts", "At this rate (500 minutes a day) the account's packages do not run out before they expire; what they hold then is cleared."},
		{"R7 overage until the next expiry", []billing.Package{st}, map[int64]int64{2: 10_000}, true, rate500,
			"runs_out", "At this rate (500 minutes a day) the account's packages run out on 2026-12-19; 22,000 minutes of overage are expected by 2027-01-31, when the next package expires."},
		// The Starter's 1,000 last 2 days, the Standard's 40,000 80 more:
		// 2026-11-29 … 2027-02-18, past the Starter's expiry.
		{"R7 running out after the next expiry", []billing.Package{st, std}, map[int64]int64{2: 1_000, 3: 40_000}, true, rate500,
			"runs_out", "At this rate (500 minutes a day) the account's packages run out on 2027-02-19; no overage is expected by 2027-01-31, when the next package expires."},
		{"R7 used up: overage until the next expiry", []billing.Package{st}, map[int64]int64{2: 0}, true, rate500,
			"used_up", "The account's packages are used up: at this rate (500 minutes a day) 32,000 minutes of overage are expected by 2027-01-31, when the next package expires."},
		{"R9 used up and nothing valid today", []billing.Package{old}, map[int64]int64{4: 0}, true, rate500,
			"used_up", "The account's packages are used up: at this rate (500 minutes a day) every minute from 2026-11-29 is billed as overage."},
		{"R5 a trial used up: refused, not billed", []billing.Package{trial(1, cst(2026, 6, 2, 9, 0))}, map[int64]int64{1: 0}, false, 30 * 100 * 60,
			"used_up", "The account's packages are used up and it has no paid package: calls are refused, never billed, until a package is bought."},
		{"R5 a trial-only account is refused, not billed", []billing.Package{trial(1, cst(2026, 6, 2, 9, 0))}, map[int64]int64{1: 300}, false, 30 * 100 * 60,
			"runs_out", "At this rate (100 minutes a day) the account's packages run out on 2026-12-02. Without a paid package, calls beyond them are then refused, never billed: buy a package before then to keep the service running."},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, ok := billing.ForecastFrom(now, c.pkgs, c.remaining, c.active, c.seconds)
			o := views.NewOrderPage(views.Meta{}, en, domain.Account{ID: 5, Name: "A"}, c.pkgs[0], false)
			o.ShowForecast(f, ok, c.active)
			if o.Forecast.Kind != c.kind {
				t.Errorf("kind: got %q, want %q", o.Forecast.Kind, c.kind)
			}
			if got := text(renderDoc(t, en, views.Order(o)), testid("forecast-sentence")); got != c.en {
				t.Errorf("en:\ngot  %q\nwant %q", got, c.en)
			}
			zhText := text(renderDoc(t, zh, views.Order(o)), testid("forecast-sentence"))
			if zhText == "" || strings.Contains(zhText, "order.") || strings.Contains(zhText, "minutes") {
				t.Errorf("zh-CN: got %q, want the sentence in Chinese", zhText)
			}
		})
	}

	t.Run("R9 a package expiring in the running month with minutes left says so", func(t *testing.T) {
		pkg := starter(2, cst(2025, 11, 3, 9, 0)) // to 2026-11-30
		r := billing.Rate([]billing.Package{pkg}, nil, now)
		o := views.NewOrderPage(views.Meta{}, en, domain.Account{ID: 5, Name: "A"}, pkg, false)
		o.ShowHistory(billing.PackageHistory(pkg, r, nil, now), pkg.Validity().ExpiresOn())
		doc := renderDoc(t, en, views.Order(o))
		if got := doc.Find(testid("history") + " tbody tr").Length(); got != 13 {
			t.Errorf("got %d months, want 13 (2025-11 … 2026-11)", got)
		}
		if got := text(doc, testid("history-expires")); !strings.Contains(got, "2026-11-30") {
			t.Errorf("got %q, want the expiry 2026-11-30 said", got)
		}
	})
}
