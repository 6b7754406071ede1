package db

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// Events are the outbox: each is written in the transaction of the change
// that causes it, so none is lost and none tells of a change that rolled
// back. Writers of events hold the account's lock (lockAccount), so an
// account's events are numbered (seq) in the order they commit, and a
// reader that pages by seq misses none.
//
// Usage-driven events (low balance, exhausted, first overage of a month,
// service closed or restored) are decided by rating the account at the
// time of recording before and after the change (usageEvents). Time-driven
// ones (expiring, expired) are looked for by a periodic job and, for a
// package recorded already in the past, in the transaction that records it
// (scanAccountAlerts). Every event's created_at is the time it was
// recorded; data tells when its cause happened.

// eventIDEncoding writes event ids in lower-case base32, without padding.
var eventIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newEventID() string {
	var b [15]byte
	rand.Read(b[:])
	return "evt_" + eventIDEncoding.EncodeToString(b[:])
}

// emitEvent writes an event of the account and a pending delivery of it to
// each of the account's webhooks that takes its type, and, when the store
// sends mail and the type is an alert, a mail to the account's e-mail
// (queueAlertMail). An event with a dedup key is written once per account
// and key: a second one is ignored (written false).
func emitEvent(ctx context.Context, tx dbq, accountID int64, typ string, now time.Time, data any, dedup string) (written bool, err error) {
	body, err := json.Marshal(data)
	if err != nil {
		return false, fmt.Errorf("store: unable to encode a %s event: %w", typ, err)
	}
	var key any
	if dedup != "" {
		key = dedup
	}
	id := newEventID()
	res, err := tx.ExecContext(ctx, `INSERT INTO events (id, account_id, type, created_at, data, dedup_key) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, id, accountID, typ, unix(now), string(body), key)
	if err != nil {
		return false, fmt.Errorf("store: unable to record a %s event: %w", typ, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	hooks, err := webhooksOf(ctx, tx, accountID)
	if err != nil {
		return false, err
	}
	for _, w := range hooks {
		if !w.Receives(typ) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, state, attempts, round_start, next_attempt_at, created_at)
			VALUES (?, ?, ?, 0, 0, ?, ?)`, w.ID, id, domain.DeliveryPending, unix(now), unix(now)); err != nil {
			return false, fmt.Errorf("store: unable to plan the delivery of a %s event: %w", typ, err)
		}
	}
	if tx.mail && domain.IsMailedEvent(typ) {
		if err := queueAlertMail(ctx, tx, accountID, id, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// The data of each type of event (docs/api.md).
type (
	packageEvent struct {
		PackageID int64  `json:"package_id"`
		OrderID   string `json:"order_id"`
		Plan      string `json:"plan"`
	}
	lowBalanceData struct {
		packageEvent
		ThresholdPct     int   `json:"threshold_pct"`
		RemainingMinutes int64 `json:"remaining_minutes"`
		IncludedMinutes  int64 `json:"included_minutes"`
	}
	expiringData struct {
		packageEvent
		ExpiresOn        string `json:"expires_on"`
		RemainingMinutes int64  `json:"remaining_minutes"`
	}
	expiredData struct {
		packageEvent
		ExpiresOn      string `json:"expires_on"`
		ClearedMinutes int64  `json:"cleared_minutes"`
	}
	monthData struct {
		Month string `json:"month"`
	}
	statusData struct {
		At string `json:"at"`
	}
	billData struct {
		Month     string `json:"month"`
		AmountDue string `json:"amount_due"`
	}
	// purchaseData is the answer of POST /api/v1/accounts/{id}/purchases.
	purchaseData struct {
		ID              int64  `json:"id"`
		OrderID         string `json:"order_id"`
		Plan            string `json:"plan"`
		PurchasedAt     string `json:"purchased_at"`
		ValidFrom       string `json:"valid_from"`
		ExpiresOn       string `json:"expires_on"`
		IncludedMinutes int64  `json:"included_minutes"`
		Price           string `json:"price"`
	}
)

func packageOf(p billing.Package) packageEvent {
	return packageEvent{PackageID: p.ID, OrderID: p.OrderID, Plan: string(p.Plan)}
}

func purchaseOf(p billing.Package) purchaseData {
	v := p.Validity()
	return purchaseData{ID: p.ID, OrderID: p.OrderID, Plan: string(p.Plan), PurchasedAt: billing.FormatInstant(p.PurchasedAt),
		ValidFrom: billing.FormatDate(v.From), ExpiresOn: billing.FormatDate(v.ExpiresOn()),
		IncludedMinutes: p.Included, Price: billing.FormatMoney(p.Price)}
}

// usageState is an account rated at the time of recording: what the
// usage-driven events compare before and after a change.
type usageState struct {
	pkgs   []billing.Package
	rating billing.Rating
	status billing.Status
}

// rateState rates pieces against pkgs up to now.
func rateState(pkgs []billing.Package, pieces []billing.Piece, now time.Time) usageState {
	r := billing.Rate(pkgs, pieces, now)
	return usageState{pkgs: pkgs, rating: r, status: billing.StatusAt(now, pkgs, r.Balances)}
}

// usageNow rates the account's recorded usage (not the calls in progress)
// up to now, and returns the pieces it rated.
func usageNow(ctx context.Context, q querier, accountID int64, now time.Time) (usageState, []billing.Piece, error) {
	pkgs, err := packagesOf(ctx, q, accountID)
	if err != nil {
		return usageState{}, nil, err
	}
	return usageWith(ctx, q, accountID, pkgs, now)
}

func usageWith(ctx context.Context, q querier, accountID int64, pkgs []billing.Package, now time.Time) (usageState, []billing.Piece, error) {
	if len(pkgs) == 0 {
		return rateState(nil, nil, now), nil, nil
	}
	pieces, err := loadPieces(ctx, q, accountID, earliestValidity(pkgs), now, billing.ActiveSince(pkgs))
	if err != nil {
		return usageState{}, nil, err
	}
	return rateState(pkgs, pieces, now), pieces, nil
}

// withoutSessions is pieces, as loadPieces read them after added were
// stored, less what added contributed: the usage as it was before. A
// session's own pieces go; on days rated from their daily sums, its
// seconds come off the day's sum.
func withoutSessions(pieces []billing.Piece, added []billing.Session, from, now time.Time) []billing.Piece {
	type sessionKey struct {
		key   string
		start int64
		app   int64
	}
	type dayKey struct {
		day int64
		app int64
	}
	var split []billing.Piece
	for _, s := range added {
		if s.ID == "" {
			s.ID = naturalKey(s)
		}
		split = billing.SplitSession(split, s, from, now)
	}
	if len(split) == 0 {
		return pieces
	}
	own := map[sessionKey]bool{}
	for _, p := range split {
		own[sessionKey{p.Key, p.Start.Unix(), p.App}] = true
	}
	out := make([]billing.Piece, 0, len(pieces))
	daily := map[dayKey]int{} // index in out of each daily sum
	for _, p := range pieces {
		if p.Key != "" {
			if k := (sessionKey{p.Key, p.Start.Unix(), p.App}); own[k] {
				delete(own, k) // matched: the rest come off daily sums
				continue
			}
		} else {
			daily[dayKey{p.Start.Unix(), p.App}] = len(out)
		}
		out = append(out, p)
	}
	for _, p := range split {
		if !own[sessionKey{p.Key, p.Start.Unix(), p.App}] {
			continue
		}
		if i, ok := daily[dayKey{billing.DayStart(p.Start).Unix(), p.App}]; ok {
			out[i].Seconds -= p.Seconds
		}
	}
	return out
}

// usageEvents writes the events a change of the account's usage or
// packages causes, comparing the account rated before and after it at now:
// a low-balance threshold reached and a package used up (packages the
// change drew from), the first overage of a month, the service closed or
// restored (restoredAt: when the change took effect). Thresholds and
// exhaustion count the minutes a package has not used, so a package that
// expired since keeps its figures.
func usageEvents(ctx context.Context, tx dbq, accountID int64, before, after usageState, now, restoredAt time.Time) error {
	settings, err := alertSettings(ctx, tx, accountID)
	if err != nil {
		return err
	}
	for _, p := range after.pkgs {
		used, was := after.rating.Balances[p.ID].UsedMinutes, before.rating.Balances[p.ID].UsedMinutes
		if used <= was {
			continue
		}
		remaining := max(p.Included-used, 0)
		for _, pct := range settings.LowBalancePct {
			if remaining*100 > int64(pct)*p.Included {
				continue
			}
			data := lowBalanceData{packageOf(p), pct, remaining, p.Included}
			if _, err := emitEvent(ctx, tx, accountID, domain.EventLowBalance, now, data,
				fmt.Sprintf("%s:%d:%d", domain.EventLowBalance, p.ID, pct)); err != nil {
				return err
			}
		}
		if remaining == 0 {
			if _, err := emitEvent(ctx, tx, accountID, domain.EventExhausted, now, packageOf(p),
				fmt.Sprintf("%s:%d", domain.EventExhausted, p.ID)); err != nil {
				return err
			}
		}
	}
	for _, m := range after.rating.Months {
		if m.OverageSeconds == 0 || before.rating.Month(m.Month).OverageSeconds > 0 {
			continue
		}
		if _, err := emitEvent(ctx, tx, accountID, domain.EventOverageStarted, now, monthData{m.Month.String()},
			domain.EventOverageStarted+":"+m.Month.String()); err != nil {
			return err
		}
	}
	switch {
	case before.status != billing.StatusClosed && after.status == billing.StatusClosed:
		_, err = emitEvent(ctx, tx, accountID, domain.EventServiceClosed, now, statusData{billing.FormatInstant(now)}, "")
	case before.status == billing.StatusClosed && after.status != billing.StatusClosed && len(before.pkgs) > 0:
		// An account that never held a package was never open: its first
		// trial (or first purchase) opens it, it does not restore it.
		_, err = emitEvent(ctx, tx, accountID, domain.EventServiceRestored, now, statusData{billing.FormatInstant(restoredAt)}, "")
	}
	return err
}

// sessionEvents writes the events of a batch of sessions just stored
// (added), in its transaction: the account is rated once after the batch,
// and the usage before it is that rating's pieces without the batch's.
func sessionEvents(ctx context.Context, tx dbq, accountID int64, added []billing.Session, now time.Time) error {
	if len(added) == 0 {
		return nil
	}
	pkgs, err := packagesOf(ctx, tx, accountID)
	if err != nil || len(pkgs) == 0 {
		return err // without a package there is nothing to draw from
	}
	if billing.ActiveSince(pkgs).IsZero() && !drawable(added, pkgs) {
		// Neither active (no overage) nor in any package's validity: the
		// batch is refused usage and changes no balance and no status.
		return nil
	}
	after, pieces, err := usageWith(ctx, tx, accountID, pkgs, now)
	if err != nil {
		return err
	}
	before := rateState(pkgs, withoutSessions(pieces, added, earliestValidity(pkgs), now), now)
	return usageEvents(ctx, tx, accountID, before, after, now, now)
}

// drawable reports whether some session overlaps some package's validity.
func drawable(sessions []billing.Session, pkgs []billing.Package) bool {
	for _, p := range pkgs {
		v := p.Validity()
		for _, s := range sessions {
			if s.Joined.Before(v.Until) && s.Left.After(v.From) {
				return true
			}
		}
	}
	return false
}

// recordPackageAlerts notes a new package's expiry for the look for
// expiring and expired packages.
func recordPackageAlerts(ctx context.Context, tx dbq, accountID int64, p billing.Package) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO package_alerts (package_id, account_id, expires_at, expiring_done, expired_done) VALUES (?, ?, ?, 0, 0)`,
		p.ID, accountID, unix(p.Validity().Until)); err != nil {
		return fmt.Errorf("store: unable to note the expiry of package %d: %w", p.ID, err)
	}
	return nil
}

// scanAccountAlerts writes the time-driven events of the account due at
// now: package.expired for each package whose validity has ended (with
// the service closed when a trial's end closed it), package.expiring for
// each valid package with minutes left whose expiry is within the
// account's expiring_days. Each package is decided once. The caller holds
// the account's lock.
func scanAccountAlerts(ctx context.Context, tx dbq, accountID int64, now time.Time) (int, error) {
	settings, err := alertSettings(ctx, tx, accountID)
	if err != nil {
		return 0, err
	}
	horizon := now.Add(time.Duration(settings.ExpiringDays) * 24 * time.Hour)
	rows, err := tx.QueryContext(ctx, `SELECT package_id, expires_at, expiring_done, expired_done FROM package_alerts
		WHERE account_id = ? AND ((expired_done = 0 AND expires_at <= ?) OR (expiring_done = 0 AND expires_at > ? AND expires_at <= ?))`,
		accountID, unix(now), unix(now), unix(horizon))
	if err != nil {
		return 0, fmt.Errorf("store: unable to read the expiries of account %d: %w", accountID, err)
	}
	type due struct {
		pkg     int64
		expired bool
	}
	var dues []due
	for rows.Next() {
		var id, expires int64
		var expiringDone, expiredDone int
		if err := rows.Scan(&id, &expires, &expiringDone, &expiredDone); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: unable to read the expiries of account %d: %w", accountID, err)
		}
		dues = append(dues, due{id, expires <= unix(now)})
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(dues) == 0 {
		return 0, err
	}
	state, _, err := usageNow(ctx, tx, accountID, now)
	if err != nil {
		return 0, err
	}
	byID := map[int64]billing.Package{}
	for _, p := range state.pkgs {
		byID[p.ID] = p
	}
	n := 0
	for _, d := range dues {
		p, ok := byID[d.pkg]
		if !ok {
			continue
		}
		b := state.rating.Balances[p.ID]
		expiresOn := billing.FormatDate(p.Validity().ExpiresOn())
		if d.expired {
			written, err := emitEvent(ctx, tx, accountID, domain.EventExpired, now,
				expiredData{packageOf(p), expiresOn, b.ClearedMinutes}, fmt.Sprintf("%s:%d", domain.EventExpired, p.ID))
			if err != nil {
				return n, err
			}
			if written {
				n++
			}
			if p.Plan == billing.Trial {
				closed, err := trialClosed(ctx, tx, accountID, state.pkgs, p, now)
				if err != nil {
					return n, err
				}
				n += closed
			}
			if _, err := tx.ExecContext(ctx, `UPDATE package_alerts SET expired_done = 1, expiring_done = 1 WHERE package_id = ?`, p.ID); err != nil {
				return n, fmt.Errorf("store: unable to mark package %d expired: %w", p.ID, err)
			}
			continue
		}
		if billing.StateAt(now, p, b) == billing.StateValid && b.RemainingMinutes > 0 {
			written, err := emitEvent(ctx, tx, accountID, domain.EventExpiring, now,
				expiringData{packageOf(p), expiresOn, b.RemainingMinutes}, fmt.Sprintf("%s:%d", domain.EventExpiring, p.ID))
			if err != nil {
				return n, err
			}
			if written {
				n++
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE package_alerts SET expiring_done = 1 WHERE package_id = ?`, p.ID); err != nil {
			return n, fmt.Errorf("store: unable to mark package %d's expiry as told: %w", p.ID, err)
		}
	}
	return n, nil
}

