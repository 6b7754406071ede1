package db

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// InsertSessions stores a batch of finished sessions of one application:
// one invalid row refuses the whole batch with a *ValidationError naming its
// index and field. A session whose id (or, without one, whose room, user and
// joined_at) is already stored with the same content is a duplicate:
// counted, stored once; one stored with other content is a conflict: not
// stored, reported, and the rest of the batch is stored. Rows are judged in
// order, so a row may duplicate or contradict an earlier row of the batch.
// The per-day and per-room sums are updated in the same transaction. It sets
// each session's App and truncates its instants to the second in place.
func (s *SQLStore) InsertSessions(ctx context.Context, sdkAppID int64, sessions []billing.Session, now time.Time) (domain.IngestResult, error) {
	var res domain.IngestResult
	if len(sessions) == 0 {
		return res, domain.Invalid("sessions", "holds no session")
	}
	if len(sessions) > domain.MaxBatch {
		return res, domain.Invalid("sessions", "holds %d sessions, more than %d in one batch", len(sessions), domain.MaxBatch)
	}
	app, err := s.App(ctx, sdkAppID)
	if err != nil {
		return res, err
	}
	for i := range sessions {
		sessions[i].App = sdkAppID
		if err := domain.CheckSession(i, &sessions[i], app, now); err != nil {
			return res, err
		}
	}
	err = s.inTx(ctx, func(tx dbq) error {
		if err := lockAccount(ctx, tx, app.AccountID); err != nil {
			return err
		}
		var err error
		var added []billing.Session
		if res, err = insertSessions(ctx, tx, app.AccountID, sessions, &added); err != nil {
			return err
		}
		return sessionEvents(ctx, tx, app.AccountID, added, now)
	})
	return res, err
}

type dayKey struct {
	day string
	app int64
}

type roomKey struct {
	month string
	app   int64
	room  string
}

type usageSum struct{ seconds, sessions, lastLeft int64 }

