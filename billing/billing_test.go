package billing_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"rtcbill/billing"
)

// ---------------------------------------------------------------- helpers

// cst is a wall-clock instant in China Standard Time (R2).
func cst(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, billing.CST)
}

// day is 00:00 CST of a calendar date.
func day(y int, mo time.Month, d int) time.Time { return cst(y, mo, d, 0, 0, 0) }

// at parses a fixed RFC 3339 instant written in the test.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad instant %q in the test: %v", s, err)
	}
	return v
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// farFuture bounds SplitSession when a test wants every second.
var farFuture = day(2100, 1, 1)

// grant is the trial granted when the first application is created (R4).
func grant(id int64, created time.Time) billing.Package {
	return billing.Package{ID: id, Plan: billing.Trial, PurchasedAt: created, Included: 1_000, Price: decimal.Zero}
}

// buy is a paid package bought at an instant, with the catalog's minutes and price (R1).
func buy(t *testing.T, id int64, code billing.PlanCode, bought time.Time) billing.Package {
	t.Helper()
	plan, ok := billing.LookupPlan(string(code))
	if !ok {
		t.Fatalf("plan %q missing from the catalog", code)
	}
	return billing.Package{ID: id, OrderID: fmt.Sprintf("order-%d", id), Plan: code, PurchasedAt: bought,
		Included: plan.IncludedMinutes, Price: plan.Price}
}

// small is a paid package with only a few minutes, to reach the edges of R7/R8 quickly.
func small(id int64, bought time.Time, minutes int64) billing.Package {
	return billing.Package{ID: id, OrderID: fmt.Sprintf("order-%d", id), Plan: billing.Starter, PurchasedAt: bought,
		Included: minutes, Price: dec("3688")}
}

func sess(id string, app int64, room, user string, joined time.Time, d time.Duration) billing.Session {
	return billing.Session{ID: id, App: app, Room: room, User: user, Joined: joined, Left: joined.Add(d)}
}

// split cuts sessions into CST-day pieces (R6).
func split(ss ...billing.Session) []billing.Piece {
	var ps []billing.Piece
	for _, s := range ss {
		ps = billing.SplitSession(ps, s, billing.MinInstant, farFuture)
	}
	return ps
}

func piece(key string, start time.Time, seconds int64) billing.Piece {
	return billing.Piece{Start: start, Seconds: seconds, Key: key, App: 1400000001}
}

// deduction finds a package's deduction in a month's rating.
func deduction(mr billing.MonthRating, id int64) (billing.Deduction, bool) {
	for _, d := range mr.Deductions {
		if d.PackageID == id {
			return d, true
		}
	}
	return billing.Deduction{}, false
}

func checkDeduction(t *testing.T, mr billing.MonthRating, id, wantSeconds, wantMinutes int64) {
	t.Helper()
	d, ok := deduction(mr, id)
	if wantSeconds == 0 {
		if ok {
			t.Errorf("%s: package %d: got deduction %+v, want none", mr.Month, id, d)
		}
		return
	}
	if !ok {
		t.Errorf("%s: package %d: got no deduction, want %d s / %d min", mr.Month, id, wantSeconds, wantMinutes)
		return
	}
	if d.Seconds != wantSeconds || d.Minutes != wantMinutes {
		t.Errorf("%s: package %d: got %d s / %d min, want %d s / %d min", mr.Month, id, d.Seconds, d.Minutes, wantSeconds, wantMinutes)
	}
}

func checkInt(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %d, want %d", what, got, want)
	}
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: got %s, want %s", what, billing.FormatInstant(got), billing.FormatInstant(want))
	}
}

func checkMoney(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s: got %s, want %s", what, got, want)
	}
}

// ---------------------------------------------------------------- R1

func TestR1Catalog(t *testing.T) {
	type row struct {
		code        billing.PlanCode
		included    int64
		price       string
		purchasable bool
		features    billing.Features
	}
	want := []row{
		{billing.Trial, 1_000, "0", false, billing.Features{DemoSource: true}},
		{billing.Starter, 50_000, "3688", true, billing.Features{DemoSource: true, GroupSupport: true}},
		{billing.Standard, 250_000, "9688", true, billing.Features{DemoSource: true, GroupSupport: true, WhiteboardSDK: true}},
		{billing.Enterprise, 1_000_000, "28988", true, billing.Features{DemoSource: true, GroupSupport: true, WhiteboardSDK: true}},
		{billing.Premium, 3_000_000, "73888", true, billing.Features{DemoSource: true, GroupSupport: true, WhiteboardSDK: true, DedicatedSupport: true}},
	}
	plans := billing.Plans()
	if len(plans) != len(want) {
		t.Fatalf("R1 catalog size: got %d plans, want %d", len(plans), len(want))
	}
	for i, w := range want {
		t.Run("R1 catalog row "+string(w.code), func(t *testing.T) {
			p := plans[i]
			if p.Code != w.code {
				t.Fatalf("row %d: got code %q, want %q", i, p.Code, w.code)
			}
			checkInt(t, "included minutes", p.IncludedMinutes, w.included)
			checkMoney(t, "price", p.Price, w.price)
			if p.Purchasable != w.purchasable {
				t.Errorf("purchasable: got %v, want %v", p.Purchasable, w.purchasable)
			}
			if p.Features != w.features {
				t.Errorf("features: got %+v, want %+v", p.Features, w.features)
			}
			got, ok := billing.LookupPlan(string(w.code))
			if !ok || got.Code != w.code {
				t.Errorf("LookupPlan(%q): got %q, %v, want %q, true", w.code, got.Code, ok, w.code)
			}
		})
	}
	t.Run("R1 unknown plan code is not found", func(t *testing.T) {
		if p, ok := billing.LookupPlan("gold"); ok {
			t.Errorf("LookupPlan(gold): got %+v, true, want false", p)
		}
	})
	t.Run("R1 Plans returns a copy", func(t *testing.T) {
		p := billing.Plans()
		p[1].Price = dec("1")
		if got := billing.Plans()[1].Price; !got.Equal(dec("3688")) {
			t.Errorf("starter price after editing a copy: got %s, want 3688", got)
		}
	})
	t.Run("R1 overage rate is 25 CNY per 1000 minutes", func(t *testing.T) {
		checkMoney(t, "OveragePricePer1000", billing.OveragePricePer1000(), "25")
	})
}

// ---------------------------------------------------------------- R2

