package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// benchMonth is the month the bill benchmarks rate.
var benchMonth = billing.Month{Year: 2021, Month: time.March}

// buildBillBench stores one account that is active before benchMonth (a
// premium bought in January) and n sessions spread over benchMonth, written
// in batches of MaxBatch. It returns the store, the account and the seconds
// the month holds.
func buildBillBench(b *testing.B, n int) (*SQLStore, int64, int64) {
	b.Helper()
	ctx := context.Background()
	store, _ := openTestStore(b)
	acct := mustAccount(b, store, cstAt(2021, 1, 4, 9, 0, 0))
	app, _ := mustApp(b, store, acct.ID, cstAt(2021, 1, 4, 10, 0, 0))
	mustPurchase(b, store, acct.ID, "premium", cstAt(2021, 1, 5, 11, 0, 0))

	start, end := benchMonth.Start(), benchMonth.End()
	span := int64(end.Sub(start)/time.Second) - 3600
	var seconds int64
	batch := make([]billing.Session, 0, domain.MaxBatch)
	var pieces []billing.Piece
	for i := range n {
		joined := start.Add(time.Duration(int64(i)*span/int64(n)) * time.Second)
		s := billing.Session{
			ID:     fmt.Sprintf("bench-%07d", i),
			Room:   fmt.Sprintf("room-%02d", i%50),
			User:   fmt.Sprintf("user-%07d", i),
			Joined: joined,
			Left:   joined.Add(time.Duration(60+(i*7919)%3540) * time.Second),
		}
		pieces = billing.SplitSession(pieces[:0], s, start, end)
		for _, p := range pieces {
			seconds += p.Seconds
		}
		batch = append(batch, s)
		if len(batch) == domain.MaxBatch || i == n-1 {
			if _, err := store.InsertSessions(ctx, app.SDKAppID, batch, testNow); err != nil {
				b.Fatalf("InsertSessions: %v", err)
			}
			batch = batch[:0]
		}
	}
	return store, acct.ID, seconds
}

// BenchmarkBill measures the bill of one active account (R11) as its month
// grows from 10,000 to 1,000,000 sessions: the daily sums keep it flat
// (R7). The data is built once per size, outside the timer (b.Loop runs
// the function once); the largest size takes the longest to build and is
// skipped under -short.
func BenchmarkBill(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			if n >= 1_000_000 && testing.Short() {
				b.Skip("1,000,000 sessions take long to build; skipped under -short")
			}
			store, account, seconds := buildBillBench(b, n)
			var bill billing.Bill
			var err error
			for b.Loop() {
				bill, err = store.Bill(ctx, account, benchMonth, testNow)
				if err != nil {
					b.Fatalf("Bill: %v", err)
				}
			}
			if bill.UsageSeconds != seconds {
				b.Fatalf("usage: got %d s, want %d", bill.UsageSeconds, seconds)
			}
			if len(bill.Rooms) != 50 {
				b.Fatalf("rooms: got %d, want 50", len(bill.Rooms))
			}
		})
	}
}
