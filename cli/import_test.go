package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
)

// importStore makes a database of the tests' store with one application
// created on 2023-01-02 (CST) and returns its --db value and the SDKAppID.
func importStore(t *testing.T) (string, int64) {
	t.Helper()
	ctx := context.Background()
	path := dbtest.Default().New(t)
	s, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	created := time.Date(2023, 1, 2, 10, 0, 0, 0, billing.CST)
	a, err := s.CreateAccount(ctx, "Importer", "import@example.com", created, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := s.CreateApp(ctx, a.ID, "app", created, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return path, app.SDKAppID
}

// writeCSV writes a file of a header and rows into t's temporary directory.
func writeCSV(t *testing.T, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.csv")
	text := "session_id,room_id,user_id,joined_at,left_at\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// storedCounts is how many rows the sessions and daily usage tables hold
// and the seconds the sessions last.
func storedCounts(t *testing.T, path string) string {
	t.Helper()
	conn := dbtest.ReadOnly(t, path)
	defer conn.Close()
	var sessions, days, seconds int64
	if err := conn.QueryRow(`SELECT (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM usage_daily),
		(SELECT COALESCE(SUM(seconds), 0) FROM usage_daily)`).Scan(&sessions, &days, &seconds); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d sessions, %d days, %d seconds", sessions, days, seconds)
}

func runImport(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, progress bytes.Buffer
	err := importCommand(args, &out, &progress)
	return out.String(), progress.String(), err
}

var importRows = []string{
	"a,r1,alice,2023-03-02T10:00:00+08:00,2023-03-02T10:10:00+08:00",
	"b,r1,bob,2023-03-02T10:00:00+08:00,2023-03-02T10:20:00+08:00",
	"c,r2,carol,2023-03-02T23:50:00+08:00,2023-03-03T00:15:00+08:00",
}

func TestImportCommandStoresAFile(t *testing.T) {
	dbPath, app := importStore(t)
	file := writeCSV(t, importRows...)

	// Without --quiet the progress bar goes to its own writer (a small
	// file finishes before it is first drawn), never into the counts.
	out, _, err := runImport(t, "--db", dbPath, "--app", fmt.Sprint(app), file)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if want := "imported 3 sessions, 0 duplicates skipped\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if got, want := storedCounts(t, dbPath), "3 sessions, 2 days, 3300 seconds"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}

	t.Run("a second run counts every session as a duplicate and stores nothing", func(t *testing.T) {
		more := writeCSV(t, append(importRows, "d,r2,dave,2023-03-04T09:00:00+08:00,2023-03-04T09:01:00+08:00")...)
		out, progress, err := runImport(t, "--db", dbPath, "--app", fmt.Sprint(app), "--quiet", more)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if want := "imported 1 sessions, 3 duplicates skipped\n"; out != want {
			t.Errorf("got %q, want %q", out, want)
		}
		if progress != "" {
			t.Errorf("got progress output %q with --quiet, want none", progress)
		}
		if got, want := storedCounts(t, dbPath), "4 sessions, 3 days, 3360 seconds"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestImportCommandRefusesABadLine(t *testing.T) {
	dbPath, app := importStore(t)
	rows := append([]string{}, importRows...)
	rows = append(rows, "x,r3,xavier,2023-03-05T10:00:00+08:00,2023-03-05T09:00:00+08:00") // line 5
	rows = append(rows, "y,r3,yan,2023-03-05T10:00:00+08:00,2023-03-05T10:30:00+08:00")
	file := writeCSV(t, rows...)

	out, _, err := runImport(t, "--db", dbPath, "--app", fmt.Sprint(app), "--quiet", file)
	if err == nil {
		t.Fatalf("got %q and no error, want the bad line refused", out)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "import: ") || !strings.Contains(msg, "line 5, left_at:") {
		t.Errorf("got %q, want an import error naming line 5 and left_at", msg)
	}
	if out != "" {
		t.Errorf("got output %q, want none", out)
	}
	if got, want := storedCounts(t, dbPath), "0 sessions, 0 days, 0 seconds"; got != want {
		t.Errorf("got %s, want nothing stored: %s", got, want)
	}
}

func TestImportCommandRefusesBadArguments(t *testing.T) {
	dbPath, app := importStore(t)
	file := writeCSV(t, importRows...)
	for name, c := range map[string]struct {
		args []string
		says string
	}{
		"--app missing":         {[]string{"--db", dbPath, file}, "--app is required"},
		"no file":               {[]string{"--db", dbPath, "--app", fmt.Sprint(app)}, "exactly one CSV file"},
		"a file that is absent": {[]string{"--db", dbPath, "--app", fmt.Sprint(app), filepath.Join(t.TempDir(), "none.csv")}, "no such file"},
		"an unknown app":        {[]string{"--db", dbPath, "--app", fmt.Sprint(app + 1), "--quiet", file}, "not found"},
		"a database that is absent": {[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "--app", fmt.Sprint(app), file},
			"none.db"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := runImport(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("got error %v, want one saying %q", err, c.says)
			}
		})
	}
	if got, want := storedCounts(t, dbPath), "0 sessions, 0 days, 0 seconds"; got != want {
		t.Errorf("got %s, want nothing stored: %s", got, want)
	}
}
