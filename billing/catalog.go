// Package billing holds the rules of the rule book (R1–R12) as pure code:
// instants and decimals in, results out. It knows no SQL, no HTTP and no
// clock; every "now" is a parameter.
package billing

import "github.com/shopspring/decimal"

// PlanCode names a package plan (R1).
type PlanCode string

// The five plans of the catalog (R1).
const (
	Trial      PlanCode = "trial"
	Starter    PlanCode = "starter"
	Standard   PlanCode = "standard"
	Enterprise PlanCode = "enterprise"
	Premium    PlanCode = "premium"
)

// Features are the four columns of the pricing table (R1, R12).
type Features struct {
	DemoSource       bool `json:"demo_source"`
	GroupSupport     bool `json:"group_support"`
	WhiteboardSDK    bool `json:"whiteboard_sdk"`
	DedicatedSupport bool `json:"dedicated_support"`
}

// Plan is one row of the catalog (R1).
type Plan struct {
	Code            PlanCode
	NameZh          string
	NameEn          string
	IncludedMinutes int64
	Price           decimal.Decimal
	// Purchasable is false for the trial: it is granted, never sold (R4).
	Purchasable bool
	Features    Features
}

// R1: the catalog, in the order of the pricing page.
func catalog() []Plan {
	return []Plan{
		{Trial, "试用包", "Trial", 1_000, decimal.Zero, false, Features{true, false, false, false}},
		{Starter, "入门包", "Starter", 50_000, decimal.NewFromInt(3688), true, Features{true, true, false, false}},
		{Standard, "标准包", "Standard", 250_000, decimal.NewFromInt(9688), true, Features{true, true, true, false}},
		{Enterprise, "企业包", "Enterprise", 1_000_000, decimal.NewFromInt(28988), true, Features{true, true, true, false}},
		{Premium, "尊享包", "Premium", 3_000_000, decimal.NewFromInt(73888), true, Features{true, true, true, true}},
	}
}

// Plans returns the catalog (R1) in the pricing page's order. The slice is
// a fresh copy: callers may not change the catalog.
func Plans() []Plan { return catalog() }

// LookupPlan finds a plan by its code (R1).
func LookupPlan(code string) (Plan, bool) {
	for _, p := range catalog() {
		if string(p.Code) == code {
			return p, true
		}
	}
	return Plan{}, false
}

// OveragePricePer1000 is the postpaid rate beyond every package: 25 CNY per
// 1,000 minutes (R1, 套餐外超量).
func OveragePricePer1000() decimal.Decimal { return decimal.NewFromInt(25) }
