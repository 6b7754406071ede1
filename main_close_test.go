package main

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
)

// TestServeClosesInTheBackground: a server started on a database with
// thousands of accounts' months to close answers /healthz within a second
// and serves requests while the scheduled close stores those bills. On
// either store.
func TestServeClosesInTheBackground(t *testing.T) {
	t.Parallel()
	rtcbillBinary(t) // skips under -short
	path := dbtest.Default().New(t)
	const accounts = 2000
	created := time.Date(2024, 11, 3, 9, 0, 0, 0, billing.CST)
	seedAccounts(t, path, accounts, created)

	began := time.Now()
	s := startServer(t, path)
	if took := time.Since(began); took > time.Second {
		t.Errorf("/healthz answered %s after start, want within a second", took.Round(time.Millisecond))
	}
	// While the close runs, a page is served.
	resp, err := s.client.Get(s.url + "/plans")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /plans during the close: %v %v", resp, err)
	}
	resp.Body.Close()

	// The close goes on in the background: bills are being stored.
	ctx := context.Background()
	check, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := check.CountIssuedBills(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no bill stored 30 s after start\n%s", s.stderr.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// SIGTERM in the middle of the close: the server stops cleanly.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.wait(t, 20*time.Second); err != nil {
		t.Errorf("rtcbill serve after SIGTERM during the close: %v\n%s", err, s.stderr.tail())
	}
}

// seedAccounts writes n accounts, each with one application created at
// created (before 2019-06-01 none would get a trial; here each gets none:
// the rows are written directly, as a previous release's data would be).
func seedAccounts(t *testing.T, path string, n int, created time.Time) {
	t.Helper()
	s, err := db.Open(context.Background(), path) // creates the schema
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw := dbtest.Writable(t, path)
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := tx.Exec(`INSERT INTO accounts (id, name, email, created_at) VALUES (?, ?, ?, ?)`,
			i, fmt.Sprintf("Account %d", i), "a@example.com", created.Unix()); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO apps (sdk_app_id, account_id, name, created_at) VALUES (?, ?, ?, ?)`,
			1400000000+i, i, "app", created.Unix()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
