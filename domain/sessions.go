package domain

import (
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
func CheckSession(i int, s *billing.Session, app App, now time.Time) error {
	bad := func(field, key string, data []any, format string, args ...any) error {
		return &ValidationError{Field: field, Index: i, Message: fmt.Sprintf(format, args...), Key: key, Data: data}
	}
	for _, f := range []struct{ name, v string }{{"session_id", s.ID}, {"room_id", s.Room}, {"user_id", s.User}} {
		if f.name != "session_id" && strings.TrimSpace(f.v) == "" {
			return bad(f.name, "required", nil, "is required")
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
		return bad("left_at", "left_before_joined", []any{"Left", s.Left, "Joined", s.Joined},
			"%s is before joined_at %s", billing.FormatInstant(s.Left), billing.FormatInstant(s.Joined))
	}
	s.Joined, s.Left = s.Joined.Truncate(time.Second), s.Left.Truncate(time.Second)
	switch {
	case s.Joined.Before(billing.MinInstant):
		return bad("joined_at", "before_2015", []any{"At", s.Joined}, "%s is before 2015-01-01", billing.FormatInstant(s.Joined))
	case s.Joined.Before(app.CreatedAt):
		return bad("joined_at", "before_app", []any{"At", s.Joined, "SDKAppID", app.SDKAppID, "Created", app.CreatedAt},
			"%s is before application %d was created (%s)",
			billing.FormatInstant(s.Joined), app.SDKAppID, billing.FormatInstant(app.CreatedAt))
	case s.Left.After(now):
		return bad("left_at", "in_future", []any{"At", s.Left}, "%s is in the future", billing.FormatInstant(s.Left))
	case s.Left.Sub(s.Joined) > MaxSessionLength:
		return bad("left_at", "over_24_hours", []any{"Hours", s.Left.Sub(s.Joined).Hours()},
			"the session lasts %s, longer than 24 hours", s.Left.Sub(s.Joined))
	}
	return nil
}

func CheckRoomUser(room, user string) error {
	for _, f := range []struct{ name, v string }{{"room_id", room}, {"user_id", user}} {
		if strings.TrimSpace(f.v) == "" {
			return Invalid(f.name, "is required").Because("required")
		}
		if err := CheckID(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}
