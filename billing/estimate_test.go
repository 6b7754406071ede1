package billing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"rtcbill/billing"
)

func TestEstimateHundredThousandMinutesAMonth(t *testing.T) {
	// The example: the overage rate is below every package's price
	// per minute but Premium's, so one Starter (to turn postpaid on, R5)
	// and overage is cheapest.
	est, alts, err := billing.Optimize(billing.EstimateInput{
		Start: billing.Month{Year: 2026, Month: time.January}, Months: 12, MonthlyMinutes: dec("100000"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkMoney(t, "total", est.Total, "32438.00")
	checkInt(t, "overage minutes", est.OverageMinutes, 1_150_000)
	checkMoney(t, "overage fee", est.OverageFee, "28750")
	if len(est.Blocks) != 1 || len(est.Blocks[0].Packages) != 1 || est.Blocks[0].Packages[0] != (billing.PlanCount{Plan: billing.Starter, Count: 1}) {
		t.Errorf("packages: got %+v, want one starter", est.Blocks)
	}
	checkMoney(t, "price per minute", est.PricePerMinute, "0.027")
	for _, a := range alts {
		if a.Total.LessThan(est.Total) {
			t.Errorf("alternative %s costs %s, less than the optimum %s", a.Label, a.Total, est.Total)
		}
		if a.Label == "one:premium" {
			checkMoney(t, "one premium", a.Total, "73888")
		}
	}
}

func TestEstimateFeaturesAndTrial(t *testing.T) {
	start := billing.Month{Year: 2026, Month: time.March}
	t.Run("R12 whiteboard needs Standard or up in every block", func(t *testing.T) {
		est, _, err := billing.Optimize(billing.EstimateInput{Start: start, Months: 18, MonthlyMinutes: dec("10000"),
			Features: []billing.Feature{billing.FeatureWhiteboardSDK}})
		if err != nil {
			t.Fatal(err)
		}
		if len(est.Blocks) != 2 {
			t.Fatalf("got %d blocks, want 2 (12 + 6 months)", len(est.Blocks))
		}
		for _, b := range est.Blocks {
			if len(b.Packages) != 1 || b.Packages[0].Plan != billing.Standard {
				t.Errorf("block %d: got %+v, want one standard", b.Index, b.Packages)
			}
		}
		if !est.MeetsFeatures {
			t.Error("the optimum does not meet the features it was asked for")
		}
	})
	t.Run("R4 a new customer's trial covers the first 1,000 minutes", func(t *testing.T) {
		in := billing.EstimateInput{Start: start, Months: 12, MonthlyMinutes: dec("60000")}
		plain, _, _ := billing.Optimize(in)
		in.NewCustomer = true
		trial, _, _ := billing.Optimize(in)
		checkMoney(t, "saving", plain.Total.Sub(trial.Total), "25")
	})
	t.Run("R3 what a block's packages leave covers the next block's first month", func(t *testing.T) {
		est, _, err := billing.Optimize(billing.EstimateInput{Start: start, Months: 13, MonthlyMinutes: dec("200000"),
			Features: []billing.Feature{billing.FeatureDedicatedSupport}})
		if err != nil {
			t.Fatal(err)
		}
		// Block 1: one Premium for 12 × 200,000 = 2,400,000 minutes leaves
		// 600,000, which covers month 13's 200,000 minutes; valid to the end
		// of month 13, it also holds the 1V1 support there (R12).
		checkInt(t, "carried into block 2", est.Blocks[1].CarriedIn, 200_000)
		checkInt(t, "overage", est.OverageMinutes, 0)
		checkMoney(t, "total", est.Total, "73888")
	})
	t.Run("bad input is refused", func(t *testing.T) {
		for _, in := range []billing.EstimateInput{
			{Start: start, Months: 0, MonthlyMinutes: dec("1")},
			{Start: start, Months: 37, MonthlyMinutes: dec("1")},
			{Start: start, Months: 12, MonthlyMinutes: dec("-1")},
			{Start: start, Months: 12, MonthlyMinutes: dec("1"), GrowthPct: dec("-100")},
			{Start: start, Months: 36, MonthlyMinutes: dec("100000000")},
		} {
			if _, _, err := billing.Optimize(in); err == nil {
				t.Errorf("%+v: got no error", in)
			}
		}
	})
}

// A final block of one month (a horizon of 13 or 25 months) lies inside the
// validity of the previous block's packages (R3: bought on the 1st of the
// block's first month, valid to the end of month 13), so they hold its
// features (R12) and it needs no package of its own.
func TestEstimateR3R12FinalPartialBlockKeepsFeatures(t *testing.T) {
	start := billing.Month{Year: 2026, Month: time.January}
	cases := []struct {
		name     string
		months   int
		feature  billing.Feature
		packages []string // per block
		overage  int64
		total    string
	}{
		// One Standard (250,000 min) covers months 1–2 and 50,000 minutes
		// of month 3: overage 50,000 + 9 × 100,000 = 950,000 in block 1.
		// Nothing is left for month 13: 100,000 more. 1,050,000 × 0.025 =
		// 26,250.00 (every month's fee is exact to the fen); + 9,688 =
		// 35,938.00. A second Standard for month 13 would cost 9,688 to
		// save 2,500; an Enterprise instead (28,988, overage 300,000 =
		// 7,500) 36,488.00.
		{"R12 whiteboard for 13 months: block 1's Standard holds month 13", 13, billing.FeatureWhiteboardSDK,
			[]string{"standard×1", ""}, 1_050_000, "35938"},
		// One Premium (3,000,000 min) covers all 13 × 100,000 = 1,300,000
		// minutes and holds the 1V1 support to the end of month 13.
		{"R12 1V1 support for 13 months: one Premium", 13, billing.FeatureDedicatedSupport,
			[]string{"premium×1", ""}, 0, "73888"},
		// Blocks 1 and 2 as block 1 above: 950,000 overage each; month 25
		// 100,000. 2,000,000 × 0.025 = 50,000.00; + 2 × 9,688 = 69,376.00.
		{"R12 whiteboard for 25 months: block 2's Standard holds month 25", 25, billing.FeatureWhiteboardSDK,
			[]string{"standard×1", "standard×1", ""}, 2_000_000, "69376"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			est, alts, err := billing.Optimize(billing.EstimateInput{Start: start, Months: c.months, MonthlyMinutes: dec("100000"),
				Features: []billing.Feature{c.feature}})
			if err != nil {
				t.Fatal(err)
			}
			if got := blockPackages(est); fmt.Sprint(got) != fmt.Sprint(c.packages) {
				t.Errorf("packages per block: got %q, want %q", got, c.packages)
			}
			checkInt(t, "overage minutes", est.OverageMinutes, c.overage)
			checkMoney(t, "total", est.Total, c.total)
			if !est.MeetsFeatures {
				t.Error("the optimum does not meet the feature")
			}
			for _, a := range alts {
				if a.Total.LessThan(est.Total) && a.MeetsFeatures {
					t.Errorf("alternative %s with the feature costs %s, less than the optimum", a.Label, a.Total)
				}
			}
		})
	}
}

// blockPackages prints what each block buys: "standard×1", "" for nothing.
func blockPackages(est billing.Estimate) []string {
	var out []string
	for _, b := range est.Blocks {
		s := ""
		for _, p := range b.Packages {
			s += fmt.Sprintf("%s×%d", p.Plan, p.Count)
		}
		out = append(out, s)
	}
	return out
}

// A new customer's trial (R4) covers its usage while it is valid and has
// minutes; the service runs on it alone until then, and what it cannot
// cover is refused, never billed (R5). The estimate buys nothing while the
// trial covers every minute, and otherwise the cheapest plan that keeps the
// service running; it says when the trial runs out and what would be
// refused without a purchase.
func TestEstimateR4R5UsageTheTrialCovers(t *testing.T) {
	start := billing.Month{Year: 2026, Month: time.January}
	month := func(y int, m time.Month) *billing.Month { return &billing.Month{Year: y, Month: m} }
	cases := []struct {
		name      string
		months    int
		minutes   string
		features  []billing.Feature
		packages  []string
		carried   int64 // into block 2
		total     string
		coversAll bool
		runsOut   *billing.Month
		covered   int64
		refused   int64
	}{
		// 12 × 80 = 960 ≤ 1,000: the trial covers it all and still has 40
		// minutes at the end of 2026-12, so it lasts the horizon.
		{"nothing to buy when the trial covers it", 12, "80", nil,
			[]string{""}, 0, "0", true, nil, 960, 0},
		// 13 × 50 = 650 minutes: the trial, granted 2026-01-01, is valid to
		// 2027-01-31 (R3) and holds the demo source that long (R12); it
		// expires in 2027-01, the horizon's last month.
		{"R12 the trial holds the demo source to the end of month 13", 13, "50", []billing.Feature{billing.FeatureDemoSource},
			[]string{"", ""}, 50, "0", true, month(2027, time.January), 650, 0},
		// 150 a month: 6 × 150 = 900, then 100 of July's 150 use it up.
		// Alone it leaves 50 + 5 × 150 = 800 minutes refused. One Starter
		// on 2026-01-01 covers those 800: 3,688.00, no overage.
		{"the trial runs out in month 7: a Starter from the start", 12, "150", nil,
			[]string{"starter×1"}, 0, "3688", false, month(2026, time.July), 1_000, 800},
		// 50 a month for 24 months: the trial covers months 1–13 (650
		// minutes) and expires on 2027-01-31; alone, 11 × 50 = 550 minutes
		// are refused. A Starter bought on 2027-01-01 covers months 14–24:
		// 3,688.00. Bought on 2026-01-01 instead, it would expire with the
		// trial and months 14–24 would be overage: 11 × 1.25 more.
		{"the trial covers block 1 and month 13: buy at block 2's start", 24, "50", nil,
			[]string{"", "starter×1"}, 50, "3688", false, month(2027, time.January), 650, 550},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			est, _, err := billing.Optimize(billing.EstimateInput{Start: start, Months: c.months, MonthlyMinutes: dec(c.minutes),
				NewCustomer: true, Features: c.features})
			if err != nil {
				t.Fatal(err)
			}
			if got := blockPackages(est); fmt.Sprint(got) != fmt.Sprint(c.packages) {
				t.Errorf("packages per block: got %q, want %q", got, c.packages)
			}
			if len(est.Blocks) > 1 {
				checkInt(t, "carried into block 2", est.Blocks[1].CarriedIn, c.carried)
			}
			checkMoney(t, "total", est.Total, c.total)
			checkInt(t, "overage minutes", est.OverageMinutes, 0)
			tr := est.Trial
			if tr == nil {
				t.Fatal("no trial outlook for a new customer")
			}
			if !tr.Granted || tr.CoversAll != c.coversAll {
				t.Errorf("granted %v, covers all %v; want true, %v", tr.Granted, tr.CoversAll, c.coversAll)
			}
			if fmt.Sprint(tr.RunsOut) != fmt.Sprint(c.runsOut) {
				t.Errorf("runs out: got %v, want %v", tr.RunsOut, c.runsOut)
			}
			checkInt(t, "covered by the trial", tr.CoveredMinutes, c.covered)
			checkInt(t, "refused without a purchase", tr.RefusedWithoutPurchase, c.refused)
			checkTime(t, "trial expires on", tr.ExpiresOn, time.Date(2027, 1, 31, 0, 0, 0, 0, billing.CST))
		})
	}
	t.Run("a customer who is not new has no trial outlook", func(t *testing.T) {
		est, _, _ := billing.Optimize(billing.EstimateInput{Start: start, Months: 12, MonthlyMinutes: dec("80")})
		if est.Trial != nil {
			t.Errorf("trial: got %+v, want nil", est.Trial)
		}
		// R5: without a trial the account is closed until it buys.
		if got := blockPackages(est); fmt.Sprint(got) != "[starter×1]" {
			t.Errorf("packages: got %q, want one Starter", got)
		}
	})
}

