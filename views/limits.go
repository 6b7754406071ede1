package views

import (
	"rtcbill/domain"
)

// QuotaMsg says that an account holds limit of what q names, its quota.
func QuotaMsg(q domain.Quota, limit int) LocalMsg {
	switch q {
	case domain.QuotaApps:
		return msg("limits.quota.apps", "Max", limit)
	case domain.QuotaTokens:
		return msg("limits.quota.tokens", "Max", limit)
	}
	return msg("limits.quota.live_sessions", "Max", limit)
}

// TextProblem says what is wrong with a name, an e-mail or an id a form
// sent, when it is a reason every field shares: too long an e-mail, or a
// control or invisible character. The zero LocalMsg when neither applies:
// the field's own message says what else is wrong.
func TextProblem(v string, email bool) LocalMsg {
	switch {
	case email && len(v) > domain.MaxEmailLen:
		return msg("limits.email_too_long", "Max", domain.MaxEmailLen)
	case domain.HasControlChars(v):
		return msg("limits.invisible_chars")
	}
	return LocalMsg{}
}

// ImportBusy says that another import of the account is running.
func ImportBusy(seconds string) LocalMsg { return msg("limits.import.busy", "Seconds", seconds) }

// SearchTooLong says that a search is longer than max characters.
func SearchTooLong(max int) LocalMsg { return msg("limits.search_too_long", "Max", max) }
