package cli

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rtcbill/handlers"
	"rtcbill/mailer"
)

// minAdminToken is the shortest staff token serve accepts, in characters.
const minAdminToken = 32

// serveOptions are serve's flags for its limits, the proxies it trusts
// and its public address; each takes its default from an environment
// variable (docs/security.md lists them).
type serveOptions struct {
	baseURL, trustedProxies *string
	smtpURL, mailFrom       *string
	ints                    []intOption
	importTimeout           *time.Duration
	envErrs                 []error
}

type intOption struct {
	name string
	v    *int
	dst  func(*handlers.Limits) *int
}

// serveLimits is what the options give handlers.Config besides the
// public address.
type serveLimits struct {
	Limits         handlers.Limits
	TrustedProxies []netip.Prefix
}

func addServeOptions(fs *flag.FlagSet) *serveOptions {
	d := handlers.DefaultLimits()
	o := &serveOptions{}
	o.baseURL = fs.String("base-url", os.Getenv("RTCBILL_BASE_URL"),
		"the console's public address, like https://billing.example.com; forms must come from it and its pages' examples name it (env RTCBILL_BASE_URL; unset: the examples name http://ADDR)")
	o.trustedProxies = fs.String("trusted-proxies", os.Getenv("RTCBILL_TRUSTED_PROXIES"),
		"comma-separated CIDRs of the reverse proxies whose X-Forwarded-For names the client (env RTCBILL_TRUSTED_PROXIES; default none)")
	o.smtpURL = fs.String("smtp-url", os.Getenv("RTCBILL_SMTP_URL"),
		"where e-mail is sent: smtps://user:password@host[:465] (implicit TLS), smtp://…[:587] (STARTTLS, required) or smtp://host:port?tls=none; "+
			"unset: no e-mail (env RTCBILL_SMTP_URL, which keeps the password out of the process list)")
	o.mailFrom = fs.String("mail-from", os.Getenv("RTCBILL_MAIL_FROM"),
		"the sender of the e-mails, like \"rtcbill <billing@example.com>\"; required with --smtp-url (env RTCBILL_MAIL_FROM)")
	o.intFlag(fs, "signups-per-address", "RTCBILL_SIGNUPS_PER_ADDRESS", d.SignUpsPerAddress, "sign-ups an hour from one client address",
		func(l *handlers.Limits) *int { return &l.SignUpsPerAddress })
	o.intFlag(fs, "signups-per-hour", "RTCBILL_SIGNUPS_PER_HOUR", d.SignUpsPerHour, "sign-ups an hour in all",
		func(l *handlers.Limits) *int { return &l.SignUpsPerHour })
	o.intFlag(fs, "estimates-per-minute", "RTCBILL_ESTIMATES_PER_MINUTE", d.EstimatesPerMinute, "estimator requests a minute from one client address",
		func(l *handlers.Limits) *int { return &l.EstimatesPerMinute })
	o.intFlag(fs, "estimate-concurrency", "RTCBILL_ESTIMATE_CONCURRENCY", d.EstimateConcurrency, "estimates computed at once",
		func(l *handlers.Limits) *int { return &l.EstimateConcurrency })
	o.intFlag(fs, "max-apps", "RTCBILL_MAX_APPS", d.Apps, "applications per account",
		func(l *handlers.Limits) *int { return &l.Apps })
	o.intFlag(fs, "max-tokens", "RTCBILL_MAX_TOKENS", d.Tokens, "API tokens in use per account",
		func(l *handlers.Limits) *int { return &l.Tokens })
	o.intFlag(fs, "max-live-sessions", "RTCBILL_MAX_LIVE_SESSIONS", d.LiveSessions, "users in rooms at once per account",
		func(l *handlers.Limits) *int { return &l.LiveSessions })
	def := d.ImportTimeout
	if v := os.Getenv("RTCBILL_IMPORT_TIMEOUT"); v != "" {
		if t, err := time.ParseDuration(v); err != nil || t <= 0 {
			o.envErrs = append(o.envErrs, fmt.Errorf("RTCBILL_IMPORT_TIMEOUT=%q is not a duration such as 10m", v))
		} else {
			def = t
		}
	}
	o.importTimeout = fs.Duration("import-timeout", def,
		"how long a CSV upload may take to arrive and be imported; an account's import lock expires after it (env RTCBILL_IMPORT_TIMEOUT)")
	return o
}

