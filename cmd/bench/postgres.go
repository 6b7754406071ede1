package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// pgServer is the PostgreSQL server of -postgres: the bench creates its
// databases there, each measure a fresh one, and drops them at the end.
// (Package db registers the "pgx" driver of database/sql.)
type pgServer struct {
	base   *url.URL
	admin  *sql.DB
	prefix string

	mu      sync.Mutex
	created []string
}

func openPG(ctx context.Context, raw string) (*pgServer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-postgres: %w", err)
	}
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(2)
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return nil, fmt.Errorf("-postgres: unable to reach the server: %w", err)
	}
	return &pgServer{base: u, admin: admin, prefix: fmt.Sprintf("rtcbill_bench_%d_%d_", os.Getpid(), time.Now().Unix())}, nil
}

// create makes a new database called prefix+name and returns its URL.
func (p *pgServer) create(name string) (string, error) {
	dbName := p.prefix + name
	if _, err := p.admin.Exec(`CREATE DATABASE "` + dbName + `"`); err != nil {
		return "", fmt.Errorf("unable to create database %s: %w", dbName, err)
	}
	p.mu.Lock()
	p.created = append(p.created, dbName)
	p.mu.Unlock()
	u := *p.base
	u.Path = "/" + dbName
	return u.String(), nil
}

// drop drops the database of dsn, one create made, now.
func (p *pgServer) drop(dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	p.mu.Lock()
	defer p.mu.Unlock()
	i := -1
	for j, c := range p.created {
		if c == name {
			i = j
		}
	}
	if i < 0 {
		return fmt.Errorf("database %s was not made by this run", name)
	}
	if _, err := p.admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`); err != nil {
		return fmt.Errorf("unable to drop database %s: %w", name, err)
	}
	p.created = append(p.created[:i], p.created[i+1:]...)
	return nil
}

// close drops every database the run made and closes the connection.
func (p *pgServer) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, name := range p.created {
		if _, err := p.admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`); err != nil {
			errs = append(errs, fmt.Errorf("unable to drop database %s: %w", name, err))
		}
	}
	p.created = nil
	return errors.Join(append(errs, p.admin.Close())...)
}

// durability names the server's settings that decide what a commit costs,
// for the notes: a development server often runs without fsync.
func (p *pgServer) durability() string {
	var fsync, syncCommit string
	p.admin.QueryRow(`SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit)
	return "fsync=" + fsync + ", synchronous_commit=" + syncCommit
}

// benchIngestPG measures ingest on a fresh PostgreSQL database: the floor
// first, bare prepared INSERTs of the same rows into the same schema, then
// the table is emptied and the API posts the batches into another account
// of the same database, which starts as the floor did.
func benchIngestPG(ctx context.Context, t target, n int, batches [][]byte) ([]result, error) {
	dsn, err := t.fresh("ingest")
	if err != nil {
		return nil, err
	}
	defer t.pg.drop(dsn)
	s, _, app, err := newAccount(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	floor, err := bareInserts(ctx, raw, postgresInsert, app, 0, n, 200)
	if err != nil {
		return nil, err
	}
	if _, err := raw.ExecContext(ctx, `TRUNCATE sessions`); err != nil {
		return nil, err
	}
	if _, err := raw.ExecContext(ctx, `VACUUM ANALYZE sessions`); err != nil {
		return nil, err
	}
	apiRate, err := ingestAPI(ctx, dsn, batches)
	if err != nil {
		return nil, err
	}
	ratio := apiRate / floor
	return []result{{
		Measure: "ingest through the API (batches of 1,000)", Store: t.name, Value: round(apiRate, 0), Unit: "sessions/s",
		Floor: round(floor, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ratio >= 0.5),
		Note: "the job queue running; floor: bare prepared INSERTs into the same schema on the same database, 1,000 a transaction; server " + t.pg.durability(),
	}}, nil
}

// pgTablesSize is the sum of pg_total_relation_size (heap, indexes,
// TOAST) of the tables of the public schema.
func pgTablesSize(ctx context.Context, raw *sql.DB) (int64, error) {
	var n sql.NullInt64
	err := raw.QueryRowContext(ctx, `SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c
		JOIN pg_namespace ns ON ns.oid = c.relnamespace
		WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p')`).Scan(&n)
	return n.Int64, err
}