// R4: no trial for a first application created before 2019-06-01, so a
// new customer's horizon starting in 2019-05 counts no trial minutes.
func TestEstimateR4NoTrialBeforeJune2019(t *testing.T) {
	cases := []struct {
		start   billing.Month
		granted bool
		total   string
		runsOut billing.Month
		refused int64
	}{
		// 12 × 60,000 = 720,000 minutes. One Starter: 670,000 overage
		// (month 1: 10,000 = 250.00; months 2–12: 11 × 1,500.00): 16,750.00
		// + 3,688 = 20,438.00. Alone, every minute is refused and the
		// service is closed from the first month.
		{billing.Month{Year: 2019, Month: time.May}, false, "20438", billing.Month{Year: 2019, Month: time.May}, 720_000},
		// From 2019-06-01 the trial counts: month 1's overage is 9,000
		// (225.00), so 16,725.00 + 3,688 = 20,413.00. Alone, the trial is
		// used up in the first month and 719,000 minutes are refused.
		{billing.Month{Year: 2019, Month: time.June}, true, "20413", billing.Month{Year: 2019, Month: time.June}, 719_000},
	}
	for _, c := range cases {
		t.Run("R4 a horizon from "+c.start.String(), func(t *testing.T) {
			est, _, err := billing.Optimize(billing.EstimateInput{Start: c.start, Months: 12, MonthlyMinutes: dec("60000"), NewCustomer: true})
			if err != nil {
				t.Fatal(err)
			}
			checkMoney(t, "total", est.Total, c.total)
			if est.Trial == nil {
				t.Fatal("no trial outlook for a new customer")
			}
			if est.Trial.Granted != c.granted || est.Trial.CoversAll {
				t.Errorf("granted %v, covers all %v; want %v, false", est.Trial.Granted, est.Trial.CoversAll, c.granted)
			}
			if est.Trial.RunsOut == nil || *est.Trial.RunsOut != c.runsOut {
				t.Errorf("runs out: got %v, want %s", est.Trial.RunsOut, c.runsOut)
			}
			checkInt(t, "refused without a purchase", est.Trial.RefusedWithoutPurchase, c.refused)
		})
	}
}

