package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// checkName trims a name, checks it and puts it in NFC (CleanName).
func checkName(field, name string) (string, error) { return domain.CleanName(field, name) }

// CreateAccount records a new account. An account's e-mail is its billing
// contact, not a sign-in: two accounts may share one.
func (s *SQLStore) CreateAccount(ctx context.Context, name, email string, at, now time.Time) (domain.Account, error) {
	return s.createAccount(ctx, name, email, at, now, false)
}

// CreateDemoAccount records a demo account: one sales staff may work on.
func (s *SQLStore) CreateDemoAccount(ctx context.Context, name, email string, at, now time.Time) (domain.Account, error) {
	return s.createAccount(ctx, name, email, at, now, true)
}

func (s *SQLStore) createAccount(ctx context.Context, name, email string, at, now time.Time, demo bool) (domain.Account, error) {
	name, err := checkName("name", name)
	if err != nil {
		return domain.Account{}, err
	}
	if email, err = domain.CleanEmail("email", email); err != nil {
		return domain.Account{}, err
	}
	if err := domain.CheckInstant("created_at", at, now); err != nil {
		return domain.Account{}, err
	}
	a := domain.Account{Name: name, Email: email, CreatedAt: at.Truncate(time.Second), Demo: demo}
	err = s.inTx(ctx, func(tx dbq) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO accounts (name, email, created_at, demo) VALUES (?, ?, ?, ?) RETURNING id`,
			a.Name, a.Email, unix(a.CreatedAt), boolInt(a.Demo)).Scan(&a.ID); err != nil {
			return fmt.Errorf("store: unable to create account: %w", err)
		}
		return audit(ctx, tx, now, domain.AuditAccount, a.ID, a.Name+backdated(a.CreatedAt, now))
	})
	return a, err
}

// Account fetches one account; ErrNotFound when there is none. Accounts
// never change once opened, so each is read from the database once.
func (s *SQLStore) Account(ctx context.Context, id int64) (domain.Account, error) {
	if a, ok := s.accounts.Load(id); ok {
		return a.(domain.Account), nil
	}
	a, err := accountByID(ctx, s.rq, id)
	if err == nil {
		s.accounts.Store(id, a)
	}
	return a, err
}

func accountByID(ctx context.Context, q querier, id int64) (domain.Account, error) {
	var a domain.Account
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, name, email, created_at, demo FROM accounts WHERE id = ?`, id).
		Scan(&a.ID, &a.Name, &a.Email, &created, &a.Demo)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Account{}, fmt.Errorf("store: account %d: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return domain.Account{}, fmt.Errorf("store: unable to fetch account %d: %w", id, err)
	}
	a.CreatedAt = fromUnix(created)
	return a, nil
}

// SearchAccounts is a page of the accounts whose name or e-mail contains
// q.Query (case insensitive for ASCII) or that own an application whose
// SDKAppID or a package whose order id contains it; a blank query lists
// accounts. Oldest first: those with an id above q.After, skipping
// q.Offset, at most q.Limit.
func (s *SQLStore) SearchAccounts(ctx context.Context, q domain.AccountSearch) ([]domain.Account, error) {
	// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's
	// does not.
	pattern := likeContains(strings.ToLower(strings.TrimSpace(q.Query)))
	rows, err := s.rq.QueryContext(ctx, `
		SELECT id, name, email, created_at, demo FROM accounts a
		WHERE id > ?2 AND (?3 = 0 OR demo = 1) AND (lower(name) LIKE ?1 ESCAPE '\' OR lower(email) LIKE ?1 ESCAPE '\'
		   OR EXISTS (SELECT 1 FROM apps p WHERE p.account_id = a.id AND CAST(p.sdk_app_id AS TEXT) LIKE ?1 ESCAPE '\')
		   OR EXISTS (SELECT 1 FROM packages k WHERE k.account_id = a.id AND lower(k.order_id) LIKE ?1 ESCAPE '\'))
		ORDER BY id LIMIT ?4 OFFSET ?5`, pattern, q.After, boolInt(q.DemoOnly), q.Limit, q.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: unable to search accounts: %w", err)
	}
	defer rows.Close()
	out := []domain.Account{}
	for rows.Next() {
		var a domain.Account
		var created int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Email, &created, &a.Demo); err != nil {
			return nil, fmt.Errorf("store: unable to read account: %w", err)
		}
		a.CreatedAt = fromUnix(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// backdated notes, for the audit trail, an instant recorded in the past.
func backdated(at, now time.Time) string {
	if now.Sub(at) > time.Minute {
		return ", backdated to " + billing.FormatInstant(at)
	}
	return ""
}
