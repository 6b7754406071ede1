package mailer_test

import (
	"context"
	"strings"
	"testing"

	"rtcbill/mailer"
	"rtcbill/mailer/mailtest"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url string
		want      mailer.Config
		err       string
	}{
		{"smtps is implicit TLS on 465", "smtps://ops%40example.com:p%40ss@smtp.example.com",
			mailer.Config{Host: "smtp.example.com", Port: 465, TLS: mailer.TLSImplicit, Username: "ops@example.com", Password: "p@ss"}, ""},
		{"smtp is STARTTLS, required, on 587", "smtp://u:p@smtp.example.com",
			mailer.Config{Host: "smtp.example.com", Port: 587, TLS: mailer.TLSStartTLS, Username: "u", Password: "p"}, ""},
		{"a port of its own", "smtp://smtp.example.com:2525",
			mailer.Config{Host: "smtp.example.com", Port: 2525, TLS: mailer.TLSStartTLS}, ""},
		{"tls=none without credentials, anywhere", "smtp://relay.internal:25?tls=none",
			mailer.Config{Host: "relay.internal", Port: 25, TLS: mailer.TLSNone}, ""},
		{"tls=none with credentials to a loopback address", "smtp://u:p@127.0.0.1:1025?tls=none",
			mailer.Config{Host: "127.0.0.1", Port: 1025, TLS: mailer.TLSNone, Username: "u", Password: "p"}, ""},
		{"tls=none with credentials across a network", "smtp://u:p@relay.internal:25?tls=none", mailer.Config{}, "in clear"},
		{"tls=none on smtps", "smtps://smtp.example.com?tls=none", mailer.Config{}, "goes with smtp://"},
		{"an unknown tls", "smtp://smtp.example.com?tls=maybe", mailer.Config{}, "only tls=none"},
		{"an unknown option", "smtp://smtp.example.com?insecure=1", mailer.Config{}, "unknown option"},
		{"another scheme", "https://smtp.example.com", mailer.Config{}, "scheme"},
		{"no host", "smtp://:25", mailer.Config{}, "no host"},
		{"a path", "smtp://smtp.example.com/x", mailer.Config{}, "nothing after it"},
		{"a bad port", "smtp://smtp.example.com:99999", mailer.Config{}, "not a port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mailer.ParseURL(tc.url)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %+v, %v; want an error saying %q", got, err, tc.err)
				}
				if strings.Contains(err.Error(), ":p@") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
			if got.Password != "" && strings.Contains(got.String(), ":"+got.Password+"@") {
				t.Errorf("String() shows the password: %s", got.String())
			}
		})
	}
}

// TestSendToASink: a mail in Chinese arrives whole, with the headers of
// an automatic mail; a 4xx answer is worth another try, a 5xx is not.
func TestSendToASink(t *testing.T) {
	t.Parallel()
	sink := mailtest.Start(t)
	cfg, err := mailer.ParseURL(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	from, err := mailer.ParseFrom("rtcbill 账单 <billing@rtcbill.example>")
	if err != nil {
		t.Fatal(err)
	}
	s := mailer.New(cfg, from)
	ctx := context.Background()
	body := "资源包余量不足。\n" + strings.Repeat("一个很长的句子，", 40) + "\nhttps://billing.example.com/accounts/1/notifications\n"
	if err := s.Send(ctx, mailer.Message{To: "ops@example.com", Subject: "[rtcbill] 资源包余量不足：青云", Body: body, ID: "rtcbill.mail.1.2"}); err != nil {
		t.Fatal(err)
	}
	got := sink.Wait(t, "ops@example.com", 1)[0]
	if got.Subject != "[rtcbill] 资源包余量不足：青云" || got.Body != body {
		t.Errorf("got subject %q and body %q; want them as sent", got.Subject, got.Body)
	}
	if got.Header.Get("Message-Id") != "<rtcbill.mail.1.2@rtcbill.example>" || got.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers %v: want the Message-ID of the mail and Auto-Submitted", got.Header)
	}
	if got.From != "billing@rtcbill.example" {
		t.Errorf("envelope sender %q", got.From)
	}

	sink.Refuse(451, 1)
	err = s.Send(ctx, mailer.Message{To: "ops@example.com", Subject: "again", Body: "x\n"})
	if err == nil || mailer.IsPermanent(err) {
		t.Errorf("a 451: got %v, want an error worth another try", err)
	}
	sink.Refuse(550, 1)
	err = s.Send(ctx, mailer.Message{To: "ops@example.com", Subject: "again", Body: "x\n"})
	if err == nil || !mailer.IsPermanent(err) {
		t.Errorf("a 550: got %v, want a permanent error", err)
	}
	down, _ := mailer.ParseURL("smtp://127.0.0.1:1?tls=none")
	if err := mailer.New(down, from).Send(ctx, mailer.Message{To: "ops@example.com", Subject: "x", Body: "x\n"}); err == nil || mailer.IsPermanent(err) {
		t.Errorf("no server: got %v, want an error worth another try", err)
	}
}
