package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"rtcbill/domain"
)

// WebSessions keeps the console's sign-in sessions in SQLite for
// github.com/alexedwards/scs/v2 (it is an scs.Store). The table never sees
// a session's token, which is its cookie: only its SHA-256, so that the
// database and its backups hold nothing that signs anyone in. A copy in
// memory spares a query on most page views; it is read again after
// webSessionReuse, so that a session ended or renewed by another process
// on the same database is seen here soon after.
type WebSessions struct {
	s *SQLStore
	// userOf reads whose session it is from its data (0: nobody's).
	userOf func(data []byte) int64
}

// WebSessions returns the session store.
func (s *SQLStore) WebSessions() WebSessions { return WebSessions{s: s} }

// WithOwner returns the session store that records, beside each session,
// the user userOf finds in its data, so that EndSessions can end them all.
func (w WebSessions) WithOwner(userOf func(data []byte) int64) WebSessions {
	w.userOf = userOf
	return w
}

// tokenHash is how a token is named in the database: its SHA-256 in hex.
// A session token is 32 random bytes, so a fast hash is enough: there is
// nothing to guess.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// webSessionReuse is how long a session read from the table is trusted in
// memory.
const webSessionReuse = time.Minute

type webSession struct {
	data   []byte
	expiry time.Time
	user   int64
	read   time.Time
}

// webSessionCache is the memory copy, by token hash; it is bounded and
// starts afresh when full (a miss only costs a query).
type webSessionCache struct {
	mu sync.Mutex
	m  map[string]webSession
}

func (c *webSessionCache) get(hash string, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ws, ok := c.m[hash]
	if !ok || !now.Before(ws.expiry) || now.Sub(ws.read) >= webSessionReuse {
		return nil, false
	}
	return ws.data, true
}

func (c *webSessionCache) put(hash string, ws webSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = make(map[string]webSession)
	}
	c.m[hash] = ws
}

func (c *webSessionCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, hash)
}

func (c *webSessionCache) dropUser(user int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, ws := range c.m {
		if ws.user == user {
			delete(c.m, h)
		}
	}
}

// Find returns the data of a live session.
func (w WebSessions) Find(token string) ([]byte, bool, error) {
	hash, now := tokenHash(token), time.Now()
	// Several servers share a PostgreSQL database: a session another one
	// ended must be refused at the next request, so it is read every time.
	if data, ok := w.s.sessions.get(hash, now); ok && !w.s.d.postgres {
		return data, true, nil
	}
	var data []byte
	var expiry int64
	var user sql.NullInt64
	// The session's user comes in the same query: the request asks for it
	// next (UserByID), and on PostgreSQL that saves a round trip a page.
	var u domain.User
	var email, role, lang sql.NullString
	var account, created, disabled, epoch sql.NullInt64
	err := w.s.rq.QueryRowContext(context.Background(), `SELECT ws.data, ws.expiry, ws.user_id,
			u.email, u.role, u.account_id, u.created_at, u.disabled_at, u.session_epoch, u.lang
		FROM web_sessions ws LEFT JOIN users u ON u.id = ws.user_id
		WHERE ws.token_hash = ? AND ws.expiry > ?`,
		hash, now.Unix()).Scan(&data, &expiry, &user, &email, &role, &account, &created, &disabled, &epoch, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to read a web session: %w", err)
	}
	if user.Valid && email.Valid {
		u = domain.User{ID: user.Int64, Email: email.String, Role: domain.Role(role.String), AccountID: account.Int64,
			CreatedAt: fromUnix(created.Int64), Disabled: disabled.Valid, SessionEpoch: epoch.Int64, Lang: lang.String}
		w.s.users.Store(u.ID, cachedUser{u: u, read: now, withSession: true})
	}
	w.s.sessions.put(hash, webSession{data: data, expiry: time.Unix(expiry, 0), user: user.Int64, read: now})
	return data, true, nil
}

// Commit stores a session until expiry.
func (w WebSessions) Commit(token string, data []byte, expiry time.Time) error {
	hash := tokenHash(token)
	var user int64
	if w.userOf != nil {
		user = w.userOf(data)
	}
	var owner any
	if user != 0 {
		owner = user
	}
	_, err := w.s.wq().Exec(`INSERT INTO web_sessions (token_hash, user_id, data, expiry) VALUES (?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expiry = excluded.expiry`,
		hash, owner, data, expiry.Unix())
	if err != nil {
		w.s.sessions.drop(hash)
		return fmt.Errorf("store: unable to save a web session: %w", err)
	}
	w.s.sessions.put(hash, webSession{data: data, expiry: expiry, user: user, read: time.Now()})
	return nil
}

// Delete ends a session.
func (w WebSessions) Delete(token string) error {
	hash := tokenHash(token)
	w.s.sessions.drop(hash)
	if _, err := w.s.wq().Exec(`DELETE FROM web_sessions WHERE token_hash = ?`, hash); err != nil {
		return fmt.Errorf("store: unable to delete a web session: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions past their expiry; the server runs it
// periodically.
func (w WebSessions) DeleteExpired(ctx context.Context, now time.Time) error {
	if _, err := w.s.wq().ExecContext(ctx, `DELETE FROM web_sessions WHERE expiry <= ?`, now.Unix()); err != nil {
		return fmt.Errorf("store: unable to delete expired web sessions: %w", err)
	}
	return nil
}

// endSessions deletes every session of a user and moves their epoch on, in
// the caller's transaction, and returns the new epoch. The epoch is what
// ends the sessions at once everywhere, copies in other processes' memory
// included (see User.SessionEpoch); deleting the rows keeps the table clean.
func endSessions(ctx context.Context, tx dbq, userID int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = ?`, userID); err != nil {
		return 0, fmt.Errorf("store: unable to end the sessions of user %d: %w", userID, err)
	}
	var epoch int64
	err := tx.QueryRowContext(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ? RETURNING session_epoch`, userID).Scan(&epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: user %d: %w", userID, domain.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: unable to end the sessions of user %d: %w", userID, err)
	}
	return epoch, nil
}

// forgetUser drops what this process remembers of a user and their
// sessions, after a change to them is committed.
func (s *SQLStore) forgetUser(userID int64) {
	s.users.Delete(userID)
	s.sessions.dropUser(userID)
}
