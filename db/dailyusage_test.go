package db

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"rtcbill/billing"
)

// TestDailyUsage: the usage per CST day and application that the
// overview's chart draws comes from the daily sums, a call across CST
// midnight on both days (R6), days outside the range left out, other
// accounts' usage never in.
func TestDailyUsage(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2023, 1, 2, 9, 0, 0))
	a, _ := mustApp(t, s, acct.ID, cstAt(2023, 1, 2, 10, 0, 0))
	b, _ := mustApp(t, s, acct.ID, cstAt(2023, 1, 2, 10, 5, 0))
	other := mustAccount(t, s, cstAt(2023, 1, 2, 9, 0, 0))
	o, _ := mustApp(t, s, other.ID, cstAt(2023, 1, 2, 10, 0, 0))
	mustInsert(t, s, a.SDKAppID,
		stay("a1", "r1", "ann", cstAt(2023, 5, 9, 10, 0, 0), 30*time.Minute),                  // before the range
		stay("a2", "r1", "ann", cstAt(2023, 5, 10, 23, 50, 0), 30*time.Minute+30*time.Second), // 600 s on 05-10, 1,230 s on 05-11
		stay("a3", "r2", "bob", cstAt(2023, 5, 11, 8, 0, 0), 45*time.Second),
		stay("a4", "r2", "bob", cstAt(2023, 5, 20, 8, 0, 0), time.Hour), // the range's end: not in it
	)
	mustInsert(t, s, b.SDKAppID,
		stay("b1", "hall", "cat", cstAt(2023, 5, 10, 12, 0, 0), 2*time.Hour),
		stay("b2", "hall", "dan", cstAt(2023, 5, 10, 12, 30, 0), time.Hour),
	)
	mustInsert(t, s, o.SDKAppID, stay("o1", "r1", "eve", cstAt(2023, 5, 10, 12, 0, 0), time.Hour))

	got, err := s.DailyUsage(ctx, acct.ID, cstAt(2023, 5, 10, 0, 0, 0), cstAt(2023, 5, 20, 0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return cstAt(2023, 5, d, 0, 0, 0) }
	want := []billing.DayAppUsage{
		{Day: day(10), App: a.SDKAppID, Seconds: 600},
		{Day: day(10), App: b.SDKAppID, Seconds: 10_800},
		{Day: day(11), App: a.SDKAppID, Seconds: 1_230 + 45},
	}
	if !slices.EqualFunc(got, want, func(x, y billing.DayAppUsage) bool {
		return x.Day.Equal(y.Day) && x.App == y.App && x.Seconds == y.Seconds
	}) {
		t.Errorf("got %s, want %s", fmtDays(got), fmtDays(want))
	}
	none, err := s.DailyUsage(ctx, acct.ID, day(12), day(20))
	if err != nil || len(none) != 0 {
		t.Errorf("days without usage: got %s, %v; want none", fmtDays(none), err)
	}
}

func fmtDays(days []billing.DayAppUsage) string {
	var out []string
	for _, d := range days {
		out = append(out, fmt.Sprintf("%s/%d/%ds", billing.FormatDate(d.Day), d.App, d.Seconds))
	}
	return fmt.Sprint(out)
}
