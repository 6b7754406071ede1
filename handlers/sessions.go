package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
)

type sessionIn struct {
	SessionID string `json:"session_id"`
	RoomID    string `json:"room_id"`
	UserID    string `json:"user_id"`
	JoinedAt  string `json:"joined_at"`
	LeftAt    string `json:"left_at"`
}

// decodeSessions reads {"sessions": [...]} as a stream, one row at a time,
// so that a type error names its row and a batch over db.MaxBatch stops
// being read at the first row too many.
func decodeSessions(r io.Reader) ([]billing.Session, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var out []billing.Session
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(err)
		}
		if key, _ := tok.(string); key != "sessions" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jsonErr(err)
			}
			continue
		}
		seen = true
		if err := expectDelim(dec, '['); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
				return nil, fieldError("sessions", "sessions must be an array of sessions")
			}
			return nil, err
		}
		for i := 0; dec.More(); i++ {
			if len(out) == domain.MaxBatch {
				return nil, fieldError("sessions", "a batch holds at most %d sessions", domain.MaxBatch)
			}
			var row sessionIn
			if err := dec.Decode(&row); err != nil {
				var ute *json.UnmarshalTypeError
				if errors.As(err, &ute) {
					if ute.Field == "" {
						return nil, rowError(i, "sessions", "sessions[%d] must be a JSON object", i)
					}
					return nil, rowError(i, ute.Field, "sessions[%d].%s must be a JSON string", i, ute.Field)
				}
				return nil, jsonErr(err)
			}
			s, err := row.session(i)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if err := expectEnd(dec); err != nil {
		return nil, err
	}
	if !seen || len(out) == 0 {
		return nil, fieldError("sessions", "sessions must hold at least one session")
	}
	return out, nil
}

func (row sessionIn) session(i int) (billing.Session, error) {
	s := billing.Session{ID: row.SessionID, Room: row.RoomID, User: row.UserID}
	var err error
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"joined_at", row.JoinedAt, &s.Joined}, {"left_at", row.LeftAt, &s.Left}} {
		if f.v == "" {
			return s, rowError(i, f.name, "sessions[%d].%s is required", i, f.name)
		}
		if *f.dst, err = billing.ParseInstantExact(f.v); err != nil {
			return s, rowError(i, f.name, "sessions[%d].%s must be an RFC 3339 instant with an offset, not %q", i, f.name, f.v)
		}
	}
	return s, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return newError(http.StatusBadRequest, "invalid_json", "the request body is not the expected JSON: want %q, got %v", string(want), tok)
	}
	return nil
}

// jsonErr keeps a body-limit error (413) as it is and turns the rest into
// a 400 that says what was wrong.
func jsonErr(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return newError(http.StatusBadRequest, "invalid_json", "the request body is not valid JSON: unexpected end")
	}
	return newError(http.StatusBadRequest, "invalid_json", "the request body is not valid JSON: %v", err)
}

// ingestSessions answers POST /api/v1/apps/:sdk_app_id/sessions: a batch of
// finished sessions, stored all or nothing.
func (h *Handler) ingestSessions(c echo.Context) error {
	app, err := h.appParam(c, actRecordUsage)
	if err != nil {
		return err
	}
	sessions, err := decodeSessions(c.Request().Body)
	if err != nil {
		return err
	}
	res, err := h.store.InsertSessions(c.Request().Context(), app.SDKAppID, sessions, h.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newIngestJSON(res))
}

// ingestJSON is the answer to a batch: what was stored, what was already
// stored, and which rows contradict a stored session.
type ingestJSON struct {
	Inserted    int            `json:"inserted"`
	Duplicates  int            `json:"duplicates"`
	Conflicts   int            `json:"conflicts"`
	Conflicting []conflictJSON `json:"conflicting"`
}

type conflictJSON struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

func newIngestJSON(res domain.IngestResult) ingestJSON {
	out := ingestJSON{Inserted: res.Inserted, Duplicates: res.Duplicates, Conflicts: res.ConflictCount,
		Conflicting: make([]conflictJSON, 0, len(res.Conflicts))}
	for _, c := range res.Conflicts {
		out.Conflicting = append(out.Conflicting, conflictJSON{Index: c.Index, Reason: c.Reason})
	}
	return out
}

type roomIn struct {
	UserID string `json:"user_id"`
}

type liveSessionJSON struct {
	SessionID string `json:"session_id"`
	SDKAppID  int64  `json:"sdk_app_id"`
	RoomID    string `json:"room_id"`
	UserID    string `json:"user_id"`
	JoinedAt  string `json:"joined_at"`
	LeftAt    string `json:"left_at,omitempty"`
	Seconds   *int64 `json:"seconds,omitempty"`
}

// join answers POST .../rooms/:room_id/join: the user enters the room now.
// A closed account is refused with 403 service_closed (R5).
func (h *Handler) join(c echo.Context) error {
	app, err := h.appParam(c, actLiveRoom)
	if err != nil {
		return err
	}
	var in roomIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	now := h.now()
	id, err := h.store.Join(c.Request().Context(), app.SDKAppID, roomParam(c), in.UserID, now)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, liveSessionJSON{SessionID: id, SDKAppID: app.SDKAppID, RoomID: roomParam(c),
		UserID: in.UserID, JoinedAt: billing.FormatInstant(now)})
}

// leave answers POST .../rooms/:room_id/leave: the user's session ends now.
func (h *Handler) leave(c echo.Context) error {
	app, err := h.appParam(c, actLiveRoom)
	if err != nil {
		return err
	}
	var in roomIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	s, err := h.store.Leave(c.Request().Context(), app.SDKAppID, roomParam(c), in.UserID, h.now())
	if err != nil {
		return err
	}
	secs := s.Seconds()
	return c.JSON(http.StatusOK, liveSessionJSON{SessionID: s.ID, SDKAppID: app.SDKAppID, RoomID: s.Room, UserID: s.User,
		JoinedAt: billing.FormatInstant(s.Joined), LeftAt: billing.FormatInstant(s.Left), Seconds: &secs})
}
