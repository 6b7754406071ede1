package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"rtcbill/domain"
)

// webhookSecretBytes is the size of a webhook's signing key: 32 random
// bytes, within the 24–64 Standard Webhooks asks for.
const webhookSecretBytes = 32

// CreateWebhook records a webhook of the account for url (checked by the
// caller) and the event types it takes (none: all), and returns it with
// its signing secret, "whsec_" and the key in base64: the only time the
// secret is given out.
func (s *SQLStore) CreateWebhook(ctx context.Context, accountID int64, url string, events []string, now time.Time) (domain.Webhook, string, error) {
	w := domain.Webhook{AccountID: accountID, URL: url, Events: []string{}, CreatedAt: now.Truncate(time.Second)}
	for _, e := range events {
		if !domain.IsEventType(e) {
			return w, "", domain.Invalid("events", "%q is not an event type: one of %s", e, strings.Join(domain.EventTypes, ", "))
		}
		if !slices.Contains(w.Events, e) {
			w.Events = append(w.Events, e)
		}
	}
	key := make([]byte, webhookSecretBytes)
	if _, err := rand.Read(key); err != nil {
		return w, "", fmt.Errorf("store: unable to make a webhook secret: %w", err)
	}
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	err := s.inTx(ctx, func(tx dbq) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE account_id = ?`, accountID).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to count webhooks: %w", err)
		}
		if n >= domain.MaxWebhooks {
			return &domain.QuotaError{Quota: domain.QuotaWebhooks, Limit: domain.MaxWebhooks}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (account_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			accountID, url, strings.Join(w.Events, ","), secret, unix(w.CreatedAt)).Scan(&w.ID); err != nil {
			return fmt.Errorf("store: unable to record a webhook: %w", err)
		}
		return audit(ctx, tx, now, domain.AuditWebhookCreated, accountID, fmt.Sprintf("%d %s", w.ID, url))
	})
	return w, secret, err
}

const webhookColumns = `id, account_id, url, events, created_at`

func scanWebhook(row scanner) (domain.Webhook, error) {
	var w domain.Webhook
	var events string
	var created int64
	if err := row.Scan(&w.ID, &w.AccountID, &w.URL, &events, &created); err != nil {
		return w, err
	}
	w.Events, w.CreatedAt = []string{}, fromUnix(created)
	if events != "" {
		w.Events = strings.Split(events, ",")
	}
	return w, nil
}

// Webhooks lists the account's webhooks, oldest first, without secrets.
func (s *SQLStore) Webhooks(ctx context.Context, accountID int64) ([]domain.Webhook, error) {
	return webhooksOf(ctx, s.rq, accountID)
}

func webhooksOf(ctx context.Context, q querier, accountID int64) ([]domain.Webhook, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list webhooks: %w", err)
	}
	defer rows.Close()
	out := []domain.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read a webhook: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Webhook fetches one webhook of the account; ErrNotFound when the account
// has no such webhook.
func (s *SQLStore) Webhook(ctx context.Context, accountID, id int64) (domain.Webhook, error) {
	w, err := scanWebhook(s.rq.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("store: webhook %d: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("store: unable to fetch webhook %d: %w", id, err)
	}
	return w, nil
}

// DeleteWebhook removes a webhook of the account with its deliveries and
// their log; ErrNotFound when the account has no such webhook.
func (s *SQLStore) DeleteWebhook(ctx context.Context, accountID, id int64, now time.Time) error {
	return s.inTx(ctx, func(tx dbq) error {
		var url string
		err := tx.QueryRowContext(ctx, `DELETE FROM webhooks WHERE id = ? AND account_id = ? RETURNING url`, id, accountID).Scan(&url)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: webhook %d: %w", id, domain.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: unable to delete webhook %d: %w", id, err)
		}
		return audit(ctx, tx, now, domain.AuditWebhookDeleted, accountID, fmt.Sprintf("%d %s", id, url))
	})
}

// WebhookAttempts is the delivery log of a webhook of the account, newest
// first, at most limit lines; ErrNotFound when the account has no such
// webhook.
func (s *SQLStore) WebhookAttempts(ctx context.Context, accountID, webhookID int64, limit int) ([]domain.Attempt, error) {
	if _, err := s.Webhook(ctx, accountID, webhookID); err != nil {
		return nil, err
	}
	rows, err := s.rq.QueryContext(ctx, `SELECT webhook_id, event_id, attempt, COALESCE(status_code, 0), COALESCE(error, ''), response, at, COALESCE(next_attempt_at, 0)
		FROM webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, min(max(limit, 1), domain.MaxEventsPage))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the delivery log: %w", err)
	}
	defer rows.Close()
	out := []domain.Attempt{}
	for rows.Next() {
		var a domain.Attempt
		var at, next int64
		if err := rows.Scan(&a.WebhookID, &a.EventID, &a.Attempt, &a.StatusCode, &a.Error, &a.Response, &at, &next); err != nil {
			return nil, fmt.Errorf("store: unable to read the delivery log: %w", err)
		}
		a.At = fromUnix(at)
		if next != 0 {
			a.NextAttemptAt = fromUnix(next)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RetryDelivery asks for the account's event to be delivered to its
// webhook again now, with a fresh schedule of attempts; an event the
// webhook never had is delivered for the first time. An attempt already
// on its way is left to run. ErrNotFound when the account has no such
// webhook or event.
func (s *SQLStore) RetryDelivery(ctx context.Context, accountID, webhookID int64, eventID string, now time.Time) error {
	return s.inTx(ctx, func(tx dbq) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks w JOIN events e ON e.account_id = w.account_id
			WHERE w.id = ? AND w.account_id = ? AND e.id = ?`, webhookID, accountID, eventID).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to find the delivery: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("store: event %q of webhook %d: %w", eventID, webhookID, domain.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, state, attempts, round_start, next_attempt_at, created_at)
			VALUES (?1, ?2, ?3, 0, 0, ?4, ?4)
			ON CONFLICT (webhook_id, event_id) DO UPDATE SET state = ?3, round_start = webhook_deliveries.attempts, next_attempt_at = ?4
			WHERE webhook_deliveries.state <> ?5`, webhookID, eventID, domain.DeliveryPending, unix(now), domain.DeliveryQueued); err != nil {
			return fmt.Errorf("store: unable to plan the delivery again: %w", err)
		}
		return nil
	})
}

