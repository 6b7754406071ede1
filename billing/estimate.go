package billing

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// The estimator answers a prospect's question: what would this usage cost?
// It searches one family of purchase plans exactly: packages are bought at
// 00:00 CST on the 1st of the first month of some 12-month blocks of the
// horizon (so by R3 each stays valid for its whole block and the month after
// it), the usage is rated as the rule book rates it (R7 drawing order, R8
// whole minutes, R9 clearing, R10 a fee rounded to the fen on each monthly
// bill), and the cheapest plan of the family that keeps the service running
// is returned.
//
// The constraints. The service must run (R5): at the horizon's start the
// account holds a valid trial or buys a paid package, and no minute is
// refused, so a block may buy nothing before the first paid package only
// while the trial covers every minute of it. A new customer whose whole usage
// fits the trial buys nothing. Each required feature must be held in every
// month of the horizon (R12) by a valid package: a block's first month is
// held by the previous block's packages (valid to its end, R3), and the
// trial, granted at the horizon's start (R4), holds the demo source to the
// end of month 13. A block must hold a feature itself only for the months
// nothing else holds it in, so a final block of one month needs none.
//
// How it is searched. Let a block's "extras" be its packages other than
// Premium. Starter, Standard and Enterprise each cost more per minute than
// overage (0.0738, 0.0388 and 0.0290 CNY against 0.025), so removing one
// from any plan lowers its cost by at least P − 0.025·M − 0.005·13 > 2,400
// CNY (the minutes it covered become overage; the fee is rounded once a
// month) unless it is needed for a constraint: a paid package that turns
// the account active (R5) or a package with a required feature (R12). The
// largest of a block's packages meets every constraint the others meet, so
// an optimal plan holds at most one extra per block, and none when it holds
// a Premium. Premiums per block are bounded by what the block and the month
// after it can use. Blocks are coupled only by whether the account is active
// and by what their packages have left after the block, which the next
// block draws in its first month before its own packages (they expire a
// month earlier); dynamic programming over blocks, with those two as the
// state, finds the cheapest plan exactly. The tests check it against a
// brute-force search over every combination, priced and checked by the
// rating engine, for small usages.

// MaxEstimateMinutes bounds the usage an estimate covers, so the search
// stays fast; beyond it a prospect needs a quote, not a calculator.
const MaxEstimateMinutes = 500_000_000

// ErrEstimate reports an input the estimator cannot take.
var ErrEstimate = errors.New("billing: estimate")

// EstimateInput is what a prospect expects.
type EstimateInput struct {
	Start  Month // the first month of the horizon
	Months int   // 1 to 36
	// MonthlyMinutes is the first month's usage; GrowthPct the monthly
	// growth in percent (may be negative, above −100).
	MonthlyMinutes decimal.Decimal
	GrowthPct      decimal.Decimal
	// NewCustomer creates the first application at 00:00 CST on the 1st of
	// the horizon's first month, which brings the trial if that is on or
	// after 2019-06-01 (R4).
	NewCustomer bool
	// Features must be held in every month of the horizon (R12).
	Features []Feature
}

// PlanCount is how many packages of a plan a block buys.
type PlanCount struct {
	Plan  PlanCode
	Count int
}

// EstimateBlock is one 12-month block (the last may be shorter).
type EstimateBlock struct {
	Index          int   // 1-based
	StartMonth     int   // 1-based month of the horizon
	Month          Month // its first calendar month
	Months         int
	UsageMinutes   int64
	Packages       []PlanCount // none when the block buys nothing
	PackagesCost   decimal.Decimal
	CarriedIn      int64 // minutes the previous block's packages (or the trial) covered in its first month
	OverageMinutes int64
	OverageFee     decimal.Decimal
}

// TrialOutlook is what a new customer's trial alone would do over the
// horizon, if nothing were bought (R4, R5).
type TrialOutlook struct {
	// Granted is false when the horizon starts before 2019-06-01 (R4).
	Granted bool
	// ExpiresOn is the trial's last valid day (R3): the end of month 13.
	ExpiresOn time.Time
	// CoveredMinutes are the minutes of the horizon the trial covers;
	// CoversAll tells that they are all of them.
	CoveredMinutes int64
	CoversAll      bool
	// RunsOut is the month of the horizon in which the trial is used up or
	// expires, after which the service is closed (R5); nil when it lasts
	// the whole horizon, the first month when none is granted.
	RunsOut *Month
	// RefusedWithoutPurchase are the minutes refused if nothing is bought:
	// a trial never turns postpaid on (R5, R7).
	RefusedWithoutPurchase int64
}