// trialProgramStart is R4's date, written out again so that the oracle
// below does not lean on the code it checks.
var trialProgramStart = time.Date(2019, 6, 1, 0, 0, 0, 0, billing.CST)

// referenceRun is a purchase plan rated by the rating engine itself.
type referenceRun struct {
	cost decimal.Decimal
	// runs: the service is open at the horizon's start and no minute is
	// refused (R5, R7); holds: every required feature is held in every
	// month by a valid package (R12).
	runs, holds bool
	refused     int64
	// runsOut is the first month at whose end the account is closed (R5),
	// nil when none; trialUsed the minutes drawn from the trial.
	runsOut   *billing.Month
	trialUsed int64
}

// reference rates a purchase plan (counts of Starter, Standard, Enterprise
// and Premium per 12-month block) with the rating engine: a new customer's
// first application at 00:00 CST on the 1st of the first month brings the
// trial when that is on or after 2019-06-01 (R4); packages are bought on
// the 1st of each block's first month; each month's usage is one piece;
// each month's fee is rounded to the fen (R10). runsOut is looked for only
// when outlook is set: it rates the usage again at each month's end.
func reference(in billing.EstimateInput, usage []int64, plan [][4]int, outlook bool) referenceRun {
	codes := []billing.PlanCode{billing.Starter, billing.Standard, billing.Enterprise, billing.Premium}
	var pkgs []billing.Package
	var id, trialID int64
	run := referenceRun{cost: decimal.Zero, runs: true, holds: true}
	m := in.Start
	var pieces []billing.Piece
	months := []billing.Month{}
	for i, u := range usage {
		if i%12 == 0 {
			at := m.Start()
			if i == 0 && in.NewCustomer && !at.Before(trialProgramStart) {
				id++
				trialID = id
				pkgs = append(pkgs, billing.Package{ID: id, Plan: billing.Trial, PurchasedAt: at, Included: 1000})
			}
			for j, n := range plan[i/12] {
				pl, _ := billing.LookupPlan(string(codes[j]))
				for range n {
					id++
					pkgs = append(pkgs, billing.Package{ID: id, Plan: pl.Code, PurchasedAt: at.Add(time.Duration(id) * time.Second), Included: pl.IncludedMinutes, Price: pl.Price})
					run.cost = run.cost.Add(pl.Price)
				}
			}
		}
		if u > 0 {
			pieces = append(pieces, billing.Piece{Start: m.Start().Add(time.Hour), Seconds: u * 60, Key: fmt.Sprint(i)})
		}
		months = append(months, m)
		m = m.Next()
	}
	start := in.Start.Start().Add(time.Hour)
	if billing.StatusAt(start, pkgs, billing.Rate(pkgs, nil, start).Balances) == billing.StatusClosed {
		run.runs = false
	}
	r := billing.Rate(pkgs, pieces, m.Start())
	for _, mo := range months {
		mr := r.Month(mo)
		run.cost = run.cost.Add(billing.AmountDue(billing.OverageFee(mr.OverageMinutes())))
		run.refused += mr.RefusedMinutes()
		for _, d := range mr.Deductions {
			if d.PackageID == trialID {
				run.trialUsed += d.Minutes
			}
		}
		if outlook && run.runsOut == nil {
			end := mo.End()
			if billing.StatusAt(end, pkgs, billing.Rate(pkgs, pieces, end).Balances) == billing.StatusClosed {
				month := mo
				run.runsOut = &month
			}
		}
		if len(in.Features) > 0 && run.holds {
			held := map[billing.Feature]bool{}
			for _, e := range billing.Entitlements(mo.Start().Add(time.Hour), pkgs) {
				held[e.Feature] = true
			}
			for _, f := range in.Features {
				run.holds = run.holds && held[f]
			}
		}
	}
	run.runs = run.runs && run.refused == 0
	return run
}

