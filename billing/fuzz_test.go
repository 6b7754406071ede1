package billing_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"rtcbill/billing"
)

// maxYear9999 is the last instant whose CST date RFC 3339 can write.
var maxYear9999 = time.Date(10000, 1, 1, 0, 0, 0, 0, billing.CST).Add(-time.Second)

// FuzzParseInstant: ParseInstant never panics, refuses with ErrBadInstant,
// and keeps what it accepts to the second: written again in its own offset
// it parses to the same instant. Written by the API (FormatInstant, at
// +08:00) it parses to the same instant too, for every instant from 2015 to
// the end of year 9999 in CST. Outside that span it cannot: Asia/Shanghai's
// offset before 1901 is its local mean time, +08:05:43, which RFC 3339
// writes as +08:05, and a CST year past 9999 has five digits. The console
// refuses such instants wherever it stores them.
func FuzzParseInstant(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := billing.ParseInstant(s)
		if err != nil {
			if !errors.Is(err, billing.ErrBadInstant) {
				t.Fatalf("ParseInstant(%q): got error %v, want one wrapping ErrBadInstant", s, err)
			}
			return
		}
		if v.Nanosecond() != 0 {
			t.Fatalf("ParseInstant(%q) = %v: got a fraction of a second, want it dropped (R6)", s, v)
		}
		own := v.Format(time.RFC3339)
		if w, err := billing.ParseInstant(own); err != nil || !w.Equal(v) {
			t.Fatalf("ParseInstant(%q) = %v, written as %q: got %v, %v back, want the same instant", s, v, own, w, err)
		}
		if v.Before(billing.MinInstant) || v.After(maxYear9999) {
			return
		}
		api := billing.FormatInstant(v)
		w, err := billing.ParseInstant(api)
		if err != nil || !w.Equal(v) {
			t.Fatalf("ParseInstant(%q) = %v, written by the API as %q: got %v, %v back, want the same instant", s, v, api, w, err)
		}
		if billing.FormatInstant(w) != api {
			t.Fatalf("FormatInstant is not stable: %q then %q", api, billing.FormatInstant(w))
		}
	})
}

// FuzzParseMonth: ParseMonth never panics, refuses with ErrBadMonth, and
// what it accepts is exactly what Month.String writes back: YYYY-MM with a
// month from 1 to 12, whose Start, End, Next and Prev agree.
func FuzzParseMonth(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, err := billing.ParseMonth(s)
		if err != nil {
			if !errors.Is(err, billing.ErrBadMonth) {
				t.Fatalf("ParseMonth(%q): got error %v, want one wrapping ErrBadMonth", s, err)
			}
			return
		}
		if m.Month < time.January || m.Month > time.December {
			t.Fatalf("ParseMonth(%q) = %+v: got month %d", s, m, m.Month)
		}
		if m.String() != s {
			t.Fatalf("ParseMonth(%q) = %+v, written back as %q, want %q", s, m, m.String(), s)
		}
		if again, err := billing.ParseMonth(m.String()); err != nil || again != m {
			t.Fatalf("ParseMonth(%q) = %+v: got %+v, %v back, want the same month", m.String(), m, again, err)
		}
		if !m.Start().Before(m.End()) || billing.MonthOf(m.Start()) != m || billing.MonthOf(m.End().Add(-time.Second)) != m {
			t.Fatalf("month %s: got [%v, %v), want a span that MonthOf maps back to it", m, m.Start(), m.End())
		}
		if m.Next().Prev() != m || m.Prev().Next() != m || !m.Before(m.Next()) {
			t.Fatalf("month %s: got next %s, prev %s, want neighbours", m, m.Next(), m.Prev())
		}
	})
}

// fuzzBytes reads numbers from the fuzzer's bytes; past the end it reads
// zeros, so every input decodes to some account.
type fuzzBytes []byte

func (b *fuzzBytes) next() int64 {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int64(v)
}

// n reads a number of k bytes, big-endian.
func (b *fuzzBytes) n(k int) int64 {
	var v int64
	for range k {
		v = v<<8 | b.next()
	}
	return v
}

