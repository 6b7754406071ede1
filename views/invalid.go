package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// FieldLabel is a field of a form, a query or a file as the pages name it:
// the message "field.NAME", never the name itself, which is the code's.
type FieldLabel string

// Text is the field's label in the page language; a field without one is
// left unnamed.
func (f FieldLabel) Text(ctx context.Context) string {
	id := "field." + string(f)
	if s := T(ctx, id); s != id {
		return s
	}
	return T(ctx, "field.unknown")
}

// InvalidMsg says what a domain.ValidationError or a handler's field error
// says, in the page language: the message "invalid.KEY" with the field's
// label as Field and data's values, formatted as the pages format them. An
// error without a key says that the field's value is not valid.
func InvalidMsg(field, key string, data []any) LocalMsg {
	if key == "" {
		return msg("invalid.value", "Field", FieldLabel(field))
	}
	args := []any{"Field", FieldLabel(field)}
	for i := 0; i+1 < len(data); i += 2 {
		v := data[i+1]
		if name, _ := data[i].(string); !strings.HasSuffix(name, "ID") {
			v = formatDatum(v) // ids are shown as they are
		}
		args = append(args, data[i], v)
	}
	return LocalMsg{ID: "invalid." + key, Args: args}
}

// ValidationMsg is InvalidMsg of e.
func ValidationMsg(e *domain.ValidationError) LocalMsg { return InvalidMsg(e.Field, e.Key, e.Data) }

// formatDatum formats a value of an error's data: instants in CST (R2) to
// the second, counts grouped, hours to one decimal.
func formatDatum(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.In(billing.CST).Format("2006-01-02 15:04:05")
	case int:
		return Int(int64(x))
	case int64:
		return Int(x)
	case float64:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case fmt.Stringer:
		return x.String()
	}
	return v
}

// FieldErrorMsg is an error page's message for a field's error: what is
// wrong, then what to do.
func FieldErrorMsg(field, key string, data []any) LocalMsg {
	return msg("error.generic.field", "Detail", InvalidMsg(field, key, data))
}

// CodeMsg is an error page's title and message for an error of the API's
// code (service_closed, payload_too_large…) that carries no message of its
// own; ok is false for a code without one.
func CodeMsg(code string) (title, message LocalMsg, ok bool) {
	switch code {
	case "method_not_allowed", "payload_too_large", "service_closed", "already_in_room", "not_in_room",
		"idempotency_conflict":
		return msg("error." + code + ".title"), msg("error." + code + ".message"), true
	}
	return LocalMsg{}, LocalMsg{}, false
}
