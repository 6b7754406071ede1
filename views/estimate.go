package views

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/text/language"

	"rtcbill/billing"
)

// How the estimator's form gives the usage (its basis query parameter).
const (
	EstimateByMinutes = "minutes" // minutes per month
	EstimateByUsers   = "users"   // users × minutes per user per day × days per month
)

// EstimateText is a message of the catalogue with its data, translated by
// the template: the builders stay free of the request's language.
type EstimateText struct {
	ID   string
	Data []any
}

// EstimateForm is the estimator's form as the visitor filled it in: the
// text of every field as typed, so that a rejected value shows again.
type EstimateForm struct {
	Basis                                     string
	MinutesPerMonth                           string
	Users, MinutesPerUserPerDay, DaysPerMonth string
	GrowthPct, Months, Start                  string
	NewCustomer                               bool
	Features                                  []string
	// Errors holds a message per rejected query parameter.
	Errors map[string]EstimateText
}

// Error is the message for field, if it was rejected.
func (f EstimateForm) Error(field string) (EstimateText, bool) {
	e, ok := f.Errors[field]
	return e, ok
}

// HasFeature tells whether a feature's box is ticked.
func (f EstimateForm) HasFeature(code string) bool { return slices.Contains(f.Features, code) }

// EstimateFeature is one of the form's feature boxes (R12).
type EstimateFeature struct {
	Code    string
	LabelID string
	// MinPlan is the smallest plan that brings the feature.
	MinPlan billing.PlanCode
}

// EstimateFeatures are the boxes of the form, in the pricing table's order.
// Every package brings the demo source, so it has no box (the API takes it).
var EstimateFeatures = []EstimateFeature{
	{string(billing.FeatureGroupSupport), "estimate.feature.group_support", billing.Starter},
	{string(billing.FeatureWhiteboardSDK), "estimate.feature.whiteboard_sdk", billing.Standard},
	{string(billing.FeatureDedicatedSupport), "estimate.feature.dedicated_support", billing.Premium},
}

// EstimateFields are the form's fields in the page's order, with the id of
// the input an error summary links to.
var EstimateFields = []struct{ Name, InputID string }{
	{"basis", "basis-minutes"}, {"minutes_per_month", "minutes_per_month"}, {"users", "users"},
	{"minutes_per_user_per_day", "minutes_per_user_per_day"}, {"days_per_month", "days_per_month"},
	{"growth_pct", "growth_pct"}, {"months", "months"}, {"start", "start"},
	{"new_customer", "new_customer"}, {"features", "feature-group_support"},
}

// EstimatePage is the public cost estimator.
type EstimatePage struct {
	Meta Meta
	Form EstimateForm
	// Asked is set when the query asked something: a first visit shows the
	// form alone.
	Asked  bool
	Result *EstimateResult
}

// ErrorList is the form's errors in the page's order, for the summary
// above the result.
func (p EstimatePage) ErrorList() []EstimateFieldError {
	var out []EstimateFieldError
	for _, f := range EstimateFields {
		if e, ok := p.Form.Errors[f.Name]; ok {
			out = append(out, EstimateFieldError{Field: f.Name, InputID: f.InputID, Text: e})
		}
	}
	return out
}

// EstimateFieldError is one rejected field in the error summary.
type EstimateFieldError struct {
	Field, InputID string
	Text           EstimateText
}

// EstimateResult is the answer: the cheapest purchase plan, what it costs
// and why, beside the simple alternatives.
type EstimateResult struct {
	Usage   EstimateText // the usage and how it was given
	Horizon EstimateText
	Growth  EstimateText
	// NewCustomer counts the trial; FeatureIDs name the ticked features.
	NewCustomer bool
	FeatureIDs  []string
	// Trial is what the trial alone would do, for a new customer.
	Trial *EstimateTrialView

	// Packages is what each period buys, in one line.
	Packages                        string
	Total, PackagesCost, OverageFee string
	UsageMinutes, OverageMinutes    string
	PricePerMinute                  string // empty without usage
	Blocks                          []EstimateBlockRow
	Alternatives                    []EstimateAltRow
	Explanation                     []EstimateText
	Chart                           BreakevenChart
	HasChart                        bool
}

// EstimateTrialView is what a new customer's trial alone would do over the
// horizon (R4, R5): the API's trial object, and the expiry date.
type EstimateTrialView struct {
	Granted   bool
	CoversAll bool
	RunsOut   string // YYYY-MM; "" when the trial lasts the horizon
	ExpiresOn string // YYYY-MM-DD; "" when no trial is granted
	Refused   string // minutes refused without a purchase
	Summary   EstimateText
}

