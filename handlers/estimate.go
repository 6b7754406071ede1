package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"rtcbill/billing"
	"rtcbill/views"
)

// The estimator's query parameters. The page's form and the API share them,
// so a salesperson can send the page's URL and a script can ask the API the
// same question.
const (
	qBasis           = "basis" // "minutes" or "users"; optional in the API
	qMinutesPerMonth = "minutes_per_month"
	qUsers           = "users"
	qMinutesPerUser  = "minutes_per_user_per_day"
	qDaysPerMonth    = "days_per_month"
	qGrowthPct       = "growth_pct"
	qMonths          = "months"
	qStart           = "start"
	qNewCustomer     = "new_customer"
	qFeatures        = "features"
)

// estimateProblem is one rejected field: Detail is the API's English
// message, Key and Data the page's message (estimate.error.KEY).
type estimateProblem struct {
	Field  string
	Key    string
	Data   []any
	Detail string
}

// estimateRequest is a parsed estimator query: the form as typed, the
// billing input it means, and what is wrong with it.
type estimateRequest struct {
	Form     views.EstimateForm
	Input    billing.EstimateInput
	Problems []estimateProblem
}

func (r *estimateRequest) reject(field, key, detail string, data ...any) {
	r.Problems = append(r.Problems, estimateProblem{Field: field, Key: key, Data: data, Detail: detail})
}

// plainNumber is what the estimator reads as a number: digits with an
// optional sign and fraction. Exponents are refused, so "1e999999999"
// cannot make the decimal library work for minutes.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]{1,12}(\.[0-9]{1,6})?$`)

