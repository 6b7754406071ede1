package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
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

func TestAccountPage(t *testing.T) {
	acct := domain.Account{ID: 3, Name: "星河教育", Email: "ops@xinghe.example", CreatedAt: cst(2019, 7, 1, 9, 0)}
	use := func(at time.Time, minutes int64) billing.Piece {
		return billing.Piece{Start: at, Seconds: minutes * 60, Key: at.String(), App: 1400000001}
	}
	t.Run("R5 a trial account shows its minutes left and how long", func(t *testing.T) {
		now := cst(2019, 7, 20, 12, 0)
		st := standingOf(now, []billing.Package{trial(1, cst(2019, 7, 1, 10, 0))}, []billing.Piece{use(cst(2019, 7, 2, 10, 0), 200)})
		doc := renderDoc(t, en, views.Account(views.NewAccountPage(views.Meta{}, en, acct, st, true, now)))
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
			doc := renderDoc(t, lang, views.Account(views.NewAccountPage(views.Meta{}, lang, acct, st, true, now)))
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
		doc := renderDoc(t, en, views.Account(views.NewAccountPage(views.Meta{}, en, acct, st, true, now)))
		w := doc.Find(testid("expiry-warning"))
		if w.Length() != 1 || !strings.Contains(w.Text(), "2020-08-31") || !strings.Contains(w.Text(), "49,000") {
			t.Errorf("warning: got %d, %q; want one naming 2020-08-31 and 49,000 minutes", w.Length(), w.Text())
		}
		earlier := cst(2020, 7, 20, 12, 0) // 42 days before the expiry: no warning yet
		st = standingOf(earlier, []billing.Package{starter(2, cst(2019, 8, 1, 9, 0))}, []billing.Piece{use(cst(2019, 8, 2, 10, 0), 1000)})
		doc = renderDoc(t, en, views.Account(views.NewAccountPage(views.Meta{}, en, acct, st, true, earlier)))
		if n := doc.Find(testid("expiry-warning")).Length(); n != 0 {
			t.Errorf("42 days before expiry: got %d warnings, want none", n)
		}
	})
	t.Run("R12 entitlements with the date each lasts to", func(t *testing.T) {
		now := cst(2019, 9, 1, 12, 0)
		st := standingOf(now, []billing.Package{trial(1, cst(2019, 7, 1, 10, 0)), starter(2, cst(2019, 8, 1, 9, 0))}, nil)
		doc := renderDoc(t, en, views.Account(views.NewAccountPage(views.Meta{}, en, acct, st, true, now)))
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