func TestR2Calendar(t *testing.T) {
	t.Run("R2 zone is Asia/Shanghai at UTC+8", func(t *testing.T) {
		if name := billing.CST.String(); name != "Asia/Shanghai" {
			t.Errorf("zone: got %q, want Asia/Shanghai", name)
		}
		_, off := time.Date(2019, 7, 1, 0, 0, 0, 0, time.UTC).In(billing.CST).Zone()
		checkInt(t, "offset seconds", int64(off), 8*3600)
	})
	tests := []struct {
		name     string
		in       string
		dayStart time.Time
		month    billing.Month
		date     string
	}{
		{"R2 UTC evening is the next CST day", "2019-07-31T16:00:00Z", day(2019, 8, 1), billing.Month{Year: 2019, Month: time.August}, "2019-08-01"},
		{"R2 UTC one second earlier stays in July", "2019-07-31T15:59:59Z", day(2019, 7, 31), billing.Month{Year: 2019, Month: time.July}, "2019-07-31"},
		{"R2 CST instant keeps its day", "2019-12-31T23:59:59+08:00", day(2019, 12, 31), billing.Month{Year: 2019, Month: time.December}, "2019-12-31"},
		{"R2 US instant lands on the next CST day", "2019-12-31T12:00:00-05:00", day(2020, 1, 1), billing.Month{Year: 2020, Month: time.January}, "2020-01-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := at(t, tc.in)
			checkTime(t, "DayStart", billing.DayStart(in), tc.dayStart)
			checkTime(t, "NextDayStart", billing.NextDayStart(in), tc.dayStart.AddDate(0, 0, 1))
			if got := billing.MonthOf(in); got != tc.month {
				t.Errorf("MonthOf: got %v, want %v", got, tc.month)
			}
			if got := billing.FormatDate(in); got != tc.date {
				t.Errorf("FormatDate: got %q, want %q", got, tc.date)
			}
		})
	}
	t.Run("R2 FormatInstant writes +08:00", func(t *testing.T) {
		if got, want := billing.FormatInstant(at(t, "2019-07-31T16:30:00Z")), "2019-08-01T00:30:00+08:00"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("R2 month bounds and order across a year end", func(t *testing.T) {
		dec2019 := billing.Month{Year: 2019, Month: time.December}
		checkTime(t, "Start", dec2019.Start(), day(2019, 12, 1))
		checkTime(t, "End", dec2019.End(), day(2020, 1, 1))
		if got, want := dec2019.Next(), (billing.Month{Year: 2020, Month: time.January}); got != want {
			t.Errorf("Next: got %v, want %v", got, want)
		}
		if !dec2019.Before(dec2019.Next()) || dec2019.Next().Before(dec2019) || dec2019.Before(dec2019) {
			t.Errorf("Before: got wrong order around %v", dec2019)
		}
		if got := dec2019.String(); got != "2019-12" {
			t.Errorf("String: got %q, want 2019-12", got)
		}
	})
}

// ---------------------------------------------------------------- R3

func TestR3Validity(t *testing.T) {
	tests := []struct {
		name    string
		bought  string
		from    time.Time
		expires time.Time
	}{
		{"R3 seed example mid-month purchase", "2019-03-15T10:00:00+08:00", day(2019, 3, 15), day(2020, 3, 31)},
		{"R3 expiry of a leap day purchase", "2020-02-29T12:00:00+08:00", day(2020, 2, 29), day(2021, 2, 28)},
		{"R3 December purchase expires at the next year end", "2019-12-01T08:00:00+08:00", day(2019, 12, 1), day(2020, 12, 31)},
		{"R3 January 31 purchase", "2019-01-31T23:00:00+08:00", day(2019, 1, 31), day(2020, 1, 31)},
		{"R3 last second of a year", "2019-12-31T23:59:59+08:00", day(2019, 12, 31), day(2020, 12, 31)},
		{"R3 UTC instant on the next CST day and month", "2019-03-31T16:30:00Z", day(2019, 4, 1), day(2020, 4, 30)},
		{"R3 UTC year end that is New Year in CST", "2019-12-31T16:00:00Z", day(2020, 1, 1), day(2021, 1, 31)},
		{"R3 UTC one second before CST New Year", "2019-12-31T15:59:59Z", day(2019, 12, 31), day(2020, 12, 31)},
		{"R3 purchase at CST midnight", "2019-06-01T00:00:00+08:00", day(2019, 6, 1), day(2020, 6, 30)},
		{"R3 February purchase expires on a leap day", "2019-02-28T10:00:00+08:00", day(2019, 2, 28), day(2020, 2, 29)},
		{"R3 month end purchase in a leap year", "2020-01-31T10:00:00+08:00", day(2020, 1, 31), day(2021, 1, 31)},
		{"R3 US evening is the next CST month", "2019-02-28T20:00:00-05:00", day(2019, 3, 1), day(2020, 3, 31)},
		{"R3 last second of July", "2019-07-31T23:59:59+08:00", day(2019, 7, 31), day(2020, 7, 31)},
		{"R3 UTC November 30 evening is December 1 in CST", "2019-11-30T16:00:00Z", day(2019, 12, 1), day(2020, 12, 31)},
		{"R3 UTC instant that is the leap day in CST", "2020-02-28T16:00:00Z", day(2020, 2, 29), day(2021, 2, 28)},
		{"R3 UTC instant on the first day of a month", "2019-09-30T16:00:00Z", day(2019, 10, 1), day(2020, 10, 31)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bought := at(t, tc.bought)
			v := billing.ValidityOf(bought)
			checkTime(t, "From", v.From, tc.from)
			checkTime(t, "ExpiresOn", v.ExpiresOn(), tc.expires)
			checkTime(t, "Until", v.Until, tc.expires.AddDate(0, 0, 1))
			if !v.Contains(tc.from) || !v.Contains(bought) {
				t.Errorf("Contains: got false for From or the purchase, want true")
			}
			if v.Contains(tc.from.Add(-time.Second)) {
				t.Errorf("Contains(From-1s): got true, want false")
			}
			if !v.Contains(v.Until.Add(-time.Second)) || v.Contains(v.Until) {
				t.Errorf("Contains around Until: want valid to the last second of %s, not at %s",
					billing.FormatDate(tc.expires), billing.FormatInstant(v.Until))
			}
			pv := billing.Package{PurchasedAt: bought}.Validity()
			if !pv.From.Equal(v.From) || !pv.Until.Equal(v.Until) {
				t.Errorf("Package.Validity: got %v, want %v", pv, v)
			}
		})
	}
}

// ---------------------------------------------------------------- R4

func TestR4Trial(t *testing.T) {
	tests := []struct {
		name  string
		first string
		want  bool
	}{
		{"R4 one second before the program gets no trial", "2019-05-31T23:59:59+08:00", false},
		{"R4 program start in CST gets the trial", "2019-06-01T00:00:00+08:00", true},
		{"R4 program start written in UTC gets the trial", "2019-05-31T16:00:00Z", true},
		{"R4 one second before the program in UTC gets no trial", "2019-05-31T15:59:59Z", false},
		{"R4 long before the program gets no trial", "2018-01-01T12:00:00+08:00", false},
		{"R4 W1 first application gets the trial", "2019-07-01T09:00:00+08:00", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.GrantsTrial(at(t, tc.first)); got != tc.want {
				t.Errorf("GrantsTrial(%s): got %v, want %v", tc.first, got, tc.want)
			}
		})
	}
	t.Run("R4 the trial cannot be bought and is not paid", func(t *testing.T) {
		p, _ := billing.LookupPlan(string(billing.Trial))
		if p.Purchasable {
			t.Errorf("trial Purchasable: got true, want false")
		}
		if grant(1, day(2019, 7, 1)).Paid() {
			t.Errorf("trial Paid: got true, want false")
		}
	})
}

// ---------------------------------------------------------------- R5

func TestR5StatusAt(t *testing.T) {
	created := cst(2019, 7, 1, 9, 0, 0)
	trial := grant(1, created)
	starter := buy(t, 2, billing.Starter, cst(2019, 8, 10, 15, 0, 0))
	// 1,000 minutes on 2019-07-05 (00:00–16:40) use the trial up.
	useUp := split(sess("u1", 1, "r", "a", day(2019, 7, 5), 1000*time.Minute))
	some := split(sess("s1", 1, "r", "a", cst(2019, 7, 5, 8, 0, 0), 10*time.Minute))

	tests := []struct {
		name   string
		pkgs   []billing.Package
		pieces []billing.Piece
		t      time.Time
		want   billing.Status
	}{
		{"R5 never had a package is closed", nil, nil, cst(2019, 7, 2, 0, 0, 0), billing.StatusClosed},
		{"R5 valid trial with minutes left is trial", []billing.Package{trial}, some, cst(2019, 7, 6, 0, 0, 0), billing.StatusTrial},
		{"R5 before the trial is granted is closed", []billing.Package{trial}, nil, created.Add(-time.Second), billing.StatusClosed},
		{"R5 at the trial grant instant is trial", []billing.Package{trial}, nil, created, billing.StatusTrial},
		{"R5 used up trial is closed", []billing.Package{trial}, useUp, cst(2019, 7, 6, 0, 0, 0), billing.StatusClosed},
		{"R5 trial on its last second is trial", []billing.Package{trial}, some, cst(2020, 7, 31, 23, 59, 59), billing.StatusTrial},
		{"R5 expired trial is closed", []billing.Package{trial}, some, day(2020, 8, 1), billing.StatusClosed},
		{"R5 one second before the first purchase is still trial", []billing.Package{trial, starter}, some, starter.PurchasedAt.Add(-time.Second), billing.StatusTrial},
		{"R5 at the purchase instant is active", []billing.Package{trial, starter}, some, starter.PurchasedAt, billing.StatusActive},
		{"R5 purchase re-activates a used up trial", []billing.Package{trial, starter}, useUp, starter.PurchasedAt, billing.StatusActive},
		{"R5 active stays active after every package expired", []billing.Package{trial, starter}, useUp, day(2022, 1, 1), billing.StatusActive},
		{"R5 no trial and before the purchase is closed", []billing.Package{starter}, nil, day(2019, 8, 10), billing.StatusClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := billing.Rate(tc.pkgs, tc.pieces, tc.t)
			if got := billing.StatusAt(tc.t, tc.pkgs, r.Balances); got != tc.want {
				t.Errorf("StatusAt(%s): got %s, want %s", billing.FormatInstant(tc.t), got, tc.want)
			}
		})
	}
}

func TestR5StateAt(t *testing.T) {
	p := buy(t, 7, billing.Starter, cst(2019, 8, 10, 15, 0, 0))
	tiny := small(8, cst(2019, 8, 10, 15, 0, 0), 1)
	used := split(sess("s1", 1, "r", "a", cst(2019, 8, 11, 10, 0, 0), 2*time.Minute))
	tests := []struct {
		name string
		p    billing.Package
		t    time.Time
		want billing.PackageState
	}{
		{"R5 state upcoming the day before", p, cst(2019, 8, 9, 23, 59, 59), billing.StateUpcoming},
		{"R5 state valid from 00:00 of the purchase day", p, day(2019, 8, 10), billing.StateValid},
		{"R5 state valid on the last second", p, cst(2020, 8, 31, 23, 59, 59), billing.StateValid},
		{"R5 state expired at Until", p, day(2020, 9, 1), billing.StateExpired},
		{"R5 state exhausted when used up", tiny, day(2019, 8, 12), billing.StateExhausted},
		{"R5 state expired beats exhausted", tiny, day(2020, 9, 1), billing.StateExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := billing.Rate([]billing.Package{tc.p}, used, tc.t)
			if got := billing.StateAt(tc.t, tc.p, r.Balances[tc.p.ID]); got != tc.want {
				t.Errorf("StateAt(%s): got %s, want %s", billing.FormatInstant(tc.t), got, tc.want)
			}
		})
	}
}