// EstimateBlockRow is one 12-month period of the cheapest plan.
type EstimateBlockRow struct {
	Index          int
	From, To       string // months, YYYY-MM
	BuyOn          string // the purchase date, YYYY-MM-DD
	Months         int
	Packages       string       // "1 × Starter", or "" when the period buys nothing
	None           EstimateText // why a period buys nothing
	PackagesCost   string
	UsageMinutes   string
	CarriedIn      string // "" when nothing carries in
	CarriedID      string // the message saying what carried in: packages or the trial
	OverageMinutes string
	OverageFee     string
	Cost           string
}

// EstimateAltRow is one simple alternative, set beside the optimum.
type EstimateAltRow struct {
	Label    string // "one:starter"
	NameID   string // estimate.alt.one or estimate.alt.cover, with Plan
	PlanName string
	Packages string // what each period buys
	Total    string
	// Saving is what the optimum saves against it; Cheapest when nothing.
	Saving         string
	Cheapest       bool
	PricePerMinute string
	MeetsFeatures  bool
}

// NewEstimateResult builds the answer's view from the input the estimator
// took (in, with the form as typed) and what it found.
func NewEstimateResult(lang language.Tag, form EstimateForm, in billing.EstimateInput, est billing.Estimate, alts []billing.Estimate) EstimateResult {
	r := EstimateResult{
		NewCustomer: in.NewCustomer, Total: Money(est.Total), PackagesCost: Money(est.PackagesCost),
		OverageFee: Money(est.OverageFee), UsageMinutes: Int(est.UsageMinutes), OverageMinutes: Int(est.OverageMinutes),
	}
	first := Int(est.MonthlyUsage[0])
	if form.Basis == EstimateByUsers {
		r.Usage = EstimateText{"estimate.result.usage_users", []any{"Users", form.Users,
			"PerDay", form.MinutesPerUserPerDay, "Days", form.DaysPerMonth, "Minutes", first}}
	} else {
		r.Usage = EstimateText{"estimate.result.usage_minutes", []any{"Minutes", first}}
	}
	last := in.Start
	for range in.Months - 1 {
		last = last.Next()
	}
	r.Horizon = EstimateText{"estimate.result.horizon", []any{"Months", in.Months, "From", in.Start.String(), "To", last.String()}}
	r.Growth = EstimateText{ID: "estimate.result.no_growth"}
	if !in.GrowthPct.IsZero() {
		r.Growth = EstimateText{"estimate.result.growth", []any{"Pct", in.GrowthPct.String(),
			"Last", Int(est.MonthlyUsage[len(est.MonthlyUsage)-1])}}
	}
	for _, f := range EstimateFeatures {
		if slices.Contains(in.Features, billing.Feature(f.Code)) {
			r.FeatureIDs = append(r.FeatureIDs, f.LabelID)
		}
	}
	if est.UsageMinutes > 0 {
		r.PricePerMinute = est.PricePerMinute.StringFixed(4)
	}
	r.Blocks = blockRows(lang, est.Blocks)
	r.Packages = plansText(lang, est.Blocks)
	r.Trial = trialView(in, est)

	for _, a := range alts {
		kind, plan, _ := strings.Cut(a.Label, ":")
		saving := a.Total.Sub(est.Total)
		r.Alternatives = append(r.Alternatives, EstimateAltRow{
			Label: a.Label, NameID: "estimate.alt." + kind, PlanName: PlanNameByCode(lang, billing.PlanCode(plan)),
			Packages: plansText(lang, a.Blocks), Total: Money(a.Total), Saving: Money(saving), Cheapest: saving.IsZero(),
			PricePerMinute: pricePerMinute(a), MeetsFeatures: a.MeetsFeatures,
		})
	}
	// Cheapest first: the table reads as a ranking.
	slices.SortStableFunc(r.Alternatives, func(x, y EstimateAltRow) int {
		return moneyOf(x.Total).Cmp(moneyOf(y.Total))
	})
	r.Explanation = explain(lang, in, est, alts)
	r.Chart, r.HasChart = NewBreakevenChart(lang, in, est)
	return r
}

func pricePerMinute(e billing.Estimate) string {
	if e.UsageMinutes == 0 {
		return ""
	}
	return e.PricePerMinute.StringFixed(4)
}