// parseNumber reads a decimal as people type it: thousands separators and
// spaces are ignored ("100,000" is 100000).
func parseNumber(s string) (decimal.Decimal, bool) {
	s = strings.NewReplacer(",", "", "，", "", "_", "", " ", "").Replace(s)
	if !plainNumber.MatchString(s) {
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// parseEstimate reads the estimator's query; the API and the page both use
// it. It checks every field and names each bad one; now gives the default
// start, the current CST month.
func parseEstimate(q url.Values, now time.Time) estimateRequest {
	get := func(name string) string { return strings.TrimSpace(q.Get(name)) }
	r := estimateRequest{Form: views.EstimateForm{
		Basis: get(qBasis), MinutesPerMonth: get(qMinutesPerMonth), Users: get(qUsers),
		MinutesPerUserPerDay: get(qMinutesPerUser), DaysPerMonth: get(qDaysPerMonth),
		GrowthPct: get(qGrowthPct), Months: get(qMonths), Start: get(qStart),
	}}
	f := &r.Form
	in := &r.Input

	// Usage: minutes per month, or users × minutes per user per day × days.
	byMinutes := f.MinutesPerMonth != ""
	byUsers := f.Users != "" || f.MinutesPerUserPerDay != "" || f.DaysPerMonth != ""
	switch f.Basis {
	case "":
		switch {
		case byMinutes && byUsers:
			r.reject(qMinutesPerMonth, "both",
				"give minutes_per_month or users × minutes_per_user_per_day × days_per_month, not both (or choose with basis=minutes|users)")
		case byUsers:
			f.Basis = views.EstimateByUsers
		default:
			f.Basis = views.EstimateByMinutes
		}
	case views.EstimateByMinutes, views.EstimateByUsers:
	default:
		r.reject(qBasis, "basis", fmt.Sprintf("basis must be minutes or users, not %q", f.Basis))
		f.Basis = views.EstimateByMinutes
	}
	// number reads a non-negative decimal field, at most limit when limit > 0.
	number := func(field, s string, limit int64) (decimal.Decimal, bool) {
		d, ok := parseNumber(s)
		switch {
		case s == "":
			r.reject(field, "required", field+" is required")
		case !ok:
			r.reject(field, "number", fmt.Sprintf("%s must be a number like 1200 or 12.5, not %q", field, s))
		case d.IsNegative():
			r.reject(field, "negative", fmt.Sprintf("%s must not be negative, not %s", field, s))
		case limit > 0 && d.GreaterThan(decimal.NewFromInt(limit)):
			r.reject(field, "at_most", fmt.Sprintf("%s must be at most %d, not %s", field, limit, s), "Max", views.Int(limit))
		default:
			return d, true
		}
		return decimal.Zero, false
	}
	switch {
	case len(r.Problems) > 0:
	case f.Basis == views.EstimateByMinutes && !byMinutes:
		r.reject(qMinutesPerMonth, "usage_missing",
			"give the expected usage: minutes_per_month, or users, minutes_per_user_per_day and days_per_month")
	case f.Basis == views.EstimateByMinutes:
		in.MonthlyMinutes, _ = number(qMinutesPerMonth, f.MinutesPerMonth, 0)
	default:
		users, ok1 := number(qUsers, f.Users, 0)
		perDay, ok2 := number(qMinutesPerUser, f.MinutesPerUserPerDay, 24*60) // a day has 1,440 minutes
		days, ok3 := number(qDaysPerMonth, f.DaysPerMonth, 31)
		if ok1 && ok2 && ok3 {
			in.MonthlyMinutes = users.Mul(perDay).Mul(days)
		}
	}

	in.GrowthPct = decimal.Zero
	if f.GrowthPct != "" {
		g, ok := parseNumber(f.GrowthPct)
		switch {
		case !ok:
			r.reject(qGrowthPct, "number", fmt.Sprintf("growth_pct must be a number like 5 or -2.5, not %q", f.GrowthPct))
		case g.LessThanOrEqual(decimal.NewFromInt(-100)):
			r.reject(qGrowthPct, "growth", fmt.Sprintf("growth_pct must be above -100, not %s", f.GrowthPct))
		default:
			in.GrowthPct = g
		}
	}

	in.Months = 12
	if f.Months != "" {
		n, err := strconv.Atoi(f.Months)
		if err != nil || n < 1 || n > 36 {
			r.reject(qMonths, "months", fmt.Sprintf("months must be a whole number from 1 to 36, not %q", f.Months))
		} else {
			in.Months = n
		}
	} else {
		f.Months = "12"
	}

	in.Start = billing.MonthOf(now)
	if f.Start != "" {
		m, err := billing.ParseMonth(f.Start)
		if err != nil {
			r.reject(qStart, "start", fmt.Sprintf("start must be a month YYYY-MM, like 2026-01, not %q", f.Start))
		} else {
			in.Start = m
		}
	} else {
		f.Start = in.Start.String()
	}

	switch v := strings.ToLower(get(qNewCustomer)); v {
	case "", "false", "0", "off", "no":
	case "true", "1", "on", "yes":
		in.NewCustomer, f.NewCustomer = true, true
	default:
		r.reject(qNewCustomer, "boolean", fmt.Sprintf("new_customer must be true or false, not %q", v))
	}

	// Features: comma-separated, repeated, or both.
	for _, v := range q[qFeatures] {
		for _, code := range strings.Split(v, ",") {
			code = strings.TrimSpace(code)
			if code == "" {
				continue
			}
			if !slices.Contains(billing.AllFeatures, billing.Feature(code)) {
				r.reject(qFeatures, "feature", fmt.Sprintf(
					"features must be among demo_source, group_support, whiteboard_sdk, dedicated_support; not %q", code), "Code", code)
				continue
			}
			if !slices.Contains(in.Features, billing.Feature(code)) {
				in.Features = append(in.Features, billing.Feature(code))
			}
		}
	}
	// The pricing table's order, whatever the query's.
	slices.SortFunc(in.Features, func(a, b billing.Feature) int {
		return slices.Index(billing.AllFeatures, a) - slices.Index(billing.AllFeatures, b)
	})
	for _, ft := range in.Features {
		f.Features = append(f.Features, string(ft))
	}
	return r
}

// estimate runs the estimator on a valid request. billing.ErrEstimate (too
// much usage for a calculator) becomes a problem of the field that caused
// it, and ok is false; any other error is the server's.
func (r *estimateRequest) estimate() (est billing.Estimate, alts []billing.Estimate, ok bool, err error) {
	est, alts, err = billing.Optimize(r.Input)
	switch {
	case err == nil:
		return est, alts, true, nil
	case !errors.Is(err, billing.ErrEstimate):
		return est, alts, false, err
	}
	field := qMinutesPerMonth
	if r.Form.Basis == views.EstimateByUsers {
		field = qUsers
	}
	// Without growth the usage alone is too large; with growth, blame the
	// growth when the first month's usage over the horizon would fit.
	flat := r.Input.MonthlyMinutes.Mul(decimal.NewFromInt(int64(r.Input.Months)))
	if r.Input.GrowthPct.IsPositive() && flat.LessThanOrEqual(decimal.NewFromInt(billing.MaxEstimateMinutes)) {
		field = qGrowthPct
	}
	r.reject(field, "too_large", fmt.Sprintf("%s: too much usage for the estimator (%v); ask sales for a quote", field, err),
		"Max", views.Int(billing.MaxEstimateMinutes))
	return est, alts, false, nil
}

// --- the API --------------------------------------------------------------------

type estimatePackageJSON struct {
	Plan  string `json:"plan"`
	Count int    `json:"count"`
}

type estimateBlockJSON struct {
	StartMonth       int                   `json:"start_month"`
	Packages         []estimatePackageJSON `json:"packages"`
	Month            string                `json:"month"`
	Months           int                   `json:"months"`
	UsageMinutes     int64                 `json:"usage_minutes"`
	PackagesCost     string                `json:"packages_cost"`
	CarriedInMinutes int64                 `json:"carried_in_minutes"`
	OverageMinutes   int64                 `json:"overage_minutes"`
	OverageFee       string                `json:"overage_fee"`
}

type estimateAlternativeJSON struct {
	Label          string              `json:"label"`
	Kind           string              `json:"kind"`
	Plan           string              `json:"plan"`
	Total          string              `json:"total"`
	Saving         string              `json:"saving"`
	MeetsFeatures  bool                `json:"meets_features"`
	Blocks         []estimateBlockJSON `json:"blocks"`
	PackagesCost   string              `json:"packages_cost"`
	OverageMinutes int64               `json:"overage_minutes"`
	OverageFee     string              `json:"overage_fee"`
	PricePerMinute string              `json:"price_per_minute"`
}

// estimateTrialJSON is what a new customer's trial alone would do (R4,
// R5): whether it covers every minute, the month it is used up or expires
// (null when it lasts the horizon), and the minutes refused without a
// purchase.
type estimateTrialJSON struct {
	CoversAll                     bool    `json:"covers_all"`
	RunsOutMonth                  *string `json:"runs_out_month"`
	RefusedMinutesWithoutPurchase int64   `json:"refused_minutes_without_purchase"`
}

// estimateJSON is api.md's answer: its fields first, then the added ones.
type estimateJSON struct {
	Total          string                    `json:"total"`
	OverageMinutes int64                     `json:"overage_minutes"`
	OverageFee     string                    `json:"overage_fee"`
	PricePerMinute string                    `json:"price_per_minute"`
	Blocks         []estimateBlockJSON       `json:"blocks"`
	Alternatives   []estimateAlternativeJSON `json:"alternatives"`
	Trial          *estimateTrialJSON        `json:"trial"` // null unless a new customer
	UsageMinutes   int64                     `json:"usage_minutes"`
	PackagesCost   string                    `json:"packages_cost"`
	Months         int                       `json:"months"`
	Start          string                    `json:"start"`
	MonthlyUsage   []int64                   `json:"monthly_usage"`
	NewCustomer    bool                      `json:"new_customer"`
	Features       []string                  `json:"features"`
}

// perMinute prints a price per minute: the estimator rounds it to four
// places, and four places always print, like the pricing page's 0.0738.
func perMinute(d decimal.Decimal) string { return d.StringFixed(4) }

func estimateBlocksJSON(blocks []billing.EstimateBlock) []estimateBlockJSON {
	out := make([]estimateBlockJSON, 0, len(blocks))
	for _, b := range blocks {
		pkgs := make([]estimatePackageJSON, 0, len(b.Packages))
		for _, p := range b.Packages {
			pkgs = append(pkgs, estimatePackageJSON{string(p.Plan), p.Count})
		}
		out = append(out, estimateBlockJSON{
			StartMonth: b.StartMonth, Packages: pkgs, Month: b.Month.String(), Months: b.Months,
			UsageMinutes: b.UsageMinutes, PackagesCost: billing.FormatMoney(b.PackagesCost),
			CarriedInMinutes: b.CarriedIn, OverageMinutes: b.OverageMinutes, OverageFee: billing.FormatMoney(b.OverageFee),
		})
	}
	return out
}

func newEstimateJSON(in billing.EstimateInput, est billing.Estimate, alts []billing.Estimate) estimateJSON {
	out := estimateJSON{
		Total: billing.FormatMoney(est.Total), OverageMinutes: est.OverageMinutes,
		OverageFee: billing.FormatMoney(est.OverageFee), PricePerMinute: perMinute(est.PricePerMinute),
		Blocks: estimateBlocksJSON(est.Blocks), Alternatives: make([]estimateAlternativeJSON, 0, len(alts)),
		UsageMinutes: est.UsageMinutes, PackagesCost: billing.FormatMoney(est.PackagesCost),
		Months: in.Months, Start: in.Start.String(), MonthlyUsage: est.MonthlyUsage,
		NewCustomer: in.NewCustomer, Features: make([]string, 0, len(in.Features)),
	}
	for _, f := range in.Features {
		out.Features = append(out.Features, string(f))
	}
	if tr := est.Trial; tr != nil {
		out.Trial = &estimateTrialJSON{CoversAll: tr.CoversAll, RefusedMinutesWithoutPurchase: tr.RefusedWithoutPurchase}
		if tr.RunsOut != nil {
			m := tr.RunsOut.String()
			out.Trial.RunsOutMonth = &m
		}
	}
	for _, a := range alts {
		kind, plan, _ := strings.Cut(a.Label, ":")
		out.Alternatives = append(out.Alternatives, estimateAlternativeJSON{
			Label: a.Label, Kind: kind, Plan: plan, Total: billing.FormatMoney(a.Total),
			Saving: billing.FormatMoney(a.Total.Sub(est.Total)), MeetsFeatures: a.MeetsFeatures,
			Blocks: estimateBlocksJSON(a.Blocks), PackagesCost: billing.FormatMoney(a.PackagesCost),
			OverageMinutes: a.OverageMinutes, OverageFee: billing.FormatMoney(a.OverageFee),
			PricePerMinute: perMinute(a.PricePerMinute),
		})
	}
	return out
}

// estimateAPI answers GET /api/v1/estimate: the cheapest way to cover the
// expected usage under the rule book, beside the simple alternatives. No
// auth: it reads nothing of any account.
func (h *Handler) estimateAPI(c echo.Context) error {
	r := parseEstimate(c.QueryParams(), h.now())
	if len(r.Problems) == 0 {
		est, alts, ok, err := r.estimate()
		if err != nil {
			return err
		}
		if ok {
			return c.JSON(http.StatusOK, newEstimateJSON(r.Input, est, alts))
		}
	}
	p := r.Problems[0]
	return fieldError(p.Field, "%s", p.Detail)
}

// --- the page -------------------------------------------------------------------

// showEstimate answers GET /estimate: the estimator's form and, once the
// query asks something, the answer. Every input lives in the query, so the
// URL is the estimate. The whole page is returned even to htmx, which
// picks the result out of it (hx-select). Bad input answers 422 with the
// form as typed and each message next to its field.
func (h *Handler) showEstimate(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	r := parseEstimate(q, h.now())
	page := views.EstimatePage{Meta: meta(c, views.T(ctx, "estimate.title")), Form: r.Form, Asked: len(q) > 0}
	if !page.Asked {
		// A first visit: an empty form, no complaints.
		page.Form.Basis = views.EstimateByMinutes
		return render(c, http.StatusOK, views.EstimatePageView(page))
	}
	// An answer depends on its inputs (all in the address) and, through the
	// default start month, on the month: keep each rendered answer for the
	// same viewer, so a link sent around is searched once.
	key := viewKey(c, c.Request().Header.Get("HX-Request"), billing.MonthOf(h.now()).String())
	if body, ok := h.estimatePages.get(key); ok {
		return serveShared(c, http.StatusOK, body, 0)
	}
	status := http.StatusOK
	if len(r.Problems) == 0 {
		est, alts, ok, err := r.estimate()
		if err != nil {
			return err
		}
		if ok {
			result := views.NewEstimateResult(views.Lang(ctx), r.Form, r.Input, est, alts)
			page.Result = &result
		}
	}
	if len(r.Problems) > 0 {
		status = http.StatusUnprocessableEntity
		page.Form.Errors = map[string]views.EstimateText{}
		for _, p := range r.Problems {
			if _, seen := page.Form.Errors[p.Field]; !seen {
				page.Form.Errors[p.Field] = views.EstimateText{ID: "estimate.error." + p.Key, Data: p.Data}
			}
		}
		return render(c, status, views.EstimatePageView(page))
	}
	body, err := renderShared(c, &page.Meta, func() templ.Component { return views.EstimatePageView(page) })
	if err != nil {
		return err
	}
	h.estimatePages.put(key, body)
	return serveShared(c, status, body, 0)
}
