package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
)

// limitReader is echo's BodyLimit reader as decodeSessions meets it: it
// hands out at most chunk bytes a read (0: as many as asked) and, once more
// than limit bytes were read (0: no limit), echo's 413 error, first with the
// read that crosses the limit and then on every read.
type limitReader struct {
	r            io.Reader
	limit, chunk int
	read         int
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.limit > 0 && l.read > l.limit {
		return 0, echo.ErrStatusRequestEntityTooLarge
	}
	if l.chunk > 0 && len(p) > l.chunk {
		p = p[:l.chunk]
	}
	n, err := l.r.Read(p)
	l.read += n
	if l.limit > 0 && l.read > l.limit {
		return n, echo.ErrStatusRequestEntityTooLarge
	}
	return n, err
}

// FuzzDecodeSessions feeds the streaming session decoder arbitrary bodies,
// read in chunks of any size through a body limit of any size. It must never
// panic; what it refuses must map to a 400, 413 or 422 of the API's shape;
// what it accepts must be 1 to db.MaxBatch sessions with both instants set,
// whole seconds, which encode and decode again to the same sessions.
//
// A body over the limit is refused with 413 (see
// TestLimitStreamedBodyJustOverTheLimit in limits_test.go).
func FuzzDecodeSessions(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, limit, chunk uint16) {
		r := &limitReader{r: bytes.NewReader(body), limit: int(limit), chunk: int(chunk)}
		sessions, err := decodeSessions(r)
		if err != nil {
			if sessions != nil {
				t.Errorf("got %d sessions with the error %v, want none", len(sessions), err)
			}
			ae := toAPIError(err)
			if ae == nil {
				t.Fatalf("got error %T %v, which the API answers as a 500; want a 400, 413 or 422", err, err)
			}
			switch ae.Status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("got status %d (%v), want 400, 413 or 422", ae.Status, ae)
			}
			if ae.Code == "" || ae.Message == "" {
				t.Fatalf("got error %+v, want a code and a message", ae)
			}
			if ae.Status == http.StatusRequestEntityTooLarge && (limit == 0 || len(body) <= int(limit)) {
				t.Fatalf("got 413 for %d bytes under a limit of %d", len(body), limit)
			}
			if ae.Index != nil && (*ae.Index < 0 || *ae.Index >= domain.MaxBatch || ae.Field == "") {
				t.Fatalf("got error %+v naming row %d, want a row of the batch and its field", ae, *ae.Index)
			}
			return
		}
		if len(sessions) == 0 || len(sessions) > domain.MaxBatch {
			t.Fatalf("got %d sessions, want 1 to %d", len(sessions), domain.MaxBatch)
		}
		for i, s := range sessions {
			if s.Joined.IsZero() || s.Left.IsZero() {
				t.Fatalf("session %d: got joined %v left %v, want both set", i, s.Joined, s.Left)
			}
			// Instants keep their fractions here: the store judges the
			// order on them as sent, then drops the fractions (R6).
		}

		// What was accepted says the same when a client sends it back.
		rows := make([]sessionIn, len(sessions))
		for i, s := range sessions {
			rows[i] = sessionIn{SessionID: s.ID, RoomID: s.Room, UserID: s.User,
				JoinedAt: s.Joined.Format(time.RFC3339Nano), LeftAt: s.Left.Format(time.RFC3339Nano)}
		}
		again, err := json.Marshal(map[string]any{"sessions": rows})
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeSessions(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("decoding the accepted sessions written again: %v\n%s", err, again)
		}
		if !sameSessions(got, sessions) {
			t.Fatalf("decoding the accepted sessions written again: got %v, want %v", got, sessions)
		}
	})
}

func sameSessions(a, b []billing.Session) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Room != b[i].Room || a[i].User != b[i].User ||
			!a[i].Joined.Equal(b[i].Joined) || !a[i].Left.Equal(b[i].Left) {
			return false
		}
	}
	return true
}

// TestDecodeSessionsCountsRowsOfEverySessionsMember: a body may name
// "sessions" twice; decodeSessions counts the rows of both against
// db.MaxBatch, so 6,000 + 6,000 rows stop at the 10,001st instead of being
// held in memory first.
func TestDecodeSessionsCountsRowsOfEverySessionsMember(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"sessions":[`)
	for i := range 2 * 6_000 {
		if i == 6_000 {
			b.WriteString(`],"sessions":[`)
		} else if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"session_id":"s%d","room_id":"r","user_id":"u","joined_at":"2019-06-01T10:00:00+08:00","left_at":"2019-06-01T10:01:00+08:00"}`, i)
	}
	b.WriteString(`]}`)
	sessions, err := decodeSessions(&b)
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity || ae.Field != "sessions" {
		t.Fatalf("got %d sessions and error %v, want a 422 on sessions", len(sessions), err)
	}
}
