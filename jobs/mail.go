package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/riverqueue/river"

	"rtcbill/domain"
	"rtcbill/mailer"
	"rtcbill/views"
)

// The jobs of e-mail, run when SMTP is configured (Config.Mailer):
//   - mail_dispatch (periodic, every DispatchEvery): a mail_deliver job
//     for each mail the store has queued (an alert's, a sign-up's, a
//     forgotten password's);
//   - mail_deliver: renders one mail in its recipient's language, with
//     links from the base URL, and sends it. A failure River tries again
//     with its backoff (about 1 s, 16 s, 81 s, 4 min, 10 min, 22 min,
//     40 min: MailAttempts in all); a permanent refusal (5xx) or the last
//     attempt gives up, and so does a mail whose link expired first.

// MailSender sends one mail (mailer.Sender).
type MailSender interface {
	Send(ctx context.Context, m mailer.Message) error
}

// MailAttempts is how many times a mail is tried.
const MailAttempts = 8

// maxMailError bounds the error kept in a mail's log.
const maxMailError = 1000

type mailDispatchArgs struct{}

func (mailDispatchArgs) Kind() string { return "mail_dispatch" }

type mailDispatchWorker struct {
	river.WorkerDefaults[mailDispatchArgs]
	cfg Config
}

// Work queues a job for each mail waiting, then marks it queued; a job
// queued twice (a crash between the two) is one job: each is unique by
// its mail.
func (w *mailDispatchWorker) Work(ctx context.Context, job *river.Job[mailDispatchArgs]) error {
	due, err := w.cfg.Store.DueMails(ctx, dispatchBatch)
	if err != nil || len(due) == 0 {
		return err
	}
	client := river.ClientFromContext[*sql.Tx](ctx)
	for _, id := range due {
		if _, err := client.Insert(ctx, mailDeliverArgs{ID: id},
			&river.InsertOpts{MaxAttempts: MailAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return fmt.Errorf("jobs: unable to queue a mail: %w", err)
		}
		if _, err := w.cfg.Store.MarkMailQueued(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

type mailDeliverArgs struct {
	ID int64 `json:"id"`
}

func (mailDeliverArgs) Kind() string { return "mail_deliver" }

type mailDeliverWorker struct {
	river.WorkerDefaults[mailDeliverArgs]
	cfg Config
}

// Timeout leaves a connection its dial and commands.
func (w *mailDeliverWorker) Timeout(*river.Job[mailDeliverArgs]) time.Duration {
	return 4 * mailer.Timeout
}

func (w *mailDeliverWorker) Work(ctx context.Context, job *river.Job[mailDeliverArgs]) error {
	m, err := w.cfg.Store.MailToSend(ctx, job.Args.ID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.State != domain.MailPending && m.State != domain.MailQueued {
		return nil // sent, or given up
	}
	now := w.cfg.Now()
	if withLink := m.Kind == domain.MailSignUp || m.Kind == domain.MailPasswordReset; withLink && (m.Token == "" || !now.Before(m.ExpiresAt)) {
		return w.cfg.Store.RecordMailAttempt(ctx, m.ID, false, "the link expired, or was replaced, before the mail could be sent", true, now)
	}
	msg, err := composeMail(ctx, w.cfg.BaseURL, m)
	if err != nil {
		return w.cfg.Store.RecordMailAttempt(ctx, m.ID, false, clip(err.Error()), true, now)
	}
	err = w.cfg.Mailer.Send(ctx, msg)
	if err == nil {
		return w.cfg.Store.RecordMailAttempt(ctx, m.ID, true, "", false, w.cfg.Now())
	}
	giveUp := mailer.IsPermanent(err) || job.Attempt >= job.MaxAttempts
	w.cfg.Logger.Warn("a mail was not sent", "mail", m.ID, "kind", m.Kind, "attempt", job.Attempt, "given_up", giveUp, "error", err)
	if rerr := w.cfg.Store.RecordMailAttempt(ctx, m.ID, false, clip(err.Error()), giveUp, w.cfg.Now()); rerr != nil {
		return rerr
	}
	if giveUp {
		return nil
	}
	return err // River tries again, with its backoff
}

// clip bounds an error for the mail's log.
func clip(s string) string { return domain.Prefix(s, maxMailError) }

// The paths of the links mails carry; the handlers serve them.
const (
	confirmSignUpPath = "/signup/confirm/"
	resetPath         = "/reset/"
)

// composeMail renders mail m in its language, with links made from base,
// the console's public address (never a request's Host).
func composeMail(ctx context.Context, base string, m domain.Mail) (mailer.Message, error) {
	ctx = views.MailContext(ctx, m.Lang)
	var text views.MailText
	switch m.Kind {
	case domain.MailAlert:
		text = views.AlertMail{AccountName: m.AccountName, AccountEmail: m.To, Event: m.Event,
			NotificationsURL: base + views.AccountURL(m.AccountID, "/notifications"),
			AlertsURL:        base + views.AccountURL(m.AccountID, "/alerts")}.Text(ctx)
	case domain.MailSignUp:
		text = views.SignUpMail{AccountName: m.AccountName, Link: base + confirmSignUpPath + url.PathEscape(m.Token), Expires: m.ExpiresAt}.Text(ctx)
	case domain.MailSignUpExists:
		text = views.SignUpExistsMail{SignInURL: base + "/signin", ForgotURL: base + "/forgot"}.Text(ctx)
	case domain.MailPasswordReset:
		text = views.ResetMail{Email: m.To, Link: base + resetPath + url.PathEscape(m.Token), Expires: m.ExpiresAt}.Text(ctx)
	default:
		return mailer.Message{}, fmt.Errorf("jobs: mail %d is of an unknown kind %q", m.ID, m.Kind)
	}
	return mailer.Message{To: m.To, Subject: text.Subject, Body: text.Body, ID: fmt.Sprintf("rtcbill.mail.%d.%d", m.ID, m.CreatedAt.Unix())}, nil
}
