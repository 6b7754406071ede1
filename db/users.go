package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"rtcbill/domain"
)

func checkEmail(email string) (string, error) { return domain.CleanEmail("email", email) }

func insertUser(ctx context.Context, tx dbq, email, hash string, role domain.Role, accountID int64, lang string, now time.Time) (domain.User, error) {
	u := domain.User{Email: email, Role: role, AccountID: accountID, CreatedAt: now.Truncate(time.Second), Lang: lang}
	var account any
	if accountID != 0 {
		account = accountID
	}
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE lower(email) = lower(?)`, email).Scan(&taken); err != nil {
		return u, fmt.Errorf("store: unable to look up the e-mail: %w", err)
	}
	if taken > 0 {
		return u, fmt.Errorf("store: %s: %w", email, domain.ErrEmailTaken)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO users (email, password_hash, role, account_id, created_at, lang) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		email, hash, string(role), account, unix(u.CreatedAt), lang).Scan(&u.ID); err != nil {
		return u, fmt.Errorf("store: unable to create the user: %w", err)
	}
	return u, nil
}

// CreateUser adds a user. A customer needs the account they belong to;
// staff need none. Their e-mails are in the default language until they
// choose another (SetUserLang).
func (s *SQLStore) CreateUser(ctx context.Context, email, password string, role domain.Role, accountID int64, now time.Time) (domain.User, error) {
	email, err := checkEmail(email)
	if err != nil {
		return domain.User{}, err
	}
	if (role == domain.RoleCustomer) != (accountID != 0) {
		return domain.User{}, domain.Invalid("account", "a customer belongs to one account; staff to none")
	}
	hash, err := hashPassword(ctx, password, email)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = s.inTx(ctx, func(tx dbq) error {
		if accountID != 0 {
			if _, err := accountByID(ctx, tx, accountID); err != nil {
				return err
			}
		}
		if u, err = insertUser(ctx, tx, email, hash, role, accountID, domain.DefaultLang, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, domain.AuditUserCreated, accountID, fmt.Sprintf("%s (%s)", email, role))
	})
	return u, err
}

// SignUp opens an account named name for a new customer and their user, in
// one transaction. lang, the language of the sign-up, becomes the
// language of the account's alerts and of the user's mails.
func (s *SQLStore) SignUp(ctx context.Context, name, email, password, lang string, now time.Time) (domain.User, domain.Account, error) {
	name, email, hash, lang, err := checkSignUp(ctx, name, email, password, lang)
	if err != nil {
		return domain.User{}, domain.Account{}, err
	}
	var u domain.User
	var a domain.Account
	err = s.inTx(ctx, func(tx dbq) error {
		u, a, err = openSignedUp(ctx, tx, name, email, hash, lang, now)
		return err
	})
	return u, a, err
}

// checkSignUp validates a sign-up's name, e-mail, password and language
// and hashes the password.
func checkSignUp(ctx context.Context, name, email, password, lang string) (string, string, string, string, error) {
	name, err := checkName("name", name)
	if err != nil {
		return "", "", "", "", err
	}
	if email, err = checkEmail(email); err != nil {
		return "", "", "", "", err
	}
	if lang, err = domain.CleanLang("lang", lang); err != nil {
		return "", "", "", "", err
	}
	hash, err := hashPassword(ctx, password, email)
	if err != nil {
		return "", "", "", "", err
	}
	return name, email, hash, lang, nil
}

// openSignedUp opens the account and the customer user of a sign-up, in
// tx: ErrEmailTaken when the e-mail has a user.
func openSignedUp(ctx context.Context, tx dbq, name, email, hash, lang string, now time.Time) (domain.User, domain.Account, error) {
	a := domain.Account{Name: name, Email: email, CreatedAt: now.Truncate(time.Second)}
	if err := tx.QueryRowContext(ctx, `INSERT INTO accounts (name, email, created_at, lang) VALUES (?, ?, ?, ?) RETURNING id`,
		a.Name, a.Email, unix(a.CreatedAt), lang).Scan(&a.ID); err != nil {
		return domain.User{}, a, fmt.Errorf("store: unable to create account: %w", err)
	}
	u, err := insertUser(ctx, tx, email, hash, domain.RoleCustomer, a.ID, lang, now)
	if err != nil {
		return u, a, err
	}
	err = audit(domain.WithActor(ctx, domain.Actor{UserID: u.ID, Label: email + " (customer)"}), tx, now, domain.AuditSignUp, a.ID, name)
	return u, a, err
}

// Authenticate checks an e-mail and password: ErrBadCredentials when either
// is wrong, domain.ErrUserDisabled when both are right but the user is disabled.
// A password right against a hash of older parameters (bcrypt, before
// argon2id) is hashed again with today's.
func (s *SQLStore) Authenticate(ctx context.Context, email, password string) (domain.User, error) {
	var u domain.User
	var hash string
	var account, disabled sql.NullInt64
	var created int64
	err := s.rq.QueryRowContext(ctx, `SELECT id, email, password_hash, role, account_id, created_at, disabled_at, session_epoch, lang
		FROM users WHERE lower(email) = lower(?)`, strings.TrimSpace(email)).
		Scan(&u.ID, &u.Email, &hash, &u.Role, &account, &created, &disabled, &u.SessionEpoch, &u.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		if _, _, err := verifyPassword(ctx, dummyHash(), password); err != nil {
			return domain.User{}, err
		}
		return domain.User{}, domain.ErrBadCredentials
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("store: unable to look up the user: %w", err)
	}
	ok, stale, err := verifyPassword(ctx, hash, password)
	if err != nil {
		return domain.User{}, err
	}
	if !ok {
		return domain.User{}, domain.ErrBadCredentials
	}
	u.AccountID, u.CreatedAt, u.Disabled = account.Int64, fromUnix(created), disabled.Valid
	if u.Disabled {
		return domain.User{}, domain.ErrUserDisabled
	}
	if stale {
		// The sign-in goes on if this fails: the old hash still works,
		// and the next sign-in tries again.
		if fresh, err := newHash(ctx, password, argon); err == nil {
			s.wq().ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, fresh, u.ID, hash)
		}
	}
	return u, nil
}

// userTTL is how long UserByID trusts a user it read: every signed-in
// request asks for its user, and a second is soon enough for a change of
// role made from another process to take effect.
const userTTL = time.Second

// userWithSessionTTL is how long UserByID trusts, on PostgreSQL, a user
// read together with a web session (WebSessions.Find): long enough for
// the request that read the session to ask for its user without a second
// round trip, too short for a change made by another server to be missed
// by a later request, which reads its session, and its user, afresh.
const userWithSessionTTL = 250 * time.Millisecond

type cachedUser struct {
	u           domain.User
	read        time.Time
	withSession bool // read by WebSessions.Find
}

// UserByID fetches a user; ErrNotFound when there is none.
func (s *SQLStore) UserByID(ctx context.Context, id int64) (domain.User, error) {
	now := time.Now()
	// On PostgreSQL other servers change users too: read every time.
	if v, ok := s.users.Load(id); ok {
		c := v.(cachedUser)
		if age := now.Sub(c.read); (!s.d.postgres && age < userTTL) || (c.withSession && age < userWithSessionTTL) {
			return c.u, nil
		}
	}
	u, err := s.userByID(ctx, id)
	if err == nil {
		s.users.Store(id, cachedUser{u: u, read: now})
	} else {
		s.users.Delete(id)
	}
	return u, err
}

func (s *SQLStore) userByID(ctx context.Context, id int64) (domain.User, error) {
	u, err := s.userWhere(ctx, `id = ?`, id)
	if errors.Is(err, domain.ErrNotFound) {
		return u, fmt.Errorf("store: user %d: %w", id, domain.ErrNotFound)
	}
	return u, err
}

// UserByEmail fetches the user of an e-mail, whatever its case;
// ErrNotFound when there is none.
func (s *SQLStore) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	u, err := s.userWhere(ctx, `lower(email) = lower(?)`, strings.TrimSpace(email))
	if errors.Is(err, domain.ErrNotFound) {
		return u, fmt.Errorf("store: user %q: %w", email, domain.ErrNotFound)
	}
	return u, err
}

// userWhere fetches the one user matching cond; ErrNotFound when none does.
func (s *SQLStore) userWhere(ctx context.Context, cond string, arg any) (domain.User, error) {
	var u domain.User
	var account, disabled sql.NullInt64
	var created int64
	err := s.rq.QueryRowContext(ctx, `SELECT id, email, role, account_id, created_at, disabled_at, session_epoch, lang FROM users WHERE `+cond, arg).
		Scan(&u.ID, &u.Email, &u.Role, &account, &created, &disabled, &u.SessionEpoch, &u.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.User{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("store: unable to fetch a user: %w", err)
	}
	u.AccountID, u.CreatedAt, u.Disabled = account.Int64, fromUnix(created), disabled.Valid
	return u, nil
}

// Users lists every user, staff first, then by e-mail.
func (s *SQLStore) Users(ctx context.Context) ([]domain.User, error) {
	return scanUsers(s.rq.QueryContext(ctx, `SELECT id, email, role, COALESCE(account_id, 0), created_at, disabled_at IS NOT NULL, session_epoch, lang
		FROM users ORDER BY role = 'customer', email, id`))
}

// ListUsers is a page of the users in the order of Users: skipping offset,
// at most limit.
func (s *SQLStore) ListUsers(ctx context.Context, offset, limit int) ([]domain.User, error) {
	return scanUsers(s.rq.QueryContext(ctx, `SELECT id, email, role, COALESCE(account_id, 0), created_at, disabled_at IS NOT NULL, session_epoch, lang
		FROM users ORDER BY role = 'customer', email, id LIMIT ? OFFSET ?`, limit, offset))
}

func scanUsers(rows *sql.Rows, err error) ([]domain.User, error) {
	if err != nil {
		return nil, fmt.Errorf("store: unable to list users: %w", err)
	}
	defer rows.Close()
	var out []domain.User
	for rows.Next() {
		var u domain.User
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Role, &u.AccountID, &created, &u.Disabled, &u.SessionEpoch, &u.Lang); err != nil {
			return nil, fmt.Errorf("store: unable to read a user: %w", err)
		}
		u.CreatedAt = fromUnix(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// IsDemo reports whether an account is a demo account (sales may work on it).
func (s *SQLStore) IsDemo(ctx context.Context, accountID int64) (bool, error) {
	var demo bool
	err := s.rq.QueryRowContext(ctx, `SELECT demo FROM accounts WHERE id = ?`, accountID).Scan(&demo)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: account %d: %w", accountID, domain.ErrNotFound)
	}
	return demo, err
}