// referenceCost is what the rating engine bills for a plan.
func referenceCost(in billing.EstimateInput, usage []int64, plan [][4]int) decimal.Decimal {
	return reference(in, usage, plan, false).cost
}

// The estimator's answer equals a brute-force search over every
// combination of 0–1 Starter, Standard and Enterprise and 0 up to enough
// Premiums for the block and the month after it (at least 1) per block,
// each rated and checked by the rating engine (Rate, StatusAt,
// Entitlements): the cheapest plan that keeps the service running and
// holds the features. The cases are the examples and seeded random
// ones: horizons that end in a partial block (13 and 25 months among
// them), required features, new customers whose trial covers all, some or
// little of the usage, and horizons that start before the trial existed.
func TestEstimateMatchesBruteForce(t *testing.T) {
	month := func(y int, m time.Month) billing.Month { return billing.Month{Year: y, Month: m} }
	whiteboard := []billing.Feature{billing.FeatureWhiteboardSDK}
	dedicated := []billing.Feature{billing.FeatureDedicatedSupport}
	cases := []billing.EstimateInput{
		{Start: month(2026, time.January), Months: 13, MonthlyMinutes: dec("100000"), Features: whiteboard},
		{Start: month(2026, time.January), Months: 13, MonthlyMinutes: dec("100000"), Features: dedicated},
		{Start: month(2026, time.January), Months: 25, MonthlyMinutes: dec("100000"), Features: whiteboard},
		{Start: month(2026, time.January), Months: 13, MonthlyMinutes: dec("50"), NewCustomer: true,
			Features: []billing.Feature{billing.FeatureDemoSource}},
		{Start: month(2026, time.January), Months: 12, MonthlyMinutes: dec("80"), NewCustomer: true},
		{Start: month(2026, time.January), Months: 24, MonthlyMinutes: dec("50"), NewCustomer: true},
		{Start: month(2019, time.May), Months: 12, MonthlyMinutes: dec("60"), NewCustomer: true},
		{Start: month(2019, time.June), Months: 12, MonthlyMinutes: dec("60"), NewCustomer: true},
	}
	r := rand.New(rand.NewPCG(5, 42))
	for range 90 {
		in := billing.EstimateInput{
			Start:       billing.Month{Year: 2025 + r.IntN(3), Month: time.Month(1 + r.IntN(12))},
			Months:      1 + r.IntN(25),
			GrowthPct:   decimal.NewFromInt(int64(r.IntN(12) - 5)),
			NewCustomer: r.IntN(2) == 0,
		}
		if r.IntN(4) == 0 {
			in.Start = billing.Month{Year: 2018 + r.IntN(2), Month: time.Month(1 + r.IntN(12))}
		}
		if r.IntN(4) == 0 {
			in.Months = []int{13, 25, 14, 24}[r.IntN(4)]
		}
		scale := []int{120, 3_000, 150_000, 150_000}[r.IntN(4)]
		in.MonthlyMinutes = decimal.NewFromInt(int64(r.IntN(scale)))
		if r.IntN(3) == 0 {
			in.Features = []billing.Feature{billing.AllFeatures[r.IntN(len(billing.AllFeatures))]}
		}
		cases = append(cases, in)
	}
	corners := map[string]int{}
	for c, in := range cases {
		t.Run(fmt.Sprintf("case %d: %s %s minutes, %d months, %s%% growth, new %v, features %v",
			c, in.Start, in.MonthlyMinutes, in.Months, in.GrowthPct, in.NewCustomer, in.Features), func(t *testing.T) {
			est, _, err := billing.Optimize(in)
			if err != nil {
				t.Fatal(err)
			}
			usage := est.MonthlyUsage
			blocks := (len(usage) + 11) / 12
			options := make([][][4]int, blocks)
			for b := range blocks {
				var window int64
				for _, u := range usage[b*12 : min(b*12+13, len(usage))] {
					window += u
				}
				for p := range int(max(1, (window+2_999_999)/3_000_000)) + 1 {
					for x := range 8 {
						options[b] = append(options[b], [4]int{x & 1, x >> 1 & 1, x >> 2, p})
					}
				}
			}
			var best decimal.Decimal
			found := false
			var walk func(b int, plan [][4]int)
			walk = func(b int, plan [][4]int) {
				if b == blocks {
					if run := reference(in, usage, plan, false); run.runs && run.holds && (!found || run.cost.LessThan(best)) {
						best, found = run.cost, true
					}
					return
				}
				for _, o := range options[b] {
					walk(b+1, append(plan, o))
				}
			}
			walk(0, nil)
			if !found || !est.Total.Equal(best) {
				t.Errorf("estimator: %s, brute force: %s (found %v; blocks %+v)", est.Total, best, found, est.Blocks)
			}
			if !est.MeetsFeatures {
				t.Error("the optimum does not meet the features")
			}

			// The trial alone: what the rating engine says of buying nothing.
			alone := reference(in, usage, make([][4]int, blocks), true)
			switch {
			case !in.NewCustomer:
				if est.Trial != nil {
					t.Errorf("trial: got %+v for a customer who is not new, want nil", est.Trial)
				}
			case est.Trial == nil:
				t.Error("trial: got nil for a new customer")
			default:
				tr := est.Trial
				checkInt(t, "refused without a purchase", tr.RefusedWithoutPurchase, alone.refused)
				checkInt(t, "minutes the trial covers", tr.CoveredMinutes, alone.trialUsed)
				if tr.CoversAll != (alone.runs && tr.Granted) {
					t.Errorf("covers all: got %v, want %v", tr.CoversAll, alone.runs)
				}
				if fmt.Sprint(tr.RunsOut) != fmt.Sprint(alone.runsOut) {
					t.Errorf("runs out: got %v, want %v", tr.RunsOut, alone.runsOut)
				}
			}

			for i, b := range est.Blocks {
				for _, pc := range b.Packages {
					if pc.Plan == billing.Premium && len(in.Features) == 0 {
						corners["Premium chosen on price"]++
					}
				}
				if b.CarriedIn > 0 {
					corners["minutes carried into the next block"]++
				}
				if len(b.Packages) == 0 && i < len(est.Blocks)-1 && in.NewCustomer {
					corners["a block left to the trial"]++
				}
				if len(b.Packages) == 0 && b.Months == 1 && len(in.Features) > 0 {
					corners["a one-month final block held by the previous block"]++
				}
			}
			if est.Trial != nil && est.Trial.CoversAll && est.PackagesCost.IsZero() {
				corners["nothing to buy: the trial covers all"]++
			}
			if est.Trial != nil && !est.Trial.Granted {
				corners["no trial before 2019-06-01"]++
			}
		})
	}
	// The cases reach the interesting corners.
	for _, want := range []string{"Premium chosen on price", "minutes carried into the next block", "a block left to the trial",
		"a one-month final block held by the previous block", "nothing to buy: the trial covers all", "no trial before 2019-06-01"} {
		if corners[want] == 0 {
			t.Errorf("no case reaches %q", want)
		}
	}
}

// The estimator's own pricing of a plan equals the rating engine's.
func TestEstimatePricesLikeTheRatingEngine(t *testing.T) {
	in := billing.EstimateInput{Start: billing.Month{Year: 2026, Month: time.May}, Months: 30, MonthlyMinutes: dec("150000"), GrowthPct: dec("7.5"), NewCustomer: true}
	est, alts, err := billing.Optimize(in)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[billing.PlanCode]int{billing.Starter: 0, billing.Standard: 1, billing.Enterprise: 2, billing.Premium: 3}
	for _, e := range append(alts, est) {
		plan := make([][4]int, len(e.Blocks))
		for i, b := range e.Blocks {
			for _, pc := range b.Packages {
				plan[i][codes[pc.Plan]] = pc.Count
			}
		}
		if ref := referenceCost(in, e.MonthlyUsage, plan); !ref.Equal(e.Total) {
			t.Errorf("%s: estimator %s, rating engine %s", e.Label, e.Total, ref)
		}
	}
}
