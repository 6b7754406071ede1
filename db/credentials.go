package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"rtcbill/domain"
)

// The credential lifecycle: a user changes their password, ends all their
// sessions, an admin disables or enables a user or makes a one-time link to
// set a new password. Every change is one transaction with its audit line,
// and every change that ends a user's sessions moves their epoch on.

// userLabel names a user in the audit trail.
func userLabel(u domain.User) string { return fmt.Sprintf("%s (%s)", u.Email, u.Role) }

// passwordOf reads a user's stored hash.
func (s *SQLStore) passwordOf(ctx context.Context, userID int64) (string, error) {
	var hash string
	err := s.rq.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: user %d: %w", userID, domain.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to read the password of user %d: %w", userID, err)
	}
	return hash, nil
}

// ChangePassword sets a user's new password after checking their current
// one (ErrBadCredentials when it is wrong; a *ValidationError for field
// "password" when the new one is refused), and ends all their sessions. It
// returns the user with their new epoch, which the session that made the
// change takes on to stay signed in.
func (s *SQLStore) ChangePassword(ctx context.Context, userID int64, current, next string, now time.Time) (domain.User, error) {
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return domain.User{}, err
	}
	hash, err := s.passwordOf(ctx, userID)
	if err != nil {
		return domain.User{}, err
	}
	ok, _, err := verifyPassword(ctx, hash, current)
	if err != nil {
		return domain.User{}, err
	}
	if !ok {
		return domain.User{}, domain.ErrBadCredentials
	}
	fresh, err := hashPassword(ctx, next, u.Email)
	if err != nil {
		return domain.User{}, err
	}
	err = s.inTx(ctx, func(tx dbq) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, fresh, userID); err != nil {
			return fmt.Errorf("store: unable to change the password of user %d: %w", userID, err)
		}
		if u.SessionEpoch, err = endSessions(ctx, tx, userID); err != nil {
			return err
		}
		return audit(ctx, tx, now, domain.AuditPasswordChanged, u.AccountID, "")
	})
	s.forgetUser(userID)
	return u, err
}

// EndSessions ends every session of a user ("sign out everywhere") and
// returns the user with their new epoch.
func (s *SQLStore) EndSessions(ctx context.Context, userID int64, now time.Time) (domain.User, error) {
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return domain.User{}, err
	}
	err = s.inTx(ctx, func(tx dbq) error {
		if u.SessionEpoch, err = endSessions(ctx, tx, userID); err != nil {
			return err
		}
		return audit(ctx, tx, now, domain.AuditSignedOutEverywhere, u.AccountID, "")
	})
	s.forgetUser(userID)
	return u, err
}

// SetUserDisabled disables a user, which ends all their sessions, or
// enables them again. Doing what is already done changes nothing.
func (s *SQLStore) SetUserDisabled(ctx context.Context, userID int64, disabled bool, now time.Time) (domain.User, error) {
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return domain.User{}, err
	}
	if u.Disabled == disabled {
		return u, nil
	}
	err = s.inTx(ctx, func(tx dbq) error {
		action, at := domain.AuditUserEnabled, any(nil)
		if disabled {
			action, at = domain.AuditUserDisabled, unix(now)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, at, userID); err != nil {
			return fmt.Errorf("store: unable to disable or enable user %d: %w", userID, err)
		}
		if disabled {
			if u.SessionEpoch, err = endSessions(ctx, tx, userID); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, action, u.AccountID, userLabel(u))
	})
	s.forgetUser(userID)
	u.Disabled = disabled
	return u, err
}