// A package's capacity at t must be what it can cover at t (R5, R8): at the
// first instant of a month it enters with its whole minutes only.
func TestR5CapacityAtMonthBoundary(t *testing.T) {
	trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
	pkgs := []billing.Package{trial}
	// 999.5 minutes in July: 1,000 minutes deducted, 30 s of July capacity left.
	pieces := split(sess("s1", 1, "r", "a", cst(2019, 7, 5, 0, 0, 0), 59_970*time.Second))

	t.Run("R5 trial used to its last minute is closed at 00:00 of the next month", func(t *testing.T) {
		when := day(2019, 8, 1)
		r := billing.Rate(pkgs, pieces, when)
		b := r.Balances[trial.ID]
		checkInt(t, "remaining minutes", b.RemainingMinutes, 0)
		checkInt(t, "capacity seconds", b.CapacitySeconds, 0)
		if got := billing.StatusAt(when, pkgs, r.Balances); got != billing.StatusClosed {
			t.Errorf("StatusAt: got %s, want %s", got, billing.StatusClosed)
		}
		if got := billing.StateAt(when, trial, b); got != billing.StateExhausted {
			t.Errorf("StateAt: got %s, want %s", got, billing.StateExhausted)
		}
	})
	t.Run("R8 rounding leaves the rest of the minute usable inside July", func(t *testing.T) {
		when := cst(2019, 7, 31, 23, 59, 59)
		r := billing.Rate(pkgs, pieces, when)
		checkInt(t, "capacity seconds", r.Balances[trial.ID].CapacitySeconds, 30)
		if got := billing.StatusAt(when, pkgs, r.Balances); got != billing.StatusTrial {
			t.Errorf("StatusAt: got %s, want %s", got, billing.StatusTrial)
		}
	})
	t.Run("R8 partly used trial enters August with whole minutes", func(t *testing.T) {
		part := split(sess("s1", 1, "r", "a", cst(2019, 7, 5, 0, 0, 0), 1830*time.Second))
		b := billing.Rate(pkgs, part, day(2019, 8, 1)).Balances[trial.ID]
		checkInt(t, "remaining minutes", b.RemainingMinutes, 969)
		checkInt(t, "capacity seconds", b.CapacitySeconds, 969*60)
	})
}

// ---------------------------------------------------------------- R6

func TestR6Usage(t *testing.T) {
	type pc struct {
		start   time.Time
		seconds int64
	}
	tests := []struct {
		name        string
		joined      string
		left        string
		from, until time.Time
		want        []pc
	}{
		{"R6 session inside one day is one piece", "2019-07-10T10:00:00+08:00", "2019-07-10T10:30:00+08:00",
			billing.MinInstant, farFuture, []pc{{cst(2019, 7, 10, 10, 0, 0), 1800}}},
		{"R6 session crossing CST midnight at a month end is split", "2019-07-31T23:50:00+08:00", "2019-08-01T00:20:00+08:00",
			billing.MinInstant, farFuture, []pc{{cst(2019, 7, 31, 23, 50, 0), 600}, {day(2019, 8, 1), 1200}}},
		{"R6 the same session written in UTC is split at CST midnight", "2019-07-31T15:50:00Z", "2019-07-31T16:20:00Z",
			billing.MinInstant, farFuture, []pc{{cst(2019, 7, 31, 23, 50, 0), 600}, {day(2019, 8, 1), 1200}}},
		{"R6 UTC midnight is not a cut", "2019-07-31T23:50:00Z", "2019-08-01T00:20:00Z",
			billing.MinInstant, farFuture, []pc{{cst(2019, 8, 1, 7, 50, 0), 1800}}},
		{"R6 session over a year end spans three days", "2019-12-31T22:00:00+08:00", "2020-01-02T01:00:00+08:00",
			billing.MinInstant, farFuture, []pc{{cst(2019, 12, 31, 22, 0, 0), 7200}, {day(2020, 1, 1), 86400}, {day(2020, 1, 2), 3600}}},
		{"R6 split is clipped to from and until", "2019-07-31T23:50:00+08:00", "2019-08-01T00:20:00+08:00",
			cst(2019, 7, 31, 23, 55, 0), cst(2019, 8, 1, 0, 10, 0), []pc{{cst(2019, 7, 31, 23, 55, 0), 300}, {day(2019, 8, 1), 600}}},
		{"R6 empty session has no piece", "2019-07-10T10:00:00+08:00", "2019-07-10T10:00:00+08:00",
			billing.MinInstant, farFuture, nil},
		{"R6 session outside the window has no piece", "2019-07-10T10:00:00+08:00", "2019-07-10T11:00:00+08:00",
			day(2019, 8, 1), farFuture, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := billing.Session{ID: "s1", App: 1400000001, Room: "r", User: "u", Joined: at(t, tc.joined), Left: at(t, tc.left)}
			got := billing.SplitSession(nil, s, tc.from, tc.until)
			if len(got) != len(tc.want) {
				t.Fatalf("pieces: got %d (%+v), want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				checkTime(t, fmt.Sprintf("piece %d start", i), got[i].Start, w.start)
				checkInt(t, fmt.Sprintf("piece %d seconds", i), got[i].Seconds, w.seconds)
				if got[i].Key != s.ID || got[i].App != s.App {
					t.Errorf("piece %d: got key %q app %d, want %q %d", i, got[i].Key, got[i].App, s.ID, s.App)
				}
			}
		})
	}
	t.Run("R6 a session crossing a month end is rated in both months", func(t *testing.T) {
		s := sess("s1", 1, "r", "a", cst(2019, 7, 31, 23, 50, 0), 30*time.Minute)
		checkInt(t, "Session.Seconds", s.Seconds(), 1800)
		r := billing.Rate(nil, split(s), day(2019, 9, 1))
		checkInt(t, "July usage seconds", r.Month(billing.Month{Year: 2019, Month: time.July}).UsageSeconds, 600)
		checkInt(t, "August usage seconds", r.Month(billing.Month{Year: 2019, Month: time.August}).UsageSeconds, 1200)
		checkInt(t, "number of months", int64(len(r.Months)), 2)
	})
	t.Run("R6 fractions of a second are not counted", func(t *testing.T) {
		s := billing.Session{Joined: cst(2019, 7, 1, 10, 0, 0), Left: cst(2019, 7, 1, 10, 0, 59).Add(999 * time.Millisecond)}
		checkInt(t, "Session.Seconds", s.Seconds(), 59)
	})
}

func TestW2RoomDuration(t *testing.T) {
	t.Run("W2 A 10 + B 20 + C 10 minutes in one room is 40 minutes", func(t *testing.T) {
		ss := []billing.Session{
			sess("a", 1, "room-1", "A", cst(2019, 7, 10, 10, 0, 0), 10*time.Minute),
			sess("b", 1, "room-1", "B", cst(2019, 7, 10, 10, 2, 0), 20*time.Minute),
			sess("c", 1, "room-1", "C", cst(2019, 7, 10, 10, 5, 0), 10*time.Minute),
		}
		var total int64
		for _, s := range ss {
			total += s.Seconds()
		}
		checkInt(t, "sum of session seconds", total, 2400)
		mr := billing.Rate(nil, split(ss...), day(2019, 8, 1)).Month(billing.Month{Year: 2019, Month: time.July})
		checkInt(t, "month usage seconds", mr.UsageSeconds, 2400)
		checkInt(t, "month usage minutes", mr.UsageMinutes(), 40)
	})
}

// ---------------------------------------------------------------- R7

