package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
)

// TestScheduledClose: two servers on one database, each with its scheduler,
// close every account's ended months in the background, in batches, each
// bill stored once; starting a scheduler returns at once. On SQLite, or on
// PostgreSQL when RTCBILL_TEST_POSTGRES is set.
func TestScheduledClose(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a job queue for a few seconds; skipped with -short")
	}
	ctx := context.Background()
	path := dbtest.Default().New(t)
	setup, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)
	created := time.Date(2026, 8, 3, 9, 0, 0, 0, billing.CST)
	// More accounts than one batch takes, so the close goes on in a chain.
	const accounts = CloseBatchSize + 101
	for i := range accounts {
		a, err := setup.CreateAccount(ctx, fmt.Sprintf("Account %d", i), "a@example.com", created, created)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := setup.CreateApp(ctx, a.ID, "app", created, created); err != nil {
			t.Fatal(err)
		}
	}
	setup.Close()

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var servers []*Scheduler
	for range 2 {
		store, err := db.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		began := time.Now()
		s, err := Start(ctx, Config{Store: store, Logger: logger, Now: func() time.Time { return now },
			Every: time.Second, PollInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(began); took > time.Second {
			t.Errorf("starting the scheduler took %s: it must not wait for the close", took)
		}
		servers = append(servers, s)
	}
	t.Cleanup(func() {
		for _, s := range servers {
			s.Stop(context.Background())
		}
	})

	check, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		state, err := check.JobState(ctx, CloseJob)
		if err != nil {
			t.Fatal(err)
		}
		if state == "2026-10" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the close did not finish within a minute: state %q", state)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Every account: August, September and October stored, once each.
	n, err := check.CountIssuedBills(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*accounts {
		t.Errorf("got %d bills stored, want %d: three months of %d accounts", n, 3*accounts, accounts)
	}
}
