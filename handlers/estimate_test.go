package handlers_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"
)

// estimate asks GET /api/v1/estimate without a token (it needs none) and
// wants status back.
func (env *env) estimate(query string, want int) map[string]any {
	env.t.Helper()
	rec := env.do(req{method: "GET", path: "/api/v1/estimate?" + query, token: noToken()})
	if rec.Code != want {
		env.t.Fatalf("GET /api/v1/estimate?%s: got status %d, want %d; body %s", query, rec.Code, want, rec.Body.String())
	}
	return decodeObject(env.t, rec.Body.Bytes())
}

func TestEstimateAPIHundredThousandMinutesAMonth(t *testing.T) {
	// api.md's example and the issue's: one Starter (R5: it turns postpaid
	// overage on) and 1,150,000 overage minutes, 32,438.00 CNY.
	env := newEnv(t)
	b := env.estimate("minutes_per_month=100000&months=12", http.StatusOK)
	wantStr(t, b, "total", "32438.00")
	wantInt(t, b, "overage_minutes", 1_150_000)
	wantStr(t, b, "overage_fee", "28750.00")
	wantStr(t, b, "price_per_minute", "0.0270")
	wantStr(t, b, "packages_cost", "3688.00")
	wantInt(t, b, "usage_minutes", 1_200_000)
	wantInt(t, b, "months", 12)
	wantStr(t, b, "start", "2026-11") // the current CST month of the test clock
	wantLen(t, b, "monthly_usage", 12)
	wantInt(t, b, "monthly_usage.11", 100_000)
	wantLen(t, b, "features", 0)
	if v, ok := at(t, b, "new_customer").(bool); !ok || v {
		t.Errorf("new_customer: got %v, want false", at(t, b, "new_customer"))
	}
	wantLen(t, b, "blocks", 1)
	wantInt(t, b, "blocks.0.start_month", 1)
	wantLen(t, b, "blocks.0.packages", 1)
	wantStr(t, b, "blocks.0.packages.0.plan", "starter")
	wantInt(t, b, "blocks.0.packages.0.count", 1)
	wantStr(t, b, "blocks.0.month", "2026-11")
	wantInt(t, b, "blocks.0.months", 12)
	wantInt(t, b, "blocks.0.carried_in_minutes", 0)
	wantInt(t, b, "blocks.0.overage_minutes", 1_150_000)

	alts := listAt(t, b, "alternatives")
	if len(alts) == 0 {
		t.Fatal("no alternatives")
	}
	byLabel := map[string]any{}
	for i := range alts {
		a := alts[i]
		label := strAt(t, a, "label")
		byLabel[label] = a
		kind, plan, _ := strings.Cut(label, ":")
		wantStr(t, a, "kind", kind)
		wantStr(t, a, "plan", plan)
		if _, ok := at(t, a, "meets_features").(bool); !ok {
			t.Errorf("%s meets_features: got %v, want a JSON boolean", label, at(t, a, "meets_features"))
		}
		if strings.HasPrefix(strAt(t, a, "saving"), "-") {
			t.Errorf("%s is cheaper than the optimum: saving %s", label, strAt(t, a, "saving"))
		}
		wantInt(t, a, "blocks.0.start_month", 1)
	}
	for label, want := range map[string][2]string{
		"one:starter":  {"32438.00", "0.00"},
		"one:standard": {"33438.00", "1000.00"},
		"one:premium":  {"73888.00", "41450.00"},
	} {
		a, ok := byLabel[label]
		if !ok {
			t.Errorf("no alternative %s among %v", label, keys(byLabel))
			continue
		}
		wantStr(t, a, "total", want[0])
		wantStr(t, a, "saving", want[1])
	}
}

func TestEstimateAPIMoneyIsAlwaysAString(t *testing.T) {
	env := newEnv(t)
	b := env.estimate("minutes_per_month=100000&months=24&growth_pct=2.5&new_customer=true", http.StatusOK)
	for _, k := range []string{"total", "overage_fee", "price_per_minute", "packages_cost",
		"blocks.0.packages_cost", "blocks.0.overage_fee", "blocks.1.packages_cost", "blocks.1.overage_fee",
		"alternatives.0.total", "alternatives.0.saving", "alternatives.0.blocks.0.overage_fee"} {
		strAt(t, b, k) // fails unless a JSON string
	}
	for _, k := range []string{"overage_minutes", "usage_minutes", "blocks.0.usage_minutes", "blocks.1.carried_in_minutes"} {
		intAt(t, b, k) // minutes are integers
	}
}

