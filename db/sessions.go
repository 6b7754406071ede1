package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"rtcbill/billing"
)

// Limits on recorded sessions.
const (
	MaxBatch         = 10_000         // sessions in one batch
	MaxSessionLength = 24 * time.Hour // one stay in a room
	MaxIdentifierLen = 128            // session, room and user ids, in characters
)

// IngestResult counts what a batch did. A duplicate is a row already
// stored with the same content; a conflict is a row that matches a stored
// session by its key but says something else about it: it is not stored,
// and Conflicts says which row and why.
type IngestResult struct {
	Inserted   int
	Duplicates int
	// ConflictCount counts the conflicts; Conflicts lists them, all of
	// them for an API batch, the first MaxListedConflicts of a CSV import.
	ConflictCount int
	Conflicts     []Conflict
}

// MaxListedConflicts bounds the conflicts an import lists by line (it
// counts them all): a file of a million conflicting lines needs its first
// lines looked at, not a million-line report.
const MaxListedConflicts = 1000

// Why a row conflicts with a stored session.
const (
	// ConflictSessionID: the session_id is stored with another room, user,
	// joined_at or left_at.
	ConflictSessionID = "session_id_differs"
	// ConflictNaturalKey: room, user and joined_at are stored already under
	// another session_id or none (or, for a row without one, with another
	// left_at).
	ConflictNaturalKey = "natural_key_taken"
)

// Conflict is one row of a batch that was not stored because it
// contradicts a stored session. Index is the row's index in the batch (for
// a CSV import, its line).
type Conflict struct {
	Index  int
	Reason string
}

// checkSession validates one session of app at index i and drops the
// fractions of a second of its instants (each instant on its own). The
// order is judged on the instants as sent: left before joined is refused;
// a stay shorter than a second is valid and lasts 0 seconds (R6: entering a
// room counts).
func checkSession(i int, s *billing.Session, app App, now time.Time) error {
	bad := func(field, format string, args ...any) error {
		return &ValidationError{Field: field, Index: i, Message: fmt.Sprintf(format, args...)}
	}
	for _, f := range []struct{ name, v string }{{"session_id", s.ID}, {"room_id", s.Room}, {"user_id", s.User}} {
		if f.name != "session_id" && strings.TrimSpace(f.v) == "" {
			return bad(f.name, "is required")
		}
		// Ids show on staff pages: no control, bidirectional or
		// zero-width character may make one look like another.
		if err := CheckID(f.name, f.v); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Index = i
			}
			return err
		}
	}
	if s.Left.Before(s.Joined) {
		return bad("left_at", "%s is before joined_at %s", billing.FormatInstant(s.Left), billing.FormatInstant(s.Joined))
	}
	s.Joined, s.Left = s.Joined.Truncate(time.Second), s.Left.Truncate(time.Second)
	switch {
	case s.Joined.Before(billing.MinInstant):
		return bad("joined_at", "%s is before 2015-01-01", billing.FormatInstant(s.Joined))
	case s.Joined.Before(app.CreatedAt):
		return bad("joined_at", "%s is before application %d was created (%s)",
			billing.FormatInstant(s.Joined), app.SDKAppID, billing.FormatInstant(app.CreatedAt))
	case s.Left.After(now):
		return bad("left_at", "%s is in the future", billing.FormatInstant(s.Left))
	case s.Left.Sub(s.Joined) > MaxSessionLength:
		return bad("left_at", "the session lasts %s, longer than 24 hours", s.Left.Sub(s.Joined))
	}
	return nil
}

// InsertSessions stores a batch of finished sessions of one application:
// one invalid row refuses the whole batch with a *ValidationError naming its
// index and field. A session whose id (or, without one, whose room, user and
// joined_at) is already stored with the same content is a duplicate:
// counted, stored once; one stored with other content is a conflict: not
// stored, reported, and the rest of the batch is stored. Rows are judged in
// order, so a row may duplicate or contradict an earlier row of the batch.
// The per-day and per-room sums are updated in the same transaction. It sets
// each session's App and truncates its instants to the second in place.
func (s *Store) InsertSessions(ctx context.Context, sdkAppID int64, sessions []billing.Session, now time.Time) (IngestResult, error) {
	var res IngestResult
	if len(sessions) == 0 {
		return res, invalid("sessions", "holds no session")
	}
	if len(sessions) > MaxBatch {
		return res, invalid("sessions", "holds %d sessions, more than %d in one batch", len(sessions), MaxBatch)
	}
	app, err := s.App(ctx, sdkAppID)
	if err != nil {
		return res, err
	}
	for i := range sessions {
		sessions[i].App = sdkAppID
		if err := checkSession(i, &sessions[i], app, now); err != nil {
			return res, err
		}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = insertSessions(ctx, tx, app.AccountID, sessions)
		return err
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

type usageSum struct{ seconds, sessions int64 }

// insertSessions writes sessions and adds what was new to the usage sums.
// Conflicts name rows by their index in sessions. A session that lies in a
// month whose bill is already stored (or an earlier one) is late usage: it
// is marked with the bill that will carry it, the month after the newest
// stored bill.
func insertSessions(ctx context.Context, tx *sql.Tx, accountID int64, sessions []billing.Session) (IngestResult, error) {
	var res IngestResult
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
				res.Conflicts = append(res.Conflicts, Conflict{Index: i, Reason: reason})
			}
			continue
		}
		res.Inserted++
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
			days[dk] = usageSum{d.seconds + p.Seconds, d.sessions + 1}
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
	for k, v := range days {
		if _, err := tx.ExecContext(ctx, `INSERT INTO usage_daily (account_id, day, sdk_app_id, seconds, sessions) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account_id, day, sdk_app_id) DO UPDATE SET seconds = seconds + excluded.seconds, sessions = sessions + excluded.sessions`,
			accountID, k.day, k.app, v.seconds, v.sessions); err != nil {
			return res, fmt.Errorf("store: unable to add daily usage: %w", err)
		}
	}
	for k, v := range rooms {
		if _, err := tx.ExecContext(ctx, `INSERT INTO usage_room_monthly (account_id, month, sdk_app_id, room_id, seconds, sessions) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, month, sdk_app_id, room_id) DO UPDATE SET seconds = seconds + excluded.seconds, sessions = sessions + excluded.sessions`,
			accountID, k.month, k.app, k.room, v.seconds, v.sessions); err != nil {
			return res, fmt.Errorf("store: unable to add room usage: %w", err)
		}
	}
	return res, nil
}

