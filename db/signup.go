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

// With e-mail, a sign-up opens nothing until its address is confirmed:
// RequestSignUp keeps it (signup_requests) and mails a link, and
// ConfirmSignUp, when the link is used, opens the account and its user as
// SignUp does. An address that already has a user gets a mail saying so
// instead; the caller answers both alike. A forgotten password is mailed a
// reset link (RequestPasswordReset) that works as an admin's does, for
// domain.MailedResetLinkTTL.

// RequestSignUp validates a sign-up as SignUp does, then, in one
// transaction: for an address without a user, keeps the sign-up (lang:
// its language; plan: the plan the visitor came to buy) and queues the
// mail with the link that confirms it, which works once for
// domain.SignUpLinkTTL and replaces the address's earlier sign-up; for an
// address with an enabled user, queues a mail telling that user they have
// an account. Nothing tells the caller which it was. Neither is done when
// the address has had its mails of the hour (credentialMailAllowed).
func (s *SQLStore) RequestSignUp(ctx context.Context, name, email, password, lang, plan string, now time.Time) error {
	// The password is hashed whoever the address is: the time of the
	// answer does not tell.
	name, email, hash, lang, err := checkSignUp(ctx, name, email, password, lang)
	if err != nil {
		return err
	}
	if err := domain.CheckText("plan", plan, 32); err != nil {
		return err
	}
	token, err := newLinkToken()
	if err != nil {
		return err
	}
	expires := now.Truncate(time.Second).Add(domain.SignUpLinkTTL)
	return s.inTx(ctx, func(tx dbq) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM signup_requests WHERE expires_at <= ?`, unix(now)); err != nil {
			return fmt.Errorf("store: unable to forget expired sign-ups: %w", err)
		}
		if ok, err := credentialMailAllowed(ctx, tx, email, now); err != nil || !ok {
			return err
		}
		u, err := userOf(ctx, tx, email)
		switch {
		case err == nil:
			if u.Disabled {
				return nil
			}
			return queueCredentialMail(ctx, tx, credentialMail{kind: domain.MailSignUpExists, to: u.Email, lang: u.Lang,
				accountID: u.AccountID, userID: u.ID}, now)
		case !errors.Is(err, domain.ErrNotFound):
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM signup_requests WHERE lower(email) = lower(?)`, email); err != nil {
			return fmt.Errorf("store: unable to replace an earlier sign-up: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signup_requests (token_hash, email, name, password_hash, lang, plan, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), email, name, hash, lang, plan, unix(now), unix(expires)); err != nil {
			return fmt.Errorf("store: unable to keep a sign-up: %w", err)
		}
		return queueCredentialMail(ctx, tx, credentialMail{kind: domain.MailSignUp, to: email, lang: lang, token: token, expires: expires}, now)
	})
}

// userOf reads the user of an e-mail, whatever its case, in tx;
// ErrNotFound when there is none.
func userOf(ctx context.Context, tx querier, email string) (domain.User, error) {
	var u domain.User
	var account, disabled sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, email, role, account_id, disabled_at, lang FROM users WHERE lower(email) = lower(?)`,
		strings.TrimSpace(email)).Scan(&u.ID, &u.Email, &u.Role, &account, &disabled, &u.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: user %q: %w", email, domain.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: unable to look up the user of an e-mail: %w", err)
	}
	u.AccountID, u.Disabled = account.Int64, disabled.Valid
	return u, nil
}

// SignUpRequest is the sign-up a confirmation link's token is for;
// ErrNotFound when the link is unknown, used, replaced or expired.
func (s *SQLStore) SignUpRequest(ctx context.Context, token string, now time.Time) (domain.SignUpRequest, error) {
	var r domain.SignUpRequest
	var expires int64
	err := s.rq.QueryRowContext(ctx, `SELECT email, name, lang, plan, expires_at FROM signup_requests WHERE token_hash = ? AND expires_at > ?`,
		tokenHash(token), unix(now)).Scan(&r.Email, &r.Name, &r.Lang, &r.Plan, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: sign-up link: %w", domain.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: unable to read a sign-up link: %w", err)
	}
	r.ExpiresAt = fromUnix(expires)
	return r, nil
}

// ConfirmSignUp uses a sign-up's confirmation link: it opens the account
// and its customer user as SignUp does, in the sign-up's language, and
// spends the link. It returns them and the plan the visitor came to buy.
// ErrNotFound when the link is unknown, used, replaced or expired, or
// when the address got a user meanwhile (the link is then spent).
func (s *SQLStore) ConfirmSignUp(ctx context.Context, token string, now time.Time) (domain.User, domain.Account, string, error) {
	var (
		u                 domain.User
		a                 domain.Account
		email, name, hash string
		lang, plan        string
		taken             bool
	)
	err := s.inTx(ctx, func(tx dbq) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM signup_requests WHERE token_hash = ? AND expires_at > ?
			RETURNING email, name, password_hash, lang, plan`, tokenHash(token), unix(now)).Scan(&email, &name, &hash, &lang, &plan)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: sign-up link: %w", domain.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: unable to use a sign-up link: %w", err)
		}
		if _, err := userOf(ctx, tx, email); err == nil {
			taken = true // commit: the link is spent
			return nil
		} else if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		u, a, err = openSignedUp(ctx, tx, name, email, hash, lang, now)
		return err
	})
	if err == nil && taken {
		err = fmt.Errorf("store: sign-up link of %s, which has a user: %w", email, domain.ErrNotFound)
	}
	if err != nil {
		return domain.User{}, domain.Account{}, "", err
	}
	return u, a, plan, nil
}

// RequestPasswordReset mails the enabled user of email, if there is one, a
// one-time link to set a new password, valid domain.MailedResetLinkTTL;
// it replaces their earlier unused links, and their current password
// keeps working until it is used. Nothing tells the caller whether a user
// was found, and nothing is done when the address has had its mails of
// the hour (credentialMailAllowed).
func (s *SQLStore) RequestPasswordReset(ctx context.Context, email string, now time.Time) error {
	email, err := checkEmail(email)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx dbq) error {
		u, err := userOf(ctx, tx, email)
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		if err != nil || u.Disabled {
			return err
		}
		if ok, err := credentialMailAllowed(ctx, tx, u.Email, now); err != nil || !ok {
			return err
		}
		token, expires, err := createReset(ctx, tx, u, domain.MailedResetLinkTTL, userLabel(u)+", sent by e-mail", now)
		if err != nil {
			return err
		}
		return queueCredentialMail(ctx, tx, credentialMail{kind: domain.MailPasswordReset, to: u.Email, lang: u.Lang,
			accountID: u.AccountID, userID: u.ID, token: token, expires: expires}, now)
	})
}

// SetUserLang sets the language of a user's own mails and returns the
// user; a *ValidationError of field "lang" for a language the console
// does not speak.
func (s *SQLStore) SetUserLang(ctx context.Context, userID int64, lang string) (domain.User, error) {
	lang, err := domain.CleanLang("lang", lang)
	if err != nil {
		return domain.User{}, err
	}
	res, err := s.wq().ExecContext(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, userID)
	if err != nil {
		return domain.User{}, fmt.Errorf("store: unable to set the language of user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return domain.User{}, fmt.Errorf("store: user %d: %w", userID, domain.ErrNotFound)
	}
	s.forgetUser(userID)
	return s.userByID(ctx, userID)
}
