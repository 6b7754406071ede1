// Package db is rtcbill's storage and service layer: SQLite through
// database/sql, with the rules of package billing applied to what it reads.
// The JSON API, the pages and the command line all call these methods.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // pure Go SQLite: no cgo

	"rtcbill/billing"
)

// SQLStore is the store on SQLite. Writes go through one connection, so they
// never wait on each other's locks; reads use a pool of read-only
// connections that see WAL snapshots while a write runs.
type SQLStore struct {
	w *sql.DB
	r *sql.DB
	// rq reads through the read pool with prepared statements: a page
	// asks the same few queries many times, and parsing SQL each time
	// would cost more than running it.
	rq stmtQuerier
	// issued caches decoded issued bills: they never change (R11, the
	// snapshots), so a copy in memory is always right.
	issued issuedCache
	// sessions is the memory copy of the console's web sessions.
	sessions webSessionCache
	// users caches UserByID for a second (see userTTL).
	users sync.Map // int64 → cachedUser
	// accounts caches Account: an account never changes once opened.
	accounts sync.Map // int64 → Account
	// closed remembers, per account, the month through which every bill
	// is stored, and gens the account's generation (see closeAccount).
	closed sync.Map // int64 → closedMark
	gens   sync.Map // int64 → *atomic.Uint64
	// closeGrace is how long after a month's end its bill waits before it
	// is stored (see Bill).
	closeGrace time.Duration
	path       string
}

// SetCloseGrace sets how long after a month's end its bill waits before it
// may be stored (billing.DefaultCloseGrace unless set). Call it before use.
func (s *SQLStore) SetCloseGrace(d time.Duration) { s.closeGrace = d }

// CloseGrace is the wait after a month's end before its bill is stored.
func (s *SQLStore) CloseGrace() time.Duration { return s.closeGrace }

// issuedCache holds decoded issued bills, at most issuedCacheSize; when full
// it starts afresh, which is enough for bills read in bursts.
type issuedCache struct {
	mu sync.Mutex
	m  map[issuedKey]billing.Bill
}

type issuedKey struct {
	account int64
	month   billing.Month
}

const issuedCacheSize = 4096

func (c *issuedCache) get(k issuedKey) (billing.Bill, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[k]
	return b, ok
}

func (c *issuedCache) put(k issuedKey, b billing.Bill) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= issuedCacheSize {
		c.m = make(map[issuedKey]billing.Bill)
	}
	c.m[k] = b
}

// dsn sets the pragmas on every pooled connection: WAL so readers and the
// writer do not block each other, a busy timeout for other processes (the
// command line next to a running server), foreign keys on. The writer runs
// with synchronous=FULL: in WAL mode NORMAL syncs only at checkpoints, so a
// power loss or an OS crash could lose transactions already acknowledged
// with a 201; FULL syncs the WAL at every commit, so an acknowledged batch
// or purchase is on disk. Readers write nothing and keep the default.
func dsn(path string, write bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	if write {
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	// The path goes into a file: URI, where ?, # and % would cut it short.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + q.Encode()
}

// Open opens (creating it if needed) the database at path and applies the
// embedded migrations.
func Open(ctx context.Context, path string) (*SQLStore, error) {
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w, time.Now()); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: unable to open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	return &SQLStore{w: w, r: r, rq: stmtQuerier{db: r, cache: &stmtCache{db: r}}, path: path, closeGrace: billing.DefaultCloseGrace}, nil
}

// Close closes both pools; the last connection to close checkpoints the WAL.
func (s *SQLStore) Close() error {
	return errors.Join(s.rq.cache.close(), s.r.Close(), s.w.Close())
}

// Ping checks that the database answers.
func (s *SQLStore) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: ping failed: %w", err)
	}
	return nil
}

// querier is what a *sql.DB and a *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inTx runs fn in a write transaction, committed when fn returns nil.
func (s *SQLStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit: %w", err)
	}
	return nil
}

// readTx runs fn in a read transaction: one consistent snapshot, read
// with the read pool's prepared statements.
func (s *SQLStore) readTx(ctx context.Context, fn func(q querier) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: unable to begin read: %w", err)
	}
	var misses []string
	err = fn(stmtQuerier{tx: tx, cache: s.rq.cache, misses: &misses})
	tx.Rollback()
	// Queries the cache lacked were prepared on the transaction's
	// connection; now that it is back in the pool, prepare them for good.
	for _, q := range misses {
		s.rq.cache.get(ctx, q)
	}
	return err
}

// stmtCache holds one prepared statement per query text on a pool;
// database/sql prepares it again on each connection that needs it.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.m.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmtCache) close() error {
	var errs []error
	c.m.Range(func(_, st any) bool {
		errs = append(errs, st.(*sql.Stmt).Close())
		return true
	})
	return errors.Join(errs...)
}

// stmtQuerier is a querier over the pool (tx nil) or a transaction that
// runs every query as a cached prepared statement.
type stmtQuerier struct {
	db     *sql.DB
	tx     *sql.Tx
	cache  *stmtCache
	misses *[]string // queries a transaction prepared on its own
}

func (q stmtQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if q.tx == nil {
		return q.cache.get(ctx, query)
	}
	// Inside a transaction never ask the pool for a second connection to
	// prepare on: transactions holding every connection would each wait
	// for another. Use the cached statement if the pool has prepared it,
	// else prepare on the transaction's own connection.
	if st, ok := q.cache.m.Load(query); ok {
		return q.tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	if q.misses != nil {
		*q.misses = append(*q.misses, query)
	}
	return q.tx.PrepareContext(ctx, query)
}

func (q stmtQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := q.stmt(ctx, query)
	if err != nil {
		// Let the error surface at Scan, as database/sql does.
		if q.tx != nil {
			return q.tx.QueryRowContext(ctx, query, args...)
		}
		return q.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (q stmtQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func unix(t time.Time) int64     { return t.Unix() }
func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// DataVersion names the state of everything a bill is made of: it changes
// whenever a session, a package or an application is recorded, by this
// process or another. Rowids only grow, so their maxima are enough, and
// reading them costs a look at the end of each table.
func (s *SQLStore) DataVersion(ctx context.Context) (string, error) {
	var sessions, packages, apps int64
	err := s.rq.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM sessions),
		(SELECT COALESCE(MAX(id), 0) FROM packages), (SELECT COALESCE(MAX(sdk_app_id), 0) FROM apps)`).Scan(&sessions, &packages, &apps)
	if err != nil {
		return "", fmt.Errorf("store: unable to read the data version: %w", err)
	}
	return fmt.Sprintf("%d.%d.%d", sessions, packages, apps), nil
}
