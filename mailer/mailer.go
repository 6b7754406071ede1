// Package mailer sends the console's e-mails over SMTP, through
// github.com/wneessen/go-mail. RTCBILL_SMTP_URL says where and how
// (ParseURL), RTCBILL_MAIL_FROM from whom (ParseFrom). It sends what it
// is given; what a mail says is package views', and when it is sent the
// job queue's (package jobs).
//
// TLS: smtps:// is implicit TLS (port 465 unless given); smtp:// is
// STARTTLS, required (port 587 unless given): a server that does not offer
// it, or whose certificate does not verify, gets nothing. smtp://…?tls=none
// sends in clear, for a relay on the same machine or network; with a user
// and password it is refused unless the host is a loopback address, so
// that credentials never cross a network in clear.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// The TLS modes of a Config.
const (
	TLSImplicit = "implicit" // smtps://: TLS from the first byte
	TLSStartTLS = "starttls" // smtp://: STARTTLS, required
	TLSNone     = "none"     // smtp://…?tls=none: in clear
)

// Timeout bounds a connection's dial and each command.
const Timeout = 15 * time.Second

// Config is where and how mail is sent.
type Config struct {
	Host     string
	Port     int
	TLS      string
	Username string
	Password string
}

// ParseURL reads RTCBILL_SMTP_URL: smtp://[user[:password]@]host[:port]
// (STARTTLS required, port 587), smtps://… (implicit TLS, port 465), or
// smtp://…?tls=none (no TLS). The user and password are percent-decoded.
func ParseURL(raw string) (Config, error) {
	var c Config
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return c, errors.New("mailer: the SMTP URL is not a URL such as smtps://user:password@smtp.example.com")
	}
	shown := u.Redacted()
	switch u.Scheme {
	case "smtps":
		c.TLS, c.Port = TLSImplicit, 465
	case "smtp":
		c.TLS, c.Port = TLSStartTLS, 587
	default:
		return c, fmt.Errorf("mailer: the SMTP URL %s: the scheme must be smtp (STARTTLS) or smtps (implicit TLS)", shown)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return c, fmt.Errorf("mailer: the SMTP URL %s: want smtp[s]://[user[:password]@]host[:port] and nothing after it but ?tls=none", shown)
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return c, fmt.Errorf("mailer: the SMTP URL %s: unknown option %q (only tls=none is known)", shown, k)
		}
	}
	switch tls := q.Get("tls"); {
	case !q.Has("tls"):
	case tls == TLSNone && c.TLS == TLSStartTLS:
		c.TLS = TLSNone
	case tls == TLSNone:
		return c, fmt.Errorf("mailer: the SMTP URL %s: tls=none goes with smtp://, not smtps://", shown)
	default:
		return c, fmt.Errorf("mailer: the SMTP URL %s: tls=%q: only tls=none is known (smtp:// is STARTTLS, smtps:// implicit TLS)", shown, tls)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return c, fmt.Errorf("mailer: the SMTP URL %s names no host", shown)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("mailer: the SMTP URL %s: port %q is not a port", shown, p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if c.TLS == TLSNone && c.Username != "" && !isLoopback(c.Host) {
		return c, fmt.Errorf("mailer: the SMTP URL %s: tls=none with a user and password is refused but to a loopback address: they would cross the network in clear", shown)
	}
	return c, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String is the configuration as a URL without the password, for logs.
func (c Config) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	switch c.TLS {
	case TLSImplicit:
		u.Scheme = "smtps"
	case TLSNone:
		u.RawQuery = "tls=none"
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// ParseFrom reads RTCBILL_MAIL_FROM: an address, with or without a name
// ("rtcbill <billing@example.com>").
func ParseFrom(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("mailer: the sender %q is not an address such as rtcbill <billing@example.com>", s)
	}
	return a, nil
}

// Message is one mail to send: plain text, UTF-8.
type Message struct {
	To      string
	Subject string
	Body    string
	// ID is the Message-ID's left part, the same at every attempt of one
	// mail, so that a receiver can tell a mail sent twice.
	ID string
}

// Sender sends mail as Config says, from one address.
type Sender struct {
	cfg  Config
	from *mail.Address
}

// New is a Sender for cfg, from from.
func New(cfg Config, from *mail.Address) *Sender { return &Sender{cfg: cfg, from: from} }

// Send delivers m on a connection of its own. A refusal the server says is
// permanent (a 5xx answer) is a PermanentError: trying again would not
// help; anything else (no connection, a 4xx answer) may pass later.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return &PermanentError{fmt.Errorf("mailer: the recipient %q: %w", m.To, err)}
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@" + domainOf(s.from.Address))
	} else {
		msg.SetMessageID()
	}
	// RFC 3834: no vacation or out-of-office answers to a machine.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(Timeout)}
	switch s.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.TLS == TLSNone { // only to a loopback address (ParseURL)
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return &PermanentError{fmt.Errorf("mailer: %w", err)}
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return &PermanentError{fmt.Errorf("mailer: %w", err)}
		}
		return fmt.Errorf("mailer: %w", err)
	}
	return nil
}

// domainOf is the part of an address after its @.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}

// PermanentError is a mail the server refused for good.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }

func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that trying again would not help.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
