package domain

import (
	"fmt"
)

// CSVColumns are the columns of a session import file, in order; its first
// line names them exactly.
var CSVColumns = []string{"session_id", "room_id", "user_id", "joined_at", "left_at"}

// CSVError says why a CSV import stored nothing: the line of the file
// (the header is line 1) and, when one is to blame, the field.
// Message is in English; Key and Data are the page's message, as in
// ValidationError.
type CSVError struct {
	Line    int
	Field   string
	Message string
	Key     string
	Data    []any
}

func (e *CSVError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("store: line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("store: line %d, %s: %s", e.Line, e.Field, e.Message)
}