// moneyOf reads back an amount Money printed (for sorting only).
func moneyOf(s string) decimal.Decimal {
	d, _ := decimal.NewFromString(strings.ReplaceAll(s, ",", ""))
	return d
}

// trialView says what the trial alone would do; nil unless a new customer.
func trialView(in billing.EstimateInput, est billing.Estimate) *EstimateTrialView {
	tr := est.Trial
	if tr == nil {
		return nil
	}
	v := &EstimateTrialView{Granted: tr.Granted, CoversAll: tr.CoversAll, Refused: Int(tr.RefusedWithoutPurchase)}
	if tr.RunsOut != nil {
		v.RunsOut = tr.RunsOut.String()
	}
	data := []any{"Usage", Int(est.UsageMinutes), "Covered", Int(tr.CoveredMinutes), "Refused", v.Refused,
		"Month", v.RunsOut, "Start", in.Start.String()}
	switch {
	case !tr.Granted:
		v.Summary = EstimateText{"estimate.trial.none", data}
	case tr.CoversAll:
		v.ExpiresOn = Date(tr.ExpiresOn)
		v.Summary = EstimateText{"estimate.trial.covers", append(data, "Expires", v.ExpiresOn)}
	case tr.CoveredMinutes == trialMinutes():
		v.ExpiresOn = Date(tr.ExpiresOn)
		v.Summary = EstimateText{"estimate.trial.used_up", append(data, "Expires", v.ExpiresOn)}
	default:
		v.ExpiresOn = Date(tr.ExpiresOn)
		v.Summary = EstimateText{"estimate.trial.expires", append(data, "Expires", v.ExpiresOn)}
	}
	return v
}

func blockRows(lang language.Tag, blocks []billing.EstimateBlock) []EstimateBlockRow {
	var out []EstimateBlockRow
	active := false // R5: from the first paid package on
	for _, b := range blocks {
		to := b.Month
		for range b.Months - 1 {
			to = to.Next()
		}
		row := EstimateBlockRow{
			Index: b.Index, From: b.Month.String(), To: to.String(), BuyOn: Date(b.Month.Start()), Months: b.Months,
			Packages: packagesText(lang, b.Packages), PackagesCost: Money(b.PackagesCost), UsageMinutes: Int(b.UsageMinutes),
			OverageMinutes: Int(b.OverageMinutes), OverageFee: Money(b.OverageFee), Cost: Money(b.PackagesCost.Add(b.OverageFee)),
		}
		if b.CarriedIn > 0 {
			// Before the first purchase only the trial can carry in (R3).
			row.CarriedIn, row.CarriedID = Int(b.CarriedIn), "estimate.blocks.carried"
			if !active {
				row.CarriedID = "estimate.blocks.carried_trial"
			}
		}
		switch {
		case len(b.Packages) > 0:
			active = true
		case !active:
			// Only the trial runs the service before the first purchase.
			row.None = EstimateText{ID: "estimate.blocks.none_trial"}
		case b.OverageMinutes == 0:
			row.None = EstimateText{ID: "estimate.blocks.none_covered"}
		default:
			row.None = EstimateText{ID: "estimate.blocks.none"}
		}
		out = append(out, row)
	}
	return out
}

// packagesText prints one period's purchase: "1 × 入门包 + 2 × 尊享包".
func packagesText(lang language.Tag, pkgs []billing.PlanCount) string {
	var parts []string
	for _, p := range pkgs {
		parts = append(parts, strconv.Itoa(p.Count)+" × "+PlanNameByCode(lang, p.Plan))
	}
	return strings.Join(parts, " + ")
}

// plansText prints what every period buys: once when every period buys
// the same, else period by period.
func plansText(lang language.Tag, blocks []billing.EstimateBlock) string {
	var parts []string
	same := true
	for _, b := range blocks {
		t := packagesText(lang, b.Packages)
		if t == "" {
			t = T(WithLang(context.Background(), lang), "estimate.plans.nothing")
		}
		parts = append(parts, t)
		same = same && t == parts[0]
	}
	if same && len(parts) > 0 {
		return parts[0]
	}
	return strings.Join(parts, " · ")
}

// listSep joins the items of a sentence's list.
func listSep(lang language.Tag) string {
	if lang == language.English {
		return ", "
	}
	return "、"
}

