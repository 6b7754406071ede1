package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatabaseFlag(t *testing.T) {
	t.Run("every command's --db takes a file path or a postgres:// URL, from RTCBILL_DB", func(t *testing.T) {
		t.Setenv("RTCBILL_DB", "postgres://billing@db.example/rtcbill")
		// Most commands print their flags on os.Stderr, as package flag does.
		stderr := os.Stderr
		t.Cleanup(func() { os.Stderr = stderr })
		for _, args := range [][]string{{"serve"}, {"bill"}, {"user", "add"}, {"close"}, {"demo"}, {"import"}, {"backup"}} {
			f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
			if err != nil {
				t.Fatal(err)
			}
			os.Stderr = f
			var out bytes.Buffer
			err = Run(append(args, "--help"), &out, f, nil)
			os.Stderr = stderr
			f.Close()
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%v --help: got %v, want flag.ErrHelp", args, err)
			}
			help, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			help = append(help, out.Bytes()...)
			for _, want := range []string{"SQLite file path or postgres:// URL (env RTCBILL_DB)", `(default "postgres://billing@db.example/rtcbill")`} {
				if !bytes.Contains(help, []byte(want)) {
					t.Errorf("%v --help: got\n%s\nwant it to say %s", args, help, want)
				}
			}
		}
	})
	t.Run("a missing file is refused, a URL is left to db.Open", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.db")
		if err := databaseExists("bill", missing); err == nil || !strings.Contains(err.Error(), "bill: database "+missing) {
			t.Errorf("got %v, want the missing file named", err)
		}
		for _, url := range []string{"postgres://u:pw@localhost/rtcbill", "postgresql://localhost/rtcbill?sslmode=disable"} {
			if err := databaseExists("bill", url); err != nil {
				t.Errorf("%s: got %v, want no check before db.Open", url, err)
			}
		}
		if _, err := os.Stat(missing); err == nil {
			t.Error("the check created the file")
		}
	})
	t.Run("messages show a URL without its password, a file path as it is", func(t *testing.T) {
		for in, want := range map[string]string{
			"./rtcbill.db":                          "./rtcbill.db",
			"postgres://billing:s3cret@db/rtcbill":  "postgres://billing:xxxxx@db/rtcbill",
			"postgresql://db.example:5432/rtcbill":  "postgresql://db.example:5432/rtcbill",
			"postgres://billing:s3cret@db:bad/x%zz": "the PostgreSQL database",
		} {
			if got := shown(in); got != want {
				t.Errorf("shown(%q): got %q, want %q", in, got, want)
			}
		}
	})
}
