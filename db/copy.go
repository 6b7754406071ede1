package db

// The copy from SQLite to PostgreSQL (rtcbill copy) lives here rather than
// in package cli: it reads the source's read pool and writes through the
// target's own pgx connection, both of which only this package holds, and
// it is SQL and transactions only, which is what this package is for. The
// command parses flags and prints the report.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copySums are the figures verified beside the row counts: what the bills
// are made of.
var copySums = map[string]string{
	"packages":           "SUM(included_minutes)",
	"sessions":           "SUM(left_at - joined_at)",
	"usage_daily":        "SUM(seconds)",
	"usage_room_monthly": "SUM(seconds)",
	"issued_bills":       "SUM(overage_minutes)",
}

// ErrCopyTargetNotEmpty is a copy into a database that already holds rows.
var ErrCopyTargetNotEmpty = errors.New("store: the target database is not empty")

// ErrCopyMismatch is a copy whose verification found a figure that differs
// between the two databases; nothing was committed.
var ErrCopyMismatch = errors.New("store: the copy does not match its source")

// CopyReport is what CopyToPostgres copied and verified.
type CopyReport struct {
	Tables    []CopiedTable
	Sequences []CopiedSequence
}

// CopiedTable is one table: its rows in the source, the rows sent and the
// rows in the target, and the sum verified beside them (Sum is empty for a
// table without one).
type CopiedTable struct {
	Name                           string
	SourceRows, Copied, TargetRows int64
	Sum                            string
	SourceSum, TargetSum           int64
}

// OK reports whether the table's figures agree on both sides.
func (t CopiedTable) OK() bool {
	return t.SourceRows == t.Copied && t.Copied == t.TargetRows && t.SourceSum == t.TargetSum
}

// CopiedSequence is an identity or serial column whose sequence was set
// past the copied ids: Next is the id its next row gets.
type CopiedSequence struct {
	Table, Column string
	Next          int64
}

// OK reports whether every table agrees.
func (r CopyReport) OK() bool {
	for _, t := range r.Tables {
		if !t.OK() {
			return false
		}
	}
	return true
}

// CopyToPostgres copies every row of every table of from, a SQLite store,
// into to, a PostgreSQL store whose tables are empty (both opened with
// Open, so both have this release's schema). It reads one snapshot of the
// source and writes in one transaction on the target, table by table in
// foreign-key order, keeping every id, streaming the rows through
// PostgreSQL's COPY (memory does not grow with the tables). Then it sets
// every identity and serial sequence past the copied ids and verifies, in
// the same transaction, each table's row count and sums against the
// source's snapshot; any difference rolls everything back and returns
// ErrCopyMismatch with the report. A target holding rows is refused with
// ErrCopyTargetNotEmpty, naming the tables, and left as it was. progress,
// if not nil, is called before each table is copied.
func CopyToPostgres(ctx context.Context, from, to *SQLStore, progress func(table string)) (CopyReport, error) {
	var report CopyReport
	if from.d.postgres || !to.d.postgres {
		return report, errors.New("store: copy reads a SQLite database and writes a PostgreSQL one")
	}
	src, err := from.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return report, fmt.Errorf("store: unable to begin reading the source: %w", err)
	}
	defer src.Rollback()
	conn, err := to.w.Conn(ctx)
	if err != nil {
		return report, fmt.Errorf("store: unable to reach the target: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return fmt.Errorf("store: unable to begin writing the target: %w", err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if err := copyInto(ctx, src, tx, progress, &report); err != nil {
			return err
		}
		if !report.OK() {
			return ErrCopyMismatch
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("store: unable to commit the copy: %w", err)
		}
		return nil
	})
	return report, err
}

