package views

import (
	"context"
	"strings"
	"time"

	"rtcbill/domain"
)

// The console's e-mails are plain text, in the recipient's language
// (locales/mail.*.json). Each takes a view model like a page; its links
// are whole URLs made by the caller from the console's base URL, never
// from a request.

// MailText is an e-mail put into words.
type MailText struct {
	Subject string
	Body    string
}

// MailContext is ctx speaking lang, a code of domain.Langs (the default
// language for any other).
func MailContext(ctx context.Context, lang string) context.Context {
	tag, ok := ParseLang(lang)
	if !ok {
		tag = Languages[0]
	}
	return WithLang(ctx, tag)
}

// mailBody joins paragraphs with a blank line and signs them.
func mailBody(ctx context.Context, paragraphs ...string) string {
	return strings.Join(append(paragraphs, T(ctx, "mail.signature")), "\n\n") + "\n"
}

// mailExpiry is when a link stops working, as its mail says it (CST).
func mailExpiry(t time.Time) string { return DateTime(t) }

// AlertMail tells the account's e-mail of an alert event.
type AlertMail struct {
	AccountName  string
	AccountEmail string
	Event        domain.Event
	// NotificationsURL and AlertsURL are the account's notifications and
	// alert settings.
	NotificationsURL string
	AlertsURL        string
}

// Text words the alert in ctx's language: the notification's title and
// details.
func (m AlertMail) Text(ctx context.Context) MailText {
	title := T(ctx, "notifications.type."+m.Event.Type)
	paragraphs := []string{T(ctx, "mail.alert.body", "Title", title, "Account", m.AccountName)}
	if d := eventDetail(Lang(ctx), m.Event); d.Set() {
		paragraphs = append(paragraphs, d.Text(ctx))
	}
	paragraphs = append(paragraphs, T(ctx, "mail.alert.link", "URL", m.NotificationsURL),
		T(ctx, "mail.alert.footer", "Email", m.AccountEmail, "Account", m.AccountName, "URL", m.AlertsURL))
	return MailText{
		Subject: T(ctx, "mail.alert.subject", "Title", title, "Account", m.AccountName),
		Body:    mailBody(ctx, paragraphs...),
	}
}

// SignUpMail carries the link that confirms a sign-up.
type SignUpMail struct {
	AccountName string
	Link        string
	Expires     time.Time
}

// Text words the confirmation in ctx's language.
func (m SignUpMail) Text(ctx context.Context) MailText {
	return MailText{
		Subject: T(ctx, "mail.signup.subject"),
		Body: mailBody(ctx, T(ctx, "mail.signup.body", "Account", m.AccountName),
			T(ctx, "mail.signup.link", "Expires", mailExpiry(m.Expires))+"\n"+m.Link,
			T(ctx, "mail.signup.ignore")),
	}
}

// SignUpExistsMail answers a sign-up with an address that has a user.
type SignUpExistsMail struct {
	SignInURL string
	ForgotURL string
}

// Text words it in ctx's language.
func (m SignUpExistsMail) Text(ctx context.Context) MailText {
	return MailText{
		Subject: T(ctx, "mail.exists.subject"),
		Body: mailBody(ctx, T(ctx, "mail.exists.body"),
			T(ctx, "mail.exists.signin", "URL", m.SignInURL)+"\n"+T(ctx, "mail.exists.forgot", "URL", m.ForgotURL),
			T(ctx, "mail.exists.ignore")),
	}
}

// ResetMail carries a link that sets a forgotten password.
type ResetMail struct {
	Email   string
	Link    string
	Expires time.Time
}

// Text words it in ctx's language.
func (m ResetMail) Text(ctx context.Context) MailText {
	return MailText{
		Subject: T(ctx, "mail.reset.subject"),
		Body: mailBody(ctx, T(ctx, "mail.reset.body", "Email", m.Email),
			T(ctx, "mail.reset.link", "Expires", mailExpiry(m.Expires))+"\n"+m.Link,
			T(ctx, "mail.reset.ignore")),
	}
}

// LangOption is one language of a form's choice of the mails' language.
type LangOption struct {
	Code     string
	Label    string
	Selected bool
}

// LangOptions lists the mails' languages, selected the one in use.
func LangOptions(ctx context.Context, selected string) []LangOption {
	out := make([]LangOption, len(domain.Langs))
	for i, l := range domain.Langs {
		out[i] = LangOption{Code: l, Label: T(ctx, "mail.language."+l), Selected: l == selected}
	}
	return out
}

// SignUpSentPage answers a sign-up by mail, whatever the address.
type SignUpSentPage struct {
	Meta  Meta
	Email string
}

// ConfirmSignUpPage is the page a sign-up's link opens: the button that
// opens the account, or why the link does not work.
type ConfirmSignUpPage struct {
	Meta  Meta
	Valid bool
	// Action is where the button posts: the link itself.
	Action  string
	Email   string
	Name    string
	Expires string
}

// ForgotPage asks for the e-mail of a forgotten password, or says that a
// link was sent.
type ForgotPage struct {
	Meta       Meta
	Email      string
	EmailError string
	Sent       bool
}
