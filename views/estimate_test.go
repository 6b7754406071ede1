package views_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"

	"rtcbill/billing"
	"rtcbill/views"
)

var estimateLangs = []struct {
	name string
	tag  language.Tag
}{{"zh-CN", language.MustParse("zh-CN")}, {"en", language.English}}

// estimateDoc renders the estimator page in lang and parses it; a message
// id the catalogue lacks would print as itself, so none may show.
func estimateDoc(t *testing.T, lang language.Tag, p views.EstimatePage) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := views.EstimatePageView(p).Render(views.WithLang(context.Background(), lang), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	if m := regexp.MustCompile(`\bestimate\.[a-z_]+\.?[a-z_.]*`).FindString(html); m != "" {
		t.Errorf("the page shows the message id %q: the catalogue lacks it", m)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return doc, html
}

func estimateByID(s interface {
	Find(string) *goquery.Selection
}, id string) *goquery.Selection {
	return s.Find(`[data-testid="` + id + `"]`)
}

func estimateSquash(s string) string { return strings.Join(strings.Fields(s), " ") }

// estimatePage asks the estimator as the handler does and builds the page.
func estimatePage(t *testing.T, lang language.Tag, form views.EstimateForm, in billing.EstimateInput) views.EstimatePage {
	t.Helper()
	est, alts, err := billing.Optimize(in)
	if err != nil {
		t.Fatalf("Optimize: %v", err)
	}
	r := views.NewEstimateResult(lang, form, in, est, alts)
	return views.EstimatePage{Meta: views.Meta{Title: "estimate", Path: "/estimate"}, Form: form, Asked: true, Result: &r}
}

var estimateNov2026 = billing.Month{Year: 2026, Month: time.November}

func TestEstimatePageShowsTheHundredThousandMinutesExample(t *testing.T) {
	form := views.EstimateForm{Basis: views.EstimateByMinutes, MinutesPerMonth: "100000", Months: "12", Start: "2026-11"}
	in := billing.EstimateInput{Start: estimateNov2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("100000")}
	want := map[string]struct{ starter, rate string }{
		"zh-CN": {"1 × 入门包", "0.025"},
		"en":    {"1 × Starter", "0.025"},
	}
	for _, l := range estimateLangs {
		t.Run(l.name, func(t *testing.T) {
			doc, html := estimateDoc(t, l.tag, estimatePage(t, l.tag, form, in))

			if got := doc.Find("#minutes_per_month").AttrOr("value", ""); got != "100000" {
				t.Errorf("minutes per month kept: got %q, want 100000", got)
			}
			if got := doc.Find("#months").AttrOr("value", ""); got != "12" {
				t.Errorf("months kept: got %q, want 12", got)
			}
			if _, checked := doc.Find("#basis-minutes").Attr("checked"); !checked {
				t.Error("the minutes-per-month basis is not the chosen one")
			}
			if got := estimateSquash(estimateByID(doc, "estimate-total").Text()); !strings.Contains(got, "32,438.00") {
				t.Errorf("total: got %q, want 32,438.00", got)
			}
			if got := estimateSquash(estimateByID(doc, "estimate-overage").Text()); !strings.Contains(got, "1,150,000") {
				t.Errorf("overage: got %q, want 1,150,000 minutes", got)
			}
			if got := estimateSquash(estimateByID(doc, "estimate-price-per-minute").Text()); !strings.Contains(got, "0.0270") {
				t.Errorf("price per minute: got %q, want 0.0270", got)
			}
			blocks := estimateByID(doc, "estimate-block")
			if blocks.Length() != 1 {
				t.Fatalf("got %d periods, want 1", blocks.Length())
			}
			if got := estimateSquash(estimateByID(blocks, "block-packages").Text()); !strings.HasPrefix(got, want[l.name].starter) {
				t.Errorf("period 1 buys %q, want %s", got, want[l.name].starter)
			}

			// The alternatives, cheapest first, with what the optimum saves.
			alts := estimateByID(doc, "alternative")
			if alts.Length() != 7 {
				t.Errorf("got %d alternatives, want 7 (one and cover of each plan; cover:premium is one:premium here)", alts.Length())
			}
			if got := alts.First().AttrOr("data-label", ""); got != "one:starter" {
				t.Errorf("cheapest alternative: got %q, want one:starter", got)
			}
			standard := doc.Find(`[data-testid="alternative"][data-label="one:standard"]`)
			if got := estimateSquash(estimateByID(standard, "alt-saving").Text()); got != "+1,000.00" {
				t.Errorf("one standard costs more by %q, want +1,000.00", got)
			}

			// An honest explanation: the overage rate against the packages.
			if got := estimateByID(doc, "estimate-explanation").Text(); !strings.Contains(got, want[l.name].rate) || !strings.Contains(got, "0.0246") {
				t.Errorf("explanation lacks the overage rate and Premium's price per minute: %q", estimateSquash(got))
			}

			// The chart: one path per simple plan and one for the optimum.
			chart := estimateByID(doc, "breakeven-chart")
			if chart.Length() != 1 {
				t.Fatalf("got %d break-even charts, want 1", chart.Length())
			}
			var labels []string
			estimateByID(chart, "breakeven-line").Each(func(_ int, s *goquery.Selection) {
				labels = append(labels, s.AttrOr("data-label", ""))
				if d := s.AttrOr("d", ""); strings.Count(d, "L") < 40 {
					t.Errorf("line %s has %d segments, want at least 40", s.AttrOr("data-label", ""), strings.Count(d, "L"))
				}
			})
			if got, want := strings.Join(labels, " "), "optimum one:starter one:standard one:enterprise one:premium cover:premium"; got != want {
				t.Errorf("chart lines: got %q, want %q", got, want)
			}
			if estimateByID(chart, "breakeven-marker").Length() != 1 {
				t.Error("the chart has no marker at the prospect's usage")
			}
			if n := estimateByID(doc, "breakeven-legend").Find(".be-swatch").Length(); n != 7 {
				t.Errorf("legend: got %d entries, want 7 (six lines and the marker)", n)
			}
			rows := estimateByID(doc, "breakeven-point-row")
			if rows.Length() < 2 || !strings.Contains(rows.Eq(1).Text(), "238,167") {
				t.Errorf("break-even points: want one Premium cheapest from 238,167 minutes a month, got %q", estimateSquash(rows.Text()))
			}

			// The CSP allows no inline style or script; htmx must not inject its style.
			if doc.Find("[style]").Length() > 0 || doc.Find("style").Length() > 0 {
				t.Error("the page carries inline style")
			}
			doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				if s.AttrOr("src", "") == "" {
					t.Errorf("inline script: %s", s.Text())
				}
			})
			if doc.Find(`script[src="/static/vendor/htmx-2.0.11.min.js"][defer]`).Length() != 1 {
				t.Error("the page does not load htmx")
			}
			if cfg := doc.Find(`meta[name="htmx-config"]`).AttrOr("content", ""); !strings.Contains(cfg, `"includeIndicatorStyles":false`) {
				t.Errorf("htmx-config: got %q, want includeIndicatorStyles false", cfg)
			}
			form := estimateByID(doc, "estimate-form")
			for attr, want := range map[string]string{"method": "get", "action": "/estimate", "hx-get": "/estimate",
				"hx-target": "#estimate-result", "hx-select": "#estimate-result", "hx-swap": "outerHTML",
				"hx-push-url": "true", "hx-trigger": "change, submit"} {
				if got := form.AttrOr(attr, ""); got != want {
					t.Errorf("form %s: got %q, want %q", attr, got, want)
				}
			}
			if !strings.Contains(html, `id="estimate-result"`) {
				t.Error("no #estimate-result for htmx to swap")
			}
		})
	}
}