// copyInto does the copy in the target's transaction tx.
func copyInto(ctx context.Context, src *sql.Tx, tx pgx.Tx, progress func(string), report *CopyReport) error {
	tables, err := copyOrder(ctx, tx)
	if err != nil {
		return err
	}
	names, err := sqlStrings(ctx, src, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return fmt.Errorf("store: unable to list the source's tables: %w", err)
	}
	if err := sameTables(tables, names); err != nil {
		return err
	}
	// Servers started on the target meanwhile may read, not write, until
	// the copy commits; so the emptiness seen here still holds then.
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(tables, ", ")+` IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("store: unable to lock the target's tables: %w", err)
	}
	var full []string
	for _, t := range tables {
		var rows bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&rows); err != nil {
			return fmt.Errorf("store: unable to read the target's %s: %w", t, err)
		}
		if rows {
			full = append(full, t)
		}
	}
	switch {
	case len(full) == 1:
		return fmt.Errorf("%w: table %s already holds rows; copy into a new, empty database", ErrCopyTargetNotEmpty, full[0])
	case len(full) > 1:
		return fmt.Errorf("%w: tables %s already hold rows; copy into a new, empty database", ErrCopyTargetNotEmpty, strings.Join(full, ", "))
	}
	for _, t := range tables {
		if progress != nil {
			progress(t)
		}
		ct, err := copyTable(ctx, src, tx, t)
		if err != nil {
			return err
		}
		report.Tables = append(report.Tables, ct)
	}
	seqs, err := setSequences(ctx, tx, tables)
	if err != nil {
		return err
	}
	report.Sequences = seqs
	for i := range report.Tables {
		if err := verifyTable(ctx, src, tx, &report.Tables[i]); err != nil {
			return err
		}
	}
	return nil
}

// copied reports whether a table is the console's own, to be copied:
// River's tables (river_*) and schema_migrations are made by the target's
// own migrations, and sqlite_* are SQLite's.
func copied(table string) bool {
	return table != "schema_migrations" && !strings.HasPrefix(table, "river_") && !strings.HasPrefix(table, "sqlite_")
}

// copyOrder lists the target's tables in foreign-key order: a table comes
// after the tables it references, and otherwise in the order the
// migrations created them (accounts, apps, packages, sessions, …). The
// list is read from the schema rather than written here, so that a table a
// later migration adds is copied too.
func copyOrder(ctx context.Context, tx pgx.Tx) ([]string, error) {
	all, err := pgStrings(ctx, tx, `SELECT relname::text FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY oid`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the target's tables: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
		WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the target's foreign keys: %w", err)
	}
	refs := map[string][]string{}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to read the target's foreign keys: %w", err)
		}
		refs[child] = append(refs[child], parent)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read the target's foreign keys: %w", err)
	}
	var tables []string
	for _, t := range all {
		if copied(t) {
			tables = append(tables, t)
		}
	}
	return fkOrder(tables, refs)
}

// fkOrder orders tables so that each comes after those it references
// (refs), taking at each step the first ready table in the given order.
func fkOrder(tables []string, refs map[string][]string) ([]string, error) {
	done := map[string]bool{}
	var out []string
	for len(out) < len(tables) {
		next := ""
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for _, p := range refs[t] {
				if p != t && !done[p] && slices.Contains(tables, p) {
					ready = false
				}
			}
			if ready {
				next = t
				break
			}
		}
		if next == "" {
			return nil, errors.New("store: the foreign keys between the target's tables form a cycle")
		}
		done[next] = true
		out = append(out, next)
	}
	return out, nil
}

// sameTables refuses a source whose tables are not the target's.
func sameTables(target, source []string) error {
	var src []string
	for _, t := range source {
		if copied(t) {
			src = append(src, t)
		}
	}
	for _, t := range src {
		if !slices.Contains(target, t) {
			return fmt.Errorf("store: the source has a table %s that the target has not: are both this release's schema?", t)
		}
	}
	for _, t := range target {
		if !slices.Contains(src, t) {
			return fmt.Errorf("store: the target has a table %s that the source has not: are both this release's schema?", t)
		}
	}
	return nil
}

// copyTable streams table t from the source into the target with COPY,
// column by column as the target names them.
func copyTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, t string) (CopiedTable, error) {
	ct := CopiedTable{Name: t, Sum: copySums[t]}
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, t)
	if err != nil {
		return ct, fmt.Errorf("store: unable to read the target's columns of %s: %w", t, err)
	}
	var cols, types []string
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			rows.Close()
			return ct, fmt.Errorf("store: unable to read the target's columns of %s: %w", t, err)
		}
		cols, types = append(cols, c), append(types, typ)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ct, fmt.Errorf("store: unable to read the target's columns of %s: %w", t, err)
	}
	srcCols, err := sqlStrings(ctx, src, `SELECT name FROM pragma_table_info(?)`, t)
	if err != nil {
		return ct, fmt.Errorf("store: unable to read the source's columns of %s: %w", t, err)
	}
	if a, b := slices.Sorted(slices.Values(srcCols)), slices.Sorted(slices.Values(cols)); !slices.Equal(a, b) {
		return ct, fmt.Errorf("store: table %s has columns %s in the source and %s in the target", t, strings.Join(a, ", "), strings.Join(b, ", "))
	}
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&ct.SourceRows); err != nil {
		return ct, fmt.Errorf("store: unable to count the source's %s: %w", t, err)
	}
	in, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+t)
	if err != nil {
		return ct, fmt.Errorf("store: unable to read the source's %s: %w", t, err)
	}
	defer in.Close()
	ct.Copied, err = tx.CopyFrom(ctx, pgx.Identifier{t}, cols, &rowSource{rows: in, types: types})
	if err != nil {
		return ct, fmt.Errorf("store: unable to copy %s: %w", t, err)
	}
	return ct, nil
}

// rowSource feeds COPY from a cursor on the source, one row at a time,
// each value in the type of its target column.
type rowSource struct {
	rows  *sql.Rows
	types []string
	vals  []any // the row as scanned
	ptrs  []any // &vals[i]
	err   error
}

func (s *rowSource) Next() bool { return s.err == nil && s.rows.Next() }

func (s *rowSource) Values() ([]any, error) {
	if s.vals == nil {
		s.vals, s.ptrs = make([]any, len(s.types)), make([]any, len(s.types))
		for i := range s.vals {
			s.ptrs[i] = &s.vals[i]
		}
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = err
		return nil, err
	}
	out := make([]any, len(s.vals))
	for i, v := range s.vals {
		// SQLite hands back what was stored: a BLOB column may hold text
		// and a TEXT column bytes. PostgreSQL takes each as its column's type.
		switch x := v.(type) {
		case string:
			if s.types[i] == "bytea" {
				v = []byte(x)
			}
		case []byte:
			if s.types[i] != "bytea" {
				v = string(x)
			}
		}
		out[i] = v
	}
	return out, nil
}

func (s *rowSource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// setSequences sets the sequence of every identity and serial column of
// the target past its highest copied id (apps_sdk_app_id_seq among them),
// so that the next row gets a new id; a table left empty keeps its start.
func setSequences(ctx context.Context, tx pgx.Tx, tables []string) ([]CopiedSequence, error) {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
		ORDER BY table_name, column_name`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the target's sequences: %w", err)
	}
	var seqs []CopiedSequence
	for rows.Next() {
		var s CopiedSequence
		if err := rows.Scan(&s.Table, &s.Column); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to list the target's sequences: %w", err)
		}
		if slices.Contains(tables, s.Table) {
			seqs = append(seqs, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list the target's sequences: %w", err)
	}
	var out []CopiedSequence
	for _, s := range seqs {
		var next int64
		err := tx.QueryRow(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), MAX(`+s.Column+`)) + 1 FROM `+s.Table+`
			HAVING COUNT(*) > 0`, s.Table, s.Column).Scan(&next)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: unable to set the sequence of %s.%s: %w", s.Table, s.Column, err)
		}
		s.Next = next
		out = append(out, s)
	}
	return out, nil
}

// verifyTable counts the target's rows of t and computes its sum, on both
// sides: the source in the snapshot the rows were read from, the target in
// the copy's own transaction.
func verifyTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, t *CopiedTable) error {
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+t.Name).Scan(&t.TargetRows); err != nil {
		return fmt.Errorf("store: unable to count the target's %s: %w", t.Name, err)
	}
	if t.Sum == "" {
		return nil
	}
	q := `SELECT COALESCE(` + t.Sum + `, 0) FROM ` + t.Name
	if err := src.QueryRowContext(ctx, q).Scan(&t.SourceSum); err != nil {
		return fmt.Errorf("store: unable to sum the source's %s: %w", t.Name, err)
	}
	if err := tx.QueryRow(ctx, q).Scan(&t.TargetSum); err != nil {
		return fmt.Errorf("store: unable to sum the target's %s: %w", t.Name, err)
	}
	return nil
}

func sqlStrings(ctx context.Context, q *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func pgStrings(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