func (o *serveOptions) intFlag(fs *flag.FlagSet, name, env string, def int, usage string, dst func(*handlers.Limits) *int) {
	if v := os.Getenv(env); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n <= 0 {
			o.envErrs = append(o.envErrs, fmt.Errorf("%s=%q is not a whole number above 0", env, v))
		} else {
			def = n
		}
	}
	o.ints = append(o.ints, intOption{name: name, v: fs.Int(name, def, fmt.Sprintf("%s (env %s)", usage, env)), dst: dst})
}

// limits checks the options once the flags are parsed, and the staff
// token: serve refuses to start rather than run with a weak one.
func (o *serveOptions) limits() (serveLimits, error) {
	var out serveLimits
	errs := o.envErrs
	if err := checkAdminToken(os.Getenv("RTCBILL_ADMIN_TOKEN")); err != nil {
		errs = append(errs, err)
	}
	for _, i := range o.ints {
		if *i.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s %d: want a whole number above 0", i.name, *i.v))
		}
		*i.dst(&out.Limits) = *i.v
	}
	if *o.importTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--import-timeout %s: want a duration above 0", *o.importTimeout))
	}
	out.Limits.ImportTimeout = *o.importTimeout
	var err error
	if out.TrustedProxies, err = parseCIDRs(*o.trustedProxies); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// mail checks the e-mail options once the flags are parsed: nil without
// an SMTP URL. With one, the sender is required, and so is the base URL
// (base, as baseURL read it): a mail's links name it, never the Host of a
// request.
func (o *serveOptions) mail(base string) (*mailer.Sender, mailer.Config, error) {
	raw, from := strings.TrimSpace(*o.smtpURL), strings.TrimSpace(*o.mailFrom)
	if raw == "" {
		if from != "" {
			return nil, mailer.Config{}, errors.New("--mail-from (RTCBILL_MAIL_FROM) is set but --smtp-url (RTCBILL_SMTP_URL) is not: set both to send e-mail, or neither")
		}
		return nil, mailer.Config{}, nil
	}
	cfg, err := mailer.ParseURL(raw)
	if err != nil {
		return nil, cfg, fmt.Errorf("--smtp-url (RTCBILL_SMTP_URL): %w", err)
	}
	if from == "" {
		return nil, cfg, errors.New("--smtp-url (RTCBILL_SMTP_URL) is set but not --mail-from (RTCBILL_MAIL_FROM): the e-mails need a sender")
	}
	sender, err := mailer.ParseFrom(from)
	if err != nil {
		return nil, cfg, fmt.Errorf("--mail-from (RTCBILL_MAIL_FROM): %w", err)
	}
	if base == "" {
		return nil, cfg, errors.New("--smtp-url (RTCBILL_SMTP_URL) needs --base-url (RTCBILL_BASE_URL): the links of the e-mails name the console's public address, never a request's Host")
	}
	return mailer.New(cfg, sender), cfg, nil
}

// checkAdminToken refuses a staff token shorter than minAdminToken
// characters; none at all is allowed (then there is no staff token).
func checkAdminToken(token string) error {
	if n := utf8.RuneCountInString(token); token != "" && n < minAdminToken {
		return fmt.Errorf("RTCBILL_ADMIN_TOKEN is %d characters long: the staff token needs at least %d (or unset it: then there is none)", n, minAdminToken)
	}
	return nil
}

// parseCIDRs reads a comma-separated list of networks; a bare address is
// a network of one.
func parseCIDRs(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