func TestEstimatePageUsersAndFeatures(t *testing.T) {
	// 200 users × 30 minutes × 22 days = 132,000 minutes a month, with the
	// whiteboard: Standard or up in each of the two periods (R12).
	form := views.EstimateForm{Basis: views.EstimateByUsers, Users: "200", MinutesPerUserPerDay: "30", DaysPerMonth: "22",
		Months: "18", Start: "2026-11", NewCustomer: true, Features: []string{"whiteboard_sdk"}}
	in := billing.EstimateInput{Start: estimateNov2026, Months: 18, MonthlyMinutes: decimal.RequireFromString("132000"),
		NewCustomer: true, Features: []billing.Feature{billing.FeatureWhiteboardSDK}}
	for _, l := range estimateLangs {
		t.Run(l.name, func(t *testing.T) {
			doc, _ := estimateDoc(t, l.tag, estimatePage(t, l.tag, form, in))
			if _, checked := doc.Find("#basis-users").Attr("checked"); !checked {
				t.Error("the users basis is not the chosen one")
			}
			if _, checked := doc.Find("#feature-whiteboard_sdk").Attr("checked"); !checked {
				t.Error("the whiteboard box is not ticked")
			}
			if _, checked := doc.Find("#new_customer").Attr("checked"); !checked {
				t.Error("the new customer box is not ticked")
			}
			asked := estimateSquash(estimateByID(doc, "estimate-asked").Text())
			if !strings.Contains(asked, "200") || !strings.Contains(asked, "132,000") {
				t.Errorf("the usage sentence does not say users × minutes × days: %q", asked)
			}
			blocks := estimateByID(doc, "estimate-block")
			if blocks.Length() != 2 {
				t.Fatalf("got %d periods, want 2 (12 + 6 months)", blocks.Length())
			}
			standard := views.PlanNameByCode(l.tag, billing.Standard)
			blocks.Each(func(i int, b *goquery.Selection) {
				if got := estimateSquash(estimateByID(b, "block-packages").Text()); !strings.Contains(got, standard) {
					t.Errorf("period %d buys %q, want a %s for the whiteboard", i+1, got, standard)
				}
			})
			starter := doc.Find(`[data-testid="alternative"][data-label="one:starter"]`)
			if estimateByID(starter, "alt-features").Find(".estimate-lacks").Length() != 1 {
				t.Error("one Starter per period is not marked as lacking the whiteboard")
			}
			if n := estimateByID(doc, "breakeven-line").Length(); n != 6 {
				t.Errorf("got %d chart lines, want 6", n)
			}
		})
	}
}

