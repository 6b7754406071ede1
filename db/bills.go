package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// Bill is an account's bill for month as of now (R11): an estimate while
// the month runs, computed afresh at each read; once the month is over, the
// bill issued for it. Until the close grace has passed after the month's
// end it is still computed at each read and stored nowhere; after that it
// is stored at its first read (or by a close) and never changed again.
// Sessions recorded later for a stored month are kept and billed on the
// next bill not yet stored as late usage. ErrNotFound when there is no such
// account.
func (s *SQLStore) Bill(ctx context.Context, accountID int64, month billing.Month, now time.Time) (billing.Bill, error) {
	closable := billing.ClosableThrough(now, s.closeGrace)
	stored := !closable.Before(month)
	through := closable
	if stored {
		through = month
	}
	if _, err := s.closeAccount(ctx, accountID, through, now); err != nil {
		return billing.Bill{}, err
	}
	var bill billing.Bill
	err := s.readTx(ctx, func(tx querier) error {
		if stored {
			key := issuedKey{accountID, month}
			if b, ok := s.issued.get(key); ok {
				bill = b
				return nil
			}
			b, ok, err := issuedBill(ctx, tx, accountID, month)
			if err != nil || ok {
				if ok {
					s.issued.put(key, b)
				}
				bill = b
				return err
			}
			// A month before the account's first application or package
			// has nothing to issue: its bill is computed, empty.
		}
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		bill, err = computeBill(ctx, tx, accountID, month, pkgs, now)
		return err
	})
	return bill, err
}

// computeBill is month's bill computed from what is stored: R11 from a
// rating of the account through the month, its breakdowns, and the late
// usage it carries.
func computeBill(ctx context.Context, q querier, accountID int64, month billing.Month, pkgs []billing.Package, now time.Time) (billing.Bill, error) {
	rating, err := rateAccount(ctx, q, accountID, pkgs, month.Start(), month.End())
	if err != nil {
		return billing.Bill{}, err
	}
	bill, err := makeBill(ctx, q, accountID, month, rating, pkgs, now)
	if err != nil {
		return bill, err
	}
	late, err := lateUsage(ctx, q, accountID, month, pkgs)
	bill.AddLateUsage(late...)
	return bill, err
}

// makeBill is R11 for month from a rating, with the breakdowns.
func makeBill(ctx context.Context, q querier, accountID int64, month billing.Month, rating billing.Rating, pkgs []billing.Package, now time.Time) (billing.Bill, error) {
	bill := billing.MakeBill(rating.Month(month), pkgs, now)
	var err error
	if bill.Apps, err = appUsage(ctx, q, accountID, month); err != nil {
		return bill, err
	}
	bill.Rooms, bill.RoomsTotal, err = topRooms(ctx, q, accountID, month)
	return bill, err
}

// rateAccount rates an account from the earliest of from and its first
// package's validity up to until.
func rateAccount(ctx context.Context, q querier, accountID int64, pkgs []billing.Package, from, until time.Time) (billing.Rating, error) {
	pieces, err := accountPieces(ctx, q, accountID, pkgs, from, until)
	if err != nil {
		return billing.Rating{}, err
	}
	return billing.Rate(pkgs, pieces, until), nil
}

// accountPieces is the account's usage from the earliest of from and its
// first package's validity up to until, as pieces to rate.
func accountPieces(ctx context.Context, q querier, accountID int64, pkgs []billing.Package, from, until time.Time) ([]billing.Piece, error) {
	if e := earliestValidity(pkgs); !e.IsZero() && e.Before(from) {
		from = e
	}
	return loadPieces(ctx, q, accountID, from, until, billing.ActiveSince(pkgs))
}

