package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"rtcbill/domain"
)

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateAPIToken makes a token for the account and returns it in clear,
// the only time it is ever available.
func (s *SQLStore) CreateAPIToken(ctx context.Context, accountID int64, name string, now time.Time) (domain.APIToken, string, error) {
	name, err := checkName("name", name)
	if err != nil {
		return domain.APIToken{}, "", err
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return domain.APIToken{}, "", fmt.Errorf("store: unable to make a token: %w", err)
	}
	secret := domain.TokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	t := domain.APIToken{AccountID: accountID, Name: name, Prefix: secret[:len(domain.TokenPrefix)+6], CreatedAt: now.Truncate(time.Second)}
	err = s.inTx(ctx, func(tx dbq) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		var by any
		if a := domain.ActorOf(ctx); a.UserID != 0 {
			by = a.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (account_id, name, prefix, hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			accountID, t.Name, t.Prefix, hashToken(secret), by, unix(t.CreatedAt)).Scan(&t.ID); err != nil {
			return fmt.Errorf("store: unable to store the token: %w", err)
		}
		return audit(ctx, tx, now, domain.AuditTokenCreated, accountID, fmt.Sprintf("%s %s…", t.Name, t.Prefix))
	})
	return t, secret, err
}

// RevokeAPIToken stops a token of the account from working; ErrNotFound
// when the account has no such token.
func (s *SQLStore) RevokeAPIToken(ctx context.Context, accountID, tokenID int64, now time.Time) error {
	return s.inTx(ctx, func(tx dbq) error {
		var name, prefix string
		err := tx.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL
			RETURNING name, prefix`, unix(now), tokenID, accountID).Scan(&name, &prefix)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: token %d of account %d: %w", tokenID, accountID, domain.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: unable to revoke the token: %w", err)
		}
		return audit(ctx, tx, now, domain.AuditTokenRevoked, accountID, fmt.Sprintf("%s %s…", name, prefix))
	})
}

// APITokens lists an account's tokens, newest first.
func (s *SQLStore) APITokens(ctx context.Context, accountID int64) ([]domain.APIToken, error) {
	return scanTokens(s.rq.QueryContext(ctx, `SELECT id, account_id, name, prefix, created_at, COALESCE(revoked_at, 0), COALESCE(last_used_at, 0)
		FROM api_tokens WHERE account_id = ? ORDER BY id DESC`, accountID))
}

// ListAPITokens is a page of an account's tokens, newest first: skipping
// offset, at most limit.
func (s *SQLStore) ListAPITokens(ctx context.Context, accountID int64, offset, limit int) ([]domain.APIToken, error) {
	return scanTokens(s.rq.QueryContext(ctx, `SELECT id, account_id, name, prefix, created_at, COALESCE(revoked_at, 0), COALESCE(last_used_at, 0)
		FROM api_tokens WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, accountID, limit, offset))
}

func scanTokens(rows *sql.Rows, err error) ([]domain.APIToken, error) {
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tokens: %w", err)
	}
	defer rows.Close()
	var out []domain.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// APIToken fetches one token of the account; ErrNotFound when the account
// has no such token.
func (s *SQLStore) APIToken(ctx context.Context, accountID, tokenID int64) (domain.APIToken, error) {
	t, err := scanToken(s.rq.QueryRowContext(ctx, `SELECT id, account_id, name, prefix, created_at, COALESCE(revoked_at, 0), COALESCE(last_used_at, 0)
		FROM api_tokens WHERE id = ? AND account_id = ?`, tokenID, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("store: token %d of account %d: %w", tokenID, accountID, domain.ErrNotFound)
	}
	return t, err
}

func scanToken(row interface{ Scan(...any) error }) (domain.APIToken, error) {
	var t domain.APIToken
	var created, revoked, used int64
	if err := row.Scan(&t.ID, &t.AccountID, &t.Name, &t.Prefix, &created, &revoked, &used); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, err
		}
		return t, fmt.Errorf("store: unable to read a token: %w", err)
	}
	t.CreatedAt = fromUnix(created)
	if revoked != 0 {
		t.RevokedAt = fromUnix(revoked)
	}
	if used != 0 {
		t.LastUsedAt = fromUnix(used)
	}
	return t, nil
}

// AccountForToken finds the account a customer token reaches; ErrNotFound
// for an unknown or revoked token. The lookup is by hash, so the clear token
// is never compared or stored.
func (s *SQLStore) AccountForToken(ctx context.Context, token string) (int64, int64, error) {
	if !strings.HasPrefix(token, domain.TokenPrefix) {
		return 0, 0, fmt.Errorf("store: token: %w", domain.ErrNotFound)
	}
	var tokenID, accountID int64
	err := s.rq.QueryRowContext(ctx, `SELECT id, account_id FROM api_tokens WHERE hash = ? AND revoked_at IS NULL`, hashToken(token)).
		Scan(&tokenID, &accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("store: token: %w", domain.ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: unable to look up the token: %w", err)
	}
	return tokenID, accountID, nil
}

// TouchAPIToken records when a token was last used, at most once a minute.
func (s *SQLStore) TouchAPIToken(ctx context.Context, tokenID int64, now time.Time) error {
	_, err := s.wq().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND COALESCE(last_used_at, 0) < ?`,
		unix(now), tokenID, unix(now)-60)
	return err
}
