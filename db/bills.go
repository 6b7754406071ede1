package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"rtcbill/billing"
)

// Bill is an account's bill for month as of now (R11): an estimate while
// the month runs, computed afresh at each read; once the month is over, the
// bill issued for it, stored at its first read (or by a monthly close) and
// never changed again. Sessions recorded later for an issued month are kept
// and billed on the next open bill as late usage. ErrNotFound when there is
// no such account.
func (s *Store) Bill(ctx context.Context, accountID int64, month billing.Month, now time.Time) (billing.Bill, error) {
	ended := !now.Before(month.End())
	through := month
	if !ended {
		through = billing.MonthOf(now).Prev()
	}
	if _, err := s.closeAccount(ctx, accountID, through, now); err != nil {
		return billing.Bill{}, err
	}
	var bill billing.Bill
	err := s.readTx(ctx, func(tx querier) error {
		if ended {
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
		st, err := loadIssued(ctx, tx, accountID)
		if err != nil {
			return err
		}
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		rating, err := rateAccount(ctx, tx, accountID, pkgs, month.Start(), month.End())
		if err != nil {
			return err
		}
		bill, err = makeBill(ctx, tx, accountID, month, rating, pkgs, now)
		if err == nil && !ended {
			bill.AddLateUsage(st.lateFor(month, rating)...)
		}
		return err
	})
	return bill, err
}

// makeBill is R11 for month from a rating, with the breakdowns.
func makeBill(ctx context.Context, q querier, accountID int64, month billing.Month, rating billing.Rating, pkgs []billing.Package, now time.Time) (billing.Bill, error) {
	bill := billing.MakeBill(rating.Month(month), pkgs, now)
	var err error
	if bill.Apps, err = appUsage(ctx, q, accountID, month); err != nil {
		return bill, err
	}
	bill.Rooms, err = roomUsage(ctx, q, accountID, month)
	return bill, err
}

// rateAccount rates an account from the earliest of from and its first
// package's validity up to until.
func rateAccount(ctx context.Context, q querier, accountID int64, pkgs []billing.Package, from, until time.Time) (billing.Rating, error) {
	if e := earliestValidity(pkgs); !e.IsZero() && e.Before(from) {
		from = e
	}
	pieces, err := loadPieces(ctx, q, accountID, from, until, billing.ActiveSince(pkgs))
	if err != nil {
		return billing.Rating{}, err
	}
	return billing.Rate(pkgs, pieces, until), nil
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

// issuedState is what an account's issued bills say: each issued month's
// overage as issued, and the late minutes of each month already billed.
type issuedState struct {
	overage map[billing.Month]int64
	late    map[billing.Month]int64
}

func loadIssued(ctx context.Context, q querier, accountID int64) (issuedState, error) {
	st := issuedState{overage: map[billing.Month]int64{}, late: map[billing.Month]int64{}}
	read := func(query string, into map[billing.Month]int64) error {
		rows, err := q.QueryContext(ctx, query, accountID)
		if err != nil {
			return fmt.Errorf("store: unable to read issued bills: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			var n int64
			if err := rows.Scan(&m, &n); err != nil {
				return fmt.Errorf("store: unable to read issued bills: %w", err)
			}
			month, err := billing.ParseMonth(m)
			if err != nil {
				return err
			}
			into[month] = n
		}
		return rows.Err()
	}
	if err := read(`SELECT month, overage_minutes FROM issued_bills WHERE account_id = ?`, st.overage); err != nil {
		return st, err
	}
	err := read(`SELECT from_month, SUM(minutes) FROM issued_late_usage WHERE account_id = ? GROUP BY from_month`, st.late)
	return st, err
}

// lateFor is the late usage a bill of month carries: for every issued
// month before it, the overage it has now beyond what its bill and later
// bills have billed. Sessions only add usage, so overage only grows.
func (st issuedState) lateFor(month billing.Month, rating billing.Rating) []billing.LateUsage {
	var months []billing.Month
	for m := range st.overage {
		if m.Before(month) {
			months = append(months, m)
		}
	}
	slices.SortFunc(months, func(a, b billing.Month) int { return a.Start().Compare(b.Start()) })
	var out []billing.LateUsage
	for _, m := range months {
		if d := rating.Month(m).OverageMinutes() - st.overage[m] - st.late[m]; d > 0 {
			out = append(out, billing.NewLateUsage(m, d))
		}
	}
	return out
}

func issuedBill(ctx context.Context, q querier, accountID int64, month billing.Month) (billing.Bill, bool, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM issued_bills WHERE account_id = ? AND month = ?`, accountID, month.String()).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return billing.Bill{}, false, nil
	}
	if err != nil {
		return billing.Bill{}, false, fmt.Errorf("store: unable to read the bill of %s: %w", month, err)
	}
	var b billing.Bill
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return b, false, fmt.Errorf("store: the issued bill of %s does not decode: %w", month, err)
	}
	// JSON keeps instants, not zones: put calendar dates back in CST.
	b.IssueDate, b.ChargeBy = b.IssueDate.In(billing.CST), b.ChargeBy.In(billing.CST)
	for i := range b.Expired {
		b.Expired[i].ExpiresOn = b.Expired[i].ExpiresOn.In(billing.CST)
	}
	for i := range b.Days {
		b.Days[i].Day = b.Days[i].Day.In(billing.CST)
	}
	return b, true, nil
}

// closeAccount issues every bill of the account up to through (a month
// that has ended) that is not issued yet, oldest first, all in one
// transaction: the account is rated once.
func (s *Store) closeAccount(ctx context.Context, accountID int64, through billing.Month, now time.Time) (n int, err error) {
	// Issued bills are never removed, so once every month through some
	// month is issued it stays so, until a new application or package of
	// the account (which may be backdated into an earlier month) forgets it.
	if m, ok := s.closed.Load(accountID); ok && !m.(billing.Month).Before(through) {
		return 0, nil
	}
	defer func() {
		if err == nil {
			s.closed.Store(accountID, through)
		}
	}()
	// Most reads find everything issued already: check without the writer.
	var missing bool
	err = s.readTx(ctx, func(tx querier) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		missing, err = unissued(ctx, tx, accountID, through)
		return err
	})
	if err != nil || !missing {
		return 0, err
	}
	issued := 0
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		first, ok, err := firstBillMonth(ctx, tx, accountID, pkgs)
		if err != nil || !ok || through.Before(first) {
			return err
		}
		st, err := loadIssued(ctx, tx, accountID)
		if err != nil {
			return err
		}
		rating, err := rateAccount(ctx, tx, accountID, pkgs, first.Start(), through.End())
		if err != nil {
			return err
		}
		for m := first; !through.Before(m); m = m.Next() {
			if _, done := st.overage[m]; done {
				continue
			}
			bill, err := makeBill(ctx, tx, accountID, m, rating, pkgs, now)
			if err != nil {
				return err
			}
			late := st.lateFor(m, rating)
			bill.AddLateUsage(late...)
			body, err := json.Marshal(bill)
			if err != nil {
				return fmt.Errorf("store: unable to encode the bill of %s: %w", m, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO issued_bills (account_id, month, issued_at, overage_minutes, body) VALUES (?, ?, ?, ?, ?)`,
				accountID, m.String(), unix(now), bill.Overage, string(body)); err != nil {
				return fmt.Errorf("store: unable to issue the bill of %s: %w", m, err)
			}
			for _, l := range late {
				if _, err := tx.ExecContext(ctx, `INSERT INTO issued_late_usage (account_id, month, from_month, minutes) VALUES (?, ?, ?, ?)`,
					accountID, m.String(), l.Month.String(), l.Minutes); err != nil {
					return fmt.Errorf("store: unable to record late usage on %s: %w", m, err)
				}
				st.late[l.Month] += l.Minutes
			}
			st.overage[m] = bill.Overage
			issued++
		}
		return nil
	})
	return issued, err
}

