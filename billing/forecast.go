package billing

import (
	"cmp"
	"slices"
	"time"
)

// The forecast of a packages answer: when, at the rate of the last 30 days,
// the account's packages run out, and the overage expected before the next
// of them expires. It is exact where it can be — the draw order is R7's and
// R9 clears a package at its expiry — and assumes what it says: every day
// from tomorrow uses the same whole minutes, the average of the 30 whole
// CST days before today.

// ForecastDays is how many whole CST days before today set the rate.
const ForecastDays = 30

// Forecast is where an account's packages are heading.
type Forecast struct {
	BasedOnDays   int
	MinutesPerDay int64
	// RunsOutOn is the first day (00:00 CST) the packages do not fully
	// cover; zero when they last past their expiries.
	RunsOutOn time.Time
	// OverageUntilNextExpiry is what is not covered from RunsOutOn to the
	// last day of the earliest expiring package valid today: 0 when that
	// expiry comes first, when no package is valid today, or when the
	// account is not active (R5: a trial's uncovered minutes are refused,
	// not billed).
	OverageUntilNextExpiry int64
	// UsedUp says no package valid today has minutes left: they have run
	// out already, and RunsOutOn is tomorrow.
	UsedUp bool
	// NextExpiresOn is the expiry date (R3) of the earliest expiring
	// package valid today, the last day OverageUntilNextExpiry counts;
	// zero when no package is valid today.
	NextExpiresOn time.Time
}

// ForecastRate is the rate of the last ForecastDays days: floor(seconds /
// (30 × 60)) whole minutes a day.
func ForecastRate(seconds int64) int64 { return seconds / (ForecastDays * 60) }

// ForecastFrom simulates the days after today's (the CST day holding now):
// each day draws rate minutes from the packages valid that day with
// minutes left, earliest expiry first (ties: earlier purchase, lower id —
// R7), a package's minutes being its remaining minutes now (remaining, by
// package id) and nothing after its validity ends (R9). active is R5's
// status "active" at now. It returns ok false when seconds, the usage of the
// ForecastDays days before today, is zero: no forecast without usage.
func ForecastFrom(now time.Time, pkgs []Package, remaining map[int64]int64, active bool, seconds int64) (Forecast, bool) {
	if seconds <= 0 {
		return Forecast{}, false
	}
	f := Forecast{BasedOnDays: ForecastDays, MinutesPerDay: ForecastRate(seconds)}
	order := slices.Clone(pkgs)
	slices.SortFunc(order, func(a, b Package) int {
		return cmp.Or(a.Validity().Until.Compare(b.Validity().Until), a.PurchasedAt.Compare(b.PurchasedAt), cmp.Compare(a.ID, b.ID))
	})
	today := DayStart(now)
	tomorrow := NextDayStart(today)
	left := make([]int64, len(order))
	// last is the end of the last validity that still holds minutes;
	// nextExpiry the earliest end of a package valid today.
	var last, nextExpiry time.Time
	for i, p := range order {
		v := p.Validity()
		left[i] = remaining[p.ID]
		if left[i] > 0 && v.Until.After(today) && v.Until.After(last) {
			last = v.Until
		}
		if nextExpiry.IsZero() && v.Contains(today) {
			nextExpiry = v.Until
		}
	}
	if !nextExpiry.IsZero() {
		f.NextExpiresOn = nextExpiry.AddDate(0, 0, -1)
	}
	if f.MinutesPerDay == 0 {
		return f, true
	}
	if last.IsZero() {
		// No minutes left in any package: they have run out already.
		f.RunsOutOn, f.UsedUp = tomorrow, true
	}
	end := last
	if nextExpiry.After(end) {
		end = nextExpiry
	}
	for day := tomorrow; day.Before(end); day = NextDayStart(day) {
		need := f.MinutesPerDay
		for i, p := range order {
			if need == 0 {
				break
			}
			if left[i] > 0 && p.Validity().Contains(day) {
				take := min(need, left[i])
				left[i] -= take
				need -= take
			}
		}
		if need == 0 {
			continue
		}
		if f.RunsOutOn.IsZero() {
			if !day.Before(last) {
				// Every package with minutes has expired: they lasted
				// past their expiries.
				break
			}
			f.RunsOutOn = day
		}
		if active && day.Before(nextExpiry) {
			f.OverageUntilNextExpiry += need
		}
	}
	return f, true
}