func TestR7Deduction(t *testing.T) {
	aug := billing.Month{Year: 2019, Month: time.August}
	t.Run("R7 same expiry draws the earlier purchase first", func(t *testing.T) {
		// The earlier purchase has the higher id: purchase time decides before id.
		early := small(9, cst(2019, 8, 5, 10, 0, 0), 1)
		late := small(3, cst(2019, 8, 20, 10, 0, 0), 10)
		mr := billing.Rate([]billing.Package{late, early}, []billing.Piece{piece("s1", cst(2019, 8, 25, 10, 0, 0), 90)}, day(2019, 9, 1)).Month(aug)
		checkDeduction(t, mr, early.ID, 60, 1)
		checkDeduction(t, mr, late.ID, 30, 1)
		if len(mr.Deductions) != 2 || mr.Deductions[0].PackageID != early.ID {
			t.Errorf("drawing order: got %+v, want package %d first", mr.Deductions, early.ID)
		}
	})
	t.Run("R7 same expiry and purchase draws the lower id first", func(t *testing.T) {
		same := cst(2019, 8, 5, 10, 0, 0)
		a, b := small(4, same, 1), small(5, same, 1)
		mr := billing.Rate([]billing.Package{b, a}, []billing.Piece{piece("s1", cst(2019, 8, 25, 10, 0, 0), 60)}, day(2019, 9, 1)).Month(aug)
		checkDeduction(t, mr, a.ID, 60, 1)
		checkDeduction(t, mr, b.ID, 0, 0)
	})
	t.Run("R7 earliest expiry first even when listed last", func(t *testing.T) {
		trial := grant(1, cst(2019, 7, 1, 9, 0, 0))         // expires 2020-07-31
		std := buy(t, 2, billing.Standard, day(2019, 8, 1)) // expires 2020-08-31
		mr := billing.Rate([]billing.Package{std, trial}, []billing.Piece{piece("s1", cst(2019, 8, 2, 10, 0, 0), 600)}, day(2019, 9, 1)).Month(aug)
		checkDeduction(t, mr, trial.ID, 600, 10)
		checkDeduction(t, mr, std.ID, 0, 0)
	})
	t.Run("R7 a package not yet valid is not drawn", func(t *testing.T) {
		p1 := small(1, cst(2019, 7, 1, 10, 0, 0), 1)
		p2 := small(2, cst(2019, 8, 5, 10, 0, 0), 100)
		mr := billing.Rate([]billing.Package{p1, p2}, []billing.Piece{
			piece("s1", cst(2019, 8, 4, 12, 0, 0), 120), // p2 not valid yet: 60 s from p1, 60 s overage
			piece("s2", cst(2019, 8, 5, 8, 0, 0), 60),   // p2 valid from 00:00 of its purchase day (R3)
		}, day(2019, 9, 1)).Month(aug)
		checkDeduction(t, mr, p1.ID, 60, 1)
		checkDeduction(t, mr, p2.ID, 60, 1)
		checkInt(t, "overage seconds", mr.OverageSeconds, 60)
		checkInt(t, "refused seconds", mr.RefusedSeconds, 0)
	})
	t.Run("R7 uncovered usage is refused before the first paid purchase instant and overage from it", func(t *testing.T) {
		p := small(1, cst(2019, 8, 10, 15, 0, 0), 10)
		mr := billing.Rate([]billing.Package{p}, []billing.Piece{
			piece("s1", cst(2019, 8, 10, 10, 0, 0), 600), // covered: valid since 00:00
			piece("s2", cst(2019, 8, 10, 11, 0, 0), 120), // nothing covers, not active yet: refused
			piece("s3", cst(2019, 8, 10, 15, 0, 0), 60),  // at the purchase instant: overage
			piece("s4", cst(2019, 8, 10, 16, 0, 0), 180), // after it: overage
		}, day(2019, 9, 1)).Month(aug)
		checkDeduction(t, mr, p.ID, 600, 10)
		checkInt(t, "refused seconds", mr.RefusedSeconds, 120)
		checkInt(t, "refused minutes", mr.RefusedMinutes(), 2)
		checkInt(t, "overage seconds", mr.OverageSeconds, 240)
		checkInt(t, "overage minutes", mr.OverageMinutes(), 4)
	})
	t.Run("R7 a piece spans several packages", func(t *testing.T) {
		trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
		p := small(2, cst(2019, 7, 2, 9, 0, 0), 5)
		mr := billing.Rate([]billing.Package{trial, p}, []billing.Piece{piece("s1", cst(2019, 7, 3, 0, 0, 0), 1000*60+400)}, day(2019, 8, 1)).
			Month(billing.Month{Year: 2019, Month: time.July})
		checkDeduction(t, mr, trial.ID, 60_000, 1000)
		checkDeduction(t, mr, p.ID, 300, 5)
		checkInt(t, "overage seconds", mr.OverageSeconds, 100)
	})
	t.Run("R7 daily sums suffice only for days wholly after activation", func(t *testing.T) {
		since := cst(2019, 8, 10, 15, 0, 0)
		cases := []struct {
			day, since time.Time
			want       bool
		}{
			{day(2019, 8, 11), time.Time{}, false},
			{day(2019, 8, 9), since, false},
			{day(2019, 8, 10), since, false},
			{day(2019, 8, 11), since, true},
			{day(2019, 8, 10), day(2019, 8, 10), true},
		}
		for _, c := range cases {
			if got := billing.DailySumsSuffice(c.day, c.since); got != c.want {
				t.Errorf("DailySumsSuffice(%s, %v): got %v, want %v", billing.FormatDate(c.day), c.since, got, c.want)
			}
		}
	})
	t.Run("R5 ActiveSince is the first paid purchase", func(t *testing.T) {
		pkgs := []billing.Package{grant(1, day(2019, 6, 1)), small(2, cst(2019, 9, 1, 10, 0, 0), 1), small(3, cst(2019, 8, 1, 10, 0, 0), 1)}
		checkTime(t, "ActiveSince", billing.ActiveSince(pkgs), cst(2019, 8, 1, 10, 0, 0))
		if got := billing.ActiveSince(pkgs[:1]); !got.IsZero() {
			t.Errorf("ActiveSince(trial only): got %v, want zero", got)
		}
	})
}

// ---------------------------------------------------------------- R8

func TestR8Rounding(t *testing.T) {
	jul := billing.Month{Year: 2019, Month: time.July}
	aug := billing.Month{Year: 2019, Month: time.August}
	t.Run("R8 month usage not a whole number of minutes is rounded up", func(t *testing.T) {
		trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
		mr := billing.Rate([]billing.Package{trial}, []billing.Piece{
			piece("s1", cst(2019, 7, 2, 10, 0, 0), 61),
			piece("s2", cst(2019, 7, 3, 10, 0, 0), 30),
		}, day(2019, 8, 1)).Month(jul)
		checkInt(t, "usage minutes", mr.UsageMinutes(), 2)
		checkDeduction(t, mr, trial.ID, 91, 2)
	})
	t.Run("R8 rounding is per month not per piece", func(t *testing.T) {
		p := small(1, day(2019, 7, 1), 1)
		var ps []billing.Piece
		for i := range 6 {
			ps = append(ps, piece(fmt.Sprintf("s%d", i), cst(2019, 7, 2+i, 10, 0, 0), 10))
		}
		mr := billing.Rate([]billing.Package{p}, ps, day(2019, 8, 1)).Month(jul)
		checkDeduction(t, mr, p.ID, 60, 1)
		checkInt(t, "overage seconds", mr.OverageSeconds, 0)
	})
	t.Run("R8 overage and refused minutes are rounded up", func(t *testing.T) {
		for _, c := range []struct{ secs, mins int64 }{{0, 0}, {1, 1}, {59, 1}, {60, 1}, {61, 2}, {60_030, 1001}} {
			mr := billing.MonthRating{OverageSeconds: c.secs, RefusedSeconds: c.secs, UsageSeconds: c.secs}
			if mr.OverageMinutes() != c.mins || mr.RefusedMinutes() != c.mins || mr.UsageMinutes() != c.mins {
				t.Errorf("%d s: got %d/%d/%d min, want %d", c.secs, mr.OverageMinutes(), mr.RefusedMinutes(), mr.UsageMinutes(), c.mins)
			}
		}
	})
	t.Run("R8 a partly used package enters the next month with its whole remaining minutes", func(t *testing.T) {
		trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
		r := billing.Rate([]billing.Package{trial}, []billing.Piece{
			piece("s1", cst(2019, 7, 2, 10, 0, 0), 1830),   // 30.5 min → 31
			piece("s2", cst(2019, 8, 2, 10, 0, 0), 60_000), // only 969 × 60 s left
		}, day(2019, 9, 1))
		checkDeduction(t, r.Month(jul), trial.ID, 1830, 31)
		checkDeduction(t, r.Month(aug), trial.ID, 58_140, 969)
		checkInt(t, "August refused seconds", r.Month(aug).RefusedSeconds, 1860)
		checkInt(t, "August refused minutes", r.Month(aug).RefusedMinutes(), 31)
		b := r.Balances[trial.ID]
		checkInt(t, "used minutes", b.UsedMinutes, 1000)
		checkInt(t, "remaining minutes", b.RemainingMinutes, 0)
		checkInt(t, "capacity seconds", b.CapacitySeconds, 0)
	})
	t.Run("R8 rounding never overdraws a package when usage equals its capacity across two months", func(t *testing.T) {
		p := small(1, day(2019, 7, 1), 10) // 600 s
		r := billing.Rate([]billing.Package{p}, []billing.Piece{
			piece("s1", cst(2019, 7, 2, 10, 0, 0), 270), // 4.5 min → 5
			piece("s2", cst(2019, 8, 2, 10, 0, 0), 330), // 300 s left, 30 s beyond
		}, day(2019, 9, 1))
		checkDeduction(t, r.Month(jul), p.ID, 270, 5)
		checkDeduction(t, r.Month(aug), p.ID, 300, 5)
		checkInt(t, "August overage seconds", r.Month(aug).OverageSeconds, 30)
		checkInt(t, "August overage minutes", r.Month(aug).OverageMinutes(), 1)
		b := r.Balances[p.ID]
		checkInt(t, "used minutes", b.UsedMinutes, 10)
		checkInt(t, "remaining minutes", b.RemainingMinutes, 0)
	})
}