// trialClosed writes account.service_closed when the end of the trial
// closed the service: the account was in trial the second before and is
// closed at the trial's end.
func trialClosed(ctx context.Context, tx dbq, accountID int64, pkgs []billing.Package, trial billing.Package, now time.Time) (int, error) {
	end := trial.Validity().Until
	statusAt := func(t time.Time) (billing.Status, error) {
		pieces, err := loadPieces(ctx, tx, accountID, earliestValidity(pkgs), t, billing.ActiveSince(pkgs))
		if err != nil {
			return "", err
		}
		return rateState(pkgs, pieces, t).status, nil
	}
	was, err := statusAt(end.Add(-time.Second))
	if err != nil || was != billing.StatusTrial {
		return 0, err
	}
	is, err := statusAt(end)
	if err != nil || is != billing.StatusClosed {
		return 0, err
	}
	written, err := emitEvent(ctx, tx, accountID, domain.EventServiceClosed, now, statusData{billing.FormatInstant(end)},
		fmt.Sprintf("%s:trial:%d", domain.EventServiceClosed, trial.ID))
	if written {
		return 1, err
	}
	return 0, err
}

// alertScanBatch is how many accounts one ScanAlerts pass takes at most.
const alertScanBatch = 500

// ScanAlerts writes the time-driven events due at now (package.expiring,
// package.expired) of every account, each account in a short transaction
// of its own under its lock, and returns how many it wrote.
func (s *SQLStore) ScanAlerts(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for range 100 { // bounded: each pass decides what it finds
		rows, err := s.rq.QueryContext(ctx, `SELECT DISTINCT pa.account_id FROM package_alerts pa
			LEFT JOIN alert_settings st ON st.account_id = pa.account_id
			WHERE (pa.expired_done = 0 AND pa.expires_at <= ?)
			   OR (pa.expiring_done = 0 AND pa.expires_at > ? AND pa.expires_at <= ? + COALESCE(st.expiring_days, ?) * 86400)
			ORDER BY pa.account_id LIMIT ?`, unix(now), unix(now), unix(now), domain.DefaultAlertSettings().ExpiringDays, alertScanBatch)
		if err != nil {
			return total, fmt.Errorf("store: unable to look for expiring packages: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return total, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		for _, id := range ids {
			err := s.inTx(ctx, func(tx dbq) error {
				if err := lockAccount(ctx, tx, id); err != nil {
					return err
				}
				n, err := scanAccountAlerts(ctx, tx, id, now)
				total += n
				return err
			})
			if err != nil {
				return total, err
			}
		}
		if len(ids) < alertScanBatch {
			return total, nil
		}
	}
	return total, nil
}

// Events lists the account's events after the event named after (from
// the first when empty), oldest first, at most limit. An after that names
// no event of the account is a ValidationError of field "after".
func (s *SQLStore) Events(ctx context.Context, accountID int64, after string, limit int) ([]domain.Event, error) {
	limit = cmp.Or(min(max(limit, 0), domain.MaxEventsPage), domain.DefaultEventsPage)
	var from int64
	if after != "" {
		err := s.rq.QueryRowContext(ctx, `SELECT seq FROM events WHERE id = ? AND account_id = ?`, after, accountID).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Invalid("after", "names no event of this account: %q", after)
		}
		if err != nil {
			return nil, fmt.Errorf("store: unable to find event %q: %w", after, err)
		}
	}
	return queryEvents(ctx, s.rq, `SELECT `+eventColumns+` FROM events WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?`, accountID, from, limit)
}

