package db

import (
	"context"
	"fmt"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// RoomSessions lists a room's finished sessions that overlap [from, until),
// in the order users joined.
func (s *SQLStore) RoomSessions(ctx context.Context, sdkAppID int64, room string, from, until time.Time) ([]billing.Session, error) {
	var out []billing.Session
	err := s.EachRoomSession(ctx, sdkAppID, room, from, until, func(s billing.Session) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

// EachRoomSession calls fn with each of a room's finished sessions that
// overlap [from, until), in the order users joined (then by session id), as
// it reads them: a room's day is never held in memory whole. An error of fn
// stops it and is returned.
func (s *SQLStore) EachRoomSession(ctx context.Context, sdkAppID int64, room string, from, until time.Time, fn func(billing.Session) error) error {
	rows, err := s.rq.QueryContext(ctx, `
		SELECT COALESCE(session_id, ''), user_id, joined_at, left_at FROM sessions
		WHERE sdk_app_id = ? AND room_id = ? AND joined_at >= ? AND joined_at < ? AND left_at > ?
		ORDER BY joined_at, session_id, id`,
		sdkAppID, room, unix(from.Add(-domain.MaxSessionLength)), unix(until), unix(from))
	if err != nil {
		return fmt.Errorf("store: unable to read the room's sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s := billing.Session{App: sdkAppID, Room: room}
		var joined, left int64
		if err := rows.Scan(&s.ID, &s.User, &joined, &left); err != nil {
			return fmt.Errorf("store: unable to read a session: %w", err)
		}
		s.Joined, s.Left = fromUnix(joined), fromUnix(left)
		if err := fn(s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read the room's sessions: %w", err)
	}
	return nil
}

// LastRoomDay is the CST day of the room's latest session start; zero when
// the room has none.
func (s *SQLStore) LastRoomDay(ctx context.Context, sdkAppID int64, room string) (time.Time, error) {
	var last *int64
	if err := s.rq.QueryRowContext(ctx, `SELECT MAX(joined_at) FROM sessions WHERE sdk_app_id = ? AND room_id = ?`,
		sdkAppID, room).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("store: unable to read the room's last day: %w", err)
	}
	if last == nil {
		return time.Time{}, nil
	}
	return billing.DayStart(fromUnix(*last)), nil
}

// LiveSessions lists who is in a room now, in the order they joined.
func (s *SQLStore) LiveSessions(ctx context.Context, sdkAppID int64, room string) ([]domain.LiveSession, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT session_id, user_id, joined_at FROM live_sessions
		WHERE sdk_app_id = ? AND room_id = ? ORDER BY joined_at, user_id`, sdkAppID, room)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read who is in the room: %w", err)
	}
	defer rows.Close()
	var out []domain.LiveSession
	for rows.Next() {
		var l domain.LiveSession
		var joined int64
		if err := rows.Scan(&l.SessionID, &l.User, &joined); err != nil {
			return nil, fmt.Errorf("store: unable to read who is in the room: %w", err)
		}
		l.Joined = fromUnix(joined)
		out = append(out, l)
	}
	return out, rows.Err()
}
