package billing

import (
	"strings"

	"github.com/shopspring/decimal"
)

// OverageFee implements R10: minutes × 25 / 1000 CNY, exact (1,001 minutes
// cost 25.025). No rounding happens here.
func OverageFee(minutes int64) decimal.Decimal {
	return decimal.NewFromInt(minutes).Mul(OveragePricePer1000()).Shift(-3)
}

// AmountDue implements R10: the sum of a bill's fee lines, rounded half-up
// to the fen (0.01 CNY). It is the one place where money is rounded.
func AmountDue(lines ...decimal.Decimal) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range lines {
		sum = sum.Add(l)
	}
	// Round is half away from zero, which for the non-negative sums of a
	// bill is half-up.
	return sum.Round(2)
}

// FormatMoney prints an amount with two decimals, or more when the amount
// is exact to a finer unit (25.025 stays 25.025; 3688 prints 3688.00).
func FormatMoney(d decimal.Decimal) string {
	places := int32(2)
	s := d.String()
	if dot := strings.IndexByte(s, '.'); dot >= 0 {
		places = max(places, int32(len(s)-dot-1))
	}
	return d.StringFixed(places)
}
