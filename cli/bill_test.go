package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
)

// w1Store builds the rule book's W1 in a SQLite file (what rtcbill copy
// reads) and returns its path and the account id.
func w1Store(t *testing.T) (string, int64) {
	t.Helper()
	return w1In(t, dbtest.SQLite)
}

// w1In builds the rule book's W1 in a fresh database of store and returns
// its --db value and the account id.
func w1In(t *testing.T, store dbtest.Store) (string, int64) {
	t.Helper()
	ctx := context.Background()
	path := store.New(t)
	s, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)
	cst := func(m time.Month, d, h int) time.Time { return time.Date(2019, m, d, h, 0, 0, 0, billing.CST) }
	a, err := s.CreateAccount(ctx, "W1", "w1@example.com", now, now)
	if err != nil {
		t.Fatal(err)
	}
	app, granted, err := s.CreateApp(ctx, a.ID, "app", cst(7, 1, 10), now)
	if err != nil || !granted {
		t.Fatalf("app: %v, trial granted %v", err, granted)
	}
	if _, _, err := s.Purchase(ctx, a.ID, "starter", cst(8, 1, 9), "", now); err != nil {
		t.Fatal(err)
	}
	sessions := []billing.Session{{ID: "jul", Room: "r", User: "u", Joined: cst(7, 2, 10), Left: cst(7, 2, 10).Add(11_970 * time.Second)}}
	left := int64(3_108_030) // W1's August, in stays of at most 20 hours
	for i := 0; left > 0; i++ {
		secs := min(left, 72_000)
		j := cst(8, 2+i/2, 1) // two users a day, 20 hours each
		sessions = append(sessions, billing.Session{ID: fmt.Sprintf("aug%d", i), Room: "r", User: fmt.Sprint("u", i%2),
			Joined: j, Left: j.Add(time.Duration(secs) * time.Second)})
		left -= secs
	}
	if _, err := s.InsertSessions(ctx, app.SDKAppID, sessions, now); err != nil {
		t.Fatal(err)
	}
	return path, a.ID
}

func TestBillCommandPrintsW1August(t *testing.T) {
	path, id := w1In(t, dbtest.Default())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	var out bytes.Buffer
	if err := Run([]string{"bill", "--db", path, "--account", fmt.Sprint(id), "--month", "2019-08", "--json"}, &out, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	var bill struct {
		AmountDue      string `json:"amount_due"`
		OverageFee     string `json:"overage_fee"`
		OverageMinutes int64  `json:"overage_minutes"`
		Status         string `json:"status"`
	}
	if err := json.Unmarshal(out.Bytes(), &bill); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if bill.AmountDue != "25.03" || bill.OverageFee != "25.025" || bill.OverageMinutes != 1001 || bill.Status != "issued" {
		t.Errorf("W1 August: got %+v, want amount due 25.03, fee 25.025, 1001 overage minutes, issued", bill)
	}

	out.Reset()
	if err := Run([]string{"bill", "--db", path, "--account", fmt.Sprint(id), "--month", "2019-08"}, &out, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"25.03 CNY", "1,001 min", "25.025 CNY", "-800 min", "-50,000 min", "2019-09-05"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text bill lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBillCommandRefusesBadInput(t *testing.T) {
	path, _ := w1In(t, dbtest.Default())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := map[string][]string{
		"no account":       {"bill", "--db", path, "--month", "2019-08"},
		"bad month":        {"bill", "--db", path, "--account", "1", "--month", "2019-8"},
		"unknown account":  {"bill", "--db", path, "--account", "99", "--month", "2019-08"},
		"missing database": {"bill", "--db", filepath.Join(t.TempDir(), "none.db"), "--account", "1", "--month", "2019-08"},
		"unknown command":  {"frobnicate"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if err := Run(args, io.Discard, io.Discard, quiet); err == nil {
				t.Errorf("run %v: got no error", args)
			}
		})
	}
}