// CreatePasswordReset makes a one-time link token with which the user may
// set a new password until it expires (ResetLinkTTL). Only its hash is
// stored: the token is returned once, for the admin to pass on. A new link
// replaces the user's earlier unused ones. The current password keeps
// working until the link is used.
func (s *SQLStore) CreatePasswordReset(ctx context.Context, userID int64, now time.Time) (string, time.Time, error) {
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return "", time.Time{}, err
	}
	var token string
	var expires time.Time
	err = s.inTx(ctx, func(tx dbq) error {
		token, expires, err = createReset(ctx, tx, u, domain.ResetLinkTTL, userLabel(u), now)
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// createReset makes a reset link of user u that works for ttl, in tx,
// replacing their earlier unused links, with its line in the audit trail
// (detail); it returns the link's token and when it expires.
func createReset(ctx context.Context, tx dbq, u domain.User, ttl time.Duration, detail string, now time.Time) (string, time.Time, error) {
	token, err := newLinkToken()
	if err != nil {
		return "", time.Time{}, err
	}
	expires := now.Truncate(time.Second).Add(ttl)
	var by any
	if a := domain.ActorOf(ctx); a.UserID != 0 {
		by = a.UserID
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = ? AND used_at IS NULL`, u.ID); err != nil {
		return "", time.Time{}, fmt.Errorf("store: unable to replace the reset links of user %d: %w", u.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (user_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, tokenHash(token), by, unix(now), unix(expires)); err != nil {
		return "", time.Time{}, fmt.Errorf("store: unable to make a reset link: %w", err)
	}
	return token, expires, audit(ctx, tx, now, domain.AuditPasswordResetCreated, u.AccountID, detail)
}

// PasswordResetUser returns the user a reset link token is for and when
// the link expires, or ErrNotFound when it is unknown, used or expired.
func (s *SQLStore) PasswordResetUser(ctx context.Context, token string, now time.Time) (domain.User, time.Time, error) {
	var userID, expires int64
	err := s.rq.QueryRowContext(ctx, `SELECT user_id, expires_at FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		tokenHash(token), unix(now)).Scan(&userID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.User{}, time.Time{}, fmt.Errorf("store: password reset link: %w", domain.ErrNotFound)
	}
	if err != nil {
		return domain.User{}, time.Time{}, fmt.Errorf("store: unable to read a password reset link: %w", err)
	}
	u, err := s.userByID(ctx, userID)
	return u, fromUnix(expires), err
}

// ResetPassword uses a reset link: it sets the user's new password, ends
// all their sessions and spends the link. ErrNotFound when the link is
// unknown, used or expired; a *ValidationError when the password is
// refused (the link stays usable).
func (s *SQLStore) ResetPassword(ctx context.Context, token, password string, now time.Time) (domain.User, error) {
	u, _, err := s.PasswordResetUser(ctx, token, now)
	if err != nil {
		return domain.User{}, err
	}
	fresh, err := hashPassword(ctx, password, u.Email)
	if err != nil {
		return domain.User{}, err
	}
	ctx = domain.WithActor(ctx, domain.Actor{UserID: u.ID, Label: userLabel(u)})
	err = s.inTx(ctx, func(tx dbq) error {
		res, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
			unix(now), tokenHash(token), unix(now))
		if err != nil {
			return fmt.Errorf("store: unable to spend a password reset link: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("store: password reset link: %w", domain.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, fresh, u.ID); err != nil {
			return fmt.Errorf("store: unable to set the password of user %d: %w", u.ID, err)
		}
		if u.SessionEpoch, err = endSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit(ctx, tx, now, domain.AuditPasswordReset, u.AccountID, "")
	})
	s.forgetUser(u.ID)
	return u, err
}

// Secret returns the value of a per-database secret, making it from 32
// random bytes the first time it is asked for. Several servers on one
// database get the same value: the first to ask writes it, the others read
// it.
func (s *SQLStore) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.rq.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: unable to read the setting %s: %w", name, err)
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("store: unable to make the secret %s: %w", name, err)
	}
	if err := s.wq().QueryRowContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value`, name, fresh).Scan(&v); err != nil {
		return nil, fmt.Errorf("store: unable to write the setting %s: %w", name, err)
	}
	return v, nil
}