func TestEstimateAPIUsage(t *testing.T) {
	env := newEnv(t)
	cases := []struct {
		name, query string
		first       int64
	}{
		{"users × minutes per user per day × days per month", "users=200&minutes_per_user_per_day=30&days_per_month=22", 132_000},
		{"decimals allowed, rounded up to a minute (R8)", "users=10.5&minutes_per_user_per_day=10.1&days_per_month=3", 319},
		{"grouped digits as people type them", "minutes_per_month=100,000", 100_000},
		{"basis chooses when both are given", "basis=users&minutes_per_month=5&users=2&minutes_per_user_per_day=3&days_per_month=4", 24},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantInt(t, env.estimate(c.query, http.StatusOK), "monthly_usage.0", c.first)
		})
	}
	t.Run("growth compounds monthly", func(t *testing.T) {
		b := env.estimate("minutes_per_month=1000&months=3&growth_pct=10&start=2027-01", http.StatusOK)
		wantInt(t, b, "monthly_usage.1", 1_100)
		wantInt(t, b, "monthly_usage.2", 1_210)
		wantStr(t, b, "start", "2027-01")
		wantStr(t, b, "blocks.0.month", "2027-01")
	})
	t.Run("R4 a new customer's trial saves 1,000 overage minutes", func(t *testing.T) {
		plain := env.estimate("minutes_per_month=60000&months=12", http.StatusOK)
		trial := env.estimate("minutes_per_month=60000&months=12&new_customer=true", http.StatusOK)
		saving := decimal.RequireFromString(strAt(t, plain, "total")).Sub(decimal.RequireFromString(strAt(t, trial, "total")))
		if !saving.Equal(decimal.RequireFromString("25")) {
			t.Errorf("the trial saves %s CNY, want 25.00 (1,000 minutes × 0.025)", saving)
		}
	})
}

func TestEstimateAPIFeatures(t *testing.T) {
	env := newEnv(t)
	cases := []struct {
		name, query, plan string
		features          int
	}{
		{"R12 the whiteboard needs Standard", "minutes_per_month=10000&features=whiteboard_sdk", "standard", 1},
		{"R12 1V1 support needs Premium", "minutes_per_month=10000&features=dedicated_support", "premium", 1},
		{"api.md's example: comma-separated", "minutes_per_month=10000&months=12&growth_pct=0&new_customer=false&features=whiteboard_sdk,dedicated_support", "premium", 2},
		{"repeated, with group support", "minutes_per_month=10000&features=group_support&features=whiteboard_sdk", "standard", 2},
		{"demo source comes with every package", "minutes_per_month=10000&features=demo_source", "starter", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := env.estimate(c.query, http.StatusOK)
			wantStr(t, b, "blocks.0.packages.0.plan", c.plan)
			wantLen(t, b, "features", c.features)
			for _, a := range listAt(t, b, "alternatives") {
				if strAt(t, a, "plan") == "starter" && c.plan != "starter" {
					if v, _ := at(t, a, "meets_features").(bool); v {
						t.Errorf("%s meets features it lacks", strAt(t, a, "label"))
					}
				}
			}
		})
	}
	t.Run("R12 in every period, not only the first", func(t *testing.T) {
		b := env.estimate("minutes_per_month=10000&months=18&features=whiteboard_sdk", http.StatusOK)
		wantLen(t, b, "blocks", 2)
		wantInt(t, b, "blocks.1.start_month", 13)
		wantStr(t, b, "blocks.1.packages.0.plan", "standard")
	})
}

