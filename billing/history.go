package billing

import "time"

// The history of one package: month by month, what it covered and what its
// expiry cleared, as each month's bill says, and what it held at each
// month's end. It is read off the rating that makes the bills (Rate: R7's
// draw order, R8's rounding, R9's clearing), never worked out again.

// PackageMonth is one month of a package's history.
type PackageMonth struct {
	Month Month
	// Drawn is what the month's bill deducted from the package (R7, R8).
	Drawn int64
	// Cleared is what the package lost at its expiry that month (R9).
	Cleared int64
	// Late is what the month took from the package beyond its stored bill:
	// usage, or a package, recorded after that bill was stored, which an
	// issued bill never shows (its overage is billed later as late usage).
	// Zero for a month whose bill is not stored.
	Late int64
	// Remaining is what the package held at the month's end; for the
	// running month, at now.
	Remaining int64
	// Stored says Drawn and Cleared are those of the month's stored bill.
	Stored bool
	// Running marks the month holding now: its figures are so far.
	Running bool
}

// PackageHistory is package p's months, from the month of its purchase to
// the month it expires or the month holding now, whichever comes first
// (nothing happens to a package after its expiry, and nothing is shown of
// months to come). r is the account's rating up to now (Rate with until
// now): its months give what the package covered and lost. stored holds the
// account's stored bills by month: where a month has one, Drawn and Cleared
// are that bill's, so the history agrees with the bill the customer
// received, and whatever the rating finds beyond it is Late. Remaining
// always follows the rating, so that for every month Drawn + Cleared + Late
// added up to it, plus Remaining, is p.Included, and the last month's
// Remaining is the package's balance at now.
func PackageHistory(p Package, r Rating, stored map[Month]Bill, now time.Time) []PackageMonth {
	v := p.Validity()
	first, last := MonthOf(v.From), MonthOf(now)
	if end := MonthOf(v.ExpiresOn()); end.Before(last) {
		last = end
	}
	var out []PackageMonth
	remaining := p.Included
	for m := first; !last.Before(m); m = m.Next() {
		drawn, cleared := packageFigures(p.ID, r.Month(m).Deductions, r.Month(m).Cleared)
		row := PackageMonth{Month: m, Drawn: drawn, Cleared: cleared, Running: m == MonthOf(now)}
		if b, ok := stored[m]; ok {
			row.Stored = true
			row.Drawn, row.Cleared = packageFigures(p.ID, b.Deductions, b.Expired)
			row.Late = drawn + cleared - row.Drawn - row.Cleared
		}
		remaining -= drawn + cleared
		row.Remaining = remaining
		out = append(out, row)
	}
	return out
}

// packageFigures is what deductions and clearances say of package id.
func packageFigures(id int64, deductions []Deduction, cleared []Clearance) (drawn, lost int64) {
	for _, d := range deductions {
		if d.PackageID == id {
			drawn += d.Minutes
		}
	}
	for _, c := range cleared {
		if c.PackageID == id {
			lost += c.Minutes
		}
	}
	return drawn, lost
}
