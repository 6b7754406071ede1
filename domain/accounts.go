package domain

import (
	"time"

	"rtcbill/billing"
)

// Account is a customer of the service.
type Account struct {
	ID        int64
	Name      string
	Email     string
	CreatedAt time.Time
	Demo      bool // a demo account, which sales staff may work on
}

// MaxNameLen bounds account and application names, in characters.
const MaxNameLen = 200

// CheckInstant refuses instants before 2015 and after now: the console
// records history, it does not book the future.
func CheckInstant(field string, t, now time.Time) error {
	if t.Before(billing.MinInstant) {
		return Invalid(field, "%s is before 2015-01-01", billing.FormatInstant(t)).Because("before_2015", "At", t)
	}
	if t.After(now) {
		return Invalid(field, "%s is in the future", billing.FormatInstant(t)).Because("in_future", "At", t)
	}
	return nil
}

// AccountSearch is one page of a search of accounts, in id order.
type AccountSearch struct {
	// Query is a fragment of the name, the e-mail, an SDKAppID or an
	// order id; blank lists every account.
	Query string
	// DemoOnly keeps to demo accounts (all that sales staff may see).
	DemoOnly bool
	// After skips the accounts up to this id (a cursor); Offset skips as
	// many more (a page number). Limit bounds the answer.
	After         int64
	Offset, Limit int
}