// DueDeliveries lists at most limit deliveries whose next attempt is due
// at now, the longest waiting first.
func (s *SQLStore) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]domain.Delivery, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT webhook_id, event_id, state, attempts, round_start, COALESCE(next_attempt_at, 0) FROM webhook_deliveries
		WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, webhook_id, event_id LIMIT ?`, domain.DeliveryPending, unix(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to look for due deliveries: %w", err)
	}
	defer rows.Close()
	var out []domain.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func scanDelivery(row scanner) (domain.Delivery, error) {
	var d domain.Delivery
	var next int64
	if err := row.Scan(&d.WebhookID, &d.EventID, &d.State, &d.Attempts, &d.RoundStart, &next); err != nil {
		return d, fmt.Errorf("store: unable to read a delivery: %w", err)
	}
	if next != 0 {
		d.NextAttemptAt = fromUnix(next)
	}
	return d, nil
}

// MarkDeliveryQueued records that a job will make attempt number
// d.Attempts+1 of d; false when d has changed since it was read.
func (s *SQLStore) MarkDeliveryQueued(ctx context.Context, d domain.Delivery) (bool, error) {
	res, err := s.wq().ExecContext(ctx, `UPDATE webhook_deliveries SET state = ? WHERE webhook_id = ? AND event_id = ? AND state = ? AND attempts = ?`,
		domain.DeliveryQueued, d.WebhookID, d.EventID, domain.DeliveryPending, d.Attempts)
	if err != nil {
		return false, fmt.Errorf("store: unable to mark a delivery queued: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeliveryTarget is what an attempt of a delivery needs: the delivery, its
// webhook and signing secret, and the event. ErrNotFound when the webhook
// is gone.
func (s *SQLStore) DeliveryTarget(ctx context.Context, webhookID int64, eventID string) (domain.Delivery, domain.Webhook, string, domain.Event, error) {
	var (
		d      domain.Delivery
		w      domain.Webhook
		secret string
		e      domain.Event
	)
	err := s.readTx(ctx, func(q querier) error {
		var err error
		d, err = scanDelivery(q.QueryRowContext(ctx, `SELECT webhook_id, event_id, state, attempts, round_start, COALESCE(next_attempt_at, 0)
			FROM webhook_deliveries WHERE webhook_id = ? AND event_id = ?`, webhookID, eventID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: delivery of %q to webhook %d: %w", eventID, webhookID, domain.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT secret FROM webhooks WHERE id = ?`, webhookID).Scan(&secret); err != nil {
			return fmt.Errorf("store: unable to read webhook %d: %w", webhookID, err)
		}
		if w, err = scanWebhook(q.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, webhookID)); err != nil {
			return fmt.Errorf("store: unable to read webhook %d: %w", webhookID, err)
		}
		e, err = scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, eventID))
		return err
	})
	return d, w, secret, e, err
}

// RecordAttempt writes attempt a of a delivery to its log and moves the
// delivery to state (pending again with a.NextAttemptAt, delivered or
// failed), provided it still stands where the attempt found it; false
// when it did not (another attempt was recorded first).
func (s *SQLStore) RecordAttempt(ctx context.Context, a domain.Attempt, state string) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(tx dbq) error {
		var next any
		if !a.NextAttemptAt.IsZero() {
			next = unix(a.NextAttemptAt)
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?
			WHERE webhook_id = ? AND event_id = ? AND attempts = ?`, state, a.Attempt, next, a.WebhookID, a.EventID, a.Attempt-1)
		if err != nil {
			return fmt.Errorf("store: unable to record a delivery attempt: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		ok = true
		var status, why any
		if a.StatusCode != 0 {
			status = a.StatusCode
		}
		if a.Error != "" {
			why = a.Error
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (webhook_id, event_id, attempt, status_code, error, response, at, next_attempt_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.WebhookID, a.EventID, a.Attempt, status, why, a.Response, unix(a.At), next); err != nil {
			return fmt.Errorf("store: unable to log a delivery attempt: %w", err)
		}
		return nil
	})
	return ok, err
}
