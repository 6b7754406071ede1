package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// dashboardNow is late on the last day of benchMonth: the overview's
// running month is benchMonth, its 30 days the month's last 30.
var dashboardNow = time.Date(2021, 3, 31, 22, 0, 0, 0, billing.CST)

// buildDashboardBench stores the production shape of the overview: an
// account active since January with two applications and n sessions over
// benchMonth up to dashboardNow, in rooms rooms, written in batches of
// MaxBatch as the API writes them (so the per-day and per-room sums are
// those ingest keeps).
func buildDashboardBench(b *testing.B, n, rooms int) (*SQLStore, int64) {
	b.Helper()
	ctx := context.Background()
	store, _ := openTestStore(b)
	acct := mustAccount(b, store, cstAt(2021, 1, 4, 9, 0, 0))
	var apps [2]int64
	for i := range apps {
		app, _ := mustApp(b, store, acct.ID, cstAt(2021, 1, 4, 10, i, 0))
		apps[i] = app.SDKAppID
	}
	mustPurchase(b, store, acct.ID, "premium", cstAt(2021, 1, 5, 11, 0, 0))
	start := benchMonth.Start()
	span := int64(dashboardNow.Sub(start)/time.Second) - 3*3600
	batches := [2][]billing.Session{}
	for i := range n {
		joined := start.Add(time.Duration(int64(i)*span/int64(n)) * time.Second)
		a := i % 2
		batches[a] = append(batches[a], billing.Session{
			ID:     fmt.Sprintf("dash-%07d", i),
			Room:   fmt.Sprintf("room-%06d", (i/2)%(rooms/2)),
			User:   fmt.Sprintf("user-%07d", i),
			Joined: joined,
			Left:   joined.Add(time.Duration(60+(i*7919)%3540) * time.Second),
		})
		if len(batches[a]) == domain.MaxBatch || i >= n-2 {
			if _, err := store.InsertSessions(ctx, apps[a], batches[a], dashboardNow); err != nil {
				b.Fatalf("InsertSessions: %v", err)
			}
			batches[a] = batches[a][:0]
		}
	}
	return store, acct.ID
}

// BenchmarkDashboard measures what the overview's usage dashboard reads
// with 10⁶ sessions in 10⁵ rooms in the running month (10⁴ sessions in
// 10³ rooms under -short): the 30 days per application (DailyUsage, one
// row per day and application), the running month's bill that gives its
// figures and top rooms (Bill), and the standing the overview already
// reads (Standing), for comparison.
func BenchmarkDashboard(b *testing.B) {
	n, rooms := 1_000_000, 100_000
	if testing.Short() {
		n, rooms = 10_000, 1_000
	}
	ctx := context.Background()
	began := time.Now()
	store, account := buildDashboardBench(b, n, rooms)
	b.Logf("%d sessions in %d rooms built in %v", n, rooms, time.Since(began).Round(time.Second))
	today := billing.DayStart(dashboardNow)
	b.Run("DailyUsage/30days", func(b *testing.B) {
		var days []billing.DayAppUsage
		for b.Loop() {
			var err error
			if days, err = store.DailyUsage(ctx, account, today.AddDate(0, 0, -29), today.AddDate(0, 0, 1)); err != nil {
				b.Fatal(err)
			}
		}
		if len(days) != 60 {
			b.Fatalf("got %d rows, want 60 (30 days × 2 applications)", len(days))
		}
	})
	b.Run("Bill/running-month", func(b *testing.B) {
		var bill billing.Bill
		for b.Loop() {
			var err error
			if bill, err = store.Bill(ctx, account, benchMonth, dashboardNow); err != nil {
				b.Fatal(err)
			}
		}
		if bill.RoomsTotal != int64(rooms) || len(bill.Rooms) != billing.TopRooms {
			b.Fatalf("got %d rooms (%d listed), want %d (%d listed)", bill.RoomsTotal, len(bill.Rooms), rooms, billing.TopRooms)
		}
	})
	b.Run("Standing", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Standing(ctx, account, dashboardNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}
