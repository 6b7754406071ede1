package views

import (
	"rtcbill/db"
)

// TextProblem says what is wrong with a name, an e-mail or an id a form
// sent, when it is a reason every field shares: too long an e-mail, or a
// control or invisible character. The zero LocalMsg when neither applies:
// the field's own message says what else is wrong.
func TextProblem(v string, email bool) LocalMsg {
	switch {
	case email && len(v) > db.MaxEmailLen:
		return msg("limits.email_too_long", "Max", db.MaxEmailLen)
	case db.HasControlChars(v):
		return msg("limits.invisible_chars")
	}
	return LocalMsg{}
}

// SearchTooLong says that a search is longer than max characters.
func SearchTooLong(max int) LocalMsg { return msg("limits.search_too_long", "Max", max) }
