package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// fullDay is n users in one room for the whole CST day of day: n × 1,440
// minutes, each stay exactly 24 hours (the longest one may be).
func fullDay(prefix string, day time.Time, n int) []billing.Session {
	var out []billing.Session
	for i := range n {
		out = append(out, stay(fmt.Sprintf("%s-%d", prefix, i), "hall", fmt.Sprintf("%s-u%d", prefix, i), day, 24*time.Hour))
	}
	return out
}

func insertAt(t *testing.T, s *SQLStore, app int64, now time.Time, sessions ...billing.Session) domain.IngestResult {
	t.Helper()
	res, err := s.InsertSessions(context.Background(), app, sessions, now)
	if err != nil {
		t.Fatalf("InsertSessions: %v", err)
	}
	return res
}

func billAt(t *testing.T, s *SQLStore, account int64, month billing.Month, now time.Time) billing.Bill {
	t.Helper()
	b, err := s.Bill(context.Background(), account, month, now)
	if err != nil {
		t.Fatalf("Bill %s at %s: %v", month, billing.FormatInstant(now), err)
	}
	return b
}

func storedCount(t *testing.T, s *SQLStore, account int64) int {
	t.Helper()
	var n int
	if err := s.rdq().QueryRow(`SELECT COUNT(*) FROM issued_bills WHERE account_id = ?`, account).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	sep2026 = billing.Month{Year: 2026, Month: time.September}
	oct2026 = billing.Month{Year: 2026, Month: time.October}
	nov2026 = billing.Month{Year: 2026, Month: time.November}
)