func TestEstimatePageKeepsRejectedInputWithItsMessage(t *testing.T) {
	form := views.EstimateForm{Basis: views.EstimateByMinutes, MinutesPerMonth: "lots", Months: "37", Start: "2026-11",
		Errors: map[string]views.EstimateText{
			"minutes_per_month": {ID: "estimate.error.number"},
			"months":            {ID: "estimate.error.months"},
		}}
	for _, l := range estimateLangs {
		t.Run(l.name, func(t *testing.T) {
			doc, _ := estimateDoc(t, l.tag, views.EstimatePage{Meta: views.Meta{Title: "estimate"}, Form: form, Asked: true})
			if got := doc.Find("#minutes_per_month").AttrOr("value", ""); got != "lots" {
				t.Errorf("rejected input kept: got %q, want lots", got)
			}
			if got := doc.Find("#months").AttrOr("aria-describedby", ""); got != "err-months" {
				t.Errorf("months aria-describedby: got %q, want err-months", got)
			}
			if got := estimateSquash(estimateByID(doc, "error-months").Text()); got == "" {
				t.Error("no message next to months")
			}
			// app.css marks an input by its slot's :empty, so a fine field's
			// slot must hold nothing, not even a space.
			if slot := doc.Find("#err-start"); slot.Length() != 1 || slot.Nodes[0].FirstChild != nil {
				t.Errorf("start was fine but its message slot holds %q", slot.Text())
			}
			if n := estimateByID(doc, "estimate-errors").Find("li").Length(); n != 2 {
				t.Errorf("error summary: got %d items, want 2", n)
			}
			if estimateByID(doc, "estimate-total").Length() != 0 {
				t.Error("a rejected input shows a result")
			}
		})
	}
}

func TestEstimatePageFirstVisitShowsTheFormAlone(t *testing.T) {
	doc, _ := estimateDoc(t, language.English, views.EstimatePage{Meta: views.Meta{Title: "estimate"},
		Form: views.EstimateForm{Basis: views.EstimateByMinutes, Months: "12", Start: "2026-11"}})
	if estimateByID(doc, "estimate-intro").Length() != 1 || estimateByID(doc, "estimate-errors").Length() != 0 {
		t.Error("a first visit should show the introduction and no complaints")
	}
}

