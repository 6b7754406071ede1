package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"rtcbill/domain"
)

// LockImport takes account accountID's import lock until now+ttl, so that
// one import at a time runs per account across every server sharing the
// database. release gives it back (it uses its own context: call it also
// after the request's context has ended); a lock never released expires
// at now+ttl, should its server stop mid-import. When the lock is held it
// returns ErrImportBusy and when the holder's lock expires.
//
// The lock is read first through the read pool, so that a second import
// is refused at once rather than after waiting for the writer, which a
// running import keeps busy.
func (s *SQLStore) LockImport(ctx context.Context, accountID int64, now time.Time, ttl time.Duration) (release func(), until time.Time, err error) {
	var expires int64
	err = s.rq.QueryRowContext(ctx, `SELECT expires_at FROM import_locks WHERE account_id = ?`, accountID).Scan(&expires)
	switch {
	case err == nil && expires > unix(now):
		return nil, fromUnix(expires), domain.ErrImportBusy
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, time.Time{}, fmt.Errorf("store: unable to read the import lock: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: unable to name the import lock: %w", err)
	}
	holder := hex.EncodeToString(b[:])
	until = now.Add(ttl)
	res, err := s.wq().ExecContext(ctx, `INSERT INTO import_locks (account_id, holder, expires_at) VALUES (?1, ?2, ?3)
		ON CONFLICT (account_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE import_locks.expires_at <= ?4`, accountID, holder, unix(until), unix(now))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: unable to take the import lock: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// Taken between the read and the write.
		if err := s.wq().QueryRowContext(ctx, `SELECT expires_at FROM import_locks WHERE account_id = ?`, accountID).Scan(&expires); err != nil {
			return nil, time.Time{}, fmt.Errorf("store: unable to read the import lock: %w", err)
		}
		return nil, fromUnix(expires), domain.ErrImportBusy
	}
	release = func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.wq().ExecContext(ctx, `DELETE FROM import_locks WHERE account_id = ? AND holder = ?`, accountID, holder)
	}
	return release, until, nil
}