// instant reads an instant from 2019-05-01 on (propBase), within about two
// years, with a bias to the edges that matter: CST midnights, month ends,
// and the instants already chosen (a purchase in the middle of a session).
func (b *fuzzBytes) instant(earlier []time.Time) time.Time {
	mode, offset := b.next()%8, b.n(3)*4 // up to ~2.1 years
	t := propBase.Add(time.Duration(offset) * time.Second)
	switch mode {
	case 0: // 00:00 CST of its day
		return billing.DayStart(t)
	case 1: // a few seconds around a month end
		return billing.MonthOf(t).End().Add(time.Duration(b.next()-128) * time.Second)
	case 2: // at or near an instant already chosen
		if len(earlier) > 0 {
			return earlier[int(offset)%len(earlier)].Add(time.Duration(b.next()-128) * time.Second)
		}
	}
	return t
}

// fuzzAccount decodes packages, sessions, the end of rating and a shuffle
// seed from data.
func fuzzAccount(data []byte) (account, uint64) {
	b := fuzzBytes(data)
	var a account
	var instants []time.Time
	plans := billing.Plans()
	for i := range b.next() % 6 {
		plan := plans[b.next()%int64(len(plans))]
		at := b.instant(instants)
		instants = append(instants, at)
		included := plan.IncludedMinutes
		if k := b.next(); k%2 == 1 { // a few minutes: used up within the input
			included = 1 + k/2
		}
		a.pkgs = append(a.pkgs, billing.Package{ID: int64(i + 1), Plan: plan.Code, PurchasedAt: at, Included: included, Price: plan.Price})
	}
	for i := range b.next() % 40 {
		joined := b.instant(instants)
		instants = append(instants, joined)
		d := 1 + b.n(2) // up to 18 h
		if b.next()%4 == 0 {
			d *= 2 // up to 36 h: longer than the API allows, as live stays are before they are cut
		}
		a.sessions = append(a.sessions, billing.Session{ID: fmt.Sprintf("s%02d", i), App: 1400000001 + b.next()%2,
			Joined: joined, Left: joined.Add(time.Duration(d) * time.Second)})
	}
	switch b.next() % 3 {
	case 0:
		a.until = billing.MonthOf(b.instant(instants)).End()
	case 1:
		a.until = b.instant(instants)
	default:
		a.until = farFuture
	}
	return a, uint64(b.n(8))
}

// FuzzRate rates accounts built from the fuzzer's bytes and checks the
// invariants of R7–R9: every month's deductions, overage and refused
// seconds add up to its usage; no package is drawn past its minutes; and
// neither the order of ingestion nor summing days (R7's fast path) changes
// the rating.
func FuzzRate(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		a, seed := fuzzAccount(data)
		ps := referencePieces(a)
		rt := billing.Rate(a.pkgs, ps, a.until)
		checkLinesAddUp(t, a, ps, rt)
		checkNoPackageOverdrawn(t, a, rt)

		r := rand.New(rand.NewPCG(seed, seed>>1))
		shuffled, pkgs := slices.Clone(ps), slices.Clone(a.pkgs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		r.Shuffle(len(pkgs), func(i, j int) { pkgs[i], pkgs[j] = pkgs[j], pkgs[i] })
		if got := billing.Rate(pkgs, shuffled, a.until); !reflect.DeepEqual(got, rt) {
			t.Fatalf("the same pieces and packages in another order: got %+v, want %+v", got, rt)
		}
		if got := billing.Rate(a.pkgs, dailySumPieces(a), a.until); !reflect.DeepEqual(got, rt) {
			t.Fatalf("daily sums instead of sessions: got %+v, want %+v", got, rt)
		}
	})
}

