package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
)

// decodeJSON reads a JSON object body into v. Unknown fields are ignored
// (clients may send more than we read); an empty body is an error.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return newError(http.StatusBadRequest, "invalid_json", "the request body is empty: a JSON object is expected")
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return newError(http.StatusBadRequest, "invalid_json", "the request body is not valid JSON: unexpected end")
		}
		return err
	}
	return expectEnd(dec)
}

// expectEnd reads on to the end of the body after its one JSON value: a
// body cut by the size limit answers 413 even when the value ended inside
// the last read (json.Decoder would otherwise keep those bytes and never
// see the limit's error), and anything after the value is refused.
func expectEnd(dec *json.Decoder) error {
	_, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return jsonErr(err)
	}
	return newError(http.StatusBadRequest, "invalid_json", "the request body holds more than one JSON value")
}

// parseInstant reads an optional RFC 3339 instant from field; empty gives def.
func parseInstant(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := billing.ParseInstant(s)
	if err != nil {
		return time.Time{}, fieldError(field, "%s must be an RFC 3339 instant with an offset, like 2019-07-31T23:50:00+08:00, not %q", field, s)
	}
	return t, nil
}

// pathID reads a positive integer path parameter; anything else is a 404,
// since no such resource can exist.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// accountParam reads :id and checks the caller may read that account.
func (h *Handler) accountParam(c echo.Context) (int64, error) {
	a, err := h.pageAccount(c)
	return a.ID, err
}

// accountParamFor reads :id and checks the caller may do act to that
// account.
func (h *Handler) accountParamFor(c echo.Context, act action) (int64, error) {
	a, err := h.pageAccountFor(c, act)
	return a.ID, err
}

// atParam reads ?at=, defaulting to now; instants before 2015 or past year
// 9999 have no meaning here.
func (h *Handler) atParam(c echo.Context) (time.Time, error) {
	at, err := parseInstant("at", strings.TrimSpace(c.QueryParam("at")), h.now())
	if err == nil && (at.Before(billing.MinInstant) || at.In(billing.CST).Year() > 9999) {
		return at, fieldError("at", "at must be between 2015-01-01 and the year 9999, not %s", c.QueryParam("at"))
	}
	return at, err
}
