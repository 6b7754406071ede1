package db

import (
	"context"
	"database/sql"
	"fmt"

	"time"

	"rtcbill/billing"
)

// Bill is an account's bill for month as of now (R11): an estimate while
// the month runs, issued after. ErrNotFound when there is no such account.
func (s *Store) Bill(ctx context.Context, accountID int64, month billing.Month, now time.Time) (billing.Bill, error) {
	var bill billing.Bill
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		from := month.Start()
		if e := earliestValidity(pkgs); !e.IsZero() && e.Before(from) {
			from = e
		}
		pieces, err := loadPieces(ctx, tx, accountID, from, month.End(), billing.ActiveSince(pkgs))
		if err != nil {
			return err
		}
		rating := billing.Rate(pkgs, pieces, month.End())
		bill = billing.MakeBill(rating.Month(month), pkgs, now)
		if bill.Apps, err = appUsage(ctx, tx, accountID, month); err != nil {
			return err
		}
		bill.Rooms, err = roomUsage(ctx, tx, accountID, month)
		return err
	})
	return bill, err
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
// the month of its first application or package to now's month, all rated
// in one pass. An account with neither has no bills.
func (s *Store) Bills(ctx context.Context, accountID int64, now time.Time) ([]billing.Bill, error) {
	var bills []billing.Bill
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		var firstApp sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(created_at) FROM apps WHERE account_id = ?`, accountID).Scan(&firstApp); err != nil {
			return fmt.Errorf("store: unable to read the first application: %w", err)
		}
		from := earliestValidity(pkgs)
		if firstApp.Valid {
			if t := billing.DayStart(fromUnix(firstApp.Int64)); from.IsZero() || t.Before(from) {
				from = t
			}
		}
		if from.IsZero() || now.Before(from) {
			return nil
		}
		first, last := billing.MonthOf(from), billing.MonthOf(now)
		pieces, err := loadPieces(ctx, tx, accountID, first.Start(), last.End(), billing.ActiveSince(pkgs))
		if err != nil {
			return err
		}
		rating := billing.Rate(pkgs, pieces, last.End())
		for m := last; !m.Before(first); m = m.Prev() {
			bills = append(bills, billing.MakeBill(rating.Month(m), pkgs, now))
		}
		return nil
	})
	return bills, err
}
