// Package db is rtcbill's store: the Store interface the console asks its
// database through, and its implementation *SQLStore on SQLite (the
// embedded default, modernc.org/sqlite) or PostgreSQL (jackc/pgx through
// database/sql), with the rules of package billing applied to what it
// reads. The SQL is written once, in what both databases understand; what
// differs (placeholders, locks, the schema's DDL, backups) is in dialect.go
// and the migrations of each under migrations/.
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
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL as the "pgx" driver of database/sql
	_ "modernc.org/sqlite"             // pure Go SQLite: no cgo

	"rtcbill/billing"
	"rtcbill/domain"
)

// SQLStore is the store on SQLite or PostgreSQL. On SQLite, writes go
// through one connection, so they never wait on each other's locks, and
// reads use a pool of read-only connections that see WAL snapshots while a
// write runs. On PostgreSQL one pool does both; writes that read before
// they write take the account's advisory lock (lockAccount), which is what
// SQLite's single writer gives for free, and reads run in REPEATABLE READ
// snapshots.
type SQLStore struct {
	d *dialect
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
	// sendsMail: see SetSendsMail.
	sendsMail atomic.Bool
}

// SetSendsMail turns the mail queue on (SMTP is configured) or off: when
// on, each alert event of an account that is not a demo queues a mail to
// the account's e-mail in the event's transaction. Off (the default),
// nothing is queued and the notifications are all there is.
func (s *SQLStore) SetSendsMail(on bool) { s.sendsMail.Store(on) }

// SendsMail reports whether the mail queue is on.
func (s *SQLStore) SendsMail() bool { return s.sendsMail.Load() }

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
func sqliteDSN(path string, write bool) string {
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

// Open opens the database named by dsn and applies the embedded
// migrations: a PostgreSQL URL (postgres://user:password@host:port/db) or
// else a SQLite file path, created if needed.
func Open(ctx context.Context, dsn string) (*SQLStore, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	path := dsn
	d := sqliteDialect()
	w, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w, d, time.Now()); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: unable to open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	return &SQLStore{d: d, w: w, r: r, rq: stmtQuerier{db: r, cache: &stmtCache{db: r}}, path: path, closeGrace: billing.DefaultCloseGrace}, nil
}

// openPostgres opens a pool on the PostgreSQL database of url and applies
// the migrations under an advisory lock.
func openPostgres(ctx context.Context, url string) (*SQLStore, error) {
	d := postgresDialect()
	p, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: unable to open the PostgreSQL database: %w", err)
	}
	p.SetMaxOpenConns(16)
	p.SetMaxIdleConns(16)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("store: unable to reach the PostgreSQL database: %w", err)
	}
	if err := migrate(ctx, p, d, time.Now()); err != nil {
		p.Close()
		return nil, err
	}
	return &SQLStore{d: d, w: p, r: p, rq: stmtQuerier{db: p, d: d}, path: url, closeGrace: billing.DefaultCloseGrace}, nil
}

// IsPostgres reports whether a --db value names a PostgreSQL database
// rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Dialect names the database under the store: "sqlite" or "postgres".
func (s *SQLStore) Dialect() string { return s.d.name }

// Close closes both pools; the last connection to close checkpoints the WAL.
func (s *SQLStore) Close() error {
	if s.d.postgres {
		return s.w.Close()
	}
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

// inTx runs fn in a write transaction, committed when fn returns nil. Its
// queries are written with ? placeholders, whatever the database.
func (s *SQLStore) inTx(ctx context.Context, fn func(tx dbq) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin: %w", err)
	}
	if err := fn(dbq{raw: tx, d: s.d, mail: s.sendsMail.Load()}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit: %w", err)
	}
	return nil
}

// wq runs single statements on the writer, outside a transaction.
func (s *SQLStore) wq() dbq { return dbq{raw: s.w, d: s.d} }

// readTx runs fn in a read transaction: one consistent snapshot, read
// with the read pool's prepared statements on SQLite.
func (s *SQLStore) readTx(ctx context.Context, fn func(q querier) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.d.postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: unable to begin read: %w", err)
	}
	if s.d.postgres {
		err = fn(dbq{raw: tx, d: s.d})
		tx.Rollback()
		return err
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

// rawQuerier is what *sql.DB and *sql.Tx have in common.
type rawQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// dbq runs queries written with ? placeholders on a pool or a transaction
// of either database.
type dbq struct {
	raw rawQuerier
	d   *dialect
	// mail is whether the store queues alert mails (SetSendsMail), for the
	// events written in a transaction.
	mail bool
}

func (q dbq) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.raw.ExecContext(ctx, q.d.bind(query), args...)
}

func (q dbq) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.raw.QueryContext(ctx, q.d.bind(query), args...)
}

func (q dbq) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.raw.QueryRowContext(ctx, q.d.bind(query), args...)
}

func (q dbq) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return q.raw.PrepareContext(ctx, q.d.bind(query))
}

func (q dbq) Exec(query string, args ...any) (sql.Result, error) {
	return q.ExecContext(context.Background(), query, args...)
}

func (q dbq) Query(query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(context.Background(), query, args...)
}

func (q dbq) QueryRow(query string, args ...any) *sql.Row {
	return q.QueryRowContext(context.Background(), query, args...)
}

// rdq runs single statements on the read pool, outside a transaction.
func (s *SQLStore) rdq() dbq { return dbq{raw: s.r, d: s.d} }

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
	d      *dialect // set on PostgreSQL: no statement cache of ours (pgx keeps one per connection)
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
	if q.d != nil {
		return q.db.QueryContext(ctx, q.d.bind(query), args...)
	}
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if q.d != nil {
		return q.db.QueryRowContext(ctx, q.d.bind(query), args...)
	}
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
	if q.d != nil {
		return q.db.ExecContext(ctx, q.d.bind(query), args...)
	}
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func unix(t time.Time) int64 { return t.Unix() }

// boolInt stores a flag as 0 or 1, an INTEGER on both databases.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// bumpVersion moves the account's version on, in the transaction of a
// write that changes what its pages show (see AccountVersion).
func bumpVersion(ctx context.Context, tx dbq, accountID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET version = version + 1 WHERE id = ?`, accountID); err != nil {
		return fmt.Errorf("store: unable to move account %d's version on: %w", accountID, err)
	}
	return nil
}

// AccountVersion names the state of everything an account's bills and
// pages are made of: it goes up in the same transaction as each session
// batch, package and application of that account, written by
// this server or another, and by nothing of other accounts. One indexed
// read.
func (s *SQLStore) AccountVersion(ctx context.Context, accountID int64) (int64, error) {
	var v int64
	err := s.rq.QueryRowContext(ctx, `SELECT version FROM accounts WHERE id = ?`, accountID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: account %d: %w", accountID, domain.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: unable to read account %d's version: %w", accountID, err)
	}
	return v, nil
}
