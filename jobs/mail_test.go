package jobs

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
	"rtcbill/domain"
	"rtcbill/mailer"
	"rtcbill/mailer/mailtest"
)

// movable is a clock a test moves.
type movable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movable) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movable) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mailState is a mail's row as the log keeps it.
type mailState struct {
	state, errText string
	attempts       int
	token          bool
}

func stateOf(t *testing.T, store db.Store, ro dbtest.DB, to string) mailState {
	t.Helper()
	var m mailState
	var why, token *string
	if err := ro.QueryRow(`SELECT state, error, attempts, token FROM mails WHERE to_addr = ? ORDER BY id DESC LIMIT 1`, to).
		Scan(&m.state, &why, &m.attempts, &token); err != nil {
		t.Fatalf("the mail to %s: %v", to, err)
	}
	if why != nil {
		m.errText = *why
	}
	m.token = token != nil
	return m
}

// TestMailDelivery: the mail jobs send what the store queued to a real SMTP
// server; a 4xx is tried again (River's backoff) until it passes, a 5xx
// is given up at once, a link that expired before its mail could leave is
// not sent; a mail sent forgets its link's secret. A queue without a
// mailer runs no mail job.
func TestMailDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a job queue for several seconds; skipped with -short")
	}
	ctx := context.Background()
	path := dbtest.Default().New(t)
	store, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ro := dbtest.ReadOnly(t, path)
	t.Cleanup(func() { ro.Close() })
	store.SetSendsMail(true)
	clock := &movable{t: time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)}
	for _, u := range []string{"late@example.com", "busy@example.com", "refused@example.com"} {
		if _, err := store.CreateUser(ctx, u, "a long enough passphrase", domain.RoleSupport, 0, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	// Without a mailer the queue leaves the mails alone.
	if err := store.RequestPasswordReset(ctx, "late@example.com", clock.Now()); err != nil {
		t.Fatal(err)
	}
	quiet, err := Start(ctx, Config{Store: store, Logger: logger, Now: clock.Now, Every: time.Hour, PollInterval: 100 * time.Millisecond,
		DispatchEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	quiet.Stop(ctx)
	var jobs int
	if err := ro.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind LIKE 'mail%'`).Scan(&jobs); err != nil || jobs != 0 {
		t.Errorf("mail jobs of a queue without a mailer: %d, %v", jobs, err)
	}
	if got := stateOf(t, store, ro, "late@example.com"); got.state != domain.MailPending {
		t.Errorf("the mail without a mailer: %+v, want pending", got)
	}

	// The 30 minutes of the link pass before a mailer comes.
	clock.Advance(domain.MailedResetLinkTTL)
	sink := mailtest.Start(t)
	smtp, err := mailer.ParseURL(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	from, _ := mailer.ParseFrom("billing@rtcbill.example")
	sched, err := Start(ctx, Config{Store: store, Logger: logger, Now: clock.Now, Every: time.Hour, PollInterval: 100 * time.Millisecond,
		DispatchEvery: 100 * time.Millisecond, Mailer: mailer.New(smtp, from), BaseURL: "https://billing.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Stop(context.Background()) })

	wait := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waited a minute for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait("the expired link's mail given up", func() bool { return stateOf(t, store, ro, "late@example.com").state == domain.MailFailed })
	if got := stateOf(t, store, ro, "late@example.com"); !strings.Contains(got.errText, "expired") || got.token || sink.Tried() != 0 {
		t.Errorf("the expired link: %+v, %d mails offered; want failed, its link forgotten, nothing sent", got, sink.Tried())
	}

	sink.Refuse(451, 1)
	if err := store.RequestPasswordReset(ctx, "busy@example.com", clock.Now()); err != nil {
		t.Fatal(err)
	}
	m := sink.Wait(t, "busy@example.com", 1)[0]
	if !strings.Contains(m.Body, "https://billing.example.com/reset/") {
		t.Errorf("the mail: %s", m.Body)
	}
	wait("the mail marked sent", func() bool { return stateOf(t, store, ro, "busy@example.com").state == domain.MailSent })
	if got := stateOf(t, store, ro, "busy@example.com"); got.attempts != 2 || got.token || got.errText != "" {
		t.Errorf("after a 451 then a success: %+v; want 2 attempts, the link forgotten, no error", got)
	}

	sink.Refuse(550, 1)
	tried := sink.Tried()
	if err := store.RequestPasswordReset(ctx, "refused@example.com", clock.Now()); err != nil {
		t.Fatal(err)
	}
	wait("the refused mail given up", func() bool { return stateOf(t, store, ro, "refused@example.com").state == domain.MailFailed })
	time.Sleep(time.Second)
	if got := stateOf(t, store, ro, "refused@example.com"); got.attempts != 1 || !strings.Contains(got.errText, "550") || got.token || sink.Tried() != tried+1 {
		t.Errorf("after a 550: %+v, %d offered; want 1 attempt, the error kept, not tried again", got, sink.Tried()-tried)
	}
}

// messageID is a message id of the catalogue shown for want of its text.
var messageID = regexp.MustCompile(`\b(mail|notifications)\.[a-z]`)

// TestComposeMail: each kind of mail in each language, its links from the
// base URL.
func TestComposeMail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := "https://billing.example.com"
	expires := time.Date(2026, 11, 25, 12, 30, 0, 0, billing.CST)
	event := domain.Event{ID: "evt_x", AccountID: 7, Type: domain.EventExpiring,
		Data: []byte(`{"package_id":3,"order_id":"RB20251101000003","plan":"starter","expires_on":"2026-12-31","remaining_minutes":1200}`)}
	for _, tc := range []struct {
		mail          domain.Mail
		subject, body []string
	}{
		{domain.Mail{ID: 1, Kind: domain.MailAlert, Lang: "en", To: "ops@example.com", AccountID: 7, AccountName: "Acme", Event: event},
			[]string{"[rtcbill] Package expiring soon: Acme"},
			[]string{"Starter RB20251101000003 expires after 2026-12-31 with 1,200 minutes left.", base + "/accounts/7/notifications", base + "/accounts/7/alerts", "ops@example.com"}},
		{domain.Mail{ID: 2, Kind: domain.MailAlert, Lang: "zh-CN", To: "ops@example.com", AccountID: 7, AccountName: "Acme", Event: event},
			[]string{"[rtcbill] 资源包即将到期：Acme"},
			[]string{"于 2026-12-31 后到期，剩余 1,200 分钟。", base + "/accounts/7/notifications"}},
		{domain.Mail{ID: 3, Kind: domain.MailSignUp, Lang: "zh-CN", To: "new@example.com", AccountName: "青云", Token: "tok_en-1", ExpiresAt: expires},
			[]string{"[rtcbill] 确认注册"},
			[]string{"开通账户 青云", base + "/signup/confirm/tok_en-1", "2026-11-25 12:30（北京时间）"}},
		{domain.Mail{ID: 4, Kind: domain.MailSignUpExists, Lang: "en", To: "old@example.com"},
			[]string{"[rtcbill] You already have an account"},
			[]string{base + "/signin", base + "/forgot"}},
		{domain.Mail{ID: 5, Kind: domain.MailPasswordReset, Lang: "en", To: "ops@example.com", Token: "abc", ExpiresAt: expires},
			[]string{"[rtcbill] Set a new password"},
			[]string{"for ops@example.com", base + "/reset/abc", "until 2026-11-25 12:30 (China Standard Time)", "signs you out everywhere"}},
	} {
		msg, err := composeMail(ctx, base, tc.mail)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tc.subject {
			if msg.Subject != want {
				t.Errorf("%s in %s: subject %q, want %q", tc.mail.Kind, tc.mail.Lang, msg.Subject, want)
			}
		}
		for _, want := range tc.body {
			if !strings.Contains(msg.Body, want) {
				t.Errorf("%s in %s: the body lacks %q:\n%s", tc.mail.Kind, tc.mail.Lang, want, msg.Body)
			}
		}
		if messageID.MatchString(msg.Subject+msg.Body) || msg.To != tc.mail.To {
			t.Errorf("%s in %s: a message id shows, or the recipient is wrong: %+v", tc.mail.Kind, tc.mail.Lang, msg)
		}
	}
	if _, err := composeMail(ctx, base, domain.Mail{Kind: "postcard"}); err == nil {
		t.Error("a mail of an unknown kind was composed")
	}
}
