package billing_test

import (
	"testing"
	"time"

	"rtcbill/billing"
)

func TestForecast(t *testing.T) {
	cst := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, billing.CST) }
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, billing.CST)
	starter := billing.Package{ID: 2, Plan: billing.Starter, PurchasedAt: cst(2026, 1, 10).Add(9 * time.Hour), Included: 50_000} // R3: to 2027-01-31
	trial := billing.Package{ID: 1, Plan: billing.Trial, PurchasedAt: cst(2026, 6, 2).Add(9 * time.Hour), Included: 1_000}       // R3: to 2027-06-30
	const rate500 = 30 * 500 * 60                                                                                                // 30 days of 500 minutes, in seconds

	for _, c := range []struct {
		name          string
		pkgs          []billing.Package
		remaining     map[int64]int64
		active        bool
		seconds       int64
		perDay        int64
		runsOut       time.Time
		overage       int64
		next          time.Time
		usedUp        bool
		wantNoForcast bool
	}{
		{
			// 10,000 / 500 = 20 days: 11-29 … 12-18 covered, 12-19 not.
			// Overage 12-19 … 01-31: 13 + 31 = 44 days × 500.
			name: "R7 a Starter with 10,000 minutes at 500 a day runs out on 12-19", pkgs: []billing.Package{starter},
			remaining: map[int64]int64{2: 10_000}, active: true, seconds: rate500,
			perDay: 500, runsOut: cst(2026, 12, 19), overage: 22_000, next: cst(2027, 1, 31),
		},
		{
			// 100,000 minutes last 200 days; 11-29 … 01-31 is 64: cleared at expiry (R9).
			name: "R9 a package that expires before it is used up: no run-out, no overage", pkgs: []billing.Package{starter},
			remaining: map[int64]int64{2: 100_000}, active: true, seconds: rate500,
			perDay: 500, next: cst(2027, 1, 31),
		},
		{
			// R7: the Starter (expiring 01-31) first for 20 days, then the
			// trial's 1,000 minutes for 12-19 and 12-20; 12-21 not covered.
			// Overage until the earliest expiry of a package valid today,
			// the Starter's 01-31: 12-21 … 01-31 = 11 + 31 = 42 days × 500.
			name: "R7 earliest expiry first, then the trial", pkgs: []billing.Package{trial, starter},
			remaining: map[int64]int64{1: 1_000, 2: 10_000}, active: true, seconds: rate500,
			perDay: 500, runsOut: cst(2026, 12, 21), overage: 21_000, next: cst(2027, 1, 31),
		},
		{
			// 300 minutes at 100 a day: 11-29, 11-30, 12-01; 12-02 not covered.
			// A trial-only account is refused, never billed (R5).
			name: "R5 a trial-only account runs out but expects no overage", pkgs: []billing.Package{trial},
			remaining: map[int64]int64{1: 300}, active: false, seconds: 30 * 100 * 60,
			perDay: 100, runsOut: cst(2026, 12, 2), next: cst(2027, 6, 30),
		},
		{
			// Every package used up: tomorrow is not covered; the Starter is
			// still valid to 01-31: 11-29 … 01-31 = 64 days × 500.
			name: "all packages used: overage every day to the next expiry", pkgs: []billing.Package{starter},
			remaining: map[int64]int64{2: 0}, active: true, seconds: rate500,
			perDay: 500, runsOut: cst(2026, 11, 29), overage: 32_000, next: cst(2027, 1, 31), usedUp: true,
		},
		{
			// The Starter of 2025 expired on 2026-01-31 (R9): nothing is
			// valid today, so tomorrow is not covered and no expiry bounds
			// the overage.
			name: "R9 every package expired: runs out tomorrow, no next expiry", pkgs: []billing.Package{{ID: 3, Plan: billing.Starter, PurchasedAt: cst(2025, 1, 10), Included: 50_000}},
			remaining: map[int64]int64{3: 0}, active: true, seconds: rate500,
			perDay: 500, runsOut: cst(2026, 11, 29), usedUp: true,
		},
		{
			name: "under a minute a day on average: nothing runs out", pkgs: []billing.Package{starter},
			remaining: map[int64]int64{2: 10}, active: true, seconds: 1_799,
			perDay: 0, next: cst(2027, 1, 31),
		},
		{
			name: "no usage in the 30 days: no forecast", pkgs: []billing.Package{starter},
			remaining: map[int64]int64{2: 10}, active: true, seconds: 0, wantNoForcast: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, ok := billing.ForecastFrom(now, c.pkgs, c.remaining, c.active, c.seconds)
			if ok == c.wantNoForcast {
				t.Fatalf("got a forecast %v, want one %v", ok, !c.wantNoForcast)
			}
			if !ok {
				return
			}
			if f.BasedOnDays != 30 || f.MinutesPerDay != c.perDay || !f.RunsOutOn.Equal(c.runsOut) || f.OverageUntilNextExpiry != c.overage || !f.NextExpiresOn.Equal(c.next) || f.UsedUp != c.usedUp {
				t.Errorf("got %d days, %d min/day, runs out %v (used up %v), overage %d until %v; want 30, %d, %v (%v), %d until %v",
					f.BasedOnDays, f.MinutesPerDay, f.RunsOutOn, f.UsedUp, f.OverageUntilNextExpiry, f.NextExpiresOn, c.perDay, c.runsOut, c.usedUp, c.overage, c.next)
			}
		})
	}
}
