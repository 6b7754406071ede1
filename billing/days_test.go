package billing_test

import (
	"testing"
	"time"

	"rtcbill/billing"
)

// The per-day split feeds the bill's chart: each day's covered, overage and
// refused seconds, adding up to the month's figures.
func TestR7DaysSplitCoveredOverageRefused(t *testing.T) {
	trial := grant(1, cst(2019, 7, 1, 10, 0, 0))
	starter := small(2, cst(2019, 7, 3, 12, 0, 0), 10) // 10 minutes, bought at noon on the 3rd
	pieces := split(
		sess("a", 1, "r", "u", cst(2019, 7, 2, 1, 0, 0), 1000*time.Minute), // trial 1000 min, all of it
		sess("b", 1, "r", "u", cst(2019, 7, 3, 9, 0, 0), 30*time.Minute),   // before the purchase: 10 from starter, 20 refused
		sess("c", 1, "r", "u", cst(2019, 7, 3, 13, 0, 0), 5*time.Minute),   // after it: overage
	)
	r := billing.Rate([]billing.Package{trial, starter}, pieces, billing.Month{Year: 2019, Month: time.July}.End())
	days := r.Month(billing.Month{Year: 2019, Month: time.July}).Days
	want := []billing.DayRating{
		{Day: day(2019, 7, 2), CoveredSeconds: 60000},
		{Day: day(2019, 7, 3), CoveredSeconds: 600, RefusedSeconds: 1200, OverageSeconds: 300},
	}
	if len(days) != len(want) {
		t.Fatalf("got %d days, want %d: %+v", len(days), len(want), days)
	}
	for i := range want {
		g, w := days[i], want[i]
		if !g.Day.Equal(w.Day) || g.CoveredSeconds != w.CoveredSeconds || g.OverageSeconds != w.OverageSeconds || g.RefusedSeconds != w.RefusedSeconds {
			t.Errorf("day %d: got %+v, want %+v", i, g, w)
		}
	}
}
