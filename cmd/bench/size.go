package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"rtcbill/db"
)

// bareTable is a table of the sessions' own columns and nothing else: no
// key of its own, no index, no sums beside it.
const bareTable = `(sdk_app_id BIGINT NOT NULL, session_id TEXT, room_id TEXT NOT NULL,
	user_id TEXT NOT NULL, joined_at BIGINT NOT NULL, left_at BIGINT NOT NULL)`

// benchSize measures what a million sessions take in the database — the
// store's growth from an empty database to the bill's dsn, holding n
// sessions stored through the store — against a bare table holding the same
// rows. On SQLite the sizes are the files' after a checkpoint; on
// PostgreSQL the sum of pg_total_relation_size of the tables (heap,
// indexes, TOAST).
func benchSize(t target, dsn string, n int) ([]result, error) {
	ctx := context.Background()
	var store, empty, bare, bareEmpty int64
	var err error
	note := "the sessions with their unique and joined_at indexes, the per-day and per-room sums; floor: a bare table of the same rows' six columns, no index"
	if t.pg == nil {
		store, empty, bare, bareEmpty, err = sqliteSizes(ctx, t.dir, dsn)
		note = "file size after a checkpoint, less an empty database's; " + note
	} else {
		store, empty, bare, bareEmpty, err = postgresSizes(ctx, t, dsn)
		note = "pg_total_relation_size of the tables, less an empty database's, the database a copy of the SQLite one (db.CopyToPostgres); " + note
	}
	if err != nil {
		return nil, err
	}
	perMillion := func(size, base int64) float64 { return float64(size-base) * 1e6 / float64(n) / (1 << 20) }
	value, floor := perMillion(store, empty), perMillion(bare, bareEmpty)
	return []result{{
		Measure: "database size per 10⁶ sessions", Store: t.name, Value: round(value, 1), Unit: "MiB",
		Floor: round(floor, 1), Ratio: value / floor,
		Note: fmt.Sprintf("measured at %d sessions; %s", n, note),
	}}, nil
}

// sqliteSizes returns the sizes of the store's file and of an empty
// store's, and of a bare table of the same rows in a file of its own,
// before and after the rows.
func sqliteSizes(ctx context.Context, dir, path string) (store, empty, bare, bareEmpty int64, err error) {
	if store, err = checkpointedSize(ctx, path); err != nil {
		return
	}
	emptyPath := filepath.Join(dir, "size-empty.db")
	s, err := db.Open(ctx, emptyPath)
	if err != nil {
		return
	}
	s.Close()
	if empty, err = checkpointedSize(ctx, emptyPath); err != nil {
		return
	}
	barePath := filepath.Join(dir, "size-bare.db")
	raw, err := sql.Open("sqlite", "file:"+barePath+"?_pragma=synchronous(OFF)")
	if err != nil {
		return
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1) // the attachment is the connection's
	if _, err = raw.ExecContext(ctx, `CREATE TABLE sessions `+bareTable); err != nil {
		return
	}
	if bareEmpty, err = fileSize(barePath); err != nil {
		return
	}
	for _, q := range []string{
		`ATTACH DATABASE '` + path + `' AS store`,
		`INSERT INTO main.sessions SELECT sdk_app_id, session_id, room_id, user_id, joined_at, left_at FROM store.sessions ORDER BY id`,
		`DETACH DATABASE store`,
	} {
		if _, err = raw.ExecContext(ctx, q); err != nil {
			return
		}
	}
	bare, err = fileSize(barePath)
	return
}

// checkpointedSize copies the WAL of the SQLite database at path into it
// and returns the file's size.
func checkpointedSize(ctx context.Context, path string) (int64, error) {
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, err
	}
	size, err := fileSize(path)
	if err != nil {
		return 0, err
	}
	wal, err := fileSize(path + "-wal")
	if os.IsNotExist(err) {
		err = nil
	}
	return size + wal, err
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// postgresSizes returns the sizes of the store's tables in dsn and of an
// empty store's (a fresh database), and of a bare table of the same rows
// made beside them, before and after the rows.
func postgresSizes(ctx context.Context, t target, dsn string) (store, empty, bare, bareEmpty int64, err error) {
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return
	}
	defer raw.Close()
	if store, err = pgTablesSize(ctx, raw); err != nil {
		return
	}
	emptyDSN, err := t.fresh("size_empty")
	if err != nil {
		return
	}
	defer t.pg.drop(emptyDSN)
	s, err := db.Open(ctx, emptyDSN)
	if err != nil {
		return
	}
	s.Close()
	rawEmpty, err := sql.Open("pgx", emptyDSN)
	if err != nil {
		return
	}
	empty, err = pgTablesSize(ctx, rawEmpty)
	rawEmpty.Close()
	if err != nil {
		return
	}
	if _, err = raw.ExecContext(ctx, `CREATE TABLE bare_sessions `+bareTable); err != nil {
		return
	}
	defer raw.ExecContext(ctx, `DROP TABLE bare_sessions`)
	size := `SELECT pg_total_relation_size('bare_sessions')`
	if err = raw.QueryRowContext(ctx, size).Scan(&bareEmpty); err != nil {
		return
	}
	if _, err = raw.ExecContext(ctx, `INSERT INTO bare_sessions SELECT sdk_app_id, session_id, room_id, user_id, joined_at, left_at FROM sessions ORDER BY id`); err != nil {
		return
	}
	err = raw.QueryRowContext(ctx, size).Scan(&bare)
	return
}
