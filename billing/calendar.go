package billing

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // R2: the binary carries its own zone database.
)

// CST is China Standard Time, the calendar of every rule (R2).
var CST = mustLoadCST()

func mustLoadCST() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic("billing: unable to load Asia/Shanghai: " + err.Error())
	}
	return loc
}

// MinInstant is the earliest instant the console accepts: the service it
// bills did not exist before 2015.
var MinInstant = time.Date(2015, 1, 1, 0, 0, 0, 0, CST)

// ErrBadInstant and ErrBadMonth report unparsable input.
var (
	ErrBadInstant = errors.New("billing: not an RFC 3339 instant with an offset")
	ErrBadMonth   = errors.New("billing: not a month YYYY-MM")
)

// ParseInstant reads an RFC 3339 instant with an offset. Usage is counted
// to the second (R6), so fractions of a second are dropped.
func ParseInstant(s string) (time.Time, error) {
	t, err := ParseInstantExact(s)
	return t.Truncate(time.Second), err
}

// ParseInstantExact reads an RFC 3339 instant with an offset and keeps its
// fraction of a second: a session's order is judged on the instants as
// sent, before the fractions are dropped.
func ParseInstantExact(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadInstant, s)
	}
	return t, nil
}

// FormatInstant writes an instant in RFC 3339 at +08:00, as the API returns it.
func FormatInstant(t time.Time) string { return t.In(CST).Format(time.RFC3339) }

// FormatDate writes the CST calendar date of t as YYYY-MM-DD (R2).
func FormatDate(t time.Time) string { return t.In(CST).Format(time.DateOnly) }

// DayStart is 00:00 CST of the day holding t (R2).
func DayStart(t time.Time) time.Time {
	y, m, d := t.In(CST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, CST)
}

// NextDayStart is 00:00 CST of the day after the one holding t.
func NextDayStart(t time.Time) time.Time {
	y, m, d := t.In(CST).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, CST)
}

// Month is a CST calendar month (R2, R11).
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the CST month holding t.
func MonthOf(t time.Time) Month {
	y, m, _ := t.In(CST).Date()
	return Month{y, m}
}

// ParseMonth reads YYYY-MM.
func ParseMonth(s string) (Month, error) {
	t, err := time.ParseInLocation("2006-01", s, CST)
	if err != nil || len(s) != 7 {
		return Month{}, fmt.Errorf("%w: %q", ErrBadMonth, s)
	}
	return MonthOf(t), nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Start is 00:00 CST on the 1st of the month.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, CST) }

// End is the Start of the next month: months are [Start, End).
func (m Month) End() time.Time { return time.Date(m.Year, m.Month+1, 1, 0, 0, 0, 0, CST) }

// Next is the month after m.
func (m Month) Next() Month { return MonthOf(m.End()) }

// Prev is the month before m.
func (m Month) Prev() Month { return MonthOf(m.Start().Add(-time.Second)) }

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}
