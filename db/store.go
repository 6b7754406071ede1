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
	"time"

	_ "modernc.org/sqlite" // pure Go SQLite: no cgo
)

// Errors the service layer returns; compare with errors.Is.
var (
	ErrNotFound            = errors.New("store: not found")
	ErrServiceClosed       = errors.New("store: service closed")
	ErrAlreadyJoined       = errors.New("store: user already in the room")
	ErrNotInRoom           = errors.New("store: user not in the room")
	ErrIdempotencyConflict = errors.New("store: idempotency key used for another request")
)

// ValidationError says what was wrong with the input, in which field and,
// for a batch, which row (Index is -1 when no row applies).
type ValidationError struct {
	Field   string
	Index   int
	Message string
}

func (e *ValidationError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("store: row %d, %s: %s", e.Index, e.Field, e.Message)
	}
	return fmt.Sprintf("store: %s: %s", e.Field, e.Message)
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Index: -1, Message: fmt.Sprintf(format, args...)}
}

// Store is the SQLite database. Writes go through one connection, so they
// never wait on each other's locks; reads use a pool of read-only
// connections that see WAL snapshots while a write runs.
type Store struct {
	w *sql.DB
	r *sql.DB
}

// dsn sets the pragmas on every pooled connection: WAL so readers and the
// writer do not block each other, synchronous=NORMAL (durable at every
// checkpoint, safe against corruption in WAL mode), a busy timeout for other
// processes (the command line next to a running server), foreign keys on.
func dsn(path string, write bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	if write {
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
func Open(ctx context.Context, path string) (*Store, error) {
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
	return &Store{w: w, r: r}, nil
}

// Close closes both pools; the last connection to close checkpoints the WAL.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
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
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
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

// readTx runs fn in a read transaction: one consistent snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: unable to begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

func unix(t time.Time) int64     { return t.Unix() }
func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }
