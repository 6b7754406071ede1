package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"rtcbill/domain"
)

// ErrBackupPostgres is a backup asked of a PostgreSQL database: its own
// tools do it, consistently and online.
var ErrBackupPostgres = errors.New("store: rtcbill backup copies a SQLite file; back up PostgreSQL with pg_dump (or your provider's backups)")

// Backup writes a consistent copy of the database to path with VACUUM INTO,
// while the server keeps reading and writing. It runs on a connection of the
// read pool, so it never holds the single writer connection: SQLite copies
// the snapshot of one read transaction, and writes committed meanwhile stay
// in the WAL, out of the copy. The copy is compact and complete on its own
// (no -wal file goes with it). An existing path is refused with
// ErrBackupExists; a failed backup leaves no file behind.
func (s *SQLStore) Backup(ctx context.Context, path string) error {
	if s.d.postgres {
		return ErrBackupPostgres
	}
	if path == "" {
		return errors.New("store: backup needs a target file")
	}
	// An absolute path keeps SQLite from reading a name that starts with
	// "file:" as a URI.
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("store: unable to resolve backup target %s: %w", path, err)
	}
	// Creating the (empty) target exclusively claims it: VACUUM INTO accepts
	// an empty file, and nothing another process creates meanwhile is ever
	// overwritten or removed.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store: %s: %w: choose a new file name", path, domain.ErrBackupExists)
	}
	if err != nil {
		return fmt.Errorf("store: unable to create backup %s: %w", path, err)
	}
	f.Close()
	if err := s.vacuumInto(ctx, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("store: unable to back up to %s: %w", path, err)
	}
	return nil
}

// vacuumInto runs VACUUM INTO on a connection of the read pool. Those
// connections are query_only, which also forbids writing the copy, so this
// one is switched to writable and then discarded rather than handed back to
// the pool: no writable connection ever serves a read.
func (s *SQLStore) vacuumInto(ctx context.Context, abs string) error {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn })
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, abs)
	return err
}
