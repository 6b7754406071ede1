package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Each database has its own numbered list: SQLite's began with the
// project, PostgreSQL's with its support (its 0001 is SQLite's 0001–0006).
// A change of schema adds a file to both.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded files NNNN_name.sql in order. The list is
// append-only: a released migration is never edited.
func migrations(d *dialect) ([]migration, error) {
	dir := "migrations/" + d.name
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %q is not named NNNN_name.sql", e.Name())
		}
		body, err := migrationFiles.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("store: unable to read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{v, e.Name(), string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s out of sequence, want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// migrationLock is the PostgreSQL advisory lock held while migrating, so
// that two servers starting together apply each migration once. (SQLite's
// writer is one connection with an immediate transaction: it needs none.)
const migrationLock = 7_262_001

// migrate applies every migration newer than the recorded schema version,
// each in its own transaction together with its row in schema_migrations.
func migrate(ctx context.Context, db *sql.DB, d *dialect, now time.Time) error {
	q := dbq{raw: db, d: d}
	if d.postgres {
		// A session lock on one connection of the pool, held to the end.
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: unable to reserve a connection to migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("store: unable to take the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	}
	if _, err := q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: unable to create schema_migrations: %w", err)
	}
	var current int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: unable to read schema version: %w", err)
	}
	all, err := migrations(d)
	if err != nil {
		return err
	}
	if current > len(all) {
		return fmt.Errorf("store: database schema version %d is newer than this binary (%d)", current, len(all))
	}
	for _, m := range all[current:] {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: unable to begin migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s failed: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, now.Unix()); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: unable to record migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: unable to commit migration %s: %w", m.name, err)
		}
	}
	return nil
}