// insertSessions writes sessions and adds what was new to the usage sums.
// Conflicts name rows by their index in sessions. A session that lies in a
// month whose bill is already stored (or an earlier one) is late usage: it
// is marked with the bill that will carry it, the month after the newest
// stored bill. When added is not nil, the sessions stored are appended to
// it, for the events they cause.
func insertSessions(ctx context.Context, tx dbq, accountID int64, sessions []billing.Session, added *[]billing.Session) (domain.IngestResult, error) {
	var res domain.IngestResult
	var newest sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT MAX(month) FROM issued_bills WHERE account_id = ?`, accountID).Scan(&newest); err != nil {
		return res, fmt.Errorf("store: unable to read the newest issued bill: %w", err)
	}
	var stored billing.Month
	var carrier any
	if newest.Valid {
		m, err := billing.ParseMonth(newest.String)
		if err != nil {
			return res, fmt.Errorf("store: issued bill has month %q: %w", newest.String, err)
		}
		stored, carrier = m, m.Next().String()
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sessions (sdk_app_id, session_id, room_id, user_id, joined_at, left_at, late_carrier)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return res, fmt.Errorf("store: unable to prepare session insert: %w", err)
	}
	defer stmt.Close()
	days := map[dayKey]usageSum{}
	rooms := map[roomKey]usageSum{}
	var pieces []billing.Piece
	for i, s := range sessions {
		var id any
		if s.ID != "" {
			id = s.ID
		}
		var late any
		if newest.Valid && !stored.Before(billing.MonthOf(s.Joined)) {
			late = carrier
		}
		r, err := stmt.ExecContext(ctx, s.App, id, s.Room, s.User, unix(s.Joined), unix(s.Left), late)
		if err != nil {
			return res, fmt.Errorf("store: unable to insert session: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			reason, err := conflictWith(ctx, tx, s)
			if err != nil {
				return res, err
			}
			if reason == "" {
				res.Duplicates++
			} else {
				res.ConflictCount++
				res.Conflicts = append(res.Conflicts, domain.Conflict{Index: i, Reason: reason})
			}
			continue
		}
		res.Inserted++
		if added != nil {
			*added = append(*added, s)
		}
		pieces = billing.SplitSession(pieces[:0], s, s.Joined, s.Left)
		if len(pieces) == 0 {
			// A stay shorter than a second: no usage, but a session of
			// its day and room all the same.
			pieces = append(pieces, billing.Piece{Start: s.Joined, App: s.App})
		}
		lastMonth := ""
		for _, p := range pieces {
			dk := dayKey{billing.FormatDate(p.Start), s.App}
			d := days[dk]
			days[dk] = usageSum{d.seconds + p.Seconds, d.sessions + 1, max(d.lastLeft, unix(s.Left))}
			rk := roomKey{dk.day[:7], s.App, s.Room}
			r := rooms[rk]
			r.seconds += p.Seconds
			if rk.month != lastMonth {
				r.sessions++
				lastMonth = rk.month
			}
			rooms[rk] = r
		}
	}
	if res.Inserted > 0 {
		if err := bumpVersion(ctx, tx, accountID); err != nil {
			return res, err
		}
	}
	// The sums, many rows a statement: one parse, and one round trip to
	// PostgreSQL, for up to sumRows keys.
	dayRows := make([][]any, 0, len(days))
	for k, v := range days {
		dayRows = append(dayRows, []any{accountID, k.day, k.app, v.seconds, v.sessions, v.lastLeft})
	}
	if err := upsertRows(ctx, tx, `INSERT INTO usage_daily (account_id, day, sdk_app_id, seconds, sessions, last_left_at) VALUES `,
		` ON CONFLICT (account_id, day, sdk_app_id) DO UPDATE SET seconds = usage_daily.seconds + excluded.seconds,
			sessions = usage_daily.sessions + excluded.sessions,
			last_left_at = CASE WHEN usage_daily.last_left_at IS NULL OR usage_daily.last_left_at >= excluded.last_left_at
				THEN usage_daily.last_left_at ELSE excluded.last_left_at END`, dayRows, nil); err != nil {
		return res, fmt.Errorf("store: unable to add daily usage: %w", err)
	}
	newRooms := map[string]int64{}
	touched := map[string][]billing.RoomUsage{} // the rooms' sums after this batch, by month
	roomRows := make([][]any, 0, len(rooms))
	for _, k := range sortedRoomKeys(rooms) {
		v := rooms[k]
		roomRows = append(roomRows, []any{accountID, k.month, k.app, k.room, v.seconds, v.sessions})
	}
	if err := upsertRows(ctx, tx, `INSERT INTO usage_room_monthly (account_id, month, sdk_app_id, room_id, seconds, sessions) VALUES `,
		` ON CONFLICT (account_id, month, sdk_app_id, room_id) DO UPDATE SET seconds = usage_room_monthly.seconds + excluded.seconds,
			sessions = usage_room_monthly.sessions + excluded.sessions
		RETURNING month, sdk_app_id, room_id, seconds, sessions`, roomRows, func(rows *sql.Rows) error {
			var month string
			var r billing.RoomUsage
			if err := rows.Scan(&month, &r.App, &r.Room, &r.Seconds, &r.Sessions); err != nil {
				return err
			}
			// A room is new to its month when its row holds this batch's
			// sessions alone: a stored row counts at least one session.
			if r.Sessions == rooms[roomKey{month, r.App, r.Room}].sessions {
				newRooms[month]++
			}
			touched[month] = append(touched[month], r)
			return nil
		}); err != nil {
		return res, fmt.Errorf("store: unable to add room usage: %w", err)
	}
	for month, rs := range touched {
		if err := keepTopRooms(ctx, tx, accountID, month, rs); err != nil {
			return res, err
		}
	}
	countRows := make([][]any, 0, len(newRooms))
	for month, n := range newRooms {
		countRows = append(countRows, []any{accountID, month, n})
	}
	if err := upsertRows(ctx, tx, `INSERT INTO usage_monthly_rooms (account_id, month, rooms) VALUES `,
		` ON CONFLICT (account_id, month) DO UPDATE SET rooms = usage_monthly_rooms.rooms + excluded.rooms`, countRows, nil); err != nil {
		return res, fmt.Errorf("store: unable to count the rooms of a month: %w", err)
	}
	return res, nil
}

// sortedRoomKeys is the keys of rooms in the order of the sums' primary
// key, so that a batch's upserts walk the table's B-tree in order instead
// of at random.
func sortedRoomKeys(rooms map[roomKey]usageSum) []roomKey {
	keys := make([]roomKey, 0, len(rooms))
	for k := range rooms {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b roomKey) int {
		return cmp.Or(strings.Compare(a.month, b.month), cmp.Compare(a.app, b.app), strings.Compare(a.room, b.room))
	})
	return keys
}

// keepTopRooms brings month's busiest rooms (usage_top_rooms) up to date
// with touched, the sums of the rooms a batch added to, as they now stand.
// A room's sums only grow, so the busiest rooms after the batch are among
// those before it and those it touched.
func keepTopRooms(ctx context.Context, tx dbq, accountID int64, month string, touched []billing.RoomUsage) error {
	before, err := scanRooms(tx.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM usage_top_rooms
		WHERE account_id = ? AND month = ?`, accountID, month))
	if err != nil {
		return err
	}
	slices.SortFunc(before, compareTopRooms)
	all := append(slices.Clone(before), touched...)
	slices.SortFunc(all, func(a, b billing.RoomUsage) int {
		// A room's newest sums first among its own rows, then by rank.
		if c := compareRoomKeys(a, b); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(b.Seconds, a.Seconds), cmp.Compare(b.Sessions, a.Sessions))
	})
	all = slices.CompactFunc(all, func(a, b billing.RoomUsage) bool { return compareRoomKeys(a, b) == 0 })
	slices.SortFunc(all, compareTopRooms)
	after := all[:min(len(all), billing.TopRooms)]
	if slices.Equal(before, after) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM usage_top_rooms WHERE account_id = ? AND month = ?`, accountID, month); err != nil {
		return fmt.Errorf("store: unable to update the busiest rooms of %s: %w", month, err)
	}
	rows := make([][]any, 0, len(after))
	for _, r := range after {
		rows = append(rows, []any{accountID, month, r.App, r.Room, r.Seconds, r.Sessions})
	}
	if err := upsertRows(ctx, tx, `INSERT INTO usage_top_rooms (account_id, month, sdk_app_id, room_id, seconds, sessions) VALUES `, ``, rows, nil); err != nil {
		return fmt.Errorf("store: unable to update the busiest rooms of %s: %w", month, err)
	}
	return nil
}

// sumRows is how many rows one statement of upsertRows writes at most:
// 200 rows of 6 values stay far below both stores' limits on parameters.
const sumRows = 200

// upsertRows runs head, a VALUES list of rows, and tail, sumRows rows a
// statement. Every row has the same number of values. With each, tail
// ends in RETURNING and each is called on every row returned.
func upsertRows(ctx context.Context, tx dbq, head, tail string, rows [][]any, each func(*sql.Rows) error) error {
	if len(rows) == 0 {
		return nil
	}
	tuple := "(?" + strings.Repeat(", ?", len(rows[0])-1) + ")"
	var query string
	var args []any
	for from := 0; from < len(rows); from += sumRows {
		chunk := rows[from:min(from+sumRows, len(rows))]
		if query == "" || len(chunk) != sumRows {
			query = head + tuple + strings.Repeat(", "+tuple, len(chunk)-1) + tail
		}
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		if each == nil {
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				return err
			}
			continue
		}
		returned, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		for returned.Next() {
			if err := each(returned); err != nil {
				returned.Close()
				return err
			}
		}
		if err := returned.Close(); err != nil {
			return err
		}
		if err := returned.Err(); err != nil {
			return err
		}
	}
	return nil
}

// conflictWith tells why s, which a stored session kept out, was not
// stored: "" when the stored session says the same (a duplicate), else the
// reason of the conflict.
func conflictWith(ctx context.Context, tx dbq, s billing.Session) (string, error) {
	var room, user string
	var joined, left int64
	if s.ID != "" {
		err := tx.QueryRowContext(ctx, `SELECT room_id, user_id, joined_at, left_at FROM sessions WHERE sdk_app_id = ? AND session_id = ?`,
			s.App, s.ID).Scan(&room, &user, &joined, &left)
		if errors.Is(err, sql.ErrNoRows) {
			// The id is new: room, user and joined_at are what is taken.
			return domain.ConflictNaturalKey, nil
		}
		if err != nil {
			return "", fmt.Errorf("store: unable to read the stored session: %w", err)
		}
		if room != s.Room || user != s.User || joined != unix(s.Joined) || left != unix(s.Left) {
			return domain.ConflictSessionID, nil
		}
		return "", nil
	}
	err := tx.QueryRowContext(ctx, `SELECT left_at FROM sessions WHERE sdk_app_id = ? AND room_id = ? AND user_id = ? AND joined_at = ?`,
		s.App, s.Room, s.User, unix(s.Joined)).Scan(&left)
	if err != nil {
		return "", fmt.Errorf("store: unable to read the stored session: %w", err)
	}
	if left != unix(s.Left) {
		return domain.ConflictNaturalKey, nil
	}
	return "", nil
}

// Join puts user in room now and returns the new session's id. A closed
// account cannot start calls (R5): ErrServiceClosed. The status is read in
// the same transaction as the insert, so two joins cannot both slip past
// the last of a trial.
func (s *SQLStore) Join(ctx context.Context, sdkAppID int64, room, user string, now time.Time) (string, error) {
	if err := domain.CheckRoomUser(room, user); err != nil {
		return "", err
	}
	now = now.Truncate(time.Second)
	var b [8]byte
	rand.Read(b[:])
	id := "live-" + hex.EncodeToString(b[:])
	err := s.inTx(ctx, func(tx dbq) error {
		app, err := appByID(ctx, tx, sdkAppID)
		if err != nil {
			return err
		}
		if err := lockAccount(ctx, tx, app.AccountID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM live_sessions WHERE sdk_app_id = ? AND room_id = ? AND user_id = ?`,
			sdkAppID, room, user).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to look up the room: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("store: %s in room %s of app %d: %w", user, room, sdkAppID, domain.ErrAlreadyJoined)
		}
		st, err := standing(ctx, tx, app.AccountID, now, false)
		if err != nil {
			return err
		}
		if st.Status == billing.StatusClosed {
			return fmt.Errorf("store: account %d: %w", app.AccountID, domain.ErrServiceClosed)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO live_sessions (sdk_app_id, room_id, user_id, session_id, joined_at) VALUES (?, ?, ?, ?, ?)`,
			sdkAppID, room, user, id, unix(now)); err != nil {
			return fmt.Errorf("store: unable to join: %w", err)
		}
		return nil
	})
	return id, err
}

// Leave takes user out of room now and stores the finished session. A stay
// longer than MaxSessionLength is stored cut at CST midnights, one row per
// day (ids suffixed #2, #3, ...), so that every stored row stays within the
// limit the usage queries rely on.
func (s *SQLStore) Leave(ctx context.Context, sdkAppID int64, room, user string, now time.Time) (billing.Session, error) {
	if err := domain.CheckRoomUser(room, user); err != nil {
		return billing.Session{}, err
	}
	now = now.Truncate(time.Second)
	var out billing.Session
	err := s.inTx(ctx, func(tx dbq) error {
		app, err := appByID(ctx, tx, sdkAppID)
		if err != nil {
			return err
		}
		if err := lockAccount(ctx, tx, app.AccountID); err != nil {
			return err
		}
		var joined int64
		err = tx.QueryRowContext(ctx, `DELETE FROM live_sessions WHERE sdk_app_id = ? AND room_id = ? AND user_id = ? RETURNING session_id, joined_at`,
			sdkAppID, room, user).Scan(&out.ID, &joined)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: %s in room %s of app %d: %w", user, room, sdkAppID, domain.ErrNotInRoom)
		}
		if err != nil {
			return fmt.Errorf("store: unable to leave: %w", err)
		}
		out = billing.Session{ID: out.ID, App: sdkAppID, Room: room, User: user, Joined: fromUnix(joined), Left: now}
		// Left in the second of joining: a 0-second stay, stored all the
		// same (R6: entering a room counts).
		rows := []billing.Session{out}
		if out.Left.Sub(out.Joined) > domain.MaxSessionLength {
			rows = rows[:0]
			for i, p := range billing.SplitSession(nil, out, out.Joined, out.Left) {
				part := out
				if i > 0 {
					part.ID = fmt.Sprintf("%s#%d", out.ID, i+1)
				}
				part.Joined, part.Left = p.Start, p.Start.Add(time.Duration(p.Seconds)*time.Second)
				rows = append(rows, part)
			}
		}
		var added []billing.Session
		if _, err = insertSessions(ctx, tx, app.AccountID, rows, &added); err != nil {
			return err
		}
		return sessionEvents(ctx, tx, app.AccountID, added, now)
	})
	return out, err
}
