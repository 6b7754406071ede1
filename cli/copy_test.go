package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rtcbill/db"
	"rtcbill/db/dbtest"
)

func TestCopyCommand(t *testing.T) {
	t.Run("--help says what it does and how to call it", func(t *testing.T) {
		var out bytes.Buffer
		if err := Run([]string{"copy", "--help"}, &out, io.Discard, nil); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("got %v, want flag.ErrHelp", err)
		}
		for _, want := range []string{"rtcbill copy --from FILE --to postgres://", "empty PostgreSQL database", "one transaction", "-from", "-to"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("--help: got\n%s\nwant it to say %q", out.String(), want)
			}
		}
		out.Reset()
		if err := Run([]string{"help"}, &out, io.Discard, nil); err != nil || !strings.Contains(out.String(), "rtcbill copy --from FILE --to postgres://") {
			t.Errorf("the usage does not name copy: %v\n%s", err, out.String())
		}
	})

	t.Run("it takes a SQLite file and a PostgreSQL URL, nothing else", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.db")
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--to", "postgres://localhost/x"}, "--from FILE and --to postgres://… are both required"},
			{[]string{"--from", "a.db"}, "are both required"},
			{[]string{"--from", "postgres://u:secret@localhost/a", "--to", "postgres://localhost/b"}, "copy reads a SQLite file"},
			{[]string{"--from", "a.db", "--to", "b.db"}, "is not a postgres:// URL"},
			{[]string{"--from", missing, "--to", "postgres://localhost/b"}, "copy: database " + missing},
		} {
			err := Run(append([]string{"copy"}, c.args...), io.Discard, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("copy %v: got %v, want %q", c.args, err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("copy %v: the message shows the password: %v", c.args, err)
			}
		}
		if _, err := os.Stat(missing); err == nil {
			t.Error("the missing source was created")
		}
	})

	t.Run("a copy prints what it copied and verified; a second is refused", func(t *testing.T) {
		target := dbtest.NewPostgres(t)
		path, _ := w1Store(t)
		var out, progress bytes.Buffer
		if err := Run([]string{"copy", "--from", path, "--to", target}, &out, &progress, nil); err != nil {
			t.Fatalf("copy: %v\n%s", err, out.String())
		}
		for _, want := range []string{
			"copied " + path + " to ", "in one transaction",
			"sessions", "SUM(left_at - joined_at)", "3,120,000",
			"usage_daily", "issued_bills", "SUM(overage_minutes)",
			"next ids: accounts 2, apps 1400000002",
			"verified: every table has as many rows on both sides, and every sum agrees",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("copy's output: got\n%s\nwant it to say %q", out.String(), want)
			}
		}
		if strings.Contains(out.String(), "MISMATCH") {
			t.Errorf("copy's output reports a mismatch:\n%s", out.String())
		}
		if !strings.Contains(progress.String(), "copying sessions") {
			t.Errorf("progress on stderr: got %q, want each table named", progress.String())
		}
		var bills bytes.Buffer
		if err := Run([]string{"bill", "--db", target, "--account", "1", "--month", "2019-08", "--json"}, &bills, io.Discard, nil); err != nil {
			t.Fatal(err)
		}
		var bill struct {
			AmountDue string `json:"amount_due"`
			Status    string `json:"status"`
		}
		if err := json.Unmarshal(bills.Bytes(), &bill); err != nil || bill.AmountDue != "25.03" || bill.Status != "issued" {
			t.Errorf("W1's August on the copy: got %+v, %v; want 25.03 due, issued", bill, err)
		}

		out.Reset()
		err := Run([]string{"copy", "--from", path, "--to", target}, &out, io.Discard, nil)
		if !errors.Is(err, db.ErrCopyTargetNotEmpty) || !strings.Contains(err.Error(), "accounts") || !strings.Contains(err.Error(), "nothing was copied") {
			t.Errorf("second copy: got %v, want the target refused, naming accounts", err)
		}
	})
}

func TestCopyReportMarksAMismatch(t *testing.T) {
	var out bytes.Buffer
	printCopyReport(&out, db.CopyReport{Tables: []db.CopiedTable{
		{Name: "accounts", SourceRows: 3, Copied: 3, TargetRows: 3},
		{Name: "sessions", SourceRows: 1000, Copied: 1000, TargetRows: 1000, Sum: "SUM(left_at - joined_at)", SourceSum: 7200, TargetSum: 7199},
	}})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], " ok") || !strings.HasSuffix(lines[2], " MISMATCH") ||
		!strings.Contains(lines[2], "7,200") || !strings.Contains(lines[2], "7,199") {
		t.Errorf("got\n%s\nwant accounts ok and sessions MISMATCH with both sums", out.String())
	}
}

func TestBackupCommandOnPostgreSQLNamesPgDump(t *testing.T) {
	url := dbtest.NewPostgres(t)
	to := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	err := Run([]string{"backup", "--db", url, "--to", to}, &out, io.Discard, nil)
	if !errors.Is(err, db.ErrBackupPostgres) {
		t.Fatalf("backup of a PostgreSQL database: got %v, want db.ErrBackupPostgres", err)
	}
	if msg := fmt.Sprint(err); !strings.Contains(msg, "pg_dump") || !strings.HasPrefix(msg, "backup: ") {
		t.Errorf("got %q, want the backup command to name pg_dump", msg)
	}
	if _, err := os.Stat(to); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused backup left %s behind: %v", to, err)
	}
	if out.Len() != 0 {
		t.Errorf("the refused backup printed %q", out.String())
	}
}