const eventColumns = `seq, id, account_id, type, created_at, data`

func queryEvents(ctx context.Context, q querier, query string, args ...any) ([]domain.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list events: %w", err)
	}
	defer rows.Close()
	out := []domain.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEvent(row scanner) (domain.Event, error) {
	var e domain.Event
	var created int64
	var data string
	if err := row.Scan(&e.Seq, &e.ID, &e.AccountID, &e.Type, &created, &data); err != nil {
		return e, fmt.Errorf("store: unable to read an event: %w", err)
	}
	e.CreatedAt, e.Data = fromUnix(created), json.RawMessage(data)
	return e, nil
}

// Event fetches one event of the account; ErrNotFound when there is none.
func (s *SQLStore) Event(ctx context.Context, accountID int64, id string) (domain.Event, error) {
	e, err := scanEvent(s.rq.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("store: event %q: %w", id, domain.ErrNotFound)
	}
	return e, err
}

// Notifications is the account's newest events for the console, newest
// first, at most limit, and the seq up to which user has read them.
func (s *SQLStore) Notifications(ctx context.Context, accountID, userID int64, limit int) ([]domain.Event, int64, error) {
	events, err := queryEvents(ctx, s.rq, `SELECT `+eventColumns+` FROM events WHERE account_id = ? ORDER BY seq DESC LIMIT ?`,
		accountID, min(max(limit, 1), domain.MaxEventsPage))
	if err != nil {
		return nil, 0, err
	}
	seen, err := s.seenSeq(ctx, accountID, userID)
	return events, seen, err
}

