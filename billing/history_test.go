package billing_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
)

// historyRow is a PackageMonth written as the test expects it.
type historyRow struct {
	month                           string
	drawn, cleared, late, remaining int64
	stored, running                 bool
}

func (r historyRow) String() string {
	return fmt.Sprintf("%s drawn %d cleared %d late %d remaining %d stored %v running %v",
		r.month, r.drawn, r.cleared, r.late, r.remaining, r.stored, r.running)
}

func historyRows(h []billing.PackageMonth) []historyRow {
	var out []historyRow
	for _, m := range h {
		out = append(out, historyRow{m.Month.String(), m.Drawn, m.Cleared, m.Late, m.Remaining, m.Stored, m.Running})
	}
	return out
}

// quiet is months with nothing drawn nor cleared: remaining stays.
func quiet(from billing.Month, n int, remaining int64) []historyRow {
	var out []historyRow
	for range n {
		out = append(out, historyRow{month: from.String(), remaining: remaining})
		from = from.Next()
	}
	return out
}

func checkHistory(t *testing.T, got []billing.PackageMonth, want []historyRow) {
	t.Helper()
	rows := historyRows(got)
	if !slices.Equal(rows, want) {
		var b strings.Builder
		for i := range max(len(rows), len(want)) {
			var g, w string
			if i < len(rows) {
				g = rows[i].String()
			}
			if i < len(want) {
				w = want[i].String()
			}
			mark := "  "
			if g != w {
				mark = "≠ "
			}
			fmt.Fprintf(&b, "\n%sgot  %s\n  want %s", mark, g, w)
		}
		t.Errorf("history:%s", b.String())
	}
}

