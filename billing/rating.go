package billing

import (
	"cmp"
	"slices"
	"time"
)

// Deduction is what one package covered in one month (R7, R8).
type Deduction struct {
	PackageID int64
	Plan      PlanCode
	Seconds   int64
	Minutes   int64
}

// Clearance is what a package lost at its expiry (R9).
type Clearance struct {
	PackageID int64
	Plan      PlanCode
	ExpiresOn time.Time
	Minutes   int64
}

// MonthRating is the outcome of rating one CST month.
type MonthRating struct {
	Month          Month
	UsageSeconds   int64
	Deductions     []Deduction // in drawing order: earliest expiry first
	OverageSeconds int64
	RefusedSeconds int64
	Cleared        []Clearance
	// Days splits the month's usage by CST day, for charts: only days with
	// usage, oldest first.
	Days []DayRating
}

// DayRating is one CST day's usage: what packages covered, what went to
// overage and what was refused, in seconds.
type DayRating struct {
	Day            time.Time // 00:00 CST
	CoveredSeconds int64
	OverageSeconds int64
	RefusedSeconds int64
}

// OverageMinutes is R8's rounding of the month's overage.
func (r MonthRating) OverageMinutes() int64 { return ceilMinutes(r.OverageSeconds) }

// RefusedMinutes is R8's rounding of the month's refused usage.
func (r MonthRating) RefusedMinutes() int64 { return ceilMinutes(r.RefusedSeconds) }

// UsageMinutes is the month's usage rounded up to a whole minute (R8).
func (r MonthRating) UsageMinutes() int64 { return ceilMinutes(r.UsageSeconds) }

// Balance is one package's standing at the end of a rating.
type Balance struct {
	UsedMinutes      int64
	ClearedMinutes   int64
	RemainingMinutes int64
	// CapacitySeconds is what the package can still cover at the end of the
	// rating, counted in seconds inside the month holding that instant (R8):
	// zero once it is used up or cleared.
	CapacitySeconds int64
}

// Rating is an account's usage rated month by month up to an instant.
type Rating struct {
	Months   []MonthRating // consecutive, oldest first
	Balances map[int64]Balance
}

// Month returns the rating of m, or an empty one when nothing happened in it.
func (r Rating) Month(m Month) MonthRating {
	for _, mr := range r.Months {
		if mr.Month == m {
			return mr
		}
	}
	return MonthRating{Month: m}
}

func ceilMinutes(seconds int64) int64 { return (seconds + 59) / 60 }

// Rate implements R7 (deduction), R8 (monthly rounding) and R9 (clearing at
// expiry) for one account. It rates the pieces that start before until, in
// the order of their start (ties by Key), month by month from the first
// month that holds a piece or a package's validity start.
//
// Each piece is drawn from the packages valid at its start that have
// capacity left, earliest expiry first (ties: earlier purchase, lower id).
// What no package covers is overage if the account is active at the piece's
// start (R5), refused otherwise. A package enters each month with its whole
// remaining minutes as capacity; the month's deduction is the seconds drawn
// rounded up, so rounding never overdraws it (R8). A package whose expiry
// date falls in a month loses what is left at that month's end, provided
// until reaches that end (R9).
func Rate(pkgs []Package, pieces []Piece, until time.Time) Rating {
	order := slices.Clone(pkgs)
	slices.SortFunc(order, func(a, b Package) int {
		return cmp.Or(
			a.Validity().Until.Compare(b.Validity().Until),
			a.PurchasedAt.Compare(b.PurchasedAt),
			cmp.Compare(a.ID, b.ID))
	})
	validity := make([]Validity, len(order))
	remaining := make([]int64, len(order))
	used := make([]int64, len(order))
	cleared := make([]int64, len(order))
	capacity := make([]int64, len(order))
	drawn := make([]int64, len(order))
	for i, p := range order {
		validity[i] = p.Validity()
		remaining[i] = p.Included
	}

	ps := make([]Piece, 0, len(pieces))
	for _, p := range pieces {
		if p.Start.Before(until) && p.Seconds > 0 {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Piece) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Key, b.Key))
	})

	rating := Rating{Balances: make(map[int64]Balance, len(order))}
	var first Month
	found := false
	consider := func(t time.Time) {
		if m := MonthOf(t); !found || m.Before(first) {
			first, found = m, true
		}
	}
	if len(ps) > 0 {
		consider(ps[0].Start)
	}
	for _, v := range validity {
		if v.From.Before(until) {
			consider(v.From)
		}
	}
	activeSince := ActiveSince(pkgs)
	if found {
		last := MonthOf(until.Add(-time.Second))
		next := 0
		for m := first; !last.Before(m); m = m.Next() {
			mr := MonthRating{Month: m}
			for i := range order {
				capacity[i], drawn[i] = remaining[i]*60, 0
			}
			for ; next < len(ps) && ps[next].Start.Before(m.End()); next++ {
				p := ps[next]
				left := p.Seconds
				mr.UsageSeconds += left
				if day := DayStart(p.Start); len(mr.Days) == 0 || !mr.Days[len(mr.Days)-1].Day.Equal(day) {
					mr.Days = append(mr.Days, DayRating{Day: day})
				}
				d := &mr.Days[len(mr.Days)-1]
				d.CoveredSeconds += left
				for i := range order {
					if left == 0 {
						break
					}
					if avail := capacity[i] - drawn[i]; avail > 0 && validity[i].Contains(p.Start) {
						take := min(left, avail)
						drawn[i] += take
						left -= take
					}
				}
				if left > 0 {
					d.CoveredSeconds -= left
					if !activeSince.IsZero() && !p.Start.Before(activeSince) {
						mr.OverageSeconds += left
						d.OverageSeconds += left
					} else {
						mr.RefusedSeconds += left
						d.RefusedSeconds += left
					}
				}
			}
			for i, p := range order {
				if drawn[i] > 0 {
					mins := ceilMinutes(drawn[i])
					remaining[i] -= mins
					used[i] += mins
					mr.Deductions = append(mr.Deductions, Deduction{p.ID, p.Plan, drawn[i], mins})
				}
			}
			for i, p := range order {
				if validity[i].Until.Equal(m.End()) && !until.Before(m.End()) {
					cleared[i] = remaining[i]
					remaining[i] = 0
					capacity[i], drawn[i] = 0, 0
					mr.Cleared = append(mr.Cleared, Clearance{p.ID, p.Plan, validity[i].ExpiresOn(), cleared[i]})
				}
			}
			rating.Months = append(rating.Months, mr)
		}
	}
	// When until is the first instant of a month, that month has begun: a
	// package can cover at until only the whole minutes it enters it with
	// (R8), not the seconds left of the rounded last minute of the month before.
	monthBegins := until.Equal(MonthOf(until).Start())
	for i, p := range order {
		capLeft := capacity[i] - drawn[i]
		if !found || monthBegins {
			capLeft = remaining[i] * 60
		}
		rating.Balances[p.ID] = Balance{
			UsedMinutes:      used[i],
			ClearedMinutes:   cleared[i],
			RemainingMinutes: remaining[i],
			CapacitySeconds:  capLeft,
		}
	}
	return rating
}
