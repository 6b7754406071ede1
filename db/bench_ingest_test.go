package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// BenchmarkIngestIntoBigMonth measures one batch of 1,000 sessions stored
// through InsertSessions, as the API stores it, into an active account
// whose running month already holds n sessions over 10⁵ rooms, spread up
// to the last hour (usage streaming in): into that account, and into
// another account of the same database. Each batch holds sessions of the
// last hour, none seen before. Beside them, the bill of the big month. The store is built once per size; the
// 1,000,000-session size is skipped under -short.
func BenchmarkIngestIntoBigMonth(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2023, 5, 25, 12, 0, 0, 0, billing.CST)
	month := billing.Month{Year: 2023, Month: time.May}
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			if n >= 1_000_000 && testing.Short() {
				b.Skip("1,000,000 sessions take long to build; skipped under -short")
			}
			store, _ := openTestStore(b)
			created := time.Date(2023, 1, 4, 10, 0, 0, 0, billing.CST)
			big := mustAccount(b, store, created)
			bigApp, _ := mustApp(b, store, big.ID, created)
			mustPurchase(b, store, big.ID, "enterprise", created.Add(time.Hour))
			other := mustAccount(b, store, created)
			otherApp, _ := mustApp(b, store, other.ID, created)
			mustPurchase(b, store, other.ID, "enterprise", created.Add(time.Hour))

			start := month.Start()
			span := int64(now.Add(-2*time.Hour).Sub(start) / time.Second)
			batch := make([]billing.Session, 0, domain.MaxBatch)
			for i := range n {
				joined := start.Add(time.Duration(int64(i)*span/int64(n)) * time.Second)
				batch = append(batch, billing.Session{ID: fmt.Sprintf("seed-%07d", i), Room: fmt.Sprintf("room-%06d", i%100_000),
					User: fmt.Sprintf("user-%07d", i), Joined: joined, Left: joined.Add(time.Duration(60+(i*7919)%3540) * time.Second)})
				if len(batch) == domain.MaxBatch || i == n-1 {
					if _, err := store.InsertSessions(ctx, bigApp.SDKAppID, batch, now); err != nil {
						b.Fatalf("InsertSessions: %v", err)
					}
					batch = batch[:0]
				}
			}
			// The bill of that month as a page miss computes it, for the
			// cost of reading while ingesting.
			b.Run("bill", func(b *testing.B) {
				for b.Loop() {
					bill, err := store.Bill(ctx, big.ID, month, now)
					if err != nil {
						b.Fatal(err)
					}
					if bill.RoomsTotal != 100_000 {
						b.Fatalf("rooms: %d", bill.RoomsTotal)
					}
				}
			})
			for _, into := range []struct {
				name string
				app  int64
			}{{"own", bigApp.SDKAppID}, {"other", otherApp.SDKAppID}} {
				b.Run("into="+into.name, func(b *testing.B) {
					k := 0
					for b.Loop() {
						batch = batch[:0]
						for range 1000 {
							joined := now.Add(-time.Hour + time.Duration(k%3000)*time.Second)
							batch = append(batch, billing.Session{ID: fmt.Sprintf("%s-%08d", into.name, k), Room: fmt.Sprintf("room-%06d", k%100_000),
								User: fmt.Sprintf("u-%08d", k), Joined: joined, Left: joined.Add(time.Duration(30+k%500) * time.Second)})
							k++
						}
						res, err := store.InsertSessions(ctx, into.app, batch, now)
						if err != nil {
							b.Fatalf("InsertSessions: %v", err)
						}
						if res.Inserted != 1000 {
							b.Fatalf("inserted %d of 1000", res.Inserted)
						}
					}
					b.ReportMetric(float64(k)/b.Elapsed().Seconds(), "sessions/s")
				})
			}
		})
	}
}