// The break-even points are exact: one minute less and the cheapest plan
// is still the one before.
func TestBreakevenPointsAreExact(t *testing.T) {
	in := billing.EstimateInput{Start: estimateNov2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("100000")}
	est, _, err := billing.Optimize(in)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := views.NewBreakevenChart(language.English, in, est)
	if !ok {
		t.Fatal("no chart")
	}
	if got := c.XMax; got != "1,000,000" {
		t.Errorf("x axis ends at %s, want 1,000,000 (twice the input is less)", got)
	}
	if len(c.Points) < 3 {
		t.Fatalf("got %d break-even points, want at least 3", len(c.Points))
	}
	if c.Points[0].Minutes != "0" || c.Points[0].Packages != "1 × Starter" {
		t.Errorf("from zero: got %+v, want 1 × Starter", c.Points[0])
	}
	for _, p := range c.Points[1:] {
		n, _ := decimal.NewFromString(strings.ReplaceAll(p.Minutes, ",", ""))
		at := in
		at.MonthlyMinutes = n
		here, _, _ := billing.Optimize(at)
		at.MonthlyMinutes = n.Sub(decimal.NewFromInt(1))
		before, _, _ := billing.Optimize(at)
		if here.Blocks[0].Packages[0] == before.Blocks[0].Packages[0] {
			t.Errorf("at %s minutes the cheapest plan %v is the same as one minute before", p.Minutes, here.Blocks[0].Packages)
		}
	}
}

// An honest explanation: a Premium held for 1V1 support (R12) is not said
// to be cheaper than overage, and a period that buys nothing says why (R5).
func TestEstimateExplanationSaysWhy(t *testing.T) {
	cases := []struct {
		name     string
		in       billing.EstimateInput
		has, not []string
	}{
		{"R12 a Premium for the 1V1 support, not for its minutes",
			billing.EstimateInput{Start: estimateNov2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("10000"),
				Features: []billing.Feature{billing.FeatureDedicatedSupport}},
			[]string{"need Premium or a larger package in every period.", "Period 1 needs a paid package"},
			[]string{"costs less than the same minutes as overage"}},
		{"R5 the second period buys nothing: the account stays active",
			billing.EstimateInput{Start: estimateNov2026, Months: 24, MonthlyMinutes: decimal.RequireFromString("100000")},
			[]string{"Period 2 buys nothing", "the account stays active", "1 × Starter"},
			nil},
		{"a Premium that pays for itself",
			billing.EstimateInput{Start: estimateNov2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("300000")},
			[]string{"buying 1 × Premium costs less than the same minutes as overage"},
			[]string{"Period 1 still needs a paid package"}},
		{"R3 what a period leaves covers the next period's first month",
			billing.EstimateInput{Start: estimateNov2026, Months: 13, MonthlyMinutes: decimal.RequireFromString("200000"),
				Features: []billing.Feature{billing.FeatureDedicatedSupport}},
			[]string{"covers 200,000 minutes of period 2's first month"},
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := views.EstimateForm{Basis: views.EstimateByMinutes, MinutesPerMonth: c.in.MonthlyMinutes.String()}
			doc, _ := estimateDoc(t, language.English, estimatePage(t, language.English, form, c.in))
			got := estimateSquash(estimateByID(doc, "estimate-explanation").Text())
			for _, want := range c.has {
				if !strings.Contains(got, want) {
					t.Errorf("explanation lacks %q: %s", want, got)
				}
			}
			for _, bad := range c.not {
				if strings.Contains(got, bad) {
					t.Errorf("explanation says %q: %s", bad, got)
				}
			}
		})
	}
}