func TestEstimateAPIRejectsBadInput(t *testing.T) {
	env := newEnv(t)
	cases := []struct {
		name, query, field string
	}{
		{"months 0", "minutes_per_month=1000&months=0", "months"},
		{"months 37", "minutes_per_month=1000&months=37", "months"},
		{"months not a number", "minutes_per_month=1000&months=twelve", "months"},
		{"negative minutes", "minutes_per_month=-1", "minutes_per_month"},
		{"minutes not a number", "minutes_per_month=lots", "minutes_per_month"},
		{"no exponents", "minutes_per_month=1e9", "minutes_per_month"},
		{"unknown feature", "minutes_per_month=1000&features=bogus", "features"},
		{"unknown feature among good ones", "minutes_per_month=1000&features=whiteboard_sdk,bogus", "features"},
		{"no usage given", "months=12", "minutes_per_month"},
		{"nothing at all", "", "minutes_per_month"},
		{"both ways without a basis", "minutes_per_month=1000&users=3&minutes_per_user_per_day=4&days_per_month=5", "minutes_per_month"},
		{"users without days", "users=3&minutes_per_user_per_day=4", "days_per_month"},
		{"more minutes than a day has", "users=3&minutes_per_user_per_day=1441&days_per_month=5", "minutes_per_user_per_day"},
		{"more days than a month has", "users=3&minutes_per_user_per_day=4&days_per_month=32", "days_per_month"},
		{"unknown basis", "basis=seats&minutes_per_month=1000", "basis"},
		{"growth of -100%", "minutes_per_month=1000&growth_pct=-100", "growth_pct"},
		{"bad start month", "minutes_per_month=1000&start=2026-13", "start"},
		{"bad new_customer", "minutes_per_month=1000&new_customer=maybe", "new_customer"},
		{"too large for the estimator", "minutes_per_month=600000000", "minutes_per_month"},
		{"growth makes it too large", "minutes_per_month=1000000&months=36&growth_pct=50", "growth_pct"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := env.estimate(c.query, http.StatusUnprocessableEntity)
			wantStr(t, b, "error.code", "validation_failed")
			wantStr(t, b, "error.field", c.field)
			if strAt(t, b, "error.message") == "" {
				t.Error("no message")
			}
		})
	}
}

// estimatePage gets the estimator page in English, as a visitor.
func estimatePage(t *testing.T, env *env, query string, headers map[string]string) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	h := map[string]string{"Accept-Language": "en"}
	for k, v := range headers {
		h[k] = v
	}
	rec := env.do(req{method: "GET", path: "/estimate?" + query, token: noToken(), headers: h})
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return rec, doc
}

func TestEstimatePage(t *testing.T) {
	env := newEnv(t)
	t.Run("the example, with the form kept and the result", func(t *testing.T) {
		rec, doc := estimatePage(t, env, "minutes_per_month=100000&months=12", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("got status %d, want 200", rec.Code)
		}
		if got := doc.Find("#minutes_per_month").AttrOr("value", ""); got != "100000" {
			t.Errorf("minutes kept: got %q", got)
		}
		if got := doc.Find("#start").AttrOr("value", ""); got != "2026-11" {
			t.Errorf("start defaults to the current CST month: got %q, want 2026-11", got)
		}
		if got := doc.Find(`[data-testid="estimate-total"]`).Text(); !strings.Contains(got, "32,438.00") {
			t.Errorf("total: got %q, want 32,438.00", strings.Join(strings.Fields(got), " "))
		}
		if got := doc.Find(`[data-testid="block-packages"]`).Text(); !strings.Contains(got, "1 × Starter") {
			t.Errorf("period 1: got %q, want 1 × Starter", strings.Join(strings.Fields(got), " "))
		}
		if doc.Find(`[data-testid="breakeven-chart"] path[data-testid="breakeven-line"]`).Length() != 6 {
			t.Error("the chart does not have six lines")
		}
		if doc.Find(`[data-testid="nav-estimate"]`).Length() != 1 {
			t.Error("no link to the estimator in the header")
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP: got %q", csp)
		}
	})
	t.Run("htmx gets the whole page and picks the result", func(t *testing.T) {
		rec, doc := estimatePage(t, env, "minutes_per_month=100000&months=12", map[string]string{"HX-Request": "true"})
		if rec.Code != http.StatusOK || doc.Find("#estimate-result").Length() != 1 || doc.Find("form").Length() == 0 {
			t.Errorf("got status %d and a page without the result or form", rec.Code)
		}
	})
	t.Run("a bad input: 422, the input kept, the message beside it", func(t *testing.T) {
		rec, doc := estimatePage(t, env, "minutes_per_month=100000&months=37&features=whiteboard_sdk", nil)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got status %d, want 422", rec.Code)
		}
		if got := doc.Find("#months").AttrOr("value", ""); got != "37" {
			t.Errorf("months kept: got %q, want 37", got)
		}
		if got := strings.TrimSpace(doc.Find(`[data-testid="error-months"]`).Text()); got == "" {
			t.Error("no message beside months")
		}
		if _, ok := doc.Find("#feature-whiteboard_sdk").Attr("checked"); !ok {
			t.Error("the ticked feature was lost")
		}
		if doc.Find(`[data-testid="estimate-total"]`).Length() != 0 {
			t.Error("a result shows for a rejected input")
		}
	})
	t.Run("a first visit: the form alone, no complaint", func(t *testing.T) {
		rec, doc := estimatePage(t, env, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("got status %d, want 200", rec.Code)
		}
		if doc.Find(`[data-testid="estimate-intro"]`).Length() != 1 || doc.Find(`[data-testid="estimate-errors"]`).Length() != 0 {
			t.Error("want the introduction and no errors")
		}
	})
	t.Run("Chinese by default", func(t *testing.T) {
		rec := env.do(req{method: "GET", path: "/estimate?minutes_per_month=100000", token: noToken()})
		if !strings.Contains(rec.Body.String(), "1 × 入门包") {
			t.Error("the page does not name the Starter 入门包")
		}
	})
}

