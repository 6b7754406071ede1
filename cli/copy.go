package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"rtcbill/db"
	"rtcbill/views"
)

// copyCommand runs "rtcbill copy": every row of a SQLite database into a new,
// empty PostgreSQL database, in one transaction, verified before it commits.
func copyCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("copy", "rtcbill copy: move a SQLite database to PostgreSQL. Every table is copied, keeping\n"+
		"every id, into an empty PostgreSQL database (its schema is made first), in one transaction;\n"+
		"then the row counts and the sums the bills are made of are compared on both sides, and\n"+
		"the copy commits only if they all agree. A target that already holds rows is refused.\n"+
		"Stop the servers on the SQLite file first: what they write after the copy has read the\n"+
		"file stays behind. The file is brought to this release's schema, as serve would.\n\n"+
		"Usage: rtcbill copy --from FILE --to postgres://USER@HOST:PORT/DATABASE")
	fs.SetOutput(stdout)
	from := fs.String("from", "", "the SQLite file to copy (required)")
	to := fs.String("to", "", "the postgres:// URL of the new, empty database (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("copy: unexpected argument %q: give --from FILE --to postgres://…", fs.Arg(0))
	}
	if *from == "" || *to == "" {
		return errors.New("copy: --from FILE and --to postgres://… are both required")
	}
	if isDatabaseURL(*from) {
		return fmt.Errorf("copy: --from %s is a PostgreSQL URL; copy reads a SQLite file (back up PostgreSQL with pg_dump)", shown(*from))
	}
	if !isDatabaseURL(*to) {
		return fmt.Errorf("copy: --to %s is not a postgres:// URL; copy writes a PostgreSQL database (a SQLite copy is rtcbill backup)", *to)
	}
	if err := databaseExists("copy", *from); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := db.Open(ctx, *from)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	defer src.Close()
	dst, err := db.Open(ctx, *to)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	defer dst.Close()
	start := time.Now()
	report, err := db.CopyToPostgres(ctx, src, dst, func(table string) { fmt.Fprintf(stderr, "copying %s…\n", table) })
	if errors.Is(err, db.ErrCopyTargetNotEmpty) {
		return fmt.Errorf("copy: %s: %w; nothing was copied", shown(*to), err)
	}
	if errors.Is(err, db.ErrCopyMismatch) {
		printCopyReport(stdout, report)
		return fmt.Errorf("copy: the figures marked MISMATCH differ between %s and %s; nothing was committed", *from, shown(*to))
	}
	if err != nil {
		return fmt.Errorf("copy: %w; nothing was committed", err)
	}
	fmt.Fprintf(stdout, "copied %s to %s in %s, in one transaction:\n\n", *from, shown(*to), time.Since(start).Round(time.Millisecond))
	printCopyReport(stdout, report)
	fmt.Fprintln(stdout, "\nverified: every table has as many rows on both sides, and every sum agrees")
	return nil
}

// printCopyReport prints a line per table: its rows on each side, the sum
// checked, and whether they agree.
func printCopyReport(w io.Writer, r db.CopyReport) {
	row := func(cells ...any) {
		line := fmt.Sprintf("%-18s  %11s  %11s  %11s  %-24s  %13s  %13s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	row("table", "source rows", "copied", "target rows", "sum checked", "source", "target", "")
	for _, t := range r.Tables {
		sum, ss, ts := "", "", ""
		if t.Sum != "" {
			sum, ss, ts = t.Sum, views.Int(t.SourceSum), views.Int(t.TargetSum)
		}
		verdict := "ok"
		if !t.OK() {
			verdict = "MISMATCH"
		}
		row(t.Name, views.Int(t.SourceRows), views.Int(t.Copied), views.Int(t.TargetRows), sum, ss, ts, verdict)
	}
	if len(r.Sequences) > 0 {
		var next []string
		for _, s := range r.Sequences {
			next = append(next, fmt.Sprintf("%s %d", s.Table, s.Next))
		}
		fmt.Fprintf(w, "\nnext ids: %s\n", strings.Join(next, ", "))
	}
}
