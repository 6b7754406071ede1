package cli

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// TestServeMailOptions: without an SMTP URL there is no e-mail; with one,
// serve needs a sender and a base URL (the mails' links name it, never a
// request's Host), and refuses a URL it cannot use, without showing its
// password.
func TestServeMailOptions(t *testing.T) {
	for _, tc := range []struct {
		name, url, from, base string
		args                  []string
		err                   string
	}{
		{name: "no SMTP, no e-mail"},
		{name: "SMTP with a sender and a base URL", url: "smtps://u:secret@smtp.example.com", from: "rtcbill <billing@example.com>", base: "https://billing.example.com"},
		{name: "the flags over the variables", args: []string{"--smtp-url", "smtp://127.0.0.1:1025?tls=none", "--mail-from", "billing@example.com"}, base: "http://127.0.0.1:8080"},
		{name: "no base URL", url: "smtps://u:secret@smtp.example.com", from: "billing@example.com", err: "needs --base-url"},
		{name: "no sender", url: "smtps://u:secret@smtp.example.com", base: "https://billing.example.com", err: "RTCBILL_MAIL_FROM"},
		{name: "a sender without SMTP", from: "billing@example.com", err: "RTCBILL_SMTP_URL"},
		{name: "a bad sender", url: "smtps://u:secret@smtp.example.com", from: "billing at example", base: "https://billing.example.com", err: "not an address"},
		{name: "credentials in clear across a network", url: "smtp://u:secret@smtp.example.com?tls=none", from: "billing@example.com", base: "https://billing.example.com", err: "in clear"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("RTCBILL_SMTP_URL", tc.url)
			t.Setenv("RTCBILL_MAIL_FROM", tc.from)
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o := addServeOptions(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			sender, cfg, err := o.mail(tc.base)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, want an error saying %q", err, tc.err)
				}
				if err != nil && strings.Contains(err.Error(), "secret") {
					t.Errorf("the error shows the password: %v", err)
				}
			case err != nil:
				t.Errorf("got %v", err)
			case (sender != nil) != (tc.url != "" || len(tc.args) > 0):
				t.Errorf("sender %v for %q", sender, tc.url)
			case strings.Contains(cfg.String(), "secret"):
				t.Errorf("the configuration as logged shows the password: %s", cfg)
			}
		})
	}
}