// Estimate is the cost of a purchase plan over the horizon.
type Estimate struct {
	Label          string // for alternatives: "one starter per block", …
	MonthlyUsage   []int64
	UsageMinutes   int64
	Blocks         []EstimateBlock
	PackagesCost   decimal.Decimal
	OverageMinutes int64
	OverageFee     decimal.Decimal
	Total          decimal.Decimal
	PricePerMinute decimal.Decimal // Total / UsageMinutes, to 4 places
	MeetsFeatures  bool
	// Trial is set on the optimum for a new customer, nil otherwise.
	Trial *TrialOutlook
}

// trialMinutes are the trial's included minutes (R1).
func trialMinutes() int64 {
	p, _ := LookupPlan(string(Trial))
	return p.IncludedMinutes
}

// trialMonths is how many months of the horizon the trial is valid in: it
// is granted at 00:00 on the 1st of the first month, so R3 keeps it to the
// end of month 13.
const trialMonths = 13

// grantsTrial tells whether the estimate counts a trial (R4).
func (in EstimateInput) grantsTrial() bool {
	return in.NewCustomer && GrantsTrial(in.Start.Start())
}

// blockPlan is a block's purchase: some Premiums and at most one extra.
type blockPlan struct {
	premiums int
	extra    PlanCode // "" for none
	counts   map[PlanCode]int
}

func (p blockPlan) packages() []PlanCount {
	var out []PlanCount
	for _, pl := range Plans() {
		if n := p.counts[pl.Code]; n > 0 {
			out = append(out, PlanCount{pl.Code, n})
		}
	}
	return out
}

func (p blockPlan) capacity() int64 {
	var c int64
	for code, n := range p.counts {
		pl, _ := LookupPlan(string(code))
		c += int64(n) * pl.IncludedMinutes
	}
	return c
}

func (p blockPlan) cost() decimal.Decimal {
	sum := decimal.Zero
	for code, n := range p.counts {
		pl, _ := LookupPlan(string(code))
		sum = sum.Add(pl.Price.Mul(decimal.NewFromInt(int64(n))))
	}
	return sum
}

func (p blockPlan) paid() bool {
	for _, n := range p.counts {
		if n > 0 {
			return true
		}
	}
	return false
}

func (p blockPlan) count() int {
	n := 0
	for _, k := range p.counts {
		n += k
	}
	return n
}

// has tells whether one of the block's packages brings f (R12).
func (p blockPlan) has(f Feature) bool {
	for code, n := range p.counts {
		pl, _ := LookupPlan(string(code))
		if n > 0 && pl.Features.Has(f) {
			return true
		}
	}
	return false
}

// meets tells whether the block's own packages bring every feature the
// block must hold itself.
func (p blockPlan) meets(b blockSpec) bool {
	for _, f := range b.own {
		if !p.has(f) {
			return false
		}
	}
	return true
}

// monthlyUsage is each month's minutes: the first month's, grown, rounded
// up to a whole minute (R8).
func monthlyUsage(in EstimateInput) ([]int64, error) {
	switch {
	case in.Months < 1 || in.Months > 36:
		return nil, fmt.Errorf("%w: months must be 1 to 36, not %d", ErrEstimate, in.Months)
	case in.MonthlyMinutes.IsNegative():
		return nil, fmt.Errorf("%w: minutes per month must not be negative", ErrEstimate)
	case in.GrowthPct.LessThanOrEqual(decimal.NewFromInt(-100)):
		return nil, fmt.Errorf("%w: growth must be above -100%%", ErrEstimate)
	}
	factor := decimal.NewFromInt(1).Add(in.GrowthPct.Shift(-2))
	cur := in.MonthlyMinutes
	out := make([]int64, in.Months)
	var total int64
	for i := range out {
		if cur.GreaterThan(decimal.NewFromInt(MaxEstimateMinutes)) {
			return nil, fmt.Errorf("%w: more than %d minutes in a month", ErrEstimate, MaxEstimateMinutes)
		}
		out[i] = cur.Ceil().IntPart()
		total += out[i]
		if total > MaxEstimateMinutes {
			return nil, fmt.Errorf("%w: more than %d minutes over the horizon", ErrEstimate, MaxEstimateMinutes)
		}
		cur = cur.Mul(factor).Round(12)
	}
	return out, nil
}

// blockRun rates a block: the carry covers its first month first, then its
// own packages (the trial included), then overage or refusal (R7). It
// returns the monthly uncovered minutes and what the block's packages have
// left at its end.
func blockRun(usage []int64, capacity, carry int64) ([]int64, int64) {
	over := make([]int64, len(usage))
	pool := capacity
	for m, u := range usage {
		if m == 0 {
			u -= min(u, carry)
		}
		d := min(u, pool)
		pool -= d
		over[m] = u - d
	}
	return over, pool
}