// ---------------------------------------------------------------- R9

func TestR9Expiry(t *testing.T) {
	trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
	pieces := []billing.Piece{
		piece("s1", cst(2019, 7, 2, 10, 0, 0), 1830), // 31 minutes
		piece("s2", cst(2020, 8, 1, 10, 0, 0), 60),   // after expiry
	}
	jul2020 := billing.Month{Year: 2020, Month: time.July}
	t.Run("R9 remaining minutes are cleared in the month of the expiry date", func(t *testing.T) {
		r := billing.Rate([]billing.Package{trial}, pieces, day(2020, 9, 1))
		cl := r.Month(jul2020).Cleared
		if len(cl) != 1 {
			t.Fatalf("July 2020 cleared: got %+v, want one clearance", cl)
		}
		checkInt(t, "cleared package", cl[0].PackageID, trial.ID)
		checkInt(t, "cleared minutes", cl[0].Minutes, 969)
		checkTime(t, "cleared expiry date", cl[0].ExpiresOn, day(2020, 7, 31))
		b := r.Balances[trial.ID]
		checkInt(t, "balance cleared", b.ClearedMinutes, 969)
		checkInt(t, "balance remaining", b.RemainingMinutes, 0)
		checkInt(t, "balance capacity", b.CapacitySeconds, 0)
		for _, mr := range r.Months {
			if mr.Month != jul2020 && len(mr.Cleared) > 0 {
				t.Errorf("%s: got clearance %+v, want none outside July 2020", mr.Month, mr.Cleared)
			}
		}
		aug := r.Month(billing.Month{Year: 2020, Month: time.August})
		checkDeduction(t, aug, trial.ID, 0, 0)
		checkInt(t, "August 2020 refused seconds", aug.RefusedSeconds, 60)
	})
	t.Run("R9 nothing is cleared before the month is over", func(t *testing.T) {
		r := billing.Rate([]billing.Package{trial}, pieces, cst(2020, 7, 31, 12, 0, 0))
		if cl := r.Month(jul2020).Cleared; len(cl) != 0 {
			t.Errorf("July 2020 cleared: got %+v, want none", cl)
		}
		checkInt(t, "remaining minutes", r.Balances[trial.ID].RemainingMinutes, 969)
	})
	t.Run("R9 cleared minutes are not restored by a later purchase", func(t *testing.T) {
		later := buy(t, 2, billing.Starter, cst(2020, 8, 5, 10, 0, 0))
		r := billing.Rate([]billing.Package{trial, later}, pieces, day(2020, 9, 1))
		checkInt(t, "trial remaining", r.Balances[trial.ID].RemainingMinutes, 0)
		checkInt(t, "trial cleared", r.Balances[trial.ID].ClearedMinutes, 969)
	})
}

// ---------------------------------------------------------------- R10