// The page says what the trial alone would do for a new customer (R4, R5),
// as the API's trial object does, in both languages; figures as in
// billing/estimate_test.go, where their arithmetic is written out.
func TestEstimatePageTrial(t *testing.T) {
	jan2026 := billing.Month{Year: 2026, Month: time.January}
	cases := []struct {
		name           string
		in             billing.EstimateInput
		total          string
		coversAll      string // "" when the page has no trial section
		runsOut        string
		refused        string
		period1        map[string]string // what period 1's cell says, by language
		asked, explain map[string]string
	}{
		{"R4 R5 the trial covers the usage: nothing to buy",
			billing.EstimateInput{Start: jan2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("80"), NewCustomer: true},
			"0.00", "true", "", "0",
			map[string]string{"zh-CN": "不购买：由试用包覆盖", "en": "None: the trial covers it"},
			nil,
			map[string]string{"zh-CN": "试用包覆盖该期全部 960 分钟", "en": "the trial covers all its 960 minutes"}},
		{"R5 the trial runs out in July: a Starter keeps the service running",
			billing.EstimateInput{Start: jan2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("150"), NewCustomer: true},
			"3,688.00", "false", "2026-07", "800",
			map[string]string{"zh-CN": "1 × 入门包", "en": "1 × Starter"},
			nil, nil},
		{"R3 R5 the trial covers period 1 and month 13: a Starter from period 2",
			billing.EstimateInput{Start: jan2026, Months: 24, MonthlyMinutes: decimal.RequireFromString("50"), NewCustomer: true},
			"3,688.00", "false", "2027-01", "550",
			map[string]string{"zh-CN": "不购买：由试用包覆盖", "en": "None: the trial covers it"},
			nil,
			map[string]string{"zh-CN": "试用包在首月 1 日发放，有效期至第 13 个月月底：它先于该期自己的套餐包抵扣了第 2 期首月的 50 分钟",
				"en": "stays valid to the end of month 13: it covers 50 minutes of period 2's first month"}},
		{"R4 no trial before 2019-06-01",
			billing.EstimateInput{Start: billing.Month{Year: 2019, Month: time.May}, Months: 12, MonthlyMinutes: decimal.RequireFromString("60000"), NewCustomer: true},
			"20,438.00", "false", "2019-05", "720,000",
			map[string]string{"zh-CN": "1 × 入门包", "en": "1 × Starter"},
			map[string]string{"zh-CN": "没有试用包", "en": "no trial"}, nil},
		{"a customer who is not new has no trial section",
			billing.EstimateInput{Start: jan2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("80")},
			"3,688.00", "", "", "",
			map[string]string{"zh-CN": "1 × 入门包", "en": "1 × Starter"},
			nil, nil},
		{"R3 R12 month 13 is held by period 1's Standard",
			billing.EstimateInput{Start: jan2026, Months: 13, MonthlyMinutes: decimal.RequireFromString("100000"),
				Features: []billing.Feature{billing.FeatureWhiteboardSDK}},
			"35,938.00", "", "", "",
			map[string]string{"zh-CN": "1 × 标准包", "en": "1 × Standard"},
			nil,
			map[string]string{"zh-CN": "第 2 期无需为所需功能购买套餐包", "en": "Period 2 needs no package for the required features"}},
	}
	for _, c := range cases {
		for _, l := range estimateLangs {
			t.Run(c.name+" "+l.name, func(t *testing.T) {
				form := views.EstimateForm{Basis: views.EstimateByMinutes, MinutesPerMonth: c.in.MonthlyMinutes.String(), NewCustomer: c.in.NewCustomer}
				doc, _ := estimateDoc(t, l.tag, estimatePage(t, l.tag, form, c.in))
				if got := estimateSquash(estimateByID(doc, "estimate-total").Text()); !strings.Contains(got, c.total) {
					t.Errorf("total: got %q, want %s", got, c.total)
				}
				if got := estimateSquash(estimateByID(doc, "block-packages").First().Text()); !strings.Contains(got, c.period1[l.name]) {
					t.Errorf("period 1: got %q, want %q", got, c.period1[l.name])
				}
				trial := estimateByID(doc, "estimate-trial")
				if c.coversAll == "" {
					if trial.Length() != 0 {
						t.Errorf("a trial section for a customer who is not new: %q", estimateSquash(trial.Text()))
					}
				} else {
					if trial.Length() != 1 {
						t.Fatal("no trial section for a new customer")
					}
					if got := estimateByID(trial, "trial-covers-all").AttrOr("data-value", "?"); got != c.coversAll {
						t.Errorf("covers all: got %s, want %s", got, c.coversAll)
					}
					if got := estimateByID(trial, "trial-runs-out").AttrOr("data-value", "?"); got != c.runsOut {
						t.Errorf("runs out: got %q, want %q", got, c.runsOut)
					}
					if got := estimateSquash(estimateByID(trial, "trial-refused").Text()); !strings.HasPrefix(got, c.refused+" ") {
						t.Errorf("refused without a purchase: got %q, want %s minutes", got, c.refused)
					}
					if estimateSquash(estimateByID(trial, "trial-summary").Text()) == "" {
						t.Error("the trial section says nothing")
					}
				}
				if want := c.asked[l.name]; want != "" {
					if got := estimateSquash(estimateByID(doc, "estimate-asked").Text()); !strings.Contains(got, want) {
						t.Errorf("the question restated: got %q, want it to say %q", got, want)
					}
				}
				if want := c.explain[l.name]; want != "" {
					if got := estimateSquash(estimateByID(doc, "estimate-explanation").Text()); !strings.Contains(got, want) {
						t.Errorf("explanation: got %q, want it to say %q", got, want)
					}
				}
			})
		}
	}
}
