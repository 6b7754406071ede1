package views_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
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

var (
	billZH = language.MustParse("zh-CN")
	billEN = language.English
)

func billAt(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, billing.CST)
}

// w1 is worked example W1 of the rule book: first application 2019-07-01
// (trial), Starter bought 2019-08-01; July 199.5 minutes, August 51,800.5
// minutes over Aug 2–31 in two rooms. It returns the rating as of now and
// the packages.
func billW1(now time.Time) (billing.Rating, []billing.Package) {
	trial := billing.Package{ID: 1, OrderID: "RB20190701000001", Plan: billing.Trial,
		PurchasedAt: billAt(2019, 7, 1, 9, 0, 0), Included: 1_000, Price: decimal.Zero}
	starter := billing.Package{ID: 2, OrderID: "RB20190801000002", Plan: billing.Starter,
		PurchasedAt: billAt(2019, 8, 1, 9, 30, 0), Included: 50_000, Price: decimal.RequireFromString("3688")}
	pkgs := []billing.Package{trial, starter}
	ss := []billing.Session{{ID: "jul", App: 1400000001, Room: "r1", User: "a",
		Joined: billAt(2019, 7, 10, 10, 0, 0), Left: billAt(2019, 7, 10, 10, 0, 0).Add(11_970 * time.Second)}}
	for d := 2; d <= 31; d++ {
		a, b := billAt(2019, 8, d, 8, 0, 0), billAt(2019, 8, d, 1, 0, 0)
		ss = append(ss,
			billing.Session{ID: fmt.Sprintf("aug-%02d-a", d), App: 1400000001, Room: "r1", User: "a", Joined: a, Left: a.Add(51_800 * time.Second)},
			billing.Session{ID: fmt.Sprintf("aug-%02d-b", d), App: 1400000001, Room: "r 2", User: "b", Joined: b, Left: b.Add(51_801 * time.Second)})
	}
	var pieces []billing.Piece
	for _, s := range ss {
		pieces = billing.SplitSession(pieces, s, billing.MinInstant, billAt(2030, 1, 1, 0, 0, 0))
	}
	return billing.Rate(pkgs, pieces, now), pkgs
}

// w1August is W1's August 2019 bill as of 2019-09-03, with the breakdowns
// the store would add.
func billW1August(t *testing.T) billing.Bill {
	t.Helper()
	now := billAt(2019, 9, 3, 12, 0, 0)
	r, pkgs := billW1(now)
	b := billing.MakeBill(r.Month(billing.Month{Year: 2019, Month: time.August}), pkgs, now)
	b.Apps = []billing.AppUsage{{App: 1400000001, Seconds: 3_108_030}}
	b.Rooms = []billing.RoomUsage{
		{App: 1400000001, Room: "r 2", Seconds: 1_554_030, Sessions: 30},
		{App: 1400000001, Room: "r1", Seconds: 1_554_000, Sessions: 30},
	}
	// The rule book's figures, so a failure below is the page's, not W1's.
	if b.Overage != 1001 || billing.FormatMoney(b.AmountDue) != "25.03" || b.Status != billing.BillIssued {
		t.Fatalf("W1 August: got overage %d, amount due %s, status %s; want 1001, 25.03, issued",
			b.Overage, b.AmountDue, b.Status)
	}
	return b
}

