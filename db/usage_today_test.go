package db

import (
	"context"
	"testing"
	"time"

	"rtcbill/billing"
)

// TestDayInProgressFromItsSums: once an account is active, the day in
// progress is rated from its daily sums like the days before it (R7), so
// that a busy day costs each batch's events its days, not its sessions — and from its sessions when one of them ends after the instant
// rated, or when its sum predates last_left_at, so the figures stay exact.
func TestDayInProgressFromItsSums(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2023, 5, 2, 9, 0, 0))
	app, _ := mustApp(t, s, acct.ID, cstAt(2023, 5, 2, 10, 0, 0))
	mustPurchase(t, s, acct.ID, "starter", cstAt(2023, 5, 3, 11, 0, 0))
	now := cstAt(2023, 5, 20, 11, 0, 0)
	sessions := []billing.Session{
		// Yesterday, into today: 600 s yesterday, 300 s today.
		{ID: "a", Room: "r1", User: "u1", Joined: cstAt(2023, 5, 19, 23, 50, 0), Left: cstAt(2023, 5, 20, 0, 5, 0)},
		{ID: "b", Room: "r1", User: "u2", Joined: cstAt(2023, 5, 20, 9, 0, 0), Left: cstAt(2023, 5, 20, 9, 30, 0)},    // 1,800 s
		{ID: "c", Room: "r2", User: "u3", Joined: cstAt(2023, 5, 20, 10, 0, 0), Left: cstAt(2023, 5, 20, 10, 20, 30)}, // 1,230 s
	}
	if _, err := s.InsertSessions(ctx, app.SDKAppID, sessions, now); err != nil {
		t.Fatal(err)
	}
	// What the events of a batch rate: the account's usage up to an
	// instant.
	usage := func(at time.Time) int64 {
		t.Helper()
		_, pieces, err := usageNow(ctx, s.rq, acct.ID, at)
		if err != nil {
			t.Fatalf("usage at %s: %v", billing.FormatInstant(at), err)
		}
		var n int64
		for _, p := range pieces {
			n += p.Seconds
		}
		return n
	}
	if got := usage(now); got != 600+300+1800+1230 {
		t.Fatalf("usage at 11:00: got %d s, want 3930", got)
	}
	// Read as of 10:10, before session c ended: c counts its first 600 s,
	// which the day's sum cannot say — the sessions are read.
	if got := usage(cstAt(2023, 5, 20, 10, 10, 0)); got != 600+300+1800+600 {
		t.Fatalf("usage at 10:10: got %d s, want 3300", got)
	}

	// The sums are what is read for the day in progress: with today's
	// sessions gone from the table (only here, by hand), the bill at 11:00
	// does not change.
	if _, err := s.wq().Exec(`DELETE FROM sessions WHERE session_id IN ('b', 'c')`); err != nil {
		t.Fatal(err)
	}
	if got := usage(now); got != 3930 {
		t.Fatalf("usage at 11:00 from the sums: got %d s, want 3930", got)
	}
	// A sum kept before last_left_at existed is not trusted for the day in
	// progress: its sessions are read (here only a's 300 s are left).
	if _, err := s.wq().Exec(`UPDATE usage_daily SET last_left_at = NULL WHERE day = '2023-05-20'`); err != nil {
		t.Fatal(err)
	}
	if got := usage(now); got != 600+300 {
		t.Fatalf("usage at 11:00 with an old sum: got %d s, want 900", got)
	}
}
