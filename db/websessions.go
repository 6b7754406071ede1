package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// WebSessions keeps the console's sign-in sessions in SQLite for
// github.com/alexedwards/scs/v2 (it is an scs.Store). Lookups read through
// the read pool, so signed-in pages never wait behind a write.
type WebSessions struct{ s *Store }

// WebSessions returns the session store.
func (s *Store) WebSessions() WebSessions { return WebSessions{s} }

// Find returns the data of a live session.
func (w WebSessions) Find(token string) ([]byte, bool, error) {
	var data []byte
	err := w.s.rq.QueryRowContext(context.Background(), `SELECT data FROM web_sessions WHERE token = ? AND expiry > ?`, token, time.Now().Unix()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to read a web session: %w", err)
	}
	return data, true, nil
}

// Commit stores a session until expiry.
func (w WebSessions) Commit(token string, data []byte, expiry time.Time) error {
	_, err := w.s.w.Exec(`INSERT INTO web_sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, expiry.Unix())
	if err != nil {
		return fmt.Errorf("store: unable to save a web session: %w", err)
	}
	return nil
}

// Delete ends a session.
func (w WebSessions) Delete(token string) error {
	if _, err := w.s.w.Exec(`DELETE FROM web_sessions WHERE token = ?`, token); err != nil {
		return fmt.Errorf("store: unable to delete a web session: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions past their expiry; the server runs it
// periodically.
func (w WebSessions) DeleteExpired(ctx context.Context, now time.Time) error {
	if _, err := w.s.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE expiry <= ?`, now.Unix()); err != nil {
		return fmt.Errorf("store: unable to delete expired web sessions: %w", err)
	}
	return nil
}
