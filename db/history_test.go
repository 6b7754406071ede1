package db

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// TestPackageHistoryReadsStoredBills: a package's history of months whose
// bills are stored is what those bills say, and stays so when usage of
// those months is recorded late; the difference shows as late, and what is
// left follows every session recorded.
func TestPackageHistoryReadsStoredBills(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	now := cstAt(2026, 11, 10, 12, 0, 0)
	acct, err := s.CreateAccount(ctx, "History", "history@example.com", now, now)
	if err != nil {
		t.Fatal(err)
	}
	// Trial from 2025-12-01 (valid to 2026-12-31) and a Starter from
	// 2026-09-01 (valid to 2027-09-30): the trial, expiring first, is
	// drawn first (R7).
	app, _, err := s.CreateApp(ctx, acct.ID, "app", cstAt(2025, 12, 1, 9, 0, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	starter, _, err := s.Purchase(ctx, acct.ID, "starter", cstAt(2026, 9, 1, 0, 0, 0), "", now)
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := s.Packages(ctx, acct.ID)
	if err != nil || len(pkgs) != 2 || pkgs[0].Plan != billing.Trial {
		t.Fatalf("packages: got %v, %v; want the trial and the Starter", pkgs, err)
	}
	trial := pkgs[0]
	// September: 35 × 1,440 + 100 = 50,500 min: the trial −1,000, the
	// Starter −49,500, 500 left. October: 600 min: the Starter −500, 100
	// overage.
	insertAt(t, s, app.SDKAppID, now, fullDay("sep", cstAt(2026, 9, 2, 0, 0, 0), 35)...)
	insertAt(t, s, app.SDKAppID, now, stay("sep-x", "hall", "x", cstAt(2026, 9, 4, 10, 0, 0), 100*time.Minute))
	insertAt(t, s, app.SDKAppID, now, stay("oct-x", "hall", "x", cstAt(2026, 10, 5, 10, 0, 0), 600*time.Minute))

	history := func(p billing.Package) string {
		t.Helper()
		h, err := s.PackageHistory(ctx, acct.ID, p.ID, now)
		if err != nil {
			t.Fatalf("PackageHistory(%d): %v", p.ID, err)
		}
		var out string
		for _, m := range h {
			out += fmt.Sprintf("%s %d %d %+d %d %v %v\n", m.Month, m.Drawn, m.Cleared, m.Late, m.Remaining, m.Stored, m.Running)
		}
		return out
	}
	// The first read stores every bill through October (its close grace
	// is over) and reads them.
	want := "2026-09 49500 0 +0 500 true false\n" +
		"2026-10 500 0 +0 0 true false\n" +
		"2026-11 0 0 +0 0 false true\n"
	if got := history(starter); got != want {
		t.Errorf("the Starter:\ngot\n%swant\n%s", got, want)
	}
	if n := storedCount(t, s, acct.ID); n != 11 {
		t.Errorf("stored bills: got %d, want 11 (2025-12 … 2026-10)", n)
	}
	want = ""
	for m := (billing.Month{Year: 2025, Month: time.December}); m.Before(sep2026); m = m.Next() {
		want += m.String() + " 0 0 +0 1000 true false\n"
	}
	want += "2026-09 1000 0 +0 0 true false\n" +
		"2026-10 0 0 +0 0 true false\n" +
		"2026-11 0 0 +0 0 false true\n"
	if got := history(trial); got != want {
		t.Errorf("the trial:\ngot\n%swant\n%s", got, want)
	}

	// 300 minutes of September and 50 of October recorded on 10
	// November: the stored bills keep 49,500 and 500; September now takes
	// 49,800 from the Starter (+300), which leaves October only 200 (−300).
	insertAt(t, s, app.SDKAppID, now,
		stay("sep-late", "hall", "late", cstAt(2026, 9, 20, 10, 0, 0), 300*time.Minute),
		stay("oct-late", "hall", "late", cstAt(2026, 10, 20, 10, 0, 0), 50*time.Minute))
	want = "2026-09 49500 0 +300 200 true false\n" +
		"2026-10 500 0 -300 0 true false\n" +
		"2026-11 0 0 +0 0 false true\n"
	if got := history(starter); got != want {
		t.Errorf("the Starter after late usage:\ngot\n%swant\n%s", got, want)
	}
	for _, m := range []billing.Month{sep2026, oct2026} {
		b := billAt(t, s, acct.ID, m, now)
		for _, d := range b.Deductions {
			if d.PackageID == starter.ID && d.Minutes != map[billing.Month]int64{sep2026: 49_500, oct2026: 500}[m] {
				t.Errorf("the bill of %s: got %d minutes from the Starter, want what the history says", m, d.Minutes)
			}
		}
	}

	t.Run("another account's package is not found", func(t *testing.T) {
		other, err := s.CreateAccount(ctx, "Other", "other@example.com", now, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PackageHistory(ctx, other.ID, starter.ID, now); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
		if _, err := s.PackageHistory(ctx, 999_999, starter.ID, now); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("no such account: got %v, want ErrNotFound", err)
		}
	})
}