// render renders c in lang and parses it.
func billRender(t *testing.T, lang language.Tag, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(views.WithLang(context.Background(), lang), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

func billByID(s interface {
	Find(string) *goquery.Selection
}, id string) *goquery.Selection {
	return s.Find(`[data-testid="` + id + `"]`)
}

// text is the trimmed text of the one element with data-testid id.
func billText(t *testing.T, s interface {
	Find(string) *goquery.Selection
}, id string) string {
	t.Helper()
	sel := billByID(s, id)
	if sel.Length() != 1 {
		t.Errorf("data-testid=%q: got %d elements, want 1", id, sel.Length())
		return ""
	}
	return strings.Join(strings.Fields(sel.Text()), " ")
}

func billCheck(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func billPage(t *testing.T, lang language.Tag, b billing.Bill) (*goquery.Document, string) {
	t.Helper()
	meta := views.Meta{Title: "bill", Path: "/accounts/1/bills/" + b.Month.String(),
		Account: &views.AccountNav{ID: 1, Name: "Acme", Active: "bills"}}
	return billRender(t, lang, views.Bill(views.NewBillPage(meta, lang, 1, "Acme", b)))
}

func TestBillPageW1August(t *testing.T) {
	b := billW1August(t)
	status := map[string]string{}
	for _, lang := range []language.Tag{billZH, billEN} {
		code := views.LangCode(lang)
		t.Run("R11 W1 August bill in "+code, func(t *testing.T) {
			doc, _ := billPage(t, lang, b)
			status[code] = billText(t, doc, "bill-status")

			t.Run("R10 amount due is the overage fee rounded to the fen", func(t *testing.T) {
				billCheck(t, "amount due", billText(t, doc, "amount-due"), "25.03")
				billCheck(t, "overage fee", billText(t, doc, "overage-fee"), "25.03")
				exact := map[string]string{"zh-CN": "（精确值 25.025 元）", "en": "(exact: 25.025 CNY)"}[code]
				billCheck(t, "the overage fee's exact value, labelled", billText(t, doc, "overage-fee-exact"), exact)
			})
			t.Run("R8 figures are whole minutes rounded up", func(t *testing.T) {
				billCheck(t, "overage minutes", billText(t, doc, "overage-minutes"), "1,001")
				billCheck(t, "usage minutes", billText(t, doc, "usage-minutes"), "51,801")
				// Seconds are in the CSV, not on the page.
				if n := billByID(doc, "usage-seconds").Length() + billByID(doc, "deductions").Find(billSel("seconds")).Length() +
					billByID(doc, "apps").Find(billSel("seconds")).Length(); n != 0 {
					t.Errorf("the bill shows %d seconds figures outside the rooms, want none", n)
				}
				billCheck(t, "refused minutes", billText(t, doc, "refused-minutes"), "0")
				billCheck(t, "deducted minutes", billText(t, doc, "deducted-minutes"), "50,800")
			})
			t.Run("R11 issued on the 1st and charged by the 5th", func(t *testing.T) {
				billCheck(t, "issue date", billText(t, doc, "issue-date"), "2019-09-01")
				billCheck(t, "charge by", billText(t, doc, "charge-by"), "2019-09-05")
			})
			t.Run("R7 the trial is drawn before the starter", func(t *testing.T) {
				rows := billByID(doc, "deduction-row")
				if rows.Length() != 2 {
					t.Fatalf("deduction rows: got %d, want 2", rows.Length())
				}
				first, second := rows.Eq(0), rows.Eq(1)
				billCheck(t, "first plan", billText(t, first, "plan"), views.PlanNameByCode(lang, billing.Trial))
				billCheck(t, "first minutes", billText(t, first, "minutes"), "800")
				billCheck(t, "second plan", billText(t, second, "plan"), views.PlanNameByCode(lang, billing.Starter))
				billCheck(t, "second minutes", billText(t, second, "minutes"), "50,000")
				// Without Describe a package is named by its number.
				billCheck(t, "second package", billText(t, second, "order-id"), "#2")
			})
			t.Run("R11 the starter bought in August is listed, prepaid", func(t *testing.T) {
				rows := billByID(doc, "purchase-row")
				if rows.Length() != 1 {
					t.Fatalf("purchase rows: got %d, want 1", rows.Length())
				}
				billCheck(t, "order id", billText(t, rows, "order-id"), "RB20190801000002")
				billCheck(t, "plan", billText(t, rows, "plan"), views.PlanNameByCode(lang, billing.Starter))
				billCheck(t, "price", billText(t, rows, "price"), "3,688.00")
				billCheck(t, "purchased at", billText(t, rows, "purchased-at"), "2019-08-01 09:30")
			})
			t.Run("R9 nothing expires in August", func(t *testing.T) {
				if n := billByID(doc, "expired-row").Length(); n != 0 {
					t.Errorf("expired rows: got %d, want 0", n)
				}
				if billByID(doc, "expired-empty").Length() != 1 {
					t.Errorf("expired-empty: missing")
				}
			})
			t.Run("R11 per application and per room", func(t *testing.T) {
				apps := billByID(doc, "app-row")
				if apps.Length() != 1 {
					t.Fatalf("app rows: got %d, want 1", apps.Length())
				}
				billCheck(t, "app", billText(t, apps, "sdk-app-id"), "1400000001")
				billCheck(t, "app minutes", billText(t, apps, "minutes"), "51,801")
				rooms := billByID(doc, "room-row")
				if rooms.Length() != 2 {
					t.Fatalf("room rows: got %d, want 2", rooms.Length())
				}
				first := rooms.Eq(0)
				billCheck(t, "room", billText(t, first, "room-id"), "r 2")
				href, _ := billByID(first, "room-id").Attr("href")
				billCheck(t, "room link", href, views.RoomURL(1400000001, "r 2", ""))
				billCheck(t, "room minutes", billText(t, first, "minutes"), "25,901")
				billCheck(t, "room sessions", billText(t, first, "sessions"), "30")
			})
			t.Run("the chart stacks covered and overage minutes per day", func(t *testing.T) {
				chart := billByID(doc, "bill-chart")
				if chart.Length() != 1 || goquery.NodeName(chart) != "svg" {
					t.Fatalf("bill-chart: got %d %q, want one svg", chart.Length(), goquery.NodeName(chart))
				}
				if n := chart.Find("rect.covered").Length(); n != 30 {
					t.Errorf("covered bars: got %d, want 30 (Aug 2–31)", n)
				}
				if n := chart.Find("rect.overage").Length(); n == 0 {
					t.Errorf("overage bars: got none, want some")
				}
				if n := chart.Find("rect.refused").Length(); n != 0 {
					t.Errorf("refused bars: got %d, want 0", n)
				}
				if n := chart.Find("text.day").Length(); n != 31 {
					t.Errorf("day labels: got %d, want 31", n)
				}
				if chart.ChildrenFiltered("title").Text() == "" {
					t.Errorf("chart title: empty")
				}
				if l, _ := chart.Attr("aria-label"); !strings.Contains(l, "51,801") {
					t.Errorf("chart aria-label: got %q, want the month's total 51,801", l)
				}
				if day1 := chart.Find(`[data-day="2019-08-01"]`).Length(); day1 != 0 {
					t.Errorf("Aug 1 had no calls: got a bar")
				}
			})
			t.Run("the CSV link and print header", func(t *testing.T) {
				href, _ := billByID(doc, "csv-link").Attr("href")
				billCheck(t, "csv link", href, "/accounts/1/bills/2019-08.csv")
				if h := billText(t, doc, "print-header"); !strings.Contains(h, "Acme") || !strings.Contains(h, "2019-08") {
					t.Errorf("print header: got %q, want the account and month", h)
				}
			})
			t.Run("no inline script and no untranslated message id", func(t *testing.T) {
				if n := doc.Find("script:not([src])").Length(); n != 0 {
					t.Errorf("the bill page has %d inline scripts", n)
				}
				if strings.Contains(doc.Find("body").Text(), "bills.") {
					t.Errorf("a message id shows instead of its text")
				}
			})
		})
	}
	if status["zh-CN"] != "已出账" || status["en"] != "Issued" {
		t.Errorf("R11 issued status: got zh-CN %q, en %q; want 已出账, Issued", status["zh-CN"], status["en"])
	}
}

func TestBillPageEstimateWhileTheMonthRuns(t *testing.T) {
	now := billAt(2019, 8, 20, 12, 0, 0)
	r, pkgs := billW1(now)
	b := billing.MakeBill(r.Month(billing.Month{Year: 2019, Month: time.August}), pkgs, now)
	got := map[string]string{}
	for _, lang := range []language.Tag{billZH, billEN} {
		doc, _ := billPage(t, lang, b)
		got[views.LangCode(lang)] = billText(t, doc, "bill-status")
		billCheck(t, "issue date", billText(t, doc, "issue-date"), "2019-09-01")
	}
	if got["zh-CN"] != "预估" || got["en"] != "Estimate" {
		t.Errorf("R11 estimate status: got zh-CN %q, en %q; want 预估, Estimate", got["zh-CN"], got["en"])
	}
}

func TestBillPageRefusedAndCleared(t *testing.T) {
	// W3: a trial only; 1,200 minutes on 2019-07-05 → 1,000 drawn, 200 refused.
	trial := billing.Package{ID: 1, OrderID: "RB20190701000001", Plan: billing.Trial,
		PurchasedAt: billAt(2019, 7, 1, 9, 0, 0), Included: 1_000, Price: decimal.Zero}
	s := billing.Session{ID: "s1", App: 1400000001, Room: "r1", User: "a",
		Joined: billAt(2019, 7, 5, 0, 0, 0), Left: billAt(2019, 7, 5, 20, 0, 0)}
	now := billAt(2019, 8, 2, 0, 0, 0)
	r := billing.Rate([]billing.Package{trial}, billing.SplitSession(nil, s, billing.MinInstant, now), now)
	b := billing.MakeBill(r.Month(billing.Month{Year: 2019, Month: time.July}), []billing.Package{trial}, now)
	doc, _ := billPage(t, billEN, b)
	billCheck(t, "R7 refused minutes", billText(t, doc, "refused-minutes"), "200")
	billCheck(t, "R10 amount due", billText(t, doc, "amount-due"), "0.00")
	if billByID(doc, "refused-note").Length() != 1 {
		t.Errorf("refused note: missing")
	}
	if n := doc.Find(`[data-testid="bill-chart"] rect.refused`).Length(); n != 1 {
		t.Errorf("refused bars: got %d, want 1", n)
	}
	if billByID(doc, "purchase-row").Length() != 0 || billByID(doc, "purchases-empty").Length() != 1 {
		t.Errorf("R4 the trial is not a purchase: got purchase rows")
	}

	// R9: the trial expires 2020-07-31 with 0 minutes left, a cleared row.
	exp := billAt(2020, 8, 1, 0, 0, 0)
	r = billing.Rate([]billing.Package{trial}, nil, exp)
	b = billing.MakeBill(r.Month(billing.Month{Year: 2020, Month: time.July}), []billing.Package{trial}, exp)
	doc, _ = billPage(t, billZH, b)
	rows := billByID(doc, "expired-row")
	if rows.Length() != 1 {
		t.Fatalf("R9 expired rows: got %d, want 1", rows.Length())
	}
	billCheck(t, "R9 expiry date", billText(t, rows, "expires-on"), "2020-07-31")
	billCheck(t, "R9 plan", billText(t, rows, "plan"), "试用包")
	billCheck(t, "R9 cleared minutes", billText(t, rows, "minutes"), "1,000")
	if billByID(doc, "bill-chart").Length() != 0 || billByID(doc, "bill-chart-empty").Length() != 1 {
		t.Errorf("a month without calls: got a chart, want the no-usage note")
	}
}

func TestBillsList(t *testing.T) {
	now := billAt(2019, 9, 3, 12, 0, 0)
	r, pkgs := billW1(now)
	var bills []billing.Bill
	for _, m := range []billing.Month{{Year: 2019, Month: time.September}, {Year: 2019, Month: time.August}, {Year: 2019, Month: time.July}} {
		bills = append(bills, billing.MakeBill(r.Month(m), pkgs, now))
	}
	meta := views.Meta{Title: "bills", Account: &views.AccountNav{ID: 1, Name: "Acme", Active: "bills"}}
	statuses := map[string]string{}
	for _, lang := range []language.Tag{billZH, billEN} {
		doc, _ := billRender(t, lang, views.Bills(views.NewBillsPage(meta, 1, "Acme", bills)))
		var months []string
		billByID(doc, "bills-table").Find("tbody tr").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("data-testid")
			months = append(months, id)
		})
		if want := []string{"bill-row-2019-09", "bill-row-2019-08", "bill-row-2019-07"}; !slices.Equal(months, want) {
			t.Errorf("rows: got %v, want %v (newest first)", months, want)
		}
		aug := billByID(doc, "bill-row-2019-08")
		billCheck(t, "August amount due", billText(t, aug, "amount-due"), "25.03")
		billCheck(t, "August overage", billText(t, aug, "overage-minutes"), "1,001")
		billCheck(t, "August usage", billText(t, aug, "usage-minutes"), "51,801")
		href, _ := billByID(aug, "bill-link").Attr("href")
		billCheck(t, "August link", href, "/accounts/1/bills/2019-08")
		jul := billByID(doc, "bill-row-2019-07")
		billCheck(t, "July amount due", billText(t, jul, "amount-due"), "0.00")
		statuses[views.LangCode(lang)] = billText(t, aug, "bill-status") + "/" +
			billText(t, billByID(doc, "bill-row-2019-09"), "bill-status")
		if billByID(doc, "bills-empty").Length() != 0 {
			t.Errorf("empty state shown with bills")
		}
	}
	billCheck(t, "zh-CN statuses", statuses["zh-CN"], "已出账/预估")
	billCheck(t, "en statuses", statuses["en"], "Issued/Estimate")

	t.Run("an account without bills says so", func(t *testing.T) {
		doc, _ := billRender(t, billZH, views.Bills(views.NewBillsPage(meta, 1, "Acme", nil)))
		if billByID(doc, "bills-empty").Length() != 1 || billByID(doc, "bills-table").Length() != 0 {
			t.Errorf("empty state: got no bills-empty or a table")
		}
	})
}

func TestBillChartLayout(t *testing.T) {
	feb := billing.Month{Year: 2020, Month: time.February}
	c := views.NewBillChart(feb, []billing.DayRating{
		{Day: billAt(2020, 2, 3, 0, 0, 0), CoveredSeconds: 600, RefusedSeconds: 60},
		{Day: billAt(2020, 2, 29, 0, 0, 0), CoveredSeconds: 30 * 60, OverageSeconds: 95 * 60},
	})
	if len(c.Days) != 29 {
		t.Errorf("R2 days of February 2020: got %d, want 29", len(c.Days))
	}
	if !c.HasRefused {
		t.Errorf("HasRefused: got false, want true")
	}
	last := c.Days[28]
	if len(last.Segments) != 2 || last.Segments[0].Class != "covered" || last.Segments[1].Class != "overage" {
		t.Fatalf("Feb 29 segments: got %+v, want covered then overage", last.Segments)
	}
	if top := last.Segments[1].Y; top < c.PlotTop-0.01 {
		t.Errorf("the tallest bar leaves the plot: top %v above %v", top, c.PlotTop)
	}
	if g := c.Gridlines; len(g) < 3 || len(g) > 7 || g[0].Label != "0" {
		t.Errorf("gridlines: got %+v, want 3 to 7 from 0", g)
	}
	if c.PeakDay != "2020-02-29" || c.PeakMinutes != "125" || c.TotalMinutes != "136" {
		t.Errorf("summary: got peak %s %s total %s, want 2020-02-29 125 136", c.PeakDay, c.PeakMinutes, c.TotalMinutes)
	}
	if c.Days[0].HasUsage() || !c.Days[2].HasUsage() {
		t.Errorf("bars: got Feb 1 %v, Feb 3 %v; want none, one", c.Days[0].HasUsage(), c.Days[2].HasUsage())
	}
}

func TestBillsCatalogueSpeaksBothLanguages(t *testing.T) {
	ids := views.MessageIDs()
	pick := func(lang string) []string {
		var out []string
		for _, id := range ids[lang] {
			if strings.HasPrefix(id, "bills.") {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	zh, e := pick("zh-CN"), pick("en")
	if len(zh) == 0 || !slices.Equal(zh, e) {
		t.Errorf("bills message ids: zh-CN has %d, billEN %d; they differ: %v",
			len(zh), len(e), billIDDiff(zh, e))
	}
}

func billIDDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

func billSel(id string) string { return `[data-testid="` + id + `"]` }

func TestBillPageNamesItsAppsOrdersAndCustomer(t *testing.T) {
	b := billW1August(t)
	acct := domain.Account{ID: 1, Name: "Acme", Email: "billing@acme.example"}
	apps := []domain.App{{SDKAppID: 1400000001, AccountID: 1, Name: "Classroom"}}
	pkgs := []billing.Package{{ID: 1, OrderID: "RB20190701000001", Plan: billing.Trial}, {ID: 2, OrderID: "RB20190801000002", Plan: billing.Starter}}
	for _, lang := range []language.Tag{billZH, billEN} {
		t.Run(views.LangCode(lang), func(t *testing.T) {
			meta := views.Meta{Title: "bill", Path: "/accounts/1/bills/2019-08", Account: &views.AccountNav{ID: 1, Name: "Acme", Active: "bills"}}
			p := views.NewBillPage(meta, lang, 1, "Acme", b)
			p.Describe(acct, apps, pkgs)
			doc, _ := billRender(t, lang, views.Bill(p))
			app := billByID(doc, "app-row")
			billCheck(t, "application name", billText(t, app, "app-name"), "Classroom")
			billCheck(t, "its SDKAppID beside it", billText(t, app, "sdk-app-id"), "1400000001")
			var orders []string
			billByID(doc, "deduction-row").Each(func(_ int, r *goquery.Selection) { orders = append(orders, billText(t, r, "order-id")) })
			billCheck(t, "deductions by order ID", strings.Join(orders, " "), "RB20190701000001 RB20190801000002")
			billCheck(t, "bill number", billText(t, doc, "bill-number"), "RBB201908000001")
			customer := billByID(doc, "bill-customer")
			if !customer.HasClass("print-only") {
				t.Errorf("the customer block is not for print")
			}
			for _, want := range []string{"Acme", "billing@acme.example", "RBB201908000001"} {
				if !strings.Contains(customer.Text(), want) {
					t.Errorf("customer block %q lacks %q", strings.Join(strings.Fields(customer.Text()), " "), want)
				}
			}
			print := billByID(doc, "print-button")
			if !print.Is("button[type=button][data-print][hidden]") || billByID(doc, "print-hint").Length() != 1 {
				t.Errorf("want a print button (shown by app.js) and the hint for a browser without JavaScript")
			}
		})
	}
}

func TestBillsListSaysWhereEachMonthStands(t *testing.T) {
	now := billAt(2019, 9, 7, 12, 0, 0) // past August's charge date (the 5th)
	r, pkgs := billW1(now)
	var bills []billing.Bill
	for _, m := range []billing.Month{{Year: 2019, Month: time.September}, {Year: 2019, Month: time.August}} {
		bills = append(bills, billing.MakeBill(r.Month(m), pkgs, now))
	}
	meta := views.Meta{Title: "bills", Account: &views.AccountNav{ID: 1, Name: "Acme", Active: "bills"}}
	for _, c := range []struct {
		at         time.Time
		aug, augAt string
	}{
		{billAt(2019, 9, 3, 12, 0, 0), "issued", "2019-09-05"},
		{now, "charged", "2019-09-05"},
	} {
		p := views.NewBillsPage(meta, 1, "Acme", bills)
		p.AsOf(c.at)
		doc, _ := billRender(t, billEN, views.Bills(p))
		aug := billByID(doc, "bill-row-2019-08")
		if got, _ := billByID(aug, "bill-stage").Attr("data-stage"); got != c.aug {
			t.Errorf("August at %s: stage %q, want %q", c.at.Format(time.DateOnly), got, c.aug)
		}
		if note := billText(t, aug, "bill-stage-note"); !strings.Contains(note, c.augAt) {
			t.Errorf("August at %s: note %q, want the charge date %s", c.at.Format(time.DateOnly), note, c.augAt)
		}
		sep := billByID(doc, "bill-row-2019-09")
		if got, _ := billByID(sep, "bill-stage").Attr("data-stage"); got != "estimate" {
			t.Errorf("September: stage %q, want estimate", got)
		}
		if note := billText(t, sep, "bill-stage-note"); !strings.Contains(note, "2019-10-01") {
			t.Errorf("September: note %q, want its issue date 2019-10-01", note)
		}
		// On a phone each month is a card whose amount due comes first.
		if due := billByID(aug, "amount-due"); !due.HasClass("card-first") || due.AttrOr("data-label", "") == "" {
			t.Errorf("the amount due is not first in the month's card")
		}
	}
}
