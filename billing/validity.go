package billing

import "time"

// Validity is the half-open span [From, Until) in which a package can be
// drawn from (R3).
type Validity struct {
	From  time.Time
	Until time.Time
}

// ValidityOf implements R3: a package bought at t is valid from 00:00 CST of
// t's day to 00:00 CST of the first day of the month after "the same month
// next year". Go normalises month 13 to January of the year after.
func ValidityOf(bought time.Time) Validity {
	y, m, _ := bought.In(CST).Date()
	return Validity{
		From:  DayStart(bought),
		Until: time.Date(y+1, m+1, 1, 0, 0, 0, 0, CST),
	}
}

// ExpiresOn is the last valid day, the date the console shows (R3).
func (v Validity) ExpiresOn() time.Time { return v.Until.AddDate(0, 0, -1) }

// Contains reports whether t lies in [From, Until).
func (v Validity) Contains(t time.Time) bool { return !t.Before(v.From) && t.Before(v.Until) }

// TrialProgramStart is when trials began to be granted (R4).
var TrialProgramStart = time.Date(2019, 6, 1, 0, 0, 0, 0, CST)

// GrantsTrial implements R4: the first application created at or after
// 2019-06-01 00:00 CST brings the account its one trial.
func GrantsTrial(firstAppCreatedAt time.Time) bool {
	return !firstAppCreatedAt.Before(TrialProgramStart)
}