// lateUsage is the late-usage lines the bill of carrier holds: the
// overage added by the sessions recorded after the bills of their months
// were stored, which were marked for carrier when they were recorded
// (insertSessions).
func lateUsage(ctx context.Context, q querier, accountID int64, carrier billing.Month, pkgs []billing.Package) ([]billing.LateUsage, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT s.sdk_app_id, COALESCE(s.session_id, ''), s.room_id, s.user_id, s.joined_at, s.left_at
		FROM apps a JOIN sessions s ON s.sdk_app_id = a.sdk_app_id
		WHERE a.account_id = ? AND s.late_carrier = ?`, accountID, carrier.String())
	if err != nil {
		return nil, fmt.Errorf("store: unable to read late sessions: %w", err)
	}
	var late []billing.Piece
	from := carrier.Start()
	for rows.Next() {
		var ls billing.Session
		var joined, left int64
		if err := rows.Scan(&ls.App, &ls.ID, &ls.Room, &ls.User, &joined, &left); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to read a late session: %w", err)
		}
		ls.Joined, ls.Left = fromUnix(joined), fromUnix(left)
		if ls.ID == "" {
			ls.ID = naturalKey(ls)
		}
		if ls.Joined.Before(from) {
			late = billing.SplitSession(late, ls, ls.Joined, carrier.Start())
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read late sessions: %w", err)
	}
	if len(late) == 0 {
		return nil, nil
	}
	first := late[0].Start
	for _, p := range late {
		if p.Start.Before(first) {
			first = p.Start
		}
	}
	pieces, err := accountPieces(ctx, q, accountID, pkgs, billing.MonthOf(first).Start(), carrier.Start())
	if err != nil {
		return nil, err
	}
	return billing.LateUsageLines(pkgs, pieces, late, carrier), nil
}

// firstBillMonth is the month of an account's first application or
// package; ok is false when it has neither (and so no bills).
func firstBillMonth(ctx context.Context, q querier, accountID int64, pkgs []billing.Package) (billing.Month, bool, error) {
	var firstApp sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(created_at) FROM apps WHERE account_id = ?`, accountID).Scan(&firstApp); err != nil {
		return billing.Month{}, false, fmt.Errorf("store: unable to read the first application: %w", err)
	}
	from := earliestValidity(pkgs)
	if firstApp.Valid {
		if t := fromUnix(firstApp.Int64); from.IsZero() || t.Before(from) {
			from = t
		}
	}
	if from.IsZero() {
		return billing.Month{}, false, nil
	}
	return billing.MonthOf(from), true, nil
}

// storedMonths is the set of months whose bill the account has stored.
func storedMonths(ctx context.Context, q querier, accountID int64) (map[billing.Month]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT month FROM issued_bills WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read issued bills: %w", err)
	}
	defer rows.Close()
	out := map[billing.Month]bool{}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("store: unable to read issued bills: %w", err)
		}
		month, err := billing.ParseMonth(m)
		if err != nil {
			return nil, err
		}
		out[month] = true
	}
	return out, rows.Err()
}

// issuedBill is account's stored bill for month; ok is false when none is
// stored. A bill stored with every room in its body comes back with its
// busiest rooms and their count, as the others are stored.
func issuedBill(ctx context.Context, q querier, accountID int64, month billing.Month) (billing.Bill, bool, error) {
	b, ok, err := issuedBody(ctx, q, accountID, month)
	if ok {
		legacyRooms(&b)
	}
	return b, ok, err
}

// decodeBill reads a stored bill's body.
func decodeBill(body string) (billing.Bill, error) {
	var b billing.Bill
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return b, err
	}
	// JSON keeps instants, not zones: put calendar dates back in CST.
	b.IssueDate, b.ChargeBy = b.IssueDate.In(billing.CST), b.ChargeBy.In(billing.CST)
	for i := range b.Expired {
		b.Expired[i].ExpiresOn = b.Expired[i].ExpiresOn.In(billing.CST)
	}
	for i := range b.Days {
		b.Days[i].Day = b.Days[i].Day.In(billing.CST)
	}
	return b, nil
}

// closedMark is the memo of closeAccount: every bill of the account
// through the month is stored, as of the account's generation gen.
type closedMark struct {
	through billing.Month
	gen     uint64
}

// generation is the account's counter of recorded applications and
// packages: forgetClosed moves it on, and a closedMark of an earlier
// generation says nothing.
func (s *SQLStore) generation(accountID int64) *atomic.Uint64 {
	g, _ := s.gens.LoadOrStore(accountID, new(atomic.Uint64))
	return g.(*atomic.Uint64)
}

// forgetClosed is called after an application or a package of the account
// is committed: it may be backdated and open an earlier month to close.
func (s *SQLStore) forgetClosed(accountID int64) { s.generation(accountID).Add(1) }