// monthlyFees is R10 on each month's bill: minutes × 0.025, rounded to the fen.
func monthlyFees(over []int64) (int64, decimal.Decimal) {
	var mins int64
	fee := decimal.Zero
	for _, o := range over {
		mins += o
		fee = fee.Add(AmountDue(OverageFee(o)))
	}
	return mins, fee
}

type blockSpec struct {
	start, months int
	usage         []int64
	nextFirst     int64 // the next block's first month, which a carry can cover
	trial         bool  // the trial's minutes count in this block (R4)
	// own are the required features the block's packages must bring: those
	// of a month that neither the previous block's packages nor the trial
	// hold (R3, R12).
	own []Feature
}

func splitBlocks(in EstimateInput, usage []int64) []blockSpec {
	var out []blockSpec
	trial := in.grantsTrial()
	for s := 0; s < len(usage); s += 12 {
		e := min(s+12, len(usage))
		b := blockSpec{start: s, months: e - s, usage: usage[s:e], trial: s == 0 && trial}
		if e < len(usage) {
			b.nextFirst = usage[e]
		}
		for _, f := range in.Features {
			for m := s; m < e; m++ {
				// R3: the previous block's packages are valid to the end of
				// this block's first month, and the previous block holds f
				// itself (or through the trial) in its own last month.
				heldByPrevious := m == s && s > 0
				heldByTrial := trial && m < trialMonths && f == FeatureDemoSource
				if !heldByPrevious && !heldByTrial {
					b.own = append(b.own, f)
					break
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// trialOutlook rates the trial alone over the horizon: R7 draws each month
// from it while it is valid and has minutes; the rest is refused (R5).
func trialOutlook(in EstimateInput, usage []int64) *TrialOutlook {
	if !in.NewCustomer {
		return nil
	}
	t := &TrialOutlook{Granted: in.grantsTrial()}
	left := int64(0)
	if t.Granted {
		left = trialMinutes()
		t.ExpiresOn = ValidityOf(in.Start.Start()).ExpiresOn()
	} else {
		first := in.Start
		t.RunsOut = &first
	}
	for i, u := range usage {
		var d int64
		if t.Granted && i < trialMonths {
			d = min(u, left)
			left -= d
			if t.RunsOut == nil && (left == 0 || i == trialMonths-1) {
				m := monthAt(in.Start, i)
				t.RunsOut = &m
			}
		}
		t.CoveredMinutes += d
		t.RefusedWithoutPurchase += u - d
	}
	t.CoversAll = t.Granted && t.RefusedWithoutPurchase == 0
	return t
}

// evaluate prices a sequence of block plans exactly.
func evaluate(in EstimateInput, usage []int64, blocks []blockSpec, plans []blockPlan) Estimate {
	est := Estimate{MonthlyUsage: usage, PackagesCost: decimal.Zero, OverageFee: decimal.Zero, MeetsFeatures: true}
	var carry int64
	for i, b := range blocks {
		p := plans[i]
		capacity := p.capacity()
		if b.trial {
			capacity += trialMinutes()
		}
		over, left := blockRun(b.usage, capacity, carry)
		mins, fee := monthlyFees(over)
		var used int64
		for _, u := range b.usage {
			used += u
		}
		eb := EstimateBlock{
			Index: i + 1, StartMonth: b.start + 1, Month: monthAt(in.Start, b.start), Months: b.months,
			UsageMinutes: used, Packages: p.packages(), PackagesCost: p.cost(),
			CarriedIn: min(carry, b.usage[0]), OverageMinutes: mins, OverageFee: fee,
		}
		est.Blocks = append(est.Blocks, eb)
		est.UsageMinutes += used
		est.PackagesCost = est.PackagesCost.Add(eb.PackagesCost)
		est.OverageMinutes += mins
		est.OverageFee = est.OverageFee.Add(fee)
		est.MeetsFeatures = est.MeetsFeatures && p.meets(b)
		carry = left
		if b.months < 12 {
			carry = 0
		}
	}
	est.Total = est.PackagesCost.Add(est.OverageFee)
	est.PricePerMinute = decimal.Zero
	if est.UsageMinutes > 0 {
		est.PricePerMinute = est.Total.Div(decimal.NewFromInt(est.UsageMinutes)).Round(4)
	}
	return est
}

func monthAt(start Month, offset int) Month {
	m := start
	for range offset {
		m = m.Next()
	}
	return m
}

// candidates lists a block's plans of the family: nothing, k Premiums, or
// one extra, bringing the features the block must hold itself. Whether a
// plan keeps the service running depends on the blocks before it, which
// Optimize knows.
func candidates(b blockSpec) []blockPlan {
	var total int64
	for _, u := range b.usage {
		total += u
	}
	premium, _ := LookupPlan(string(Premium))
	kmax := int((total+b.nextFirst+premium.IncludedMinutes-1)/premium.IncludedMinutes) + 1
	var out []blockPlan
	for k := 0; k <= kmax; k++ {
		for _, extra := range []PlanCode{"", Starter, Standard, Enterprise} {
			if k > 0 && extra != "" {
				continue // a Premium meets every constraint: an extra only costs
			}
			p := blockPlan{premiums: k, extra: extra, counts: map[PlanCode]int{}}
			if k > 0 {
				p.counts[Premium] = k
			}
			if extra != "" {
				p.counts[extra] = 1
			}
			if p.meets(b) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Optimize finds the cheapest plan of the family (see the package comment
// above) and prices the simple alternatives beside it. For a new customer
// the optimum also says what the trial alone would do (Estimate.Trial).
func Optimize(in EstimateInput) (Estimate, []Estimate, error) {
	usage, err := monthlyUsage(in)
	if err != nil {
		return Estimate{}, nil, err
	}
	blocks := splitBlocks(in, usage)

	// Dynamic programming over blocks; the state is whether the account is
	// active (R5) and the carry into the next block's first month (what is
	// left, capped by that month).
	type key struct {
		active bool
		carry  int64
	}
	type state struct {
		cost  decimal.Decimal
		plans []blockPlan
	}
	better := func(cost decimal.Decimal, plans []blockPlan, than state) bool {
		return cost.LessThan(than.cost) || (cost.Equal(than.cost) && fewer(plans, than.plans))
	}
	states := map[key]state{{}: {decimal.Zero, nil}}
	for _, b := range blocks {
		next := map[key]state{}
		cands := candidates(b)
		for k, st := range states {
			for _, p := range cands {
				capacity := p.capacity()
				if b.trial {
					capacity += trialMinutes()
				}
				over, left := blockRun(b.usage, capacity, k.carry)
				active := k.active || p.paid()
				if !active {
					// R5: without a paid package the service runs on the
					// trial alone, which must hold at the horizon's start and
					// cover every minute: what it does not cover is refused.
					if !in.grantsTrial() || slices.ContainsFunc(over, func(o int64) bool { return o > 0 }) {
						continue
					}
				}
				_, fee := monthlyFees(over)
				cost := st.cost.Add(p.cost()).Add(fee)
				out := key{active, min(left, b.nextFirst)}
				if b.months < 12 {
					out.carry = 0
				}
				plans := append(slices.Clone(st.plans), p)
				if prev, ok := next[out]; !ok || better(cost, plans, prev) {
					next[out] = state{cost, plans}
				}
			}
		}
		states = next
	}
	var best *state
	for _, st := range states {
		if best == nil || better(st.cost, st.plans, *best) {
			s := st
			best = &s
		}
	}
	if best == nil {
		return Estimate{}, nil, fmt.Errorf("%w: no purchase plan meets the constraints", ErrEstimate)
	}
	opt := evaluate(in, usage, blocks, best.plans)
	opt.Label = "optimum"
	opt.Trial = trialOutlook(in, usage)
	return opt, alternatives(in, usage, blocks), nil
}

// fewer breaks ties between equally cheap plans: fewer packages, then
// smaller ones, then the later purchases (block by block, fewer and smaller
// packages first), so that the answer is stable and pays no earlier than
// it must.
func fewer(a, b []blockPlan) bool {
	count := func(ps []blockPlan) (n int, c int64) {
		for _, p := range ps {
			n += p.count()
			c += p.capacity()
		}
		return
	}
	na, ca := count(a)
	nb, cb := count(b)
	if na != nb || ca != cb {
		return na < nb || (na == nb && ca < cb)
	}
	for i := range min(len(a), len(b)) {
		if x, y := a[i].count(), b[i].count(); x != y {
			return x < y
		}
		if x, y := a[i].capacity(), b[i].capacity(); x != y {
			return x < y
		}
	}
	return false
}

// alternatives prices the simple plans a buyer would think of: one package
// of a plan per block, and enough packages of one plan to cover each block.
func alternatives(in EstimateInput, usage []int64, blocks []blockSpec) []Estimate {
	var out []Estimate
	seen := map[string]bool{}
	for _, pl := range Plans() {
		if !pl.Purchasable {
			continue
		}
		for _, kind := range []string{"one", "cover"} {
			plans := make([]blockPlan, len(blocks))
			key := ""
			for i, b := range blocks {
				n := 1
				if kind == "cover" {
					var total int64
					for _, u := range b.usage {
						total += u
					}
					n = int(max(1, (total+pl.IncludedMinutes-1)/pl.IncludedMinutes))
				}
				plans[i] = blockPlan{counts: map[PlanCode]int{pl.Code: n}}
				key += fmt.Sprintf("%s×%d;", pl.Code, n)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			e := evaluate(in, usage, blocks, plans)
			e.Label = kind + ":" + string(pl.Code)
			out = append(out, e)
		}
	}
	return out
}
