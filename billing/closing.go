package billing

import (
	"cmp"
	"slices"
	"time"
)

// Closing months (R11). A month's bill is an estimate while the month runs
// and is issued once it is over; the console stores it (a snapshot that
// never changes) only after a grace period past the month's end, so that
// usage reported a little late still lands on its own month's bill.

// DefaultCloseGrace is how long after a month's end its bill waits before
// it may be stored.
const DefaultCloseGrace = time.Hour

// ClosableThrough is the newest month whose bill may be stored at now: the
// last month that ended at least grace before now.
func ClosableThrough(now time.Time, grace time.Duration) Month {
	return MonthOf(now.Add(-grace)).Prev()
}

// MonthsToClose lists, oldest first, the months from first through through
// that are not in stored: the bills a close must store. Empty when through
// is before first.
func MonthsToClose(first, through Month, stored func(Month) bool) []Month {
	var out []Month
	for m := first; !through.Before(m); m = m.Next() {
		if !stored(m) {
			out = append(out, m)
		}
	}
	return out
}

// LateUsageLines computes the late-usage lines of the bill of carrier: the
// overage that sessions recorded after their month's bill was stored add,
// attributed to the months they came from.
//
// pieces is every piece of the account's usage before carrier's start,
// late sessions included (as the store reads them: daily sums where R7
// allows, session pieces elsewhere); late holds the pieces of the sessions
// carrier carries, cut at carrier's start. The months of origin are taken in
// time order; each one's line is the growth in the total overage minutes of
// that month and every later month before carrier that adding its late
// pieces to what came before causes. Late minutes that packages cover add
// no line (they show in the packages' balances); neither do minutes refused
// while the service was closed (R5).
func LateUsageLines(pkgs []Package, pieces, late []Piece, carrier Month) []LateUsage {
	until := carrier.Start()
	var origins []Month
	byMonth := map[Month][]Piece{}
	for _, p := range late {
		if !p.Start.Before(until) || p.Seconds <= 0 {
			continue
		}
		m := MonthOf(p.Start)
		if _, ok := byMonth[m]; !ok {
			origins = append(origins, m)
		}
		byMonth[m] = append(byMonth[m], p)
	}
	if len(origins) == 0 {
		return nil
	}
	slices.SortFunc(origins, func(a, b Month) int { return a.Start().Compare(b.Start()) })

	cur := withoutPieces(pieces, late, until)
	before := Rate(pkgs, cur, until)
	var out []LateUsage
	for _, m := range origins {
		cur = append(cur, byMonth[m]...)
		after := Rate(pkgs, cur, until)
		var growth int64
		for o := m; o.Before(carrier); o = o.Next() {
			growth += after.Month(o).OverageMinutes() - before.Month(o).OverageMinutes()
		}
		if growth > 0 {
			out = append(out, NewLateUsage(m, growth))
		}
		before = after
	}
	return out
}

// withoutPieces is pieces (those before until) less the late ones: a late
// session piece is removed where it appears as itself, and its seconds are
// taken off its day's sum where its day is read as a daily sum.
func withoutPieces(pieces, late []Piece, until time.Time) []Piece {
	type exact struct {
		start int64
		key   string
		app   int64
	}
	type daily struct {
		day int64
		app int64
	}
	drop := map[exact]int{}
	less := map[daily]int64{}
	for _, p := range late {
		if p.Start.Before(until) && p.Seconds > 0 {
			drop[exact{p.Start.Unix(), p.Key, p.App}]++
		}
	}
	out := make([]Piece, 0, len(pieces))
	for _, p := range pieces {
		if !p.Start.Before(until) {
			continue
		}
		k := exact{p.Start.Unix(), p.Key, p.App}
		if p.Key != "" && drop[k] > 0 {
			drop[k]--
			continue
		}
		out = append(out, p)
	}
	// What was not found as a piece of its own lies in a daily sum.
	for _, p := range late {
		k := exact{p.Start.Unix(), p.Key, p.App}
		if drop[k] > 0 {
			drop[k]--
			less[daily{DayStart(p.Start).Unix(), p.App}] += p.Seconds
		}
	}
	if len(less) > 0 {
		for i, p := range out {
			if p.Key != "" {
				continue
			}
			d := daily{p.Start.Unix(), p.App}
			if s := less[d]; s > 0 {
				take := min(s, p.Seconds)
				out[i].Seconds -= take
				less[d] -= take
			}
		}
	}
	slices.SortFunc(out, func(a, b Piece) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Key, b.Key))
	})
	return out
}
