package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rtcbill/billing"
)

// Money prints an amount as the pages show it: thousands grouped, two
// decimals, rounded half-up to the fen (25.025 shows as 25.03). A page that
// shows a fee exact to a finer unit says so beside it (MoneyExact).
func Money(d decimal.Decimal) string { return groupMoney(d.Round(2).StringFixed(2)) }

// MoneyExact prints an amount exact to a finer unit than the fen as it is
// (25.025), thousands grouped; "" when Money shows it exactly.
func MoneyExact(d decimal.Decimal) string {
	if d.Equal(d.Round(2)) {
		return ""
	}
	return groupMoney(billing.FormatMoney(d))
}

func groupMoney(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	return group(intPart) + "." + frac
}

// Int prints a count of minutes or seconds with thousands grouped.
func Int(n int64) string { return group(strconv.FormatInt(n, 10)) }

// Signed prints a change of minutes with its sign, thousands grouped
// (+300, −1,200), and "" for no change.
func Signed(n int64) string {
	switch {
	case n > 0:
		return "+" + Int(n)
	case n < 0:
		return "\u2212" + Int(-n)
	}
	return ""
}

func group(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Date prints the CST calendar date, YYYY-MM-DD (R2).
func Date(t time.Time) string { return billing.FormatDate(t) }

// DateTime prints an instant in CST to the minute.
func DateTime(t time.Time) string { return t.In(billing.CST).Format("2006-01-02 15:04") }

// DateTimeSeconds prints an instant in CST to the second, for the audit
// trail, where the order of events within a minute matters.
func DateTimeSeconds(t time.Time) string { return t.In(billing.CST).Format("2006-01-02 15:04:05") }

// Clock prints an instant's CST time of day to the second.
func Clock(t time.Time) string { return t.In(billing.CST).Format("15:04:05") }

// Minutes rounds seconds up to whole minutes (R8) and prints them grouped.
func Minutes(seconds int64) string { return Int((seconds + 59) / 60) }

// Percent is the share used of a package, 0–100, for the usage bars.
func Percent(part, whole int64) int {
	if whole <= 0 {
		return 0
	}
	return int(min(100, part*100/whole))
}
