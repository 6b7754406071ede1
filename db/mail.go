package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"rtcbill/domain"
)

// The mail queue is an outbox like the events': a mail is written in the
// transaction of its cause (an alert's event, a sign-up, a forgotten
// password), so none is lost and none tells of a change that rolled back.
// A periodic job queues a job for each pending mail (DueMails,
// MarkMailQueued); that job renders and sends it and records the outcome
// (MailToSend, RecordMailAttempt).

// newLinkToken is the secret of a one-time link: 32 random bytes, in
// unpadded URL-safe base64. Only its SHA-256 (tokenHash) is kept for
// looking it up; the mail that carries it keeps it until it is sent.
func newLinkToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("store: unable to make a link: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// nullID is an id for a nullable column: NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// queueAlertMail queues the mail of an alert event to its account's
// e-mail, in the account's language, unless the account is a demo one:
// demo accounts send no e-mail.
func queueAlertMail(ctx context.Context, tx dbq, accountID int64, eventID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO mails (kind, to_addr, lang, account_id, event_id, state, attempts, created_at)
		SELECT ?, email, lang, id, ?, ?, 0, ? FROM accounts WHERE id = ? AND demo = 0`,
		domain.MailAlert, eventID, domain.MailPending, unix(now), accountID); err != nil {
		return fmt.Errorf("store: unable to queue the mail of event %s: %w", eventID, err)
	}
	return nil
}

// credentialMail is a mail about a sign-up or a password, to a person.
type credentialMail struct {
	kind, to, lang    string
	accountID, userID int64
	token             string
	expires           time.Time
}

// credentialMailAllowed reports whether address to may receive one more
// mail about a sign-up or a password: fewer than
// domain.MaxCredentialMailsPerHour in the hour before now. When it may
// not, the request that would send one changes nothing (a link it would
// replace keeps working) and answers as usual.
func credentialMailAllowed(ctx context.Context, tx dbq, to string, now time.Time) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mails WHERE lower(to_addr) = lower(?) AND kind <> ? AND created_at > ?`,
		to, domain.MailAlert, unix(now.Add(-time.Hour))).Scan(&n); err != nil {
		return false, fmt.Errorf("store: unable to count the mails to an address: %w", err)
	}
	return n < domain.MaxCredentialMailsPerHour, nil
}

// queueCredentialMail queues m (credentialMailAllowed says whether it may).
func queueCredentialMail(ctx context.Context, tx dbq, m credentialMail, now time.Time) error {
	var token, expires any
	if m.token != "" {
		token, expires = m.token, unix(m.expires)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mails (kind, to_addr, lang, account_id, user_id, token, expires_at, state, attempts, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`, m.kind, m.to, m.lang, nullID(m.accountID), nullID(m.userID), token, expires,
		domain.MailPending, unix(now)); err != nil {
		return fmt.Errorf("store: unable to queue a %s mail: %w", m.kind, err)
	}
	return nil
}

// DueMails lists at most limit mails waiting to be queued, oldest first.
func (s *SQLStore) DueMails(ctx context.Context, limit int) ([]int64, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT id FROM mails WHERE state = ? ORDER BY id LIMIT ?`, domain.MailPending, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to look for mails to send: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: unable to read a mail's id: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MarkMailQueued records that a job will send mail id; false when it was
// not pending any more.
func (s *SQLStore) MarkMailQueued(ctx context.Context, id int64) (bool, error) {
	res, err := s.wq().ExecContext(ctx, `UPDATE mails SET state = ? WHERE id = ? AND state = ?`, domain.MailQueued, id, domain.MailPending)
	if err != nil {
		return false, fmt.Errorf("store: unable to mark mail %d queued: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MailToSend is mail id with what its text needs: for an alert, its event
// and the account's name; for a sign-up, the name of the account it would
// open. A link that no longer works (used, replaced) comes without its
// Token. ErrNotFound when there is no such mail.
func (s *SQLStore) MailToSend(ctx context.Context, id int64) (domain.Mail, error) {
	var (
		m                              domain.Mail
		account                        sql.NullInt64
		event, token, why, accountName sql.NullString
		expires, sent                  sql.NullInt64
		created                        int64
	)
	err := s.readTx(ctx, func(q querier) error {
		err := q.QueryRowContext(ctx, `SELECT m.id, m.kind, m.to_addr, m.lang, m.account_id, a.name, m.event_id, m.token, m.expires_at,
			m.state, m.attempts, m.error, m.created_at, m.sent_at
			FROM mails m LEFT JOIN accounts a ON a.id = m.account_id WHERE m.id = ?`, id).
			Scan(&m.ID, &m.Kind, &m.To, &m.Lang, &account, &accountName, &event, &token, &expires, &m.State, &m.Attempts, &why, &created, &sent)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: mail %d: %w", id, domain.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: unable to read mail %d: %w", id, err)
		}
		if event.Valid {
			m.Event, err = scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, event.String))
			return err
		}
		if !token.Valid {
			return nil
		}
		// A link that was used, replaced or has expired is not sent.
		switch m.Kind {
		case domain.MailSignUp:
			err = q.QueryRowContext(ctx, `SELECT name FROM signup_requests WHERE token_hash = ?`, tokenHash(token.String)).Scan(&accountName)
		case domain.MailPasswordReset:
			var n int
			err = q.QueryRowContext(ctx, `SELECT 1 FROM password_resets WHERE token_hash = ? AND used_at IS NULL`, tokenHash(token.String)).Scan(&n)
		}
		if errors.Is(err, sql.ErrNoRows) {
			token.Valid, err = false, nil
		}
		return err
	})
	if err != nil {
		return domain.Mail{}, err
	}
	m.AccountID, m.AccountName, m.Error, m.CreatedAt = account.Int64, accountName.String, why.String, fromUnix(created)
	if token.Valid {
		m.Token = token.String
	}
	if expires.Valid {
		m.ExpiresAt = fromUnix(expires.Int64)
	}
	if sent.Valid {
		m.SentAt = fromUnix(sent.Int64)
	}
	return m, nil
}

// RecordMailAttempt records an attempt to send mail id at now: sent, or
// failed with why, and then given up for good when giveUp (it is failed)
// or left to the job's next try. A mail sent or given up forgets its
// link's secret.
func (s *SQLStore) RecordMailAttempt(ctx context.Context, id int64, sent bool, why string, giveUp bool, now time.Time) error {
	var err error
	switch {
	case sent:
		_, err = s.wq().ExecContext(ctx, `UPDATE mails SET state = ?, attempts = attempts + 1, error = NULL, token = NULL, sent_at = ? WHERE id = ?`,
			domain.MailSent, unix(now), id)
	case giveUp:
		_, err = s.wq().ExecContext(ctx, `UPDATE mails SET state = ?, attempts = attempts + 1, error = ?, token = NULL WHERE id = ?`,
			domain.MailFailed, why, id)
	default:
		_, err = s.wq().ExecContext(ctx, `UPDATE mails SET attempts = attempts + 1, error = ? WHERE id = ?`, why, id)
	}
	if err != nil {
		return fmt.Errorf("store: unable to record an attempt of mail %d: %w", id, err)
	}
	return nil
}