// explain says, honestly and briefly, why the optimum is what it is.
func explain(lang language.Tag, in billing.EstimateInput, est billing.Estimate, alts []billing.Estimate) []EstimateText {
	var out []EstimateText
	rate := billing.OveragePricePer1000().Shift(-3)

	// R1: the overage rate against each package's price per minute.
	var dearer, cheaper []string
	var bulk *billing.Plan
	for _, pl := range billing.Plans() {
		if !pl.Purchasable {
			continue
		}
		per := pl.Price.Div(decimal.NewFromInt(pl.IncludedMinutes))
		item := PlanName(lang, pl) + " " + per.StringFixed(4)
		if per.GreaterThan(rate) {
			dearer = append(dearer, item)
		} else {
			cheaper = append(cheaper, item)
			p := pl
			bulk = &p
		}
	}
	if len(cheaper) == 0 {
		out = append(out, EstimateText{"estimate.explain.rate_all", []any{"Rate", rate.String(), "Dearer", strings.Join(dearer, listSep(lang))}})
	} else {
		out = append(out, EstimateText{"estimate.explain.rate", []any{"Rate", rate.String(),
			"Dearer", strings.Join(dearer, listSep(lang)), "Cheaper", strings.Join(cheaper, listSep(lang))}})
		out = append(out, EstimateText{"estimate.explain.bulk", []any{"Plan", PlanName(lang, *bulk),
			"Price", Money(bulk.Price), "Minutes", Int(bulk.Price.Div(rate).Ceil().IntPart())}})
	}

	// R12: the least plan that brings every ticked feature.
	if len(in.Features) > 0 {
		for _, pl := range billing.Plans() {
			ok := pl.Purchasable
			for _, f := range in.Features {
				ok = ok && pl.Features.Has(f)
			}
			if ok {
				out = append(out, EstimateText{"estimate.explain.features", []any{"Plan", PlanName(lang, pl)}})
				break
			}
		}
	}

	// What each period buys, and why. A Premium held for 1V1 support
	// (R12) is no saving on minutes: only the ones beyond it are.
	premiumForFeature := false
	for _, f := range in.Features {
		premiumForFeature = premiumForFeature || f == billing.FeatureDedicatedSupport
	}
	active := false // R5: from the first paid package on
	for _, b := range est.Blocks {
		premiums := 0
		for _, p := range b.Packages {
			if p.Plan == billing.Premium {
				premiums = p.Count
			}
		}
		data := []any{"N", b.Index, "Prev", b.Index - 1, "Usage", Int(b.UsageMinutes),
			"Packages", packagesText(lang, b.Packages), "Overage", Int(b.OverageMinutes)}
		id := "estimate.explain.period"
		switch {
		case len(b.Packages) == 0 && !active:
			id = "estimate.explain.trial_period"
		case len(b.Packages) == 0 && b.OverageMinutes == 0:
			id = "estimate.explain.no_package_all"
		case len(b.Packages) == 0:
			id = "estimate.explain.no_package"
		case premiums > 0 && bulk != nil && (!premiumForFeature || premiums > 1):
			id = "estimate.explain.premium"
		case !active:
			id = "estimate.explain.turn_on"
		}
		if b.OverageMinutes == 0 && len(b.Packages) > 0 {
			id += "_all"
		}
		out = append(out, EstimateText{id, data})
		if b.CarriedIn > 0 {
			carry := "estimate.explain.carry"
			if !active {
				carry = "estimate.explain.carry_trial" // before the first purchase only the trial can carry in
			}
			out = append(out, EstimateText{carry, []any{"N", b.Index, "Prev", b.Index - 1, "Minutes", Int(b.CarriedIn)}})
		}
		active = active || len(b.Packages) > 0
		if len(b.Packages) == 0 && b.Index > 1 && len(in.Features) > 0 {
			// R3: the previous period's packages are valid to the end of
			// this period's first month, its only one (a longer period
			// buys its own).
			out = append(out, EstimateText{"estimate.explain.features_held", data})
		}
	}

	// The nearest simple alternative that meets the features.
	var near *billing.Estimate
	for _, a := range alts {
		if a.MeetsFeatures && (near == nil || a.Total.LessThan(near.Total)) {
			x := a
			near = &x
		}
	}
	if near != nil {
		kind, plan, _ := strings.Cut(near.Label, ":")
		data := []any{"Plan", PlanNameByCode(lang, billing.PlanCode(plan)),
			"Saving", Money(near.Total.Sub(est.Total))}
		if near.Total.Equal(est.Total) {
			out = append(out, EstimateText{"estimate.explain.same_" + kind, data})
		} else {
			out = append(out, EstimateText{"estimate.explain.nearest_" + kind, data})
		}
	}
	out = append(out, EstimateText{ID: "estimate.explain.assumptions"})
	return out
}
