// Package dbtest gives tests a fresh database on each store: a SQLite file
// in the test's temporary directory always, and a PostgreSQL database of its
// own when RTCBILL_TEST_POSTGRES holds the URL of a server to make them on
// (any database of it; the test creates and drops its own beside it).
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// EnvPostgres names the variable holding the PostgreSQL server's URL.
const EnvPostgres = "RTCBILL_TEST_POSTGRES"

// Store is one kind of store a test runs on.
type Store struct {
	Name string // "sqlite" or "postgres"
	// New returns the --db value of a fresh, empty database for t, removed
	// when t ends.
	New func(t testing.TB) string
}

// SQLite is a new file in t's temporary directory.
var SQLite = Store{Name: "sqlite", New: func(t testing.TB) string {
	return filepath.Join(t.TempDir(), "rtcbill.db")
}}

// Postgres is a new database on the server of RTCBILL_TEST_POSTGRES.
var Postgres = Store{Name: "postgres", New: NewPostgres}

// Stores is every store the tests run on here: SQLite, and PostgreSQL when
// RTCBILL_TEST_POSTGRES is set.
func Stores() []Store {
	if os.Getenv(EnvPostgres) == "" {
		return []Store{SQLite}
	}
	return []Store{SQLite, Postgres}
}

// Default is the store a test that runs on one store uses: PostgreSQL when
// RTCBILL_TEST_POSTGRES is set (so that the whole suite runs on it), else
// SQLite.
func Default() Store {
	if os.Getenv(EnvPostgres) != "" {
		return Postgres
	}
	return SQLite
}

// NewPostgres creates a database of its own for t on the server of
// RTCBILL_TEST_POSTGRES and returns its URL; t skips when the variable is
// unset. The database is dropped when t ends.
func NewPostgres(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		t.Skipf("%s is unset: no PostgreSQL server to test on", EnvPostgres)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	name := newName()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("dbtest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(name) })
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("dbtest: %s is not a URL: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// IsPostgres reports whether a --db value names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Describe names a store's database for a test's log.
func Describe(dsn string) string {
	if IsPostgres(dsn) {
		u, err := url.Parse(dsn)
		if err == nil {
			return fmt.Sprintf("postgres %s%s", u.Host, u.Path)
		}
	}
	return "sqlite " + dsn
}

// Clone returns a fresh database for t made from the database of
// template: a copy of a SQLite file (and its WAL), or on PostgreSQL a
// database created with the template (nobody may be connected to it).
func Clone(t testing.TB, template string) string {
	t.Helper()
	if !IsPostgres(template) {
		dst := filepath.Join(t.TempDir(), "clone.db")
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(template + suffix)
			if os.IsNotExist(err) && suffix != "" {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dst
	}
	u, err := url.Parse(template)
	if err != nil {
		t.Fatal(err)
	}
	from := strings.TrimPrefix(u.Path, "/")
	name := newName()
	admin, err := sql.Open("pgx", os.Getenv(EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), `CREATE DATABASE `+name+` TEMPLATE `+from); err != nil {
		t.Fatalf("dbtest: cloning %s: %v", from, err)
	}
	t.Cleanup(func() { drop(name) })
	u.Path = "/" + name
	return u.String()
}

// Driver is the database/sql driver name for a --db value.
func Driver(dsn string) string {
	if IsPostgres(dsn) {
		return "pgx"
	}
	return "sqlite"
}

// DB is a second view of a test's database, for tests that look at rows
// beside the store: its queries take ? placeholders on either database.
type DB struct {
	*sql.DB
	postgres bool
}

func (d DB) bind(q string) string {
	if !d.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for _, c := range q {
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteRune(c)
		case c == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (d DB) Query(q string, args ...any) (*sql.Rows, error) { return d.DB.Query(d.bind(q), args...) }
func (d DB) QueryRow(q string, args ...any) *sql.Row        { return d.DB.QueryRow(d.bind(q), args...) }
func (d DB) Exec(q string, args ...any) (sql.Result, error) {
	return d.DB.Exec(d.bind(q), args...)
}
func (d DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.bind(q), args...)
}
func (d DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.bind(q), args...)
}
func (d DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.bind(q), args...)
}

// ReadOnly opens a second view of dsn's database (read-only on SQLite),
// for tests that count rows beside the store.
func ReadOnly(t testing.TB, dsn string) DB {
	t.Helper()
	var ro *sql.DB
	var err error
	if IsPostgres(dsn) {
		ro, err = sql.Open("pgx", dsn)
	} else {
		ro, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatalf("dbtest: opening %s: %v", Describe(dsn), err)
	}
	return DB{DB: ro, postgres: IsPostgres(dsn)}
}

// Writable opens a second connection to dsn's database that may write, for
// tests that put rows in place directly, as a previous release would have
// left them. (On SQLite the caller imports the driver, as for ReadOnly.)
func Writable(t testing.TB, dsn string) DB {
	t.Helper()
	var w *sql.DB
	var err error
	if IsPostgres(dsn) {
		w, err = sql.Open("pgx", dsn)
	} else {
		w, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatalf("dbtest: opening %s: %v", Describe(dsn), err)
	}
	return DB{DB: w, postgres: IsPostgres(dsn)}
}

// Begin starts a transaction whose queries take ? placeholders too.
func (d DB) Begin() (Tx, error) {
	tx, err := d.DB.Begin()
	return Tx{Tx: tx, d: d}, err
}

// Tx is a transaction of a DB.
type Tx struct {
	*sql.Tx
	d DB
}

func (x Tx) Exec(q string, args ...any) (sql.Result, error) { return x.Tx.Exec(x.d.bind(q), args...) }
func (x Tx) QueryRow(q string, args ...any) *sql.Row        { return x.Tx.QueryRow(x.d.bind(q), args...) }

var stand sync.Map // a test's SQLite path → the PostgreSQL database standing for it

// Or gives the store's database for a test that asked for the SQLite file
// path: the same path on SQLite; when the suite runs on PostgreSQL, a
// database of its own for that path (the same one each time the test asks
// for the path, so that two servers on one path share it).
func Or(t testing.TB, path string) string {
	if Default().Name != "postgres" || IsPostgres(path) {
		return path
	}
	if u, ok := stand.Load(path); ok {
		return u.(string)
	}
	u := NewPostgres(t)
	stand.Store(path, u)
	t.Cleanup(func() { stand.Delete(path) })
	return u
}

func newName() string {
	var b [6]byte
	rand.Read(b[:])
	return "rtcbill_test_" + hex.EncodeToString(b[:])
}

func drop(name string) {
	admin, err := sql.Open("pgx", os.Getenv(EnvPostgres))
	if err != nil {
		return
	}
	defer admin.Close()
	admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}
