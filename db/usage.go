package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// loadPieces returns an account's usage in [from, until) as pieces for
// billing.Rate. Whole days on which the account is active all day come from
// usage_daily, one piece per day and application; every other second comes
// from the sessions themselves, cut at CST midnights (R7 says why, see
// billing.DailySumsSuffice). The day in progress at until comes from its
// sums too when none of its sessions ends after until — the usual case, as
// no session is stored before it ends — so that a running month costs its
// days, not its sessions, however busy today is. from must be a CST
// midnight.
func loadPieces(ctx context.Context, q querier, accountID int64, from, until, activeSince time.Time) ([]billing.Piece, error) {
	if !from.Before(until) {
		return nil, nil
	}
	dailyFrom, dailyTo := until, until
	if !activeSince.IsZero() {
		dailyFrom = billing.DayStart(activeSince)
		if !dailyFrom.Equal(activeSince) {
			dailyFrom = billing.NextDayStart(activeSince)
		}
		if dailyFrom.Before(from) {
			dailyFrom = from
		}
		dailyTo = billing.DayStart(until)
	}
	if dailyFrom.After(dailyTo) || (dailyFrom.Equal(dailyTo) && dailyTo.Equal(until)) {
		return sessionPieces(ctx, q, nil, accountID, from, until)
	}
	pieces, err := sessionPieces(ctx, q, nil, accountID, from, dailyFrom)
	if err != nil {
		return nil, err
	}
	// The whole days, and the day in progress (dailyTo) when until is
	// inside it.
	last := dailyTo
	if last.Equal(until) {
		last = last.Add(-time.Hour) // until is a midnight: no day in progress
	}
	rows, err := q.QueryContext(ctx, `SELECT day, sdk_app_id, seconds, last_left_at FROM usage_daily WHERE account_id = ? AND day >= ? AND day <= ? ORDER BY day`,
		accountID, billing.FormatDate(dailyFrom), billing.FormatDate(last))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read daily usage: %w", err)
	}
	defer rows.Close()
	today := billing.FormatDate(dailyTo)
	whole := len(pieces) // pieces[whole:] are the day in progress's sums
	todayFromSums := !dailyTo.Equal(until)
	for rows.Next() {
		var day string
		var p billing.Piece
		var lastLeft sql.NullInt64
		if err := rows.Scan(&day, &p.App, &p.Seconds, &lastLeft); err != nil {
			return nil, fmt.Errorf("store: unable to read daily usage: %w", err)
		}
		if p.Start, err = time.ParseInLocation(time.DateOnly, day, billing.CST); err != nil {
			return nil, fmt.Errorf("store: daily usage has day %q: %w", day, err)
		}
		if day == today && todayFromSums && (!lastLeft.Valid || lastLeft.Int64 > unix(until)) {
			todayFromSums = false
		}
		if day != today {
			whole++ // the rows come by day: the day in progress's last
		}
		pieces = append(pieces, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read daily usage: %w", err)
	}
	if todayFromSums || dailyTo.Equal(until) {
		return pieces, nil
	}
	// A session of the day in progress ends after until (clocks that
	// disagree, or a sum from before last_left_at was kept): its sessions.
	return sessionPieces(ctx, q, pieces[:whole], accountID, dailyTo, until)
}

// sessionPieces appends the parts of the account's stored sessions that lie
// in [from, until). Stored sessions last at most MaxSessionLength, which
// bounds the range of joined_at to scan.
func sessionPieces(ctx context.Context, q querier, dst []billing.Piece, accountID int64, from, until time.Time) ([]billing.Piece, error) {
	if !from.Before(until) {
		return dst, nil
	}
	rows, err := q.QueryContext(ctx, `
		SELECT s.sdk_app_id, COALESCE(s.session_id, ''), s.room_id, s.user_id, s.joined_at, s.left_at
		FROM apps a JOIN sessions s ON s.sdk_app_id = a.sdk_app_id
		WHERE a.account_id = ? AND s.joined_at >= ? AND s.joined_at < ? AND s.left_at > ?`,
		accountID, unix(from.Add(-domain.MaxSessionLength)), unix(until), unix(from))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s billing.Session
		var joined, left int64
		if err := rows.Scan(&s.App, &s.ID, &s.Room, &s.User, &joined, &left); err != nil {
			return nil, fmt.Errorf("store: unable to read session: %w", err)
		}
		s.Joined, s.Left = fromUnix(joined), fromUnix(left)
		if s.ID == "" {
			s.ID = naturalKey(s)
		}
		dst = billing.SplitSession(dst, s, from, until)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read sessions: %w", err)
	}
	return dst, nil
}

// naturalKey orders sessions without a client id among those with one (R7
// breaks ties by session id).
func naturalKey(s billing.Session) string {
	return fmt.Sprintf("%s\x00%s\x00%d", s.Room, s.User, s.Joined.Unix())
}

// livePieces appends the parts of the account's calls in progress that lie
// in [from, at), as if everyone left at at.
func livePieces(ctx context.Context, q querier, dst []billing.Piece, accountID int64, from, at time.Time) ([]billing.Piece, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT l.sdk_app_id, l.session_id, l.room_id, l.user_id, l.joined_at
		FROM apps a JOIN live_sessions l ON l.sdk_app_id = a.sdk_app_id
		WHERE a.account_id = ? AND l.joined_at < ?`, accountID, unix(at))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read calls in progress: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s billing.Session
		var joined int64
		if err := rows.Scan(&s.App, &s.ID, &s.Room, &s.User, &joined); err != nil {
			return nil, fmt.Errorf("store: unable to read a call in progress: %w", err)
		}
		s.Joined, s.Left = fromUnix(joined), at
		dst = billing.SplitSession(dst, s, from, at)
	}
	return dst, rows.Err()
}

// UsageSeconds is the account's recorded usage on the CST days from from's
// day up to (not including) until's day, from the daily sums.
func (s *SQLStore) UsageSeconds(ctx context.Context, accountID int64, from, until time.Time) (int64, error) {
	var n int64
	if err := s.rq.QueryRowContext(ctx, `SELECT COALESCE(SUM(seconds), 0) FROM usage_daily WHERE account_id = ? AND day >= ? AND day < ?`,
		accountID, billing.FormatDate(from), billing.FormatDate(until)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to read the usage of account %d: %w", accountID, err)
	}
	return n, nil
}

// DailyUsage is the account's recorded usage per CST day and application on
// the days from from's day up to (not including) until's day, from the
// daily sums, in day then SDKAppID order; a day without usage has no row.
// It reads at most one row per day and application, through the sums'
// primary key, whatever the number of sessions.
func (s *SQLStore) DailyUsage(ctx context.Context, accountID int64, from, until time.Time) ([]billing.DayAppUsage, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT day, sdk_app_id, seconds FROM usage_daily
		WHERE account_id = ? AND day >= ? AND day < ? ORDER BY day, sdk_app_id`,
		accountID, billing.FormatDate(from), billing.FormatDate(until))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the daily usage of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []billing.DayAppUsage
	for rows.Next() {
		var day string
		var u billing.DayAppUsage
		if err := rows.Scan(&day, &u.App, &u.Seconds); err != nil {
			return nil, fmt.Errorf("store: unable to read daily usage: %w", err)
		}
		if u.Day, err = time.ParseInLocation(time.DateOnly, day, billing.CST); err != nil {
			return nil, fmt.Errorf("store: daily usage has day %q: %w", day, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read daily usage: %w", err)
	}
	return out, nil
}
