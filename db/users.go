package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do.
type Role string

// The four roles.
const (
	RoleCustomer Role = "customer" // one account: their own
	RoleSupport  Role = "support"  // reads every account
	RoleSales    Role = "sales"    // demo accounts and the pricing tools
	RoleAdmin    Role = "admin"    // everything, backdating and users included
)

// ParseRole reads a role name.
func ParseRole(s string) (Role, bool) {
	switch r := Role(strings.TrimSpace(s)); r {
	case RoleCustomer, RoleSupport, RoleSales, RoleAdmin:
		return r, true
	}
	return "", false
}

// User is someone who signs in to the console.
type User struct {
	ID        int64
	Email     string
	Role      Role
	AccountID int64 // customers only
	CreatedAt time.Time
}

// Password rules: long enough to resist guessing, short enough for bcrypt
// (which reads at most 72 bytes).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 72
)

// ErrBadCredentials is a sign-in with an unknown e-mail or a wrong password;
// the two are not told apart.
var ErrBadCredentials = errors.New("store: wrong e-mail or password")

// ErrEmailTaken is a sign-up or a new user with an e-mail already in use.
var ErrEmailTaken = errors.New("store: e-mail already has a user")

func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", invalid("email", "is required")
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", invalid("email", "%q is not an e-mail address", email)
	}
	return email, nil
}

func hashPassword(password string) (string, error) {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLen:
		return "", invalid("password", "must be at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return "", invalid("password", "must be at most %d bytes", MaxPasswordLen)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("store: unable to hash the password: %w", err)
	}
	return string(h), nil
}

func insertUser(ctx context.Context, tx *sql.Tx, email, hash string, role Role, accountID int64, now time.Time) (User, error) {
	u := User{Email: email, Role: role, AccountID: accountID, CreatedAt: now.Truncate(time.Second)}
	var account any
	if accountID != 0 {
		account = accountID
	}
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, email).Scan(&taken); err != nil {
		return u, fmt.Errorf("store: unable to look up the e-mail: %w", err)
	}
	if taken > 0 {
		return u, fmt.Errorf("store: %s: %w", email, ErrEmailTaken)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO users (email, password_hash, role, account_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		email, hash, string(role), account, unix(u.CreatedAt))
	if err != nil {
		return u, fmt.Errorf("store: unable to create the user: %w", err)
	}
	u.ID, err = res.LastInsertId()
	return u, err
}

// CreateUser adds a user. A customer needs the account they belong to;
// staff need none.
func (s *Store) CreateUser(ctx context.Context, email, password string, role Role, accountID int64, now time.Time) (User, error) {
	email, err := checkEmail(email)
	if err != nil {
		return User{}, err
	}
	if (role == RoleCustomer) != (accountID != 0) {
		return User{}, invalid("account", "a customer belongs to one account; staff to none")
	}
	hash, err := hashPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if accountID != 0 {
			if _, err := accountByID(ctx, tx, accountID); err != nil {
				return err
			}
		}
		if u, err = insertUser(ctx, tx, email, hash, role, accountID, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, AuditUserCreated, accountID, fmt.Sprintf("%s (%s)", email, role))
	})
	return u, err
}

// SignUp opens an account named name for a new customer and their user, in
// one transaction.
func (s *Store) SignUp(ctx context.Context, name, email, password string, now time.Time) (User, Account, error) {
	name, err := checkName("name", name)
	if err != nil {
		return User{}, Account{}, err
	}
	if email, err = checkEmail(email); err != nil {
		return User{}, Account{}, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return User{}, Account{}, err
	}
	var u User
	a := Account{Name: name, Email: email, CreatedAt: now.Truncate(time.Second)}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (name, email, created_at) VALUES (?, ?, ?)`, a.Name, a.Email, unix(a.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: unable to create account: %w", err)
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if u, err = insertUser(ctx, tx, email, hash, RoleCustomer, a.ID, now); err != nil {
			return err
		}
		return audit(WithActor(ctx, Actor{UserID: u.ID, Label: email + " (customer)"}), tx, now, AuditSignUp, a.ID, name)
	})
	return u, a, err
}

// dummyHash keeps a sign-in with an unknown e-mail as slow as one with a
// wrong password, so timing does not tell which e-mails have users.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("rtcbill-no-such-user"), bcrypt.DefaultCost)

// Authenticate checks an e-mail and password: ErrBadCredentials when either
// is wrong.
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	var u User
	var hash string
	var account sql.NullInt64
	var created int64
	err := s.rq.QueryRowContext(ctx, `SELECT id, email, password_hash, role, account_id, created_at FROM users WHERE email = ?`,
		strings.TrimSpace(email)).Scan(&u.ID, &u.Email, &hash, &u.Role, &account, &created)
	if errors.Is(err, sql.ErrNoRows) {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("store: unable to look up the user: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return User{}, ErrBadCredentials
	}
	u.AccountID, u.CreatedAt = account.Int64, fromUnix(created)
	return u, nil
}

// userTTL is how long UserByID trusts a user it read: every signed-in
// request asks for its user, and a second is soon enough for a change of
// role made from another process to take effect.
const userTTL = time.Second

type cachedUser struct {
	u    User
	read time.Time
}

// UserByID fetches a user; ErrNotFound when there is none.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	now := time.Now()
	if v, ok := s.users.Load(id); ok && now.Sub(v.(cachedUser).read) < userTTL {
		return v.(cachedUser).u, nil
	}
	u, err := s.userByID(ctx, id)
	if err == nil {
		s.users.Store(id, cachedUser{u, now})
	} else {
		s.users.Delete(id)
	}
	return u, err
}

func (s *Store) userByID(ctx context.Context, id int64) (User, error) {
	var u User
	var account sql.NullInt64
	var created int64
	err := s.rq.QueryRowContext(ctx, `SELECT id, email, role, account_id, created_at FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Email, &u.Role, &account, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: unable to fetch user %d: %w", id, err)
	}
	u.AccountID, u.CreatedAt = account.Int64, fromUnix(created)
	return u, nil
}

// Users lists every user, staff first, then by e-mail.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT id, email, role, COALESCE(account_id, 0), created_at FROM users
		ORDER BY role = 'customer', email`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Role, &u.AccountID, &created); err != nil {
			return nil, fmt.Errorf("store: unable to read a user: %w", err)
		}
		u.CreatedAt = fromUnix(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// IsDemo reports whether an account is a demo account (sales may work on it).
func (s *Store) IsDemo(ctx context.Context, accountID int64) (bool, error) {
	var demo bool
	err := s.rq.QueryRowContext(ctx, `SELECT demo FROM accounts WHERE id = ?`, accountID).Scan(&demo)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: account %d: %w", accountID, ErrNotFound)
	}
	return demo, err
}