// The answer's trial object (api.md): what a new customer's trial alone
// would do, null for a customer who is not new. Figures as in
// billing/estimate_test.go, where their arithmetic is written out.
func TestEstimateAPITrial(t *testing.T) {
	env := newEnv(t)
	trialKeys := func(t *testing.T, b map[string]any) map[string]any {
		t.Helper()
		tr, ok := at(t, b, "trial").(map[string]any)
		if !ok {
			t.Fatalf("trial: got %v, want an object", at(t, b, "trial"))
		}
		if got := strings.Join(slices.Sorted(maps.Keys(tr)), ","); got != "covers_all,refused_minutes_without_purchase,runs_out_month" {
			t.Errorf("trial keys: got %s", got)
		}
		return tr
	}
	t.Run("null for a customer who is not new", func(t *testing.T) {
		b := env.estimate("minutes_per_month=80&months=12&start=2026-01", http.StatusOK)
		if v := at(t, b, "trial"); v != nil {
			t.Errorf("trial: got %v, want null", v)
		}
		wantStr(t, b, "blocks.0.packages.0.plan", "starter") // R5: closed until it buys
	})
	t.Run("R4 R5 nothing to buy when the trial covers the usage", func(t *testing.T) {
		// 12 × 80 = 960 minutes ≤ 1,000; 40 left at the horizon's end.
		b := env.estimate("minutes_per_month=80&months=12&start=2026-01&new_customer=true", http.StatusOK)
		wantStr(t, b, "total", "0.00")
		wantLen(t, b, "blocks.0.packages", 0)
		tr := trialKeys(t, b)
		if v, ok := at(t, tr, "covers_all").(bool); !ok || !v {
			t.Errorf("covers_all: got %v, want true", at(t, tr, "covers_all"))
		}
		if v := at(t, tr, "runs_out_month"); v != nil {
			t.Errorf("runs_out_month: got %v, want null (the trial lasts the horizon)", v)
		}
		wantInt(t, tr, "refused_minutes_without_purchase", 0)
	})
	t.Run("R5 beyond the trial: a Starter, and what would be refused without it", func(t *testing.T) {
		// 150 a month: used up in July (6 × 150 + 100); alone, 50 + 5 × 150 = 800 refused.
		b := env.estimate("minutes_per_month=150&months=12&start=2026-01&new_customer=true", http.StatusOK)
		wantStr(t, b, "total", "3688.00")
		wantStr(t, b, "blocks.0.packages.0.plan", "starter")
		tr := trialKeys(t, b)
		if v, ok := at(t, tr, "covers_all").(bool); !ok || v {
			t.Errorf("covers_all: got %v, want false", at(t, tr, "covers_all"))
		}
		wantStr(t, tr, "runs_out_month", "2026-07")
		wantInt(t, tr, "refused_minutes_without_purchase", 800)
	})
	t.Run("R4 no trial before 2019-06-01", func(t *testing.T) {
		// 3,688 + 670,000 × 0.025 = 20,438.00, as for a customer who is not new.
		b := env.estimate("minutes_per_month=60000&months=12&start=2019-05&new_customer=true", http.StatusOK)
		wantStr(t, b, "total", "20438.00")
		tr := trialKeys(t, b)
		wantStr(t, tr, "runs_out_month", "2019-05")
		wantInt(t, tr, "refused_minutes_without_purchase", 720_000)
	})
	t.Run("R3 R12 a final one-month block is held by the previous block's package", func(t *testing.T) {
		// 9,688 + 1,050,000 × 0.025 = 35,938.00.
		b := env.estimate("minutes_per_month=100000&months=13&start=2026-01&features=whiteboard_sdk", http.StatusOK)
		wantStr(t, b, "total", "35938.00")
		wantStr(t, b, "blocks.0.packages.0.plan", "standard")
		wantLen(t, b, "blocks.1.packages", 0)
	})
}