// testHookClosedChecked, when set (by tests), runs in closeAccount after it
// found every bill stored and before it remembers so.
var testHookClosedChecked func(accountID int64)

// closeAccount stores every bill of the account up to through (a month
// whose close grace has passed) that is not stored yet, oldest first, all
// in one transaction: the account is rated once.
func (s *SQLStore) closeAccount(ctx context.Context, accountID int64, through billing.Month, now time.Time) (n int, err error) {
	// Stored bills are never removed, so once every month through some
	// month is stored it stays so, until a new application or package of
	// the account (which may be backdated into an earlier month) moves the
	// account's generation on. The generation is read before the check and
	// kept with the memo: an application committed while the check runs
	// leaves a memo of the generation before it, which is then ignored.
	gen := s.generation(accountID).Load()
	// The memo is this process's: with several servers on one PostgreSQL
	// database another may record a backdated application, so there the
	// database is asked every time.
	if m, ok := s.closed.Load(accountID); ok && !s.d.postgres {
		if mark := m.(closedMark); mark.gen == gen && !mark.through.Before(through) {
			return 0, nil
		}
	}
	defer func() {
		if err == nil {
			s.closed.Store(accountID, closedMark{through, gen})
		}
	}()
	// Most reads find everything stored already: check without the writer.
	var missing bool
	err = s.readTx(ctx, func(tx querier) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		missing, err = unissued(ctx, tx, accountID, through)
		return err
	})
	if err != nil {
		return 0, err
	}
	if !missing {
		if testHookClosedChecked != nil {
			testHookClosedChecked(accountID)
		}
		return 0, nil
	}
	issued := 0
	err = s.inTx(ctx, func(tx dbq) error {
		// Another server may be closing the account: the second to get
		// the lock finds its months stored and stores nothing.
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		first, ok, err := firstBillMonth(ctx, tx, accountID, pkgs)
		if err != nil || !ok {
			return err
		}
		have, err := storedMonths(ctx, tx, accountID)
		if err != nil {
			return err
		}
		months := billing.MonthsToClose(first, through, func(m billing.Month) bool { return have[m] })
		if len(months) == 0 {
			return nil
		}
		rating, err := rateAccount(ctx, tx, accountID, pkgs, months[0].Start(), through.End())
		if err != nil {
			return err
		}
		for _, m := range months {
			bill, err := makeBill(ctx, tx, accountID, m, rating, pkgs, now)
			if err != nil {
				return err
			}
			late, err := lateUsage(ctx, tx, accountID, m, pkgs)
			if err != nil {
				return err
			}
			bill.AddLateUsage(late...)
			body, err := json.Marshal(bill)
			if err != nil {
				return fmt.Errorf("store: unable to encode the bill of %s: %w", m, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO issued_bills (account_id, month, issued_at, overage_minutes, body) VALUES (?, ?, ?, ?, ?)`,
				accountID, m.String(), unix(now), bill.Overage, string(body)); err != nil {
				return fmt.Errorf("store: unable to issue the bill of %s: %w", m, err)
			}
			if err := storeBillRooms(ctx, tx, accountID, m); err != nil {
				return err
			}
			if _, err := emitEvent(ctx, tx, accountID, domain.EventBillIssued, now,
				billData{m.String(), billing.FormatMoney(bill.AmountDue)}, domain.EventBillIssued+":"+m.String()); err != nil {
				return err
			}
			for _, l := range late {
				if _, err := tx.ExecContext(ctx, `INSERT INTO issued_late_usage (account_id, month, from_month, minutes) VALUES (?, ?, ?, ?)`,
					accountID, m.String(), l.Month.String(), l.Minutes); err != nil {
					return fmt.Errorf("store: unable to record late usage on %s: %w", m, err)
				}
			}
			issued++
		}
		// Storing a bill changes no figure on any page (a stored bill is
		// the computed one): the account's version stays.
		return nil
	})
	return issued, err
}

// unissued reports whether some month from the account's first to
// through has no stored bill.
func unissued(ctx context.Context, q querier, accountID int64, through billing.Month) (bool, error) {
	pkgs, err := packagesOf(ctx, q, accountID)
	if err != nil {
		return false, err
	}
	first, ok, err := firstBillMonth(ctx, q, accountID, pkgs)
	if err != nil || !ok || through.Before(first) {
		return false, err
	}
	want := 0
	for m := first; !through.Before(m); m = m.Next() {
		want++
	}
	var have int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM issued_bills WHERE account_id = ? AND month >= ? AND month <= ?`,
		accountID, first.String(), through.String()).Scan(&have); err != nil {
		return false, fmt.Errorf("store: unable to count issued bills: %w", err)
	}
	return have < want, nil
}

// CloseBatch is the unit of the monthly close: for at most limit accounts
// with an id above after, in id order, it stores every bill through month.
// Each account is its own transaction, so the writer is never held for
// long. It returns the last account id it looked at (0 when there was none
// left) and how many bills it stored.
func (s *SQLStore) CloseBatch(ctx context.Context, month billing.Month, after int64, limit int, now time.Time) (last int64, issued int, err error) {
	if closable := billing.ClosableThrough(now, s.closeGrace); closable.Before(month) {
		return 0, 0, domain.Invalid("month", "%s cannot be closed before %s (its end plus the close grace of %s)",
			month, billing.FormatInstant(month.End().Add(s.closeGrace)), s.closeGrace)
	}
	rows, err := s.rq.QueryContext(ctx, `SELECT id FROM accounts WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("store: unable to list accounts: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: unable to list accounts: %w", err)
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return last, issued, err
		}
		n, err := s.closeAccount(ctx, id, month, now)
		if err != nil {
			return last, issued, err
		}
		last, issued = id, issued+n
	}
	return last, issued, nil
}

// CloseMonth stores, for every account, every bill up to month, whose close
// grace must have passed: the monthly close, in batches. It returns how
// many bills it stored.
func (s *SQLStore) CloseMonth(ctx context.Context, month billing.Month, now time.Time) (int, error) {
	total := 0
	for after := int64(0); ; {
		last, n, err := s.CloseBatch(ctx, month, after, closeBatchSize, now)
		total += n
		if err != nil || last == 0 {
			return total, err
		}
		after = last
	}
}

// closeBatchSize is how many accounts one CloseBatch call takes.
const closeBatchSize = 500

func appUsage(ctx context.Context, q querier, accountID int64, month billing.Month) ([]billing.AppUsage, error) {
	rows, err := q.QueryContext(ctx, `SELECT sdk_app_id, SUM(seconds) FROM usage_daily
		WHERE account_id = ? AND day >= ? AND day < ? GROUP BY sdk_app_id ORDER BY sdk_app_id`,
		accountID, billing.FormatDate(month.Start()), billing.FormatDate(month.End()))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read usage per app: %w", err)
	}
	defer rows.Close()
	out := []billing.AppUsage{}
	for rows.Next() {
		var a billing.AppUsage
		if err := rows.Scan(&a.App, &a.Seconds); err != nil {
			return nil, fmt.Errorf("store: unable to read usage per app: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Bills is every monthly bill of an account as of now, newest first: from
// the month of its first application or package to now's month. Months
// whose close grace has passed are their stored bills; the others (the
// running month, and the month just ended during its grace) are computed.
func (s *SQLStore) Bills(ctx context.Context, accountID int64, now time.Time) ([]billing.Bill, error) {
	current := billing.MonthOf(now)
	closable := billing.ClosableThrough(now, s.closeGrace)
	if _, err := s.closeAccount(ctx, accountID, closable, now); err != nil {
		return nil, err
	}
	var bills []billing.Bill
	err := s.readTx(ctx, func(tx querier) error {
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		first, ok, err := firstBillMonth(ctx, tx, accountID, pkgs)
		if err != nil || !ok || current.Before(first) {
			return err
		}
		for m := current; !m.Before(first); m = m.Prev() {
			if closable.Before(m) {
				b, err := computeBill(ctx, tx, accountID, m, pkgs, now)
				if err != nil {
					return err
				}
				bills = append(bills, b)
				continue
			}
			b, ok, err := issuedBill(ctx, tx, accountID, m)
			if err != nil {
				return err
			}
			if !ok {
				// An application or package backdated into this month
				// was committed after the close above: compute the bill
				// now; the next read stores it.
				if b, err = computeBill(ctx, tx, accountID, m, pkgs, now); err != nil {
					return err
				}
			}
			bills = append(bills, b)
		}
		return nil
	})
	return bills, err
}