func (s *SQLStore) seenSeq(ctx context.Context, accountID, userID int64) (int64, error) {
	var seen int64
	err := s.rq.QueryRowContext(ctx, `SELECT seen_seq FROM notification_reads WHERE user_id = ? AND account_id = ?`, userID, accountID).Scan(&seen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: unable to read what user %d has read: %w", userID, err)
	}
	return seen, nil
}

// UnreadNotifications counts the account's events user has not read.
func (s *SQLStore) UnreadNotifications(ctx context.Context, accountID, userID int64) (int, error) {
	var n int
	err := s.rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE account_id = ? AND seq >
		COALESCE((SELECT seen_seq FROM notification_reads WHERE user_id = ? AND account_id = ?), 0)`, accountID, userID, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to count unread notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationsRead records that user has read the account's events
// up to seq (never going back).
func (s *SQLStore) MarkNotificationsRead(ctx context.Context, accountID, userID, seq int64) error {
	_, err := s.wq().ExecContext(ctx, `INSERT INTO notification_reads (user_id, account_id, seen_seq) VALUES (?, ?, ?)
		ON CONFLICT (user_id, account_id) DO UPDATE SET seen_seq = excluded.seen_seq WHERE notification_reads.seen_seq < excluded.seen_seq`,
		userID, accountID, seq)
	if err != nil {
		return fmt.Errorf("store: unable to mark notifications read: %w", err)
	}
	return nil
}

// AlertSettings is the account's alert settings (the defaults until it
// chose) and the language of its mails. ErrNotFound when there is no such
// account.
func (s *SQLStore) AlertSettings(ctx context.Context, accountID int64) (domain.AlertSettings, error) {
	if _, err := s.Account(ctx, accountID); err != nil {
		return domain.AlertSettings{}, err
	}
	var out domain.AlertSettings
	err := s.readTx(ctx, func(q querier) error {
		var err error
		if out, err = alertSettings(ctx, q, accountID); err != nil {
			return err
		}
		return accountLang(ctx, q, accountID, &out)
	})
	return out, err
}

// accountLang reads the language of the account's mails into settings.
func accountLang(ctx context.Context, q querier, accountID int64, settings *domain.AlertSettings) error {
	if err := q.QueryRowContext(ctx, `SELECT lang FROM accounts WHERE id = ?`, accountID).Scan(&settings.Language); err != nil {
		return fmt.Errorf("store: unable to read the language of account %d: %w", accountID, err)
	}
	return nil
}

func alertSettings(ctx context.Context, q querier, accountID int64) (domain.AlertSettings, error) {
	var pcts string
	var days int
	err := q.QueryRowContext(ctx, `SELECT low_balance_pct, expiring_days FROM alert_settings WHERE account_id = ?`, accountID).Scan(&pcts, &days)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.DefaultAlertSettings(), nil
	}
	if err != nil {
		return domain.AlertSettings{}, fmt.Errorf("store: unable to read the alert settings of account %d: %w", accountID, err)
	}
	out := domain.AlertSettings{LowBalancePct: []int{}, ExpiringDays: days}
	for _, f := range strings.Split(pcts, ",") {
		if f == "" {
			continue
		}
		p, err := strconv.Atoi(f)
		if err != nil {
			return out, fmt.Errorf("store: account %d has low-balance threshold %q: %w", accountID, f, err)
		}
		out.LowBalancePct = append(out.LowBalancePct, p)
	}
	return out, nil
}

// SetAlertSettings validates and stores the account's alert settings, and
// the language of its mails unless settings.Language is empty, and returns
// them as stored (thresholds highest first).
func (s *SQLStore) SetAlertSettings(ctx context.Context, accountID int64, settings domain.AlertSettings, now time.Time) (domain.AlertSettings, error) {
	settings, err := domain.CheckAlertSettings(settings)
	if err != nil {
		return settings, err
	}
	pcts := make([]string, len(settings.LowBalancePct))
	for i, p := range settings.LowBalancePct {
		pcts[i] = strconv.Itoa(p)
	}
	err = s.inTx(ctx, func(tx dbq) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_settings (account_id, low_balance_pct, expiring_days, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET low_balance_pct = excluded.low_balance_pct, expiring_days = excluded.expiring_days, updated_at = excluded.updated_at`,
			accountID, strings.Join(pcts, ","), settings.ExpiringDays, unix(now)); err != nil {
			return fmt.Errorf("store: unable to store the alert settings of account %d: %w", accountID, err)
		}
		if settings.Language != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET lang = ? WHERE id = ?`, settings.Language, accountID); err != nil {
				return fmt.Errorf("store: unable to set the language of account %d: %w", accountID, err)
			}
		}
		if err := accountLang(ctx, tx, accountID, &settings); err != nil {
			return err
		}
		return audit(ctx, tx, now, domain.AuditAlertsChanged, accountID,
			fmt.Sprintf("low balance at %s %%, expiring within %d days, mails in %s", cmp.Or(strings.Join(pcts, ", "), "–"), settings.ExpiringDays, settings.Language))
	})
	return settings, err
}

// packageEvents writes the events of a package just recorded, in its
// transaction: what it changes in the account rated at now (a backdated
// package may draw usage already recorded, or restore the service at its
// purchase), and, for a package recorded already in the past, its expiry.
func packageEvents(ctx context.Context, tx dbq, accountID int64, before usageState, p billing.Package, now time.Time) error {
	after, _, err := usageNow(ctx, tx, accountID, now)
	if err != nil {
		return err
	}
	if err := usageEvents(ctx, tx, accountID, before, after, now, p.PurchasedAt); err != nil {
		return err
	}
	_, err = scanAccountAlerts(ctx, tx, accountID, now)
	return err
}