// TestPackageHistory follows two stacked packages month by month: a
// Starter (to 2026-01-31) and a Standard bought two months later (to
// 2026-03-31). Both are valid in March 2025, and the Starter, expiring
// first, is drawn first (R7) until it is used up; the Standard's minutes
// left at its expiry are cleared (R9).
func TestPackageHistory(t *testing.T) {
	starter := buy(t, 1, billing.Starter, cst(2025, 1, 10, 9, 0, 0))    // 50,000 min, to 2026-01-31
	standard := buy(t, 2, billing.Standard, cst(2025, 3, 15, 10, 0, 0)) // 250,000 min, to 2026-03-31
	pkgs := []billing.Package{starter, standard}
	const minute = 60 // seconds
	pieces := []billing.Piece{
		piece("", day(2025, 1, 20), 20_000*minute),    // the Starter: 20,000
		piece("", day(2025, 2, 12), 10_000*minute+30), // the Starter: 10,000.5 → 10,001 (R8)
		piece("", day(2025, 3, 5), 5_000*minute),      // only the Starter is valid yet
		piece("", day(2025, 3, 20), 25_000*minute),    // the Starter's last 14,999, then the Standard
		piece("", day(2025, 4, 8), 40_000*minute),     // the Standard alone
		piece("", day(2026, 4, 2), 1_000*minute),      // after both expired: overage
	}
	jan, mar := billing.Month{Year: 2025, Month: time.January}, billing.Month{Year: 2025, Month: time.March}

	t.Run("R7 R9 after both expired: the Starter drawn first, the Standard's minutes cleared", func(t *testing.T) {
		now := cst(2026, 4, 10, 12, 0, 0)
		r := billing.Rate(pkgs, pieces, now)
		// March: the Starter enters with 19,999 whole minutes (R8): 5,000 on
		// the 5th, its last 14,999 on the 20th, and the Standard the other
		// 10,001 (600,060 s).
		want := []historyRow{
			{month: "2025-01", drawn: 20_000, remaining: 30_000},
			{month: "2025-02", drawn: 10_001, remaining: 19_999},
			{month: "2025-03", drawn: 19_999, remaining: 0},
		}
		want = append(want, quiet(billing.Month{Year: 2025, Month: time.April}, 9, 0)...)
		want = append(want, historyRow{month: "2026-01", remaining: 0}) // expires used up: 0 cleared
		checkHistory(t, billing.PackageHistory(starter, r, nil, now), want)

		want = []historyRow{
			{month: "2025-03", drawn: 10_001, remaining: 239_999},
			{month: "2025-04", drawn: 40_000, remaining: 199_999},
		}
		want = append(want, quiet(billing.Month{Year: 2025, Month: time.May}, 10, 199_999)...)
		want = append(want, historyRow{month: "2026-03", cleared: 199_999, remaining: 0})
		checkHistory(t, billing.PackageHistory(standard, r, nil, now), want)
	})

	t.Run("the running month is so far, and no month after it is shown", func(t *testing.T) {
		now := cst(2025, 4, 20, 12, 0, 0)
		r := billing.Rate(pkgs, pieces, now)
		checkHistory(t, billing.PackageHistory(standard, r, nil, now), []historyRow{
			{month: "2025-03", drawn: 10_001, remaining: 239_999},
			{month: "2025-04", drawn: 40_000, remaining: 199_999, running: true},
		})
		checkInt(t, "the running month's remaining against the balance", 199_999, r.Balances[standard.ID].RemainingMinutes)
		bought := standard.PurchasedAt
		checkHistory(t, billing.PackageHistory(standard, billing.Rate(pkgs, pieces, bought), nil, bought), []historyRow{
			{month: "2025-03", remaining: 250_000, running: true},
		})
	})

	t.Run("R11 stored bills are what the history says; what was recorded after them is late", func(t *testing.T) {
		now := cst(2025, 4, 20, 12, 0, 0)
		before := billing.Rate(pkgs, pieces, mar.End())
		stored := map[billing.Month]billing.Bill{}
		for m := jan; !mar.Before(m); m = m.Next() {
			stored[m] = billing.MakeBill(before.Month(m), pkgs, mar.End())
		}
		// As stored, with nothing recorded since: the bills' figures.
		r := billing.Rate(pkgs, pieces, now)
		checkHistory(t, billing.PackageHistory(starter, r, stored, now), []historyRow{
			{month: "2025-01", drawn: 20_000, remaining: 30_000, stored: true},
			{month: "2025-02", drawn: 10_001, remaining: 19_999, stored: true},
			{month: "2025-03", drawn: 19_999, remaining: 0, stored: true},
			{month: "2025-04", remaining: 0, running: true},
		})

		// 5,000 minutes of 2025-02-25 recorded after the bills were
		// stored. The bills keep their figures; the rating now has
		// February take 15,001 from the Starter (+5,000), which leaves it
		// only 14,999 for March (−5,000), so the Standard covers 15,001 of
		// March (+5,000) and is left 5,000 fewer.
		late := append(slices.Clone(pieces), piece("late", day(2025, 2, 25), 5_000*minute))
		r = billing.Rate(pkgs, late, now)
		checkHistory(t, billing.PackageHistory(starter, r, stored, now), []historyRow{
			{month: "2025-01", drawn: 20_000, remaining: 30_000, stored: true},
			{month: "2025-02", drawn: 10_001, late: 5_000, remaining: 14_999, stored: true},
			{month: "2025-03", drawn: 19_999, late: -5_000, remaining: 0, stored: true},
			{month: "2025-04", remaining: 0, running: true},
		})
		checkHistory(t, billing.PackageHistory(standard, r, stored, now), []historyRow{
			{month: "2025-03", drawn: 10_001, late: 5_000, remaining: 234_999, stored: true},
			{month: "2025-04", drawn: 40_000, remaining: 194_999, running: true},
		})
		checkInt(t, "the Standard's balance", r.Balances[standard.ID].RemainingMinutes, 194_999)
	})
}

