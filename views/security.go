package views

import "rtcbill/domain"

// SecurityPage is the signed-in user's own page: change the password, sign
// out everywhere.
type SecurityPage struct {
	Meta Meta
	// Email is whose password it is (a hidden username field for password
	// managers).
	Email string
	// Changed confirms a new password after its redirect.
	Changed bool
	// The password rule, for the hint.
	MinPassword, MaxPassword int
	CurrentError             LocalMsg
	NewError                 LocalMsg
	ConfirmError             LocalMsg
	// MailLang is the language of the user's mails, offered to change
	// when the console sends e-mail (empty otherwise); LangSaved confirms
	// a change.
	MailLang  string
	LangSaved bool
}

// NewSecurityPage is the page for the user with email.
func NewSecurityPage(meta Meta, email string) SecurityPage {
	return SecurityPage{Meta: meta, Email: email, MinPassword: domain.MinPasswordLen, MaxPassword: domain.MaxPasswordLen}
}

// RejectCurrent says the current password is wrong.
func (p *SecurityPage) RejectCurrent() { p.CurrentError = msg("security.error.current") }

// RejectNew says why the new password is refused.
func (p *SecurityPage) RejectNew(problem domain.PasswordProblem) { p.NewError = PasswordMsg(problem) }

// RejectConfirm says the two new passwords differ.
func (p *SecurityPage) RejectConfirm() { p.ConfirmError = msg("security.error.confirm") }

// ResetPage is the page a password reset link opens: the form that sets a
// new password, or why the link no longer works.
type ResetPage struct {
	Meta Meta
	// Valid is false for a link that is unknown, used, expired or replaced.
	Valid bool
	// Action is where the form posts: the link itself.
	Action string
	// Email is whose password the link sets; Expires when the link stops
	// working.
	Email, Expires           string
	MinPassword, MaxPassword int
	PasswordError            LocalMsg
	ConfirmError             LocalMsg
	// Forgot sends an invalid link's owner to ask for a new one by mail.
	Forgot bool
}

// NewResetPage is the form of a valid link for the user with email.
func NewResetPage(meta Meta, action, email, expires string) ResetPage {
	return ResetPage{Meta: meta, Valid: true, Action: action, Email: email, Expires: expires,
		MinPassword: domain.MinPasswordLen, MaxPassword: domain.MaxPasswordLen}
}

// RejectPassword says why the new password is refused.
func (p *ResetPage) RejectPassword(problem domain.PasswordProblem) {
	p.PasswordError = PasswordMsg(problem)
}

// RejectConfirm says the two passwords differ.
func (p *ResetPage) RejectConfirm() { p.ConfirmError = msg("security.error.confirm") }

// ResetLink is a password reset link just made, shown once to the admin
// who made it.
type ResetLink struct {
	Email   string
	URL     string
	Expires string
}

// PasswordMsg words a refused password for every form that sets one.
func PasswordMsg(problem domain.PasswordProblem) LocalMsg {
	switch problem {
	case domain.PasswordCommon:
		return msg("password.error.common")
	case domain.PasswordIsEmail:
		return msg("password.error.email")
	case domain.PasswordNotText:
		return msg("password.error.text")
	}
	return msg("password.error.length", "Min", domain.MinPasswordLen, "Max", domain.MaxPasswordLen)
}
