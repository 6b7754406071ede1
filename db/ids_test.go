package db

import (
	"context"
	"errors"
	"testing"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// TestSessionIdsRefuseInvisibleCharacters: a room or user id with a
// control, bidirectional or zero-width character could pass for another
// on staff pages; the batch is refused naming the row and the field, and
// a live join alike.
func TestSessionIdsRefuseInvisibleCharacters(t *testing.T) {
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	app, _ := mustApp(t, s, acct.ID, cstAt(2023, 5, 1, 9, 0, 0))
	ok := stay("a", "r1", "ann", cstAt(2023, 5, 2, 10, 0, 0), time.Minute)
	for _, c := range []struct{ name, field, room, user, id string }{
		{"right-to-left override in a room", "room_id", "r\u202e1", "u", "x"},
		{"zero-width space in a user", "user_id", "r1", "u\u200b", "x"},
		{"escape in a session id", "session_id", "r1", "u", "x\x1b[2J"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := stay(c.id, c.room, c.user, cstAt(2023, 5, 2, 11, 0, 0), time.Minute)
			_, err := s.InsertSessions(context.Background(), app.SDKAppID, []billing.Session{ok, bad}, testNow)
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field || ve.Index != 1 {
				t.Fatalf("got %v, want a *ValidationError on row 1, %s", err, c.field)
			}
			if c.field != "session_id" {
				_, err := s.Join(context.Background(), app.SDKAppID, c.room, c.user, cstAt(2023, 5, 3, 10, 0, 0))
				if !errors.As(err, &ve) || ve.Field != c.field {
					t.Errorf("join: got %v, want a *ValidationError on %s", err, c.field)
				}
			}
		})
	}
}
