package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// apiError is the error shape of api.md:
// {"error": {"code", "message", "field"?, "index"?}}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Index   *int   `json:"index,omitempty"`
	// Local is the message an error page shows, in the page's language;
	// unset, the page says it in general words.
	Local views.LocalMsg `json:"-"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func fieldError(field, format string, args ...any) *apiError {
	e := newError(http.StatusUnprocessableEntity, "validation_failed", format, args...)
	e.Field = field
	return e
}

func rowError(index int, field, format string, args ...any) *apiError {
	e := fieldError(field, format, args...)
	e.Index = &index
	return e
}

// because gives a field error the message a page shows: views' message
// "invalid.KEY" with its data as name, value pairs.
func (e *apiError) because(key string, pairs ...any) *apiError {
	e.Local = views.FieldErrorMsg(e.Field, key, pairs)
	return e
}

var errNotFound = newError(http.StatusNotFound, "not_found", "no such resource")

// toAPIError maps what handlers and the store return to an API error.
func toAPIError(err error) *apiError {
	var (
		ae  *apiError
		qe  *domain.QuotaError
		ve  *domain.ValidationError
		he  *echo.HTTPError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &qe):
		e := newError(http.StatusUnprocessableEntity, "quota_exceeded", "the account already holds %d %s, its quota", qe.Limit, qe.Quota)
		e.Field = string(qe.Quota)
		e.Local = views.QuotaMsg(qe.Quota, qe.Limit)
		return e
	case errors.As(err, &ve):
		e := fieldError(ve.Field, "%s: %s", ve.Field, ve.Message)
		e.Local = views.FieldErrorMsg(ve.Field, ve.Key, ve.Data)
		if ve.Index >= 0 {
			e.Message = fmt.Sprintf("sessions[%d].%s: %s", ve.Index, ve.Field, ve.Message)
			e.Index = &ve.Index
		}
		return e
	case errors.Is(err, domain.ErrNotFound):
		return errNotFound
	case errors.Is(err, domain.ErrServiceClosed):
		return newError(http.StatusForbidden, "service_closed",
			"the service is closed (停服): the trial is used up or expired; buy a package to re-activate it")
	case errors.Is(err, domain.ErrAlreadyJoined):
		return newError(http.StatusConflict, "already_in_room", "the user is already in the room")
	case errors.Is(err, domain.ErrNotInRoom):
		return newError(http.StatusConflict, "not_in_room", "the user is not in the room")
	case errors.Is(err, domain.ErrIdempotencyConflict):
		return newError(http.StatusConflict, "idempotency_conflict", "this Idempotency-Key was used for a purchase of another plan")
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return errNotFound
		case http.StatusMethodNotAllowed:
			return newError(he.Code, "method_not_allowed", "method not allowed on this path")
		case http.StatusRequestEntityTooLarge:
			return newError(he.Code, "payload_too_large", "the request body is larger than %s", BodyLimit)
		case http.StatusUnauthorized:
			return newError(he.Code, "unauthorized", "a bearer token is required")
		}
		return newError(he.Code, "http_error", "%v", he.Message)
	case errors.As(err, &se):
		return newError(http.StatusBadRequest, "invalid_json", "the request body is not valid JSON: %v", se)
	case errors.As(err, &ute) && ute.Field == "":
		return newError(http.StatusBadRequest, "invalid_json", "the request body must be a JSON object, not %s", ute.Value)
	case errors.As(err, &ute):
		return fieldError(ute.Field, "%s must be a JSON %s, not %s", ute.Field, jsonKind(ute.Type.Kind().String()), ute.Value)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	}
	return "object"
}

// handleError answers every error in the API's shape. What it cannot map
// is a 500, logged with its cause; the client sees no internals.
func (h *Handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := toAPIError(err)
	if ae == nil {
		h.log.Error("internal error", "method", c.Request().Method, "uri", c.Request().RequestURI, "error", err)
		ae = newError(http.StatusInternalServerError, "internal", "internal error")
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(ae.Status)
	case !isAPI(c):
		werr = h.renderErrorPage(c, ae)
	default:
		werr = c.JSON(ae.Status, map[string]*apiError{"error": ae})
	}
	if werr != nil {
		h.log.Error("unable to write error response", "error", werr)
	}
}