// checkLinesAddUp: in every month, deducted + overage + refused seconds are
// the usage, and so are the days' covered + overage + refused; the months
// hold every second of the pieces that start before until.
func checkLinesAddUp(t *testing.T, a account, ps []billing.Piece, rt billing.Rating) {
	t.Helper()
	var total int64
	for _, p := range ps {
		if p.Start.Before(a.until) {
			total += p.Seconds
		}
	}
	var rated int64
	for i, mr := range rt.Months {
		if i > 0 && rt.Months[i-1].Month.Next() != mr.Month {
			t.Fatalf("months %s then %s, want consecutive months", rt.Months[i-1].Month, mr.Month)
		}
		var ded, covered, over, refused int64
		for _, d := range mr.Deductions {
			ded += d.Seconds
		}
		for _, d := range mr.Days {
			covered += d.CoveredSeconds
			over += d.OverageSeconds
			refused += d.RefusedSeconds
			if billing.MonthOf(d.Day) != mr.Month || d.CoveredSeconds < 0 || d.OverageSeconds < 0 || d.RefusedSeconds < 0 {
				t.Fatalf("%s: got day %+v", mr.Month, d)
			}
		}
		if ded+mr.OverageSeconds+mr.RefusedSeconds != mr.UsageSeconds || mr.OverageSeconds < 0 || mr.RefusedSeconds < 0 {
			t.Fatalf("%s: got deducted %d + overage %d + refused %d, want usage %d", mr.Month, ded, mr.OverageSeconds, mr.RefusedSeconds, mr.UsageSeconds)
		}
		if covered != ded || over != mr.OverageSeconds || refused != mr.RefusedSeconds {
			t.Fatalf("%s: got days covering %d, overage %d, refused %d, want the month's %d, %d, %d",
				mr.Month, covered, over, refused, ded, mr.OverageSeconds, mr.RefusedSeconds)
		}
		rated += mr.UsageSeconds
	}
	if rated != total {
		t.Fatalf("got %d s rated, want the pieces' %d s", rated, total)
	}
}

// checkNoPackageOverdrawn: a package's used, cleared and remaining minutes
// are its included minutes, none negative; each month draws at most the
// whole minutes it has left, only inside its validity, billed as whole
// minutes (R8); it is cleared only in the month it expires (R9).
func checkNoPackageOverdrawn(t *testing.T, a account, rt billing.Rating) {
	t.Helper()
	for _, p := range a.pkgs {
		v := p.Validity()
		left := p.Included
		var used, cleared int64
		for _, mr := range rt.Months {
			if d, ok := deduction(mr, p.ID); ok {
				if d.Minutes != (d.Seconds+59)/60 || d.Seconds <= 0 || d.Seconds > left*60 {
					t.Fatalf("%s package %d with %d min left: got %d s as %d min", mr.Month, p.ID, left, d.Seconds, d.Minutes)
				}
				if !mr.Month.Start().Before(v.Until) || !v.From.Before(mr.Month.End()) {
					t.Fatalf("%s package %d: got a deduction outside its validity %v", mr.Month, p.ID, v)
				}
				left -= d.Minutes
				used += d.Minutes
			}
			for _, c := range mr.Cleared {
				if c.PackageID == p.ID {
					if billing.MonthOf(c.ExpiresOn) != mr.Month || c.Minutes < 0 {
						t.Fatalf("package %d: got %d min cleared in %s, want them in the month of %s", p.ID, c.Minutes, mr.Month, billing.FormatDate(c.ExpiresOn))
					}
					left -= c.Minutes
					cleared += c.Minutes
				}
			}
		}
		b, ok := rt.Balances[p.ID]
		if !ok {
			t.Fatalf("package %d: no balance", p.ID)
		}
		if left < 0 || b.RemainingMinutes != left || b.UsedMinutes != used || b.ClearedMinutes != cleared || b.CapacitySeconds < 0 {
			t.Fatalf("package %d: got balance %+v, want used %d, cleared %d, remaining %d ≥ 0", p.ID, b, used, cleared, left)
		}
		if b.UsedMinutes+b.ClearedMinutes+b.RemainingMinutes != p.Included {
			t.Fatalf("package %d: got used %d + cleared %d + remaining %d, want its %d included", p.ID, b.UsedMinutes, b.ClearedMinutes, b.RemainingMinutes, p.Included)
		}
		// Capacity is the remaining minutes plus what is left of the minute
		// last rounded up (R8).
		if b.CapacitySeconds < b.RemainingMinutes*60 || b.CapacitySeconds > b.RemainingMinutes*60+59 {
			t.Fatalf("package %d: got capacity %d s with %d min remaining", p.ID, b.CapacitySeconds, b.RemainingMinutes)
		}
	}
}