func TestR10Money(t *testing.T) {
	fees := []struct {
		name    string
		minutes int64
		want    string
	}{
		{"R10 overage fee of 1001 minutes is exact", 1001, "25.025"},
		{"R10 overage fee of 100 minutes", 100, "2.5"},
		{"R10 overage fee of 1000 minutes", 1000, "25"},
		{"R10 overage fee of one minute", 1, "0.025"},
		{"R10 no overage costs nothing", 0, "0"},
	}
	for _, tc := range fees {
		t.Run(tc.name, func(t *testing.T) {
			checkMoney(t, fmt.Sprintf("OverageFee(%d)", tc.minutes), billing.OverageFee(tc.minutes), tc.want)
		})
	}
	due := []struct {
		name  string
		lines []string
		want  string
	}{
		{"R10 amount due rounds 25.025 half-up", []string{"25.025"}, "25.03"},
		{"R10 amount due rounds 25.024 down", []string{"25.024"}, "25.02"},
		{"R10 amount due keeps 2.5", []string{"2.5"}, "2.50"},
		{"R10 amount due rounds the sum not the lines", []string{"0.0125", "0.0125"}, "0.03"},
		{"R10 amount due of half a fen", []string{"0.005"}, "0.01"},
		{"R10 amount due of nothing", nil, "0.00"},
	}
	for _, tc := range due {
		t.Run(tc.name, func(t *testing.T) {
			var lines []decimal.Decimal
			for _, l := range tc.lines {
				lines = append(lines, dec(l))
			}
			checkMoney(t, fmt.Sprintf("AmountDue(%v)", tc.lines), billing.AmountDue(lines...), tc.want)
		})
	}
	formats := []struct {
		name string
		in   decimal.Decimal
		want string
	}{
		{"R10 price prints with two decimals", dec("3688"), "3688.00"},
		{"R10 exact fee keeps its third decimal", dec("25.025"), "25.025"},
		{"R10 fee of 2.5 prints 2.50", dec("2.5"), "2.50"},
		{"R10 zero prints 0.00", decimal.Zero, "0.00"},
		{"R10 rounded amount due prints two decimals", billing.AmountDue(dec("25.025")), "25.03"},
		{"R10 trailing zeros do not widen the print", dec("2.5000"), "2.50"},
	}
	for _, tc := range formats {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.FormatMoney(tc.in); got != tc.want {
				t.Errorf("FormatMoney(%s): got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// ---------------------------------------------------------------- R11

func TestR11Bill(t *testing.T) {
	trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
	starter := buy(t, 2, billing.Starter, cst(2019, 8, 1, 9, 30, 0))
	pkgs := []billing.Package{trial, starter}
	mr := billing.MonthRating{Month: billing.Month{Year: 2019, Month: time.August}, UsageSeconds: 61, OverageSeconds: 61}
	tests := []struct {
		name string
		now  time.Time
		want billing.BillStatus
	}{
		{"R11 bill is an estimate while its month runs", cst(2019, 8, 20, 12, 0, 0), billing.BillEstimate},
		{"R11 bill is an estimate on its last second", cst(2019, 8, 31, 23, 59, 59), billing.BillEstimate},
		{"R11 bill is issued at 00:00 of the 1st of the next month", day(2019, 9, 1), billing.BillIssued},
		{"R11 bill stays issued later", day(2020, 1, 1), billing.BillIssued},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := billing.MakeBill(mr, pkgs, tc.now)
			if b.Status != tc.want {
				t.Errorf("status: got %s, want %s", b.Status, tc.want)
			}
			checkTime(t, "issue date", b.IssueDate, day(2019, 9, 1))
			checkTime(t, "charge by", b.ChargeBy, day(2019, 9, 5))
		})
	}
	t.Run("R11 trial is not listed as a purchase", func(t *testing.T) {
		b := billing.MakeBill(billing.MonthRating{Month: billing.Month{Year: 2019, Month: time.July}}, pkgs, day(2019, 8, 1))
		if len(b.Purchases) != 0 {
			t.Errorf("July purchases: got %+v, want none", b.Purchases)
		}
		checkMoney(t, "July amount due", b.AmountDue, "0")
	})
	t.Run("R11 December bill is issued in January", func(t *testing.T) {
		b := billing.MakeBill(billing.MonthRating{Month: billing.Month{Year: 2019, Month: time.December}}, nil, day(2020, 1, 1))
		checkTime(t, "issue date", b.IssueDate, day(2020, 1, 1))
		checkTime(t, "charge by", b.ChargeBy, day(2020, 1, 5))
	})
	t.Run("R11 purchases are prepaid and not in the amount due", func(t *testing.T) {
		b := billing.MakeBill(mr, pkgs, day(2019, 9, 1))
		if len(b.Purchases) != 1 || b.Purchases[0].PackageID != starter.ID {
			t.Fatalf("purchases: got %+v, want the starter only", b.Purchases)
		}
		checkInt(t, "overage minutes", b.Overage, 2)
		checkMoney(t, "overage fee", b.OverageFee, "0.05")
		checkMoney(t, "amount due", b.AmountDue, "0.05")
	})
}

// ---------------------------------------------------------------- R12

func TestR12Entitlements(t *testing.T) {
	type ent struct {
		f       billing.Feature
		expires time.Time
		pkg     int64
	}
	trial := grant(1, cst(2019, 7, 1, 9, 0, 0))                      // to 2020-07-31
	starter := buy(t, 2, billing.Starter, cst(2019, 8, 1, 10, 0, 0)) // to 2020-08-31
	std := buy(t, 3, billing.Standard, cst(2019, 9, 10, 10, 0, 0))   // to 2020-09-30
	premium := buy(t, 4, billing.Premium, cst(2019, 5, 1, 10, 0, 0)) // to 2020-05-31
	late := buy(t, 5, billing.Starter, cst(2019, 12, 1, 10, 0, 0))   // to 2020-12-31
	tests := []struct {
		name string
		pkgs []billing.Package
		t    time.Time
		want []ent
	}{
		{"R12 trial gives demo source only", []billing.Package{trial}, day(2019, 7, 2),
			[]ent{{billing.FeatureDemoSource, day(2020, 7, 31), 1}}},
		{"R12 starter adds official group support", []billing.Package{trial, starter}, day(2019, 8, 2),
			[]ent{{billing.FeatureDemoSource, day(2020, 8, 31), 2}, {billing.FeatureGroupSupport, day(2020, 8, 31), 2}}},
		{"R12 standard adds the whiteboard and every feature lasts to the latest expiry", []billing.Package{trial, starter, std}, day(2019, 10, 1),
			[]ent{{billing.FeatureDemoSource, day(2020, 9, 30), 3}, {billing.FeatureGroupSupport, day(2020, 9, 30), 3}, {billing.FeatureWhiteboardSDK, day(2020, 9, 30), 3}}},
		{"R12 premium adds dedicated support while a starter carries the group longer", []billing.Package{premium, late}, day(2020, 1, 1),
			[]ent{{billing.FeatureDemoSource, day(2020, 12, 31), 5}, {billing.FeatureGroupSupport, day(2020, 12, 31), 5},
				{billing.FeatureWhiteboardSDK, day(2020, 5, 31), 4}, {billing.FeatureDedicatedSupport, day(2020, 5, 31), 4}}},
		{"R12 premium features end at its expiry", []billing.Package{premium, late}, day(2020, 6, 1),
			[]ent{{billing.FeatureDemoSource, day(2020, 12, 31), 5}, {billing.FeatureGroupSupport, day(2020, 12, 31), 5}}},
		{"R12 a package not bought yet gives nothing", []billing.Package{starter}, cst(2019, 8, 1, 9, 59, 59), nil},
		{"R12 nothing after every package expired", []billing.Package{trial, starter, std}, day(2020, 10, 1), nil},
		{"R12 no package no entitlement", nil, day(2020, 1, 1), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := billing.Entitlements(tc.t, tc.pkgs)
			if len(got) != len(tc.want) {
				t.Fatalf("entitlements: got %+v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Feature != w.f || g.PackageID != w.pkg {
					t.Errorf("entitlement %d: got %s from package %d, want %s from %d", i, g.Feature, g.PackageID, w.f, w.pkg)
				}
				checkTime(t, string(w.f)+" expires on", g.ExpiresOn, w.expires)
				checkTime(t, string(w.f)+" until", g.Until, w.expires.AddDate(0, 0, 1))
			}
		})
	}
	t.Run("R12 entitlements hold while the minutes are used up", func(t *testing.T) {
		p := small(1, day(2019, 7, 1), 1)
		if got := billing.Entitlements(day(2019, 12, 1), []billing.Package{p}); len(got) != 2 {
			t.Errorf("entitlements of a used up starter: got %+v, want demo and group", got)
		}
	})
}

// ---------------------------------------------------------------- parsing

func TestParse(t *testing.T) {
	months := []struct {
		name string
		in   string
		want billing.Month
		err  bool
	}{
		{"R11 ParseMonth reads YYYY-MM", "2019-07", billing.Month{Year: 2019, Month: time.July}, false},
		{"R11 ParseMonth reads December", "2020-12", billing.Month{Year: 2020, Month: time.December}, false},
		{"R11 ParseMonth refuses month 13", "2019-13", billing.Month{}, true},
		{"R11 ParseMonth refuses month 00", "2019-00", billing.Month{}, true},
		{"R11 ParseMonth refuses a one digit month", "2019-7", billing.Month{}, true},
		{"R11 ParseMonth refuses a missing dash", "201907", billing.Month{}, true},
		{"R11 ParseMonth refuses a date", "2019-07-01", billing.Month{}, true},
		{"R11 ParseMonth refuses empty input", "", billing.Month{}, true},
		{"R11 ParseMonth refuses words", "July", billing.Month{}, true},
	}
	for _, tc := range months {
		t.Run(tc.name, func(t *testing.T) {
			got, err := billing.ParseMonth(tc.in)
			if tc.err {
				if !errors.Is(err, billing.ErrBadMonth) {
					t.Errorf("ParseMonth(%q): got %v, %v, want ErrBadMonth", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseMonth(%q): got %v, %v, want %v, nil", tc.in, got, err, tc.want)
			}
		})
	}
	instants := []struct {
		name string
		in   string
		want time.Time
		err  bool
	}{
		{"R2 ParseInstant reads a CST offset", "2019-07-01T10:00:00+08:00", cst(2019, 7, 1, 10, 0, 0), false},
		{"R2 ParseInstant reads UTC", "2019-07-01T02:00:00Z", cst(2019, 7, 1, 10, 0, 0), false},
		{"R6 ParseInstant drops fractions of a second", "2019-07-01T10:00:00.987654+08:00", cst(2019, 7, 1, 10, 0, 0), false},
		{"R2 ParseInstant refuses an instant without offset", "2019-07-01T10:00:00", time.Time{}, true},
		{"R2 ParseInstant refuses a date", "2019-07-01", time.Time{}, true},
		{"R2 ParseInstant refuses a space separator", "2019-07-01 10:00:00+08:00", time.Time{}, true},
		{"R2 ParseInstant refuses hour 25", "2019-07-01T25:00:00+08:00", time.Time{}, true},
		{"R2 ParseInstant refuses empty input", "", time.Time{}, true},
	}
	for _, tc := range instants {
		t.Run(tc.name, func(t *testing.T) {
			got, err := billing.ParseInstant(tc.in)
			if tc.err {
				if !errors.Is(err, billing.ErrBadInstant) {
					t.Errorf("ParseInstant(%q): got %v, %v, want ErrBadInstant", tc.in, got, err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("ParseInstant(%q): got %v, %v, want %s", tc.in, got, err, billing.FormatInstant(tc.want))
			}
		})
	}
}

// ---------------------------------------------------------------- worked examples

func TestW1MidYear2019(t *testing.T) {
	jul := billing.Month{Year: 2019, Month: time.July}
	aug := billing.Month{Year: 2019, Month: time.August}
	firstApp := cst(2019, 7, 1, 9, 0, 0)
	if !billing.GrantsTrial(firstApp) {
		t.Fatalf("W1 GrantsTrial(2019-07-01): got false, want true")
	}
	trial := grant(1, firstApp)
	starter := buy(t, 2, billing.Starter, cst(2019, 8, 1, 9, 30, 0))
	pkgs := []billing.Package{trial, starter}

	// July: 199.5 minutes. August: 51,800.5 minutes over Aug 2–31.
	ss := []billing.Session{sess("jul", 1400000001, "r1", "a", cst(2019, 7, 10, 10, 0, 0), 11_970*time.Second)}
	for d := 2; d <= 31; d++ {
		ss = append(ss,
			sess(fmt.Sprintf("aug-%02d-a", d), 1400000001, "r1", "a", cst(2019, 8, d, 8, 0, 0), 51_800*time.Second),
			sess(fmt.Sprintf("aug-%02d-b", d), 1400000001, "r2", "b", cst(2019, 8, d, 1, 0, 0), 51_801*time.Second))
	}
	now := cst(2019, 9, 3, 12, 0, 0)
	r := billing.Rate(pkgs, split(ss...), now)

	t.Run("W1 trial and starter expiry dates", func(t *testing.T) {
		checkTime(t, "trial expires on", trial.Validity().ExpiresOn(), day(2020, 7, 31))
		checkTime(t, "starter expires on", starter.Validity().ExpiresOn(), day(2020, 8, 31))
	})
	t.Run("W1 July 199.5 minutes take 200 from the trial", func(t *testing.T) {
		mr := r.Month(jul)
		checkInt(t, "usage seconds", mr.UsageSeconds, 11_970)
		checkDeduction(t, mr, trial.ID, 11_970, 200)
		checkInt(t, "overage minutes", mr.OverageMinutes(), 0)
		july := billing.Rate(pkgs, split(ss...), day(2019, 8, 1))
		checkInt(t, "trial left after July", july.Balances[trial.ID].RemainingMinutes, 800)
		b := billing.MakeBill(mr, pkgs, now)
		checkMoney(t, "July amount due", b.AmountDue, "0.00")
	})
	t.Run("W1 August draws the trial first then the starter then overage", func(t *testing.T) {
		mr := r.Month(aug)
		checkInt(t, "usage seconds", mr.UsageSeconds, 3_108_030)
		checkDeduction(t, mr, trial.ID, 48_000, 800)
		checkDeduction(t, mr, starter.ID, 3_000_000, 50_000)
		if len(mr.Deductions) != 2 || mr.Deductions[0].PackageID != trial.ID {
			t.Errorf("drawing order: got %+v, want the trial first (it expires first)", mr.Deductions)
		}
		checkInt(t, "overage seconds", mr.OverageSeconds, 60_030)
		checkInt(t, "overage minutes", mr.OverageMinutes(), 1001)
		checkInt(t, "refused seconds", mr.RefusedSeconds, 0)
		checkMoney(t, "overage fee", billing.OverageFee(mr.OverageMinutes()), "25.025")
	})
	t.Run("W1 August bill is issued on Sept 1 for 25.03", func(t *testing.T) {
		b := billing.MakeBill(r.Month(aug), pkgs, now)
		if b.Status != billing.BillIssued {
			t.Errorf("status: got %s, want %s", b.Status, billing.BillIssued)
		}
		checkTime(t, "issue date", b.IssueDate, day(2019, 9, 1))
		checkTime(t, "charge by", b.ChargeBy, day(2019, 9, 5))
		checkInt(t, "usage minutes", b.UsageMinutes, 51_801)
		checkInt(t, "overage minutes", b.Overage, 1001)
		checkMoney(t, "overage fee", b.OverageFee, "25.025")
		checkMoney(t, "amount due", b.AmountDue, "25.03")
		if got := billing.FormatMoney(b.AmountDue); got != "25.03" {
			t.Errorf("printed amount due: got %q, want %q", got, "25.03")
		}
		if len(b.Purchases) != 1 {
			t.Fatalf("purchases: got %+v, want the starter only", b.Purchases)
		}
		p := b.Purchases[0]
		if p.PackageID != starter.ID || p.Plan != billing.Starter {
			t.Errorf("purchase: got package %d plan %s, want %d starter", p.PackageID, p.Plan, starter.ID)
		}
		checkMoney(t, "starter price", p.Price, "3688")
		if got := billing.FormatMoney(p.Price); got != "3688.00" {
			t.Errorf("printed starter price: got %q, want %q", got, "3688.00")
		}
	})
	t.Run("W1 balances after August", func(t *testing.T) {
		checkInt(t, "trial remaining", r.Balances[trial.ID].RemainingMinutes, 0)
		checkInt(t, "starter remaining", r.Balances[starter.ID].RemainingMinutes, 0)
		checkInt(t, "starter used", r.Balances[starter.ID].UsedMinutes, 50_000)
		if got := billing.StatusAt(now, pkgs, r.Balances); got != billing.StatusActive {
			t.Errorf("status: got %s, want %s", got, billing.StatusActive)
		}
	})
}

func TestW3TrialOnly(t *testing.T) {
	jul := billing.Month{Year: 2019, Month: time.July}
	trial := grant(1, cst(2019, 7, 1, 9, 0, 0))
	pkgs := []billing.Package{trial}
	pieces := split(sess("s1", 1400000001, "r1", "a", day(2019, 7, 5), 1_200*time.Minute))

	t.Run("W3 1200 minutes on a trial: 1000 drawn, 200 refused, nothing due", func(t *testing.T) {
		mr := billing.Rate(pkgs, pieces, day(2019, 8, 1)).Month(jul)
		checkDeduction(t, mr, trial.ID, 60_000, 1000)
		checkInt(t, "refused minutes", mr.RefusedMinutes(), 200)
		checkInt(t, "overage minutes", mr.OverageMinutes(), 0)
		b := billing.MakeBill(mr, pkgs, day(2019, 8, 1))
		checkInt(t, "bill refused minutes", b.Refused, 200)
		checkMoney(t, "amount due", b.AmountDue, "0.00")
		if got := billing.FormatMoney(b.AmountDue); got != "0.00" {
			t.Errorf("printed amount due: got %q, want %q", got, "0.00")
		}
	})
	t.Run("W3 the account is closed and a later join is refused", func(t *testing.T) {
		for _, when := range []time.Time{cst(2019, 7, 5, 20, 0, 0), cst(2019, 7, 25, 12, 0, 0), cst(2019, 8, 3, 9, 59, 59)} {
			r := billing.Rate(pkgs, pieces, when)
			if got := billing.StatusAt(when, pkgs, r.Balances); got != billing.StatusClosed {
				t.Errorf("StatusAt(%s): got %s, want %s", billing.FormatInstant(when), got, billing.StatusClosed)
			}
		}
	})
	t.Run("W3 buying a starter re-activates the account", func(t *testing.T) {
		bought := cst(2019, 8, 3, 10, 0, 0)
		withStarter := append([]billing.Package{buy(t, 2, billing.Starter, bought)}, pkgs...)
		r := billing.Rate(withStarter, pieces, bought)
		if got := billing.StatusAt(bought, withStarter, r.Balances); got != billing.StatusActive {
			t.Errorf("StatusAt after the purchase: got %s, want %s", got, billing.StatusActive)
		}
		// Buying later does not turn July's refused minutes into overage.
		checkInt(t, "July refused minutes", r.Month(jul).RefusedMinutes(), 200)
		checkInt(t, "July overage minutes", r.Month(jul).OverageMinutes(), 0)
	})
}

func TestW4ExpiredPackage(t *testing.T) {
	starter := buy(t, 1, billing.Starter, cst(2019, 3, 15, 10, 0, 0))
	pkgs := []billing.Package{starter}
	pieces := split(sess("s1", 1400000001, "r1", "a", cst(2020, 4, 2, 10, 0, 0), 100*time.Minute))
	r := billing.Rate(pkgs, pieces, day(2020, 5, 1))

	t.Run("W4 bought 2019-03-15 expires 2020-03-31", func(t *testing.T) {
		checkTime(t, "expires on", starter.Validity().ExpiresOn(), day(2020, 3, 31))
	})
	t.Run("W4 100 minutes after expiry are overage for 2.50", func(t *testing.T) {
		mr := r.Month(billing.Month{Year: 2020, Month: time.April})
		if len(mr.Deductions) != 0 {
			t.Errorf("deductions: got %+v, want none", mr.Deductions)
		}
		checkInt(t, "overage minutes", mr.OverageMinutes(), 100)
		checkInt(t, "refused minutes", mr.RefusedMinutes(), 0)
		b := billing.MakeBill(mr, pkgs, day(2020, 5, 1))
		checkMoney(t, "overage fee", b.OverageFee, "2.5")
		checkMoney(t, "amount due", b.AmountDue, "2.50")
		if got := billing.FormatMoney(b.OverageFee); got != "2.50" {
			t.Errorf("printed fee: got %q, want %q", got, "2.50")
		}
		if got := billing.StatusAt(cst(2020, 4, 2, 10, 0, 0), pkgs, r.Balances); got != billing.StatusActive {
			t.Errorf("status on 2020-04-02: got %s, want %s", got, billing.StatusActive)
		}
	})
	t.Run("W4 R9 March 2020 shows the starter's minutes cleared", func(t *testing.T) {
		mr := r.Month(billing.Month{Year: 2020, Month: time.March})
		if len(mr.Cleared) != 1 {
			t.Fatalf("cleared: got %+v, want one clearance", mr.Cleared)
		}
		c := mr.Cleared[0]
		checkInt(t, "cleared package", c.PackageID, starter.ID)
		checkInt(t, "cleared minutes", c.Minutes, 50_000)
		checkTime(t, "cleared expiry date", c.ExpiresOn, day(2020, 3, 31))
		b := billing.MakeBill(mr, pkgs, day(2020, 4, 1))
		if len(b.Expired) != 1 || b.Expired[0].Minutes != 50_000 {
			t.Errorf("bill expired lines: got %+v, want 50,000 minutes cleared", b.Expired)
		}
		bal := r.Balances[starter.ID]
		checkInt(t, "balance cleared", bal.ClearedMinutes, 50_000)
		checkInt(t, "balance remaining", bal.RemainingMinutes, 0)
	})
}

// ---------------------------------------------------------------- properties

type account struct {
	pkgs     []billing.Package
	sessions []billing.Session
	until    time.Time
}

var propBase = day(2019, 5, 1)

func randInstant(r *rand.Rand, from time.Time, days int) time.Time {
	return from.Add(time.Duration(r.Int64N(int64(days)*86400)) * time.Second)
}

// randomAccount builds packages with few or many minutes, sessions that
// cluster around purchases (where status changes mid-day) and month ends,
// and an end of rating that is either a month boundary or any second.
func randomAccount(r *rand.Rand) account {
	var a account
	id := int64(1)
	minutes := func(full int64) int64 {
		if r.IntN(2) == 0 {
			return full
		}
		return 1 + r.Int64N(300)
	}
	if r.IntN(10) < 7 {
		a.pkgs = append(a.pkgs, billing.Package{ID: id, Plan: billing.Trial, PurchasedAt: randInstant(r, propBase, 120), Included: minutes(1_000)})
		id++
	}
	plans := billing.Plans()[1:]
	for range r.IntN(4) {
		plan := plans[r.IntN(len(plans))]
		bought := randInstant(r, propBase, 500)
		if len(a.pkgs) > 0 && r.IntN(5) == 0 { // same instant as another package
			bought = a.pkgs[r.IntN(len(a.pkgs))].PurchasedAt
		}
		a.pkgs = append(a.pkgs, billing.Package{ID: id, Plan: plan.Code, PurchasedAt: bought, Included: minutes(plan.IncludedMinutes), Price: plan.Price})
		id++
	}
	n := 5 + r.IntN(40)
	for i := range n {
		var start time.Time
		switch k := r.IntN(4); {
		case k == 0 && len(a.pkgs) > 0: // around a purchase or a grant
			start = a.pkgs[r.IntN(len(a.pkgs))].PurchasedAt.Add(time.Duration(r.Int64N(2*86400)-86400) * time.Second)
		case k == 1: // around a month end
			m := billing.MonthOf(randInstant(r, propBase, 600))
			start = m.End().Add(time.Duration(r.Int64N(4*3600)-2*3600) * time.Second)
		default:
			start = randInstant(r, propBase, 600)
		}
		d := time.Duration(1+r.Int64N(36*3600)) * time.Second
		if r.IntN(3) > 0 {
			d = time.Duration(1+r.Int64N(3*3600)) * time.Second
		}
		a.sessions = append(a.sessions, billing.Session{
			ID: fmt.Sprintf("s%03d", i), App: 1400000001 + r.Int64N(2), Room: fmt.Sprintf("r%d", r.IntN(3)),
			User: fmt.Sprintf("u%d", r.IntN(5)), Joined: start, Left: start.Add(d)})
	}
	if r.IntN(2) == 0 {
		a.until = billing.MonthOf(randInstant(r, propBase, 700)).End()
	} else {
		a.until = randInstant(r, propBase, 700)
	}
	return a
}

// referencePieces is the session-by-session path: every session split at
// every CST midnight (R6).
func referencePieces(a account) []billing.Piece {
	var ps []billing.Piece
	for _, s := range a.sessions {
		ps = billing.SplitSession(ps, s, billing.MinInstant, a.until)
	}
	return ps
}

// dailySumPieces is the fast path of R7: one piece per (day, application)
// with the day's summed seconds on days where DailySumsSuffice, and the
// session pieces elsewhere.
func dailySumPieces(a account) []billing.Piece {
	type dayApp struct {
		day int64
		app int64
	}
	since := billing.ActiveSince(a.pkgs)
	sums := map[dayApp]int64{}
	var order []dayApp
	var out []billing.Piece
	for _, p := range referencePieces(a) {
		ds := billing.DayStart(p.Start)
		if !billing.DailySumsSuffice(ds, since) {
			out = append(out, p)
			continue
		}
		k := dayApp{ds.Unix(), p.App}
		if _, seen := sums[k]; !seen {
			order = append(order, k)
		}
		sums[k] += p.Seconds
	}
	for _, k := range order {
		out = append(out, billing.Piece{Start: time.Unix(k.day, 0).In(billing.CST), Seconds: sums[k], Key: "", App: k.app})
	}
	return out
}

func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20190701, 20200331))
	const cases = 400
	accounts := make([]account, cases)
	for i := range accounts {
		accounts[i] = randomAccount(r)
	}

	t.Run("R7 rating the same pieces in any order gives the same rating", func(t *testing.T) {
		for i, a := range accounts {
			ps := referencePieces(a)
			want := billing.Rate(a.pkgs, ps, a.until)
			shuffled := append([]billing.Piece(nil), ps...)
			pkgs := append([]billing.Package(nil), a.pkgs...)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			r.Shuffle(len(pkgs), func(i, j int) { pkgs[i], pkgs[j] = pkgs[j], pkgs[i] })
			if got := billing.Rate(pkgs, shuffled, a.until); !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d: got %+v, want %+v", i, got, want)
			}
		}
	})

	t.Run("R7 R8 every second of a month is deducted, overage or refused", func(t *testing.T) {
		for i, a := range accounts {
			ps := referencePieces(a)
			var total int64
			for _, p := range ps {
				total += p.Seconds
			}
			rt := billing.Rate(a.pkgs, ps, a.until)
			var rated int64
			for _, mr := range rt.Months {
				var ded int64
				for _, d := range mr.Deductions {
					ded += d.Seconds
				}
				if got := ded + mr.OverageSeconds + mr.RefusedSeconds; got != mr.UsageSeconds {
					t.Fatalf("case %d %s: got deducted %d + overage %d + refused %d = %d, want usage %d",
						i, mr.Month, ded, mr.OverageSeconds, mr.RefusedSeconds, got, mr.UsageSeconds)
				}
				rated += mr.UsageSeconds
			}
			if rated != total {
				t.Fatalf("case %d: got %d s rated, want %d s of pieces", i, rated, total)
			}
		}
	})

	t.Run("R8 R9 no package is drawn past its included minutes", func(t *testing.T) {
		for i, a := range accounts {
			rt := billing.Rate(a.pkgs, referencePieces(a), a.until)
			for _, p := range a.pkgs {
				v := p.Validity()
				left := p.Included
				var cleared int64
				for _, mr := range rt.Months {
					if d, ok := deduction(mr, p.ID); ok {
						if d.Minutes != (d.Seconds+59)/60 {
							t.Fatalf("case %d %s package %d: got %d min for %d s, want %d", i, mr.Month, p.ID, d.Minutes, d.Seconds, (d.Seconds+59)/60)
						}
						if d.Seconds > left*60 {
							t.Fatalf("case %d %s package %d: got %d s drawn, want at most %d (whole minutes left)", i, mr.Month, p.ID, d.Seconds, left*60)
						}
						if !mr.Month.Start().Before(v.Until) || !v.From.Before(mr.Month.End()) {
							t.Fatalf("case %d %s package %d: got a deduction outside its validity %v", i, mr.Month, p.ID, v)
						}
						left -= d.Minutes
					}
					for _, c := range mr.Cleared {
						if c.PackageID == p.ID {
							if billing.MonthOf(c.ExpiresOn) != mr.Month {
								t.Fatalf("case %d package %d: got cleared in %s, want in the month of %s", i, p.ID, mr.Month, billing.FormatDate(c.ExpiresOn))
							}
							cleared += c.Minutes
							left -= c.Minutes
						}
					}
				}
				b := rt.Balances[p.ID]
				if left < 0 || b.RemainingMinutes != left || b.RemainingMinutes < 0 || b.CapacitySeconds < 0 {
					t.Fatalf("case %d package %d: got balance %+v (left by months %d), want remaining ≥ 0 matching", i, p.ID, b, left)
				}
				if b.UsedMinutes+b.ClearedMinutes+b.RemainingMinutes != p.Included || b.ClearedMinutes != cleared {
					t.Fatalf("case %d package %d: got used %d + cleared %d + remaining %d, want %d included",
						i, p.ID, b.UsedMinutes, b.ClearedMinutes, b.RemainingMinutes, p.Included)
				}
			}
		}
	})

	t.Run("R5 R8 balances say what the packages can still cover at the end of the rating", func(t *testing.T) {
		for i, a := range accounts {
			ps := referencePieces(a)
			rt := billing.Rate(a.pkgs, ps, a.until)
			var capacity int64
			for _, p := range a.pkgs {
				if p.Validity().Contains(a.until) {
					capacity += rt.Balances[p.ID].CapacitySeconds
				}
			}
			// A huge piece at until draws, from the packages valid then,
			// exactly what they can still cover: its month's deductions
			// minus those of the same month without it.
			probe := append(slices.Clone(ps), billing.Piece{Start: a.until, Seconds: 1 << 40, Key: "~probe"})
			with := billing.Rate(a.pkgs, probe, a.until.Add(time.Second)).Month(billing.MonthOf(a.until))
			without := rt.Month(billing.MonthOf(a.until))
			var drawn int64
			for _, p := range a.pkgs {
				if !p.Validity().Contains(a.until) {
					continue
				}
				if d, ok := deduction(with, p.ID); ok {
					drawn += d.Seconds
				}
				if d, ok := deduction(without, p.ID); ok {
					drawn -= d.Seconds
				}
			}
			if drawn != capacity {
				t.Fatalf("case %d at %s: got capacity %d s in the balances, want %d s that a piece at that instant draws",
					i, billing.FormatInstant(a.until), capacity, drawn)
			}
		}
	})

	t.Run("R7 daily sums give the same rating as session by session", func(t *testing.T) {
		var summed int
		for i, a := range accounts {
			ref := referencePieces(a)
			fast := dailySumPieces(a)
			if len(fast) < len(ref) {
				summed++
			}
			want := billing.Rate(a.pkgs, ref, a.until)
			got := billing.Rate(a.pkgs, fast, a.until)
			if !reflect.DeepEqual(got.Months, want.Months) {
				t.Fatalf("case %d: months: got %+v, want %+v", i, got.Months, want.Months)
			}
			if !reflect.DeepEqual(got.Balances, want.Balances) {
				t.Fatalf("case %d: balances: got %+v, want %+v", i, got.Balances, want.Balances)
			}
		}
		if summed < cases/10 {
			t.Errorf("generator: got %d accounts with summed days, want at least %d", summed, cases/10)
		}
	})
}