// TestPackageHistoryProperties: for seeded random accounts, with the bills
// of some past months stored before a random part of the usage was
// recorded, every package's history runs month after month from its
// purchase; a month with a stored bill has that bill's figures, any other
// the rating's and nothing late; drawn, cleared and late added up to a
// month, plus what is left at its end, are the package's minutes; and the
// last month leaves the package's balance.
func TestPackageHistoryProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20250110, 20260331))
	var late, cleared int
	for i := range 300 {
		a := randomAccount(r)
		now := a.until
		ps := referencePieces(a)
		var early []billing.Piece
		for _, p := range ps {
			if r.IntN(4) > 0 {
				early = append(early, p)
			}
		}
		before := billing.Rate(a.pkgs, early, now)
		stored := map[billing.Month]billing.Bill{}
		for _, mr := range before.Months {
			if mr.Month.End().After(now) || r.IntN(3) == 0 {
				continue
			}
			stored[mr.Month] = billing.MakeBill(mr, a.pkgs, now)
		}
		full := billing.Rate(a.pkgs, ps, now)
		for _, p := range a.pkgs {
			for _, bills := range []map[billing.Month]billing.Bill{nil, stored} {
				h := billing.PackageHistory(p, full, bills, now)
				var taken int64
				for j, row := range h {
					if want := billing.MonthOf(p.Validity().From); j == 0 && row.Month != want {
						t.Fatalf("case %d package %d: got a history from %s, want from %s", i, p.ID, row.Month, want)
					}
					if j > 0 && row.Month != h[j-1].Month.Next() {
						t.Fatalf("case %d package %d: got %s after %s, want the next month", i, p.ID, row.Month, h[j-1].Month)
					}
					ratedDrawn, ratedCleared := figuresOf(p.ID, full.Month(row.Month).Deductions, full.Month(row.Month).Cleared)
					wantDrawn, wantCleared, wantStored := ratedDrawn, ratedCleared, false
					if b, ok := bills[row.Month]; ok {
						wantDrawn, wantCleared = figuresOf(p.ID, b.Deductions, b.Expired)
						wantStored = true
					}
					if row.Drawn != wantDrawn || row.Cleared != wantCleared || row.Stored != wantStored ||
						row.Late != ratedDrawn+ratedCleared-wantDrawn-wantCleared || row.Running != (row.Month == billing.MonthOf(now)) {
						t.Fatalf("case %d package %d %s: got %+v, want drawn %d cleared %d stored %v as its bill says",
							i, p.ID, row.Month, row, wantDrawn, wantCleared, wantStored)
					}
					taken += row.Drawn + row.Cleared + row.Late
					if row.Late != 0 {
						late++
					}
					if row.Cleared > 0 {
						cleared++
					}
					if taken+row.Remaining != p.Included || row.Remaining < 0 {
						t.Fatalf("case %d package %d %s: got drawn, cleared and late %d to here + remaining %d, want %d included",
							i, p.ID, row.Month, taken, row.Remaining, p.Included)
					}
				}
				if n := len(h); n > 0 && h[n-1].Remaining != full.Balances[p.ID].RemainingMinutes {
					t.Fatalf("case %d package %d: got %d left after %s, want the balance %d",
						i, p.ID, h[n-1].Remaining, h[n-1].Month, full.Balances[p.ID].RemainingMinutes)
				}
			}
		}
	}
	if late < 20 || cleared < 20 {
		t.Errorf("generator: got %d months with late minutes and %d with minutes cleared, want at least 20 of each", late, cleared)
	}
	t.Logf("%d months with late minutes, %d with minutes cleared", late, cleared)
}

// figuresOf is what deductions and clearances say of package id.
func figuresOf(id int64, ds []billing.Deduction, cs []billing.Clearance) (drawn, cleared int64) {
	for _, d := range ds {
		if d.PackageID == id {
			drawn += d.Minutes
		}
	}
	for _, c := range cs {
		if c.PackageID == id {
			cleared += c.Minutes
		}
	}
	return drawn, cleared
}