// TestLateUsageNamesItsMonth: late usage of September that draws minutes
// September's package would have left for October moves overage into
// October; the line names September, where the sessions came from, and
// holds the growth in overage they cause over September and October.
func TestLateUsageNamesItsMonth(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	now := cstAt(2026, 11, 10, 12, 0, 0)
	acct, err := s.CreateAccount(ctx, "Late", "late@example.com", now, now)
	if err != nil {
		t.Fatal(err)
	}
	// Trial from 2025-12-01 (valid to 2026-12-31); Starter from
	// 2026-09-01 (valid to 2027-09-30): the trial is drawn first.
	app, _, err := s.CreateApp(ctx, acct.ID, "app", cstAt(2025, 12, 1, 9, 0, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Purchase(ctx, acct.ID, "starter", cstAt(2026, 9, 1, 0, 0, 0), "", now); err != nil {
		t.Fatal(err)
	}
	// September: 35 × 1,440 + 100 = 50,500 min → trial −1,000, starter
	// −49,500, 500 left. October: 600 min → starter −500, overage 100.
	insertAt(t, s, app.SDKAppID, now, fullDay("sep", cstAt(2026, 9, 2, 0, 0, 0), 35)...)
	insertAt(t, s, app.SDKAppID, now, stay("sep-x", "hall", "x", cstAt(2026, 9, 4, 10, 0, 0), 100*time.Minute))
	insertAt(t, s, app.SDKAppID, now, stay("oct-x", "hall", "x", cstAt(2026, 10, 5, 10, 0, 0), 600*time.Minute))

	oct := billAt(t, s, acct.ID, oct2026, now) // stores September and October
	if oct.Overage != 100 || billing.FormatMoney(oct.AmountDue) != "2.50" {
		t.Fatalf("October as issued: got %d overage minutes, due %s; want 100 and 2.50", oct.Overage, billing.FormatMoney(oct.AmountDue))
	}

	// Late: 300 min of September and 50 of October arrive on 10 November.
	// With them September draws 50,800: trial −1,000, starter −49,800,
	// 200 left; October: starter −200, overage 400 + 50 = 450.
	// September's sessions alone: overage over Sep and Oct grows 100 → 400,
	// +300 → line "2026-09 300 min 7.50". October's then: 400 → 450, +50 →
	// line "2026-10 50 min 1.25".
	insertAt(t, s, app.SDKAppID, now,
		stay("sep-late", "hall", "late", cstAt(2026, 9, 20, 10, 0, 0), 300*time.Minute),
		stay("oct-late", "hall", "late", cstAt(2026, 10, 20, 10, 0, 0), 50*time.Minute))

	nov := billAt(t, s, acct.ID, nov2026, now)
	want := []billing.LateUsage{billing.NewLateUsage(sep2026, 300), billing.NewLateUsage(oct2026, 50)}
	if fmt.Sprint(nov.Late) != fmt.Sprint(want) {
		t.Errorf("November's late usage: got %v, want %v", nov.Late, want)
	}
	if got := billing.FormatMoney(nov.AmountDue); got != "8.75" {
		t.Errorf("November's amount due: got %s, want 8.75 (7.50 + 1.25)", got)
	}
	if again := billAt(t, s, acct.ID, oct2026, now); again.Overage != 100 {
		t.Errorf("October changed after it was stored: got %d overage minutes, want 100", again.Overage)
	}

	t.Run("late minutes the packages cover add no line", func(t *testing.T) {
		s, _ := openTestStore(t)
		acct, _ := s.CreateAccount(ctx, "Covered", "c@example.com", now, now)
		app, _, _ := s.CreateApp(ctx, acct.ID, "app", cstAt(2026, 8, 1, 9, 0, 0), now)
		s.Purchase(ctx, acct.ID, "starter", cstAt(2026, 8, 1, 9, 0, 0), "", now)
		insertAt(t, s, app.SDKAppID, now, stay("a", "r", "u", cstAt(2026, 9, 3, 10, 0, 0), time.Hour))
		billAt(t, s, acct.ID, oct2026, now)
		insertAt(t, s, app.SDKAppID, now, stay("b", "r", "u", cstAt(2026, 9, 4, 10, 0, 0), time.Hour))
		if nov := billAt(t, s, acct.ID, nov2026, now); len(nov.Late) != 0 {
			t.Errorf("got late lines %v, want none: the starter covers the late hour", nov.Late)
		}
	})
}

// TestCloseGrace: a month's bill is stored only once the grace after its
// end has passed; until then it is computed at each read, so a session of
// October arriving at 00:30 on 1 November still lands on October's bill.
func TestCloseGrace(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	created := cstAt(2026, 10, 1, 9, 0, 0)
	acct, _ := s.CreateAccount(ctx, "Grace", "g@example.com", created, created)
	app, _, _ := s.CreateApp(ctx, acct.ID, "app", created, created)
	s.Purchase(ctx, acct.ID, "starter", created, "", created)
	insertAt(t, s, app.SDKAppID, cstAt(2026, 10, 31, 12, 0, 0), stay("a", "r", "u", cstAt(2026, 10, 2, 10, 0, 0), time.Hour))

	early := cstAt(2026, 11, 1, 0, 5, 0)
	b := billAt(t, s, acct.ID, oct2026, early)
	if b.Status != billing.BillIssued || b.UsageSeconds != 3600 {
		t.Fatalf("October at 00:05: got status %s, %d s; want issued and 3600", b.Status, b.UsageSeconds)
	}
	if n := storedCount(t, s, acct.ID); n != 0 {
		t.Fatalf("October at 00:05: %d bills stored, want none before 01:00 (a grace of 1h)", n)
	}
	if _, err := s.CloseMonth(ctx, oct2026, early); err == nil || !strings.Contains(err.Error(), "close grace") {
		t.Errorf("closing October at 00:05: got %v, want a refusal naming the close grace", err)
	}
	// A session of the last evening of October, reported at 00:30.
	late := insertAt(t, s, app.SDKAppID, cstAt(2026, 11, 1, 0, 30, 0), stay("b", "r", "u", cstAt(2026, 10, 31, 23, 0, 0), 30*time.Minute))
	if late.Inserted != 1 {
		t.Fatalf("got %+v, want the session stored", late)
	}
	b = billAt(t, s, acct.ID, oct2026, cstAt(2026, 11, 1, 1, 0, 0))
	if b.UsageSeconds != 3600+1800 {
		t.Errorf("October at 01:00: got %d s, want 5400: the session reported during the grace is October's", b.UsageSeconds)
	}
	if n := storedCount(t, s, acct.ID); n != 1 {
		t.Errorf("October at 01:00: %d bills stored, want 1", n)
	}
	t.Run("the grace is a setting", func(t *testing.T) {
		s, _ := openTestStore(t)
		s.SetCloseGrace(0)
		acct, _ := s.CreateAccount(ctx, "NoGrace", "n@example.com", created, created)
		s.CreateApp(ctx, acct.ID, "app", created, created)
		billAt(t, s, acct.ID, oct2026, early)
		if n := storedCount(t, s, acct.ID); n != 1 {
			t.Errorf("with no grace, October at 00:05: %d bills stored, want 1", n)
		}
	})
}

// TestClosedMemoRace forces a backdated application to commit between the
// close's check ("every month is stored") and the moment it remembers so.
// The memo must not outlive that application: the bills list must then
// store and show the months the application opened.
func TestClosedMemoRace(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	now := cstAt(2026, 11, 25, 12, 0, 0)
	acct, _ := s.CreateAccount(ctx, "Race", "r@example.com", now, now)
	if _, _, err := s.CreateApp(ctx, acct.ID, "app", cstAt(2026, 8, 3, 9, 0, 0), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bills(ctx, acct.ID, now); err != nil { // stores August to October
		t.Fatal(err)
	}
	// A second application, of today, moves the generation on: the next
	// read checks the database again and finds every month stored.
	if _, _, err := s.CreateApp(ctx, acct.ID, "second", now, now); err != nil {
		t.Fatal(err)
	}
	fired := false
	testHookClosedChecked = func(id int64) {
		if id != acct.ID || fired {
			return
		}
		fired = true
		if _, _, err := s.CreateApp(ctx, acct.ID, "backdated", cstAt(2026, 5, 10, 9, 0, 0), now); err != nil {
			t.Errorf("backdated application: %v", err)
		}
	}
	t.Cleanup(func() { testHookClosedChecked = nil })
	if _, err := s.Bills(ctx, acct.ID, now); err != nil {
		t.Fatal(err)
	}
	if !fired {
		t.Fatal("the hook never ran: the test did not force the interleaving")
	}
	bills, err := s.Bills(ctx, acct.ID, now)
	if err != nil {
		t.Fatalf("bills after the backdated application: %v (the memo hid the months it opened)", err)
	}
	if len(bills) != 7 { // May to November
		t.Errorf("got %d bills, want 7: May to November", len(bills))
	}
	if n := storedCount(t, s, acct.ID); n != 6 { // May to October
		t.Errorf("got %d bills stored, want 6: May to October", n)
	}
}
