package db

import (
	"context"
	"errors"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// queued is every mail of the queue, oldest first, with what its text
// needs.
func queued(t testing.TB, s *SQLStore) []domain.Mail {
	t.Helper()
	ctx := context.Background()
	rows, err := s.rdq().Query(`SELECT id FROM mails ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []domain.Mail
	for _, id := range ids {
		m, err := s.MailToSend(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestSignUpByMail: a sign-up keeps nothing but its request and its mail
// until the link is used, which opens the account and user in the
// sign-up's language, once; an address with a user gets a mail saying so,
// a disabled user's nothing.
func TestSignUpByMail(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	if err := s.RequestSignUp(ctx, "Mailed 邮件 Ltd", "New@Example.com", "a long enough passphrase", "en", "starter", testNow); err != nil {
		t.Fatal(err)
	}
	mails := queued(t, s)
	if len(mails) != 1 {
		t.Fatalf("mails: %+v, want one", mails)
	}
	m := mails[0]
	if m.Kind != domain.MailSignUp || m.To != "New@Example.com" || m.Lang != "en" || m.AccountName != "Mailed 邮件 Ltd" || len(m.Token) != 43 ||
		!m.ExpiresAt.Equal(testNow.Add(domain.SignUpLinkTTL)) || m.State != domain.MailPending {
		t.Errorf("the mail: %+v", m)
	}
	if _, err := s.UserByEmail(ctx, "new@example.com"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a user before the link: %v", err)
	}
	var stored int
	if err := s.rdq().QueryRow(`SELECT COUNT(*) FROM signup_requests WHERE token_hash = ?`, m.Token).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the link's token is stored as it is: %d, %v", stored, err)
	}
	if r, err := s.SignUpRequest(ctx, m.Token, testNow); err != nil || r.Email != "New@Example.com" || r.Plan != "starter" {
		t.Errorf("SignUpRequest: %+v, %v", r, err)
	}
	if _, err := s.SignUpRequest(ctx, m.Token, testNow.Add(domain.SignUpLinkTTL)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("SignUpRequest after 24 hours: %v, want ErrNotFound", err)
	}

	u, a, plan, err := s.ConfirmSignUp(ctx, m.Token, testNow.Add(time.Hour))
	if err != nil || u.AccountID != a.ID || u.Role != domain.RoleCustomer || u.Lang != "en" || plan != "starter" || a.Name != "Mailed 邮件 Ltd" {
		t.Fatalf("ConfirmSignUp: %+v %+v %q %v", u, a, plan, err)
	}
	if st, err := s.AlertSettings(ctx, a.ID); err != nil || st.Language != "en" {
		t.Errorf("the account's language: %+v, %v", st, err)
	}
	if _, err := s.Authenticate(ctx, "new@example.com", "a long enough passphrase"); err != nil {
		t.Errorf("signing in with the sign-up's password: %v", err)
	}
	if _, _, _, err := s.ConfirmSignUp(ctx, m.Token, testNow.Add(time.Hour)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the link again: %v, want ErrNotFound", err)
	}

	if err := s.RequestSignUp(ctx, "Again Ltd", "new@example.com", "another long passphrase", "zh-CN", "", testNow); err != nil {
		t.Fatal(err)
	}
	disabled, err := s.CreateUser(ctx, "gone@example.com", "a long enough passphrase", domain.RoleSupport, 0, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserDisabled(ctx, disabled.ID, true, testNow); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestSignUp(ctx, "Gone Ltd", "gone@example.com", "a long enough passphrase", "en", "", testNow); err != nil {
		t.Fatal(err)
	}
	mails = queued(t, s)
	if len(mails) != 2 || mails[1].Kind != domain.MailSignUpExists || mails[1].To != "New@Example.com" || mails[1].Lang != "en" ||
		mails[1].Token != "" || mails[1].AccountID != a.ID {
		t.Errorf("after sign-ups with taken addresses: %+v, want one mail saying the account exists, in its user's language", mails)
	}
	if err := s.RequestSignUp(ctx, "Bad", "x@example.com", "short", "en", "", testNow); !isField(err, "password") {
		t.Errorf("a short password: %v, want a ValidationError of password", err)
	}
}

func isField(err error, field string) bool {
	var ve *domain.ValidationError
	return errors.As(err, &ve) && ve.Field == field
}

// TestSignUpRaceWithAUser: an address that gets a user while its link
// waits spends the link and opens nothing.
func TestSignUpRaceWithAUser(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	if err := s.RequestSignUp(ctx, "Raced Ltd", "raced@example.com", "a long enough passphrase", "en", "", testNow); err != nil {
		t.Fatal(err)
	}
	token := queued(t, s)[0].Token
	if _, err := s.CreateUser(ctx, "RACED@example.com", "a long enough passphrase", domain.RoleSales, 0, testNow); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.ConfirmSignUp(ctx, token, testNow); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ConfirmSignUp: %v, want ErrNotFound", err)
	}
	if _, err := s.SignUpRequest(ctx, token, testNow); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the link is not spent: %v", err)
	}
	var accounts int
	if err := s.rdq().QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil || accounts != 0 {
		t.Errorf("accounts: %d, %v", accounts, err)
	}
}

// TestPasswordResetByMail: an enabled user's address gets a link of 30
// minutes that replaces the earlier ones; other addresses nothing; one
// address at most MaxCredentialMailsPerHour mails an hour, and a request
// beyond them replaces no link.
func TestPasswordResetByMail(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "ops@example.com", "a long enough passphrase", domain.RoleAdmin, 0, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if u.Lang != domain.DefaultLang {
		t.Errorf("a new user's language: %q", u.Lang)
	}
	if _, err := s.SetUserLang(ctx, u.ID, "EN"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserLang(ctx, u.ID, "fr"); !isField(err, "lang") {
		t.Errorf("SetUserLang fr: %v", err)
	}
	for _, email := range []string{"nobody@example.com", "OPS@example.com"} {
		if err := s.RequestPasswordReset(ctx, email, testNow); err != nil {
			t.Fatal(err)
		}
	}
	mails := queued(t, s)
	if len(mails) != 1 || mails[0].Kind != domain.MailPasswordReset || mails[0].To != "ops@example.com" || mails[0].Lang != "en" ||
		!mails[0].ExpiresAt.Equal(testNow.Add(30*time.Minute)) {
		t.Fatalf("mails: %+v", mails)
	}
	first := mails[0].Token
	if got, expires, err := s.PasswordResetUser(ctx, first, testNow.Add(29*time.Minute)); err != nil || got.ID != u.ID || !expires.Equal(testNow.Add(30*time.Minute)) {
		t.Errorf("the link at 29 minutes: %+v %s %v", got, expires, err)
	}
	if _, _, err := s.PasswordResetUser(ctx, first, testNow.Add(30*time.Minute)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the link at 30 minutes: %v, want ErrNotFound", err)
	}
	for range domain.MaxCredentialMailsPerHour {
		if err := s.RequestPasswordReset(ctx, "ops@example.com", testNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	mails = queued(t, s)
	if len(mails) != domain.MaxCredentialMailsPerHour {
		t.Fatalf("%d mails in an hour, want %d", len(mails), domain.MaxCredentialMailsPerHour)
	}
	last := mails[len(mails)-1].Token
	if _, _, err := s.PasswordResetUser(ctx, last, testNow.Add(2*time.Minute)); err != nil {
		t.Errorf("the last link mailed stopped working when a request beyond the limit came: %v", err)
	}
	if m, _ := s.MailToSend(ctx, mails[0].ID); m.Token != "" {
		t.Errorf("a replaced link is still to be sent: %+v", m)
	}
	if err := s.RequestPasswordReset(ctx, "ops@example.com", testNow.Add(61*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(queued(t, s)); n != domain.MaxCredentialMailsPerHour+1 {
		t.Errorf("an hour later: %d mails, want one more", n)
	}

	if err := s.RecordMailAttempt(ctx, mails[1].ID, false, "451 try later", false, testNow); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordMailAttempt(ctx, mails[1].ID, true, "", false, testNow); err != nil {
		t.Fatal(err)
	}
	var token *string
	var state string
	var attempts int
	if err := s.rdq().QueryRow(`SELECT token, state, attempts FROM mails WHERE id = ?`, mails[1].ID).Scan(&token, &state, &attempts); err != nil ||
		token != nil || state != domain.MailSent || attempts != 2 {
		t.Errorf("a mail sent at its second attempt: token %v, %s, %d attempts (%v); want no token, sent, 2", token, state, attempts, err)
	}
}

// TestAlertMailsQueue: with mail on, an alert event of an account queues
// a mail to its e-mail in its language; a demo account's does not, nor
// does an event that is no alert, nor anything with mail off.
func TestAlertMailsQueue(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	batch := func(app int64, id string) {
		t.Helper()
		if _, err := s.InsertSessions(ctx, app, []billing.Session{stay(id, "r", "u", cstAt(2023, 5, 20, 10, 0, 0), 850*time.Minute)}, testNow); err != nil {
			t.Fatal(err)
		}
	}
	quiet := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	qapp, _ := mustApp(t, s, quiet.ID, cstAt(2023, 5, 1, 10, 0, 0))
	batch(qapp.SDKAppID, "q") // mail off: the default
	s.SetSendsMail(true)
	a := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	if _, err := s.SetAlertSettings(ctx, a.ID, domain.AlertSettings{LowBalancePct: []int{20}, ExpiringDays: 30, Language: "en"}, testNow); err != nil {
		t.Fatal(err)
	}
	app, _ := mustApp(t, s, a.ID, cstAt(2023, 5, 1, 10, 0, 0))
	demo, err := s.CreateDemoAccount(ctx, "Demo", "demo@example.com", cstAt(2023, 5, 1, 9, 0, 0), testNow)
	if err != nil {
		t.Fatal(err)
	}
	dapp, _ := mustApp(t, s, demo.ID, cstAt(2023, 5, 1, 10, 0, 0))
	batch(app.SDKAppID, "a")
	batch(dapp.SDKAppID, "d")
	mustPurchase(t, s, a.ID, "starter", cstAt(2023, 5, 25, 10, 0, 0))

	mails := queued(t, s)
	if len(mails) != 1 {
		t.Fatalf("mails: %+v, want the one low balance", mails)
	}
	m := mails[0]
	if m.Kind != domain.MailAlert || m.To != "billing@example.com" || m.Lang != "en" || m.AccountID != a.ID || m.AccountName != a.Name ||
		m.Event.Type != domain.EventLowBalance || m.Event.AccountID != a.ID || m.Token != "" {
		t.Errorf("the alert's mail: %+v", m)
	}
	for _, id := range []int64{quiet.ID, demo.ID} {
		if len(eventLines(t, s, id)) == 0 {
			t.Errorf("account %d has no event: the test shows nothing", id)
		}
	}
	if ids, err := s.DueMails(ctx, 10); err != nil || len(ids) != 1 || ids[0] != m.ID {
		t.Errorf("DueMails: %v, %v", ids, err)
	}
	if ok, err := s.MarkMailQueued(ctx, m.ID); !ok || err != nil {
		t.Errorf("MarkMailQueued: %v, %v", ok, err)
	}
	if ok, _ := s.MarkMailQueued(ctx, m.ID); ok {
		t.Error("a mail was queued twice")
	}
	if ids, _ := s.DueMails(ctx, 10); len(ids) != 0 {
		t.Errorf("DueMails after queuing: %v", ids)
	}
}
