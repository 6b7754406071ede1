package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// WebSessions keeps the console's sign-in sessions in SQLite for
// github.com/alexedwards/scs/v2 (it is an scs.Store), with a copy in
// memory: only this process writes them, so every page view after the
// first finds its session without a query. Lookups that miss read through
// the read pool, so signed-in pages never wait behind a write.
type WebSessions struct{ s *Store }

// WebSessions returns the session store.
func (s *Store) WebSessions() WebSessions { return WebSessions{s} }

type webSession struct {
	data   []byte
	expiry time.Time
}

// webSessionCache is the memory copy; it is bounded and starts afresh when
// full (a miss only costs a query).
type webSessionCache struct {
	mu sync.Mutex
	m  map[string]webSession
}

func (c *webSessionCache) get(token string, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ws, ok := c.m[token]
	if !ok || !now.Before(ws.expiry) {
		return nil, false
	}
	return ws.data, true
}

func (c *webSessionCache) put(token string, data []byte, expiry time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = make(map[string]webSession)
	}
	c.m[token] = webSession{data, expiry}
}

func (c *webSessionCache) drop(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, token)
}

// Find returns the data of a live session.
func (w WebSessions) Find(token string) ([]byte, bool, error) {
	if data, ok := w.s.sessions.get(token, time.Now()); ok {
		return data, true, nil
	}
	var data []byte
	err := w.s.rq.QueryRowContext(context.Background(), `SELECT data FROM web_sessions WHERE token = ? AND expiry > ?`, token, time.Now().Unix()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to read a web session: %w", err)
	}
	var expiry int64
	if err := w.s.rq.QueryRowContext(context.Background(), `SELECT expiry FROM web_sessions WHERE token = ?`, token).Scan(&expiry); err == nil {
		w.s.sessions.put(token, data, time.Unix(expiry, 0))
	}
	return data, true, nil
}

// Commit stores a session until expiry.
func (w WebSessions) Commit(token string, data []byte, expiry time.Time) error {
	_, err := w.s.w.Exec(`INSERT INTO web_sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, expiry.Unix())
	if err != nil {
		w.s.sessions.drop(token)
		return fmt.Errorf("store: unable to save a web session: %w", err)
	}
	w.s.sessions.put(token, data, expiry)
	return nil
}

// Delete ends a session.
func (w WebSessions) Delete(token string) error {
	w.s.sessions.drop(token)
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
