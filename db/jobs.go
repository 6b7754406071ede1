package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// JobState is what the background job name recorded last with
// SetJobState; "" when nothing yet.
func (s *SQLStore) JobState(ctx context.Context, name string) (string, error) {
	var state string
	err := s.rq.QueryRowContext(ctx, `SELECT state FROM job_state WHERE name = ?`, name).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to read the state of job %s: %w", name, err)
	}
	return state, nil
}

// SetJobState records how far the background job name has come.
func (s *SQLStore) SetJobState(ctx context.Context, name, state string, now time.Time) error {
	return s.inTx(ctx, func(tx dbq) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_state (name, state, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, name, state, unix(now)); err != nil {
			return fmt.Errorf("store: unable to record the state of job %s: %w", name, err)
		}
		return nil
	})
}

// OpenJobPool opens the job queue's own pool: on PostgreSQL a few
// connections; on SQLite a second pool of one writing connection on the
// database, for the job queue: it queues and fetches its jobs through it
// while the store's own writer serves requests. SQLite orders the two by
// its write lock; the busy timeout makes each wait for the other.
func (s *SQLStore) OpenJobPool() (*sql.DB, error) {
	if s.d.postgres {
		p, err := sql.Open("pgx", s.path)
		if err != nil {
			return nil, fmt.Errorf("store: unable to open the job pool: %w", err)
		}
		p.SetMaxOpenConns(4)
		return p, nil
	}
	p, err := sql.Open("sqlite", sqliteDSN(s.path, true))
	if err != nil {
		return nil, fmt.Errorf("store: unable to open the job pool: %w", err)
	}
	p.SetMaxOpenConns(1)
	return p, nil
}

// CountIssuedBills counts the stored bills of every account.
func (s *SQLStore) CountIssuedBills(ctx context.Context) (int, error) {
	var n int
	if err := s.rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM issued_bills`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count issued bills: %w", err)
	}
	return n, nil
}