// conflictWith tells why s, which a stored session kept out, was not
// stored: "" when the stored session says the same (a duplicate), else the
// reason of the conflict.
func conflictWith(ctx context.Context, tx *sql.Tx, s billing.Session) (string, error) {
	var room, user string
	var joined, left int64
	if s.ID != "" {
		err := tx.QueryRowContext(ctx, `SELECT room_id, user_id, joined_at, left_at FROM sessions WHERE sdk_app_id = ? AND session_id = ?`,
			s.App, s.ID).Scan(&room, &user, &joined, &left)
		if errors.Is(err, sql.ErrNoRows) {
			// The id is new: room, user and joined_at are what is taken.
			return ConflictNaturalKey, nil
		}
		if err != nil {
			return "", fmt.Errorf("store: unable to read the stored session: %w", err)
		}
		if room != s.Room || user != s.User || joined != unix(s.Joined) || left != unix(s.Left) {
			return ConflictSessionID, nil
		}
		return "", nil
	}
	err := tx.QueryRowContext(ctx, `SELECT left_at FROM sessions WHERE sdk_app_id = ? AND room_id = ? AND user_id = ? AND joined_at = ?`,
		s.App, s.Room, s.User, unix(s.Joined)).Scan(&left)
	if err != nil {
		return "", fmt.Errorf("store: unable to read the stored session: %w", err)
	}
	if left != unix(s.Left) {
		return ConflictNaturalKey, nil
	}
	return "", nil
}

func checkRoomUser(room, user string) error {
	for _, f := range []struct{ name, v string }{{"room_id", room}, {"user_id", user}} {
		if strings.TrimSpace(f.v) == "" {
			return invalid(f.name, "is required")
		}
		if err := CheckID(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}

// Join puts user in room now and returns the new session's id. A closed
// account cannot start calls (R5): ErrServiceClosed. The status is read in
// the same transaction as the insert, so two joins cannot both slip past
// the last of a trial.
func (s *Store) Join(ctx context.Context, sdkAppID int64, room, user string, now time.Time) (string, error) {
	if err := checkRoomUser(room, user); err != nil {
		return "", err
	}
	now = now.Truncate(time.Second)
	var b [8]byte
	rand.Read(b[:])
	id := "live-" + hex.EncodeToString(b[:])
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		app, err := appByID(ctx, tx, sdkAppID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM live_sessions WHERE sdk_app_id = ? AND room_id = ? AND user_id = ?`,
			sdkAppID, room, user).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to look up the room: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("store: %s in room %s of app %d: %w", user, room, sdkAppID, ErrAlreadyJoined)
		}
		st, err := standing(ctx, tx, app.AccountID, now, false)
		if err != nil {
			return err
		}
		if st.Status == billing.StatusClosed {
			return fmt.Errorf("store: account %d: %w", app.AccountID, ErrServiceClosed)
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
func (s *Store) Leave(ctx context.Context, sdkAppID int64, room, user string, now time.Time) (billing.Session, error) {
	if err := checkRoomUser(room, user); err != nil {
		return billing.Session{}, err
	}
	now = now.Truncate(time.Second)
	var out billing.Session
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		app, err := appByID(ctx, tx, sdkAppID)
		if err != nil {
			return err
		}
		var joined int64
		err = tx.QueryRowContext(ctx, `DELETE FROM live_sessions WHERE sdk_app_id = ? AND room_id = ? AND user_id = ? RETURNING session_id, joined_at`,
			sdkAppID, room, user).Scan(&out.ID, &joined)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: %s in room %s of app %d: %w", user, room, sdkAppID, ErrNotInRoom)
		}
		if err != nil {
			return fmt.Errorf("store: unable to leave: %w", err)
		}
		out = billing.Session{ID: out.ID, App: sdkAppID, Room: room, User: user, Joined: fromUnix(joined), Left: now}
		// Left in the second of joining: a 0-second stay, stored all the
		// same (R6: entering a room counts).
		rows := []billing.Session{out}
		if out.Left.Sub(out.Joined) > MaxSessionLength {
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
		_, err = insertSessions(ctx, tx, app.AccountID, rows)
		return err
	})
	return out, err
}
