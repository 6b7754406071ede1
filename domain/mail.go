package domain

import (
	"slices"
	"strings"
	"time"
)

// The languages of the console's e-mails, as their codes are written:
// Chinese, the default (the console's own default), and English.
const (
	LangChinese = "zh-CN"
	LangEnglish = "en"
	DefaultLang = LangChinese
)

// Langs lists the e-mail languages, the default first.
var Langs = []string{LangChinese, LangEnglish}

// CleanLang reads a language code, whatever its case, and returns it as
// written in Langs; a *ValidationError naming field for any other.
func CleanLang(field, code string) (string, error) {
	code = strings.TrimSpace(code)
	if len(code) <= 8 {
		for _, l := range Langs {
			if strings.EqualFold(code, l) {
				return l, nil
			}
		}
	}
	return "", Invalid(field, "%q is not a language of the console: one of %s", Prefix(code, 16), strings.Join(Langs, ", ")).Because("language")
}

// The kinds of e-mail the console sends.
const (
	// MailAlert tells an account's e-mail of an alert event.
	MailAlert = "alert"
	// MailSignUp carries the link that confirms a sign-up.
	MailSignUp = "signup_confirm"
	// MailSignUpExists answers a sign-up with an address that already has
	// a user: sign in, or ask for a new password.
	MailSignUpExists = "signup_exists"
	// MailPasswordReset carries a link that sets a forgotten password.
	MailPasswordReset = "password_reset"
)

// The states of a mail: pending (to be queued), queued (a job is on its
// way), sent, or failed (given up, or its link expired before it left).
const (
	MailPending = "pending"
	MailQueued  = "queued"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// SignUpLinkTTL is how long the link that confirms a sign-up works.
const SignUpLinkTTL = 24 * time.Hour

// MailedResetLinkTTL is how long a reset link sent by e-mail (a forgotten
// password) works; an admin's link, passed on by hand, works ResetLinkTTL.
const MailedResetLinkTTL = 30 * time.Minute

// MaxCredentialMailsPerHour bounds the mails about sign-ups and passwords
// that one address receives in an hour: whoever types someone's address
// into the sign-up or forgotten-password form cannot flood their inbox.
// Beyond it a request is answered as usual and no mail is queued.
const MaxCredentialMailsPerHour = 5

// MailedEventTypes are the events that go to the account's e-mail: the
// alerts, about its packages and its service. Purchases and issued bills
// are the customer's own doing or expected monthly, and stay in the
// notifications and the webhooks.
var MailedEventTypes = []string{
	EventLowBalance, EventExhausted, EventExpiring, EventExpired, EventOverageStarted,
	EventServiceClosed, EventServiceRestored,
}

// IsMailedEvent reports whether events of type t are mailed.
func IsMailedEvent(t string) bool { return slices.Contains(MailedEventTypes, t) }

// Mail is one e-mail of the queue: what to send, to whom and in which
// language, and how far it got.
type Mail struct {
	ID        int64
	Kind      string
	To        string
	Lang      string
	AccountID int64
	// AccountName is the account's name, for alerts.
	AccountName string
	// Event is the alert's event (Kind MailAlert).
	Event Event
	// Token is the secret of the link a credential mail carries, kept
	// until the mail is sent or given up; ExpiresAt is when the link
	// stops working (zero for an alert).
	Token     string
	ExpiresAt time.Time
	State     string
	Attempts  int
	Error     string
	CreatedAt time.Time
	SentAt    time.Time
}

// SignUpRequest is a sign-up waiting for its address to be confirmed.
type SignUpRequest struct {
	Email, Name, Lang string
	// Plan is the plan the visitor came to buy, if any.
	Plan      string
	ExpiresAt time.Time
}