// unissued reports whether some month from the account's first to
// through has no issued bill.
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

// CloseMonth issues, for every account, every bill up to month, which must
// be over: the monthly close. It returns how many bills it issued.
func (s *Store) CloseMonth(ctx context.Context, month billing.Month, now time.Time) (int, error) {
	if now.Before(month.End()) {
		return 0, invalid("month", "%s is not over yet", month)
	}
	rows, err := s.rq.QueryContext(ctx, `SELECT id FROM accounts ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("store: unable to list accounts: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	total := 0
	for _, id := range ids {
		n, err := s.closeAccount(ctx, id, month, now)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

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

func roomUsage(ctx context.Context, q querier, accountID int64, month billing.Month) ([]billing.RoomUsage, error) {
	rows, err := q.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM usage_room_monthly
		WHERE account_id = ? AND month = ? ORDER BY seconds DESC, sdk_app_id, room_id`, accountID, month.String())
	if err != nil {
		return nil, fmt.Errorf("store: unable to read usage per room: %w", err)
	}
	defer rows.Close()
	out := []billing.RoomUsage{}
	for rows.Next() {
		var r billing.RoomUsage
		if err := rows.Scan(&r.App, &r.Room, &r.Seconds, &r.Sessions); err != nil {
			return nil, fmt.Errorf("store: unable to read usage per room: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Bills is every monthly bill of an account as of now, newest first: from
// the month of its first application or package to now's month. Ended
// months are their issued bills; the running month is an estimate.
func (s *Store) Bills(ctx context.Context, accountID int64, now time.Time) ([]billing.Bill, error) {
	current := billing.MonthOf(now)
	if _, err := s.closeAccount(ctx, accountID, current.Prev(), now); err != nil {
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
		st, err := loadIssued(ctx, tx, accountID)
		if err != nil {
			return err
		}
		rating, err := rateAccount(ctx, tx, accountID, pkgs, current.Start(), current.End())
		if err != nil {
			return err
		}
		open := billing.MakeBill(rating.Month(current), pkgs, now)
		open.AddLateUsage(st.lateFor(current, rating)...)
		bills = append(bills, open)
		for m := current.Prev(); !m.Before(first); m = m.Prev() {
			b, ok, err := issuedBill(ctx, tx, accountID, m)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("store: the bill of %s was not issued", m)
			}
			bills = append(bills, b)
		}
		return nil
	})
	return bills, err
}
