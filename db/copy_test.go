package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db/dbtest"
	"rtcbill/domain"
)

// copyNow is the clock of the copy tests: September and October 2026 are
// issued, November is the running month.
var copyNow = time.Date(2026, 11, 10, 12, 0, 0, 0, billing.CST)

// copySource is what fillForCopy wrote: the ids and secrets to read back.
type copySource struct {
	accounts  []int64
	app       int64
	token     string
	webToken  string
	customer  string // e-mail
	password  string
	liveRoom  string
	resetLink string
}

// fillForCopy writes a row in every table of the schema, through the store:
// an active account with late usage on an issued bill, a closed trial-only
// account, users, a web session, tokens, a reset link, a live room, a job's
// state, an import in progress, audit rows, events with alert settings, a
// webhook with a delivery and its log, a user's notifications read, the
// alerts' mails and a sign-up waiting for its link.
func fillForCopy(t *testing.T, s *SQLStore) copySource {
	t.Helper()
	ctx := context.Background()
	now := copyNow
	s.SetSendsMail(true)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var src copySource
	cst := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, billing.CST) }
	insert := func(app int64, at time.Time, sessions ...billing.Session) {
		t.Helper()
		_, err := s.InsertSessions(ctx, app, sessions, at)
		must(err)
	}
	stayOf := func(id, user string, joined time.Time, d time.Duration) billing.Session {
		return billing.Session{ID: id, Room: "hall", User: user, Joined: joined, Left: joined.Add(d)}
	}

	// Active: the trial from 2025-12-01, a Starter from 2026-09-01.
	// September uses 50,500 minutes, October 600: 100 minutes of overage.
	late, err := s.CreateAccount(ctx, "Late Usage 实时", "late@example.com", cst(8, 1, 9), now)
	must(err)
	app, granted, err := s.CreateApp(ctx, late.ID, "meet", time.Date(2025, 12, 1, 9, 0, 0, 0, billing.CST), now)
	must(err)
	if !granted {
		t.Fatal("the first application brought no trial")
	}
	// Alerts and a webhook before the purchase, so that its events are
	// delivered to it (and the delivery log has a line).
	_, err = s.SetAlertSettings(ctx, late.ID, domain.AlertSettings{LowBalancePct: []int{50, 20}, ExpiringDays: 14}, now)
	must(err)
	hook, _, err := s.CreateWebhook(ctx, late.ID, "https://203.0.113.10/hooks/rtcbill", nil, now)
	must(err)
	_, _, err = s.Purchase(ctx, late.ID, "starter", cst(9, 1, 0), "order-1", now)
	must(err)
	due, err := s.DueDeliveries(ctx, now, 1)
	must(err)
	if len(due) != 1 || due[0].WebhookID != hook.ID {
		t.Fatalf("deliveries due after the purchase: got %+v, want one to webhook %d", due, hook.ID)
	}
	_, err = s.RecordAttempt(ctx, domain.Attempt{WebhookID: hook.ID, EventID: due[0].EventID, Attempt: 1, StatusCode: 503, Error: "HTTP 503",
		Response: "busy", At: now, NextAttemptAt: now.Add(30 * time.Second)}, domain.DeliveryPending)
	must(err)
	var sep []billing.Session
	for i := range 35 {
		sep = append(sep, stayOf(fmt.Sprintf("sep-%d", i), fmt.Sprint("u", i), cst(9, 2, 0), 24*time.Hour))
	}
	insert(app.SDKAppID, now, sep...)
	insert(app.SDKAppID, now, stayOf("sep-x", "x", cst(9, 4, 10), 100*time.Minute), stayOf("oct-x", "x", cst(10, 5, 10), 600*time.Minute))
	// A call across midnight at the end of October.
	insert(app.SDKAppID, now, stayOf("halloween", "y", cst(10, 31, 23), 90*time.Minute+17*time.Second))
	if _, err := s.Bill(ctx, late.ID, billing.Month{Year: 2026, Month: time.October}, now); err != nil {
		t.Fatal(err) // stores September and October
	}
	// Late sessions of September and October, recorded once they are
	// issued: the November bill carries their lines.
	insert(app.SDKAppID, now, stayOf("sep-late", "late", cst(9, 20, 10), 300*time.Minute), stayOf("oct-late", "late", cst(10, 20, 10), 50*time.Minute))
	if _, err := s.Bills(ctx, late.ID, cst(12, 2, 12)); err != nil {
		t.Fatal(err) // stores November with its late-usage lines
	}
	_, err = s.Join(ctx, app.SDKAppID, "standup", "ana", now)
	must(err)
	src.app, src.liveRoom = app.SDKAppID, "standup"

	// Closed: a trial that ran out in October; minutes refused since.
	closed, err := s.CreateAccount(ctx, "Trial Only", "trial@example.com", cst(10, 1, 9), now)
	must(err)
	capp, _, err := s.CreateApp(ctx, closed.ID, "classroom", cst(10, 1, 10), now)
	must(err)
	insert(capp.SDKAppID, now, stayOf("c1", "a", cst(10, 2, 9), 900*time.Minute), stayOf("c2", "b", cst(10, 3, 9), 300*time.Minute))

	// Users, sessions of the console, tokens, a reset link, settings.
	_, err = s.CreateUser(ctx, "ops@example.com", "correct horse battery staple", domain.RoleAdmin, 0, now)
	must(err)
	src.customer, src.password = "owner@example.com", "a customer's own passphrase"
	customer, err := s.CreateUser(ctx, src.customer, src.password, domain.RoleCustomer, late.ID, now)
	must(err)
	must(s.MarkNotificationsRead(ctx, late.ID, customer.ID, 1))
	signedUp, _, err := s.SignUp(ctx, "Signed Up Ltd", "new@example.com", "another long passphrase", "en", now)
	must(err)
	must(s.RequestSignUp(ctx, "Waiting Ltd", "waiting@example.com", "a passphrase that waits for its link", "en", "starter", now))
	src.webToken = "web-session-token-for-the-copy-test"
	must(s.WebSessions().Commit(src.webToken, []byte("session data \x00\xff"), time.Now().Add(time.Hour)))
	_, src.token, err = s.CreateAPIToken(ctx, late.ID, "ingest", now)
	must(err)
	old, _, err := s.CreateAPIToken(ctx, late.ID, "old laptop", now)
	must(err)
	must(s.RevokeAPIToken(ctx, late.ID, old.ID, now))
	src.resetLink, _, err = s.CreatePasswordReset(ctx, customer.ID, now)
	must(err)
	_, err = s.Secret(ctx, "csrf")
	must(err)
	must(s.SetJobState(ctx, "close_months", "2026-10", now))
	_, _, err = s.LockImport(ctx, closed.ID, now, time.Hour) // an import in progress
	must(err)
	must(s.Audit(ctx, now, domain.AuditSignIn, late.ID, "ops@example.com"))
	src.accounts = []int64{late.ID, closed.ID, signedUp.AccountID}
	return src
}

// schemaTables is every table of the schema when the copy was written
// (migrations 1 to 7), the events' (SQLite 9, PostgreSQL 4) and the
// mails' (SQLite 12, PostgreSQL 7), in an order that respects their foreign keys;
// fillForCopy writes rows in each.
var schemaTables = []string{
	"accounts", "apps", "packages", "sessions", "usage_daily", "usage_room_monthly",
	"live_sessions", "users", "web_sessions", "api_tokens", "audit_log",
	"issued_bills", "issued_late_usage", "job_state", "password_resets",
	"settings", "import_locks",
	"events", "package_alerts", "alert_settings", "notification_reads",
	"webhooks", "webhook_deliveries", "webhook_attempts",
	"signup_requests", "mails",
}

// foreignKeys are the references between them: child, parent.
var foreignKeys = [][2]string{
	{"apps", "accounts"}, {"packages", "accounts"}, {"sessions", "apps"}, {"live_sessions", "apps"},
	{"users", "accounts"}, {"api_tokens", "accounts"}, {"api_tokens", "users"},
	{"issued_bills", "accounts"}, {"issued_late_usage", "accounts"},
	{"password_resets", "users"}, {"import_locks", "accounts"},
	{"events", "accounts"}, {"package_alerts", "packages"}, {"alert_settings", "accounts"}, {"notification_reads", "users"},
	{"webhooks", "accounts"}, {"webhook_deliveries", "webhooks"}, {"webhook_deliveries", "events"}, {"webhook_attempts", "webhooks"},
	{"mails", "accounts"}, {"mails", "users"}, {"mails", "events"},
}

// copiedCounts is the row count of each of tables.
func copiedCounts(t *testing.T, s *SQLStore, tables []string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := s.rdq().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// answers is what the store answers about an account, printed.
func answers(t *testing.T, s *SQLStore, account int64, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	bills, err := s.Bills(ctx, account, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, bill := range bills {
		fmt.Fprintf(&b, "bill %+v\n", bill)
	}
	st, err := s.Standing(ctx, account, now)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "standing %+v\n", st)
	pkgs, err := s.Packages(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "packages %+v\n", pkgs)
	entries, _, err := s.AuditLog(ctx, account, 1)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "audit %+v\n", entries)
	tokens, err := s.APITokens(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "tokens %+v\n", tokens)
	return b.String()
}

func TestCopyToPostgres(t *testing.T) {
	target := dbtest.NewPostgres(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rtcbill.db")
	filler, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	src := fillForCopy(t, filler)
	filler.Close()

	// Fresh stores on both sides: nothing either remembers in memory.
	from, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()

	var progress []string
	report, err := CopyToPostgres(ctx, from, to, func(table string) { progress = append(progress, table) })
	if err != nil {
		t.Fatalf("CopyToPostgres: %v", err)
	}

	t.Run("every table is copied, in foreign-key order, every row and every sum verified", func(t *testing.T) {
		at := map[string]int{}
		for i, table := range progress {
			at[table] = i + 1
		}
		for _, table := range schemaTables {
			if at[table] == 0 {
				t.Errorf("table %s was not copied: got %v", table, progress)
			}
		}
		for _, fk := range foreignKeys {
			if at[fk[0]] < at[fk[1]] {
				t.Errorf("%s was copied before %s, which it references: got %v", fk[0], fk[1], progress)
			}
		}
		if len(report.Tables) != len(progress) || !report.OK() {
			t.Fatalf("report: got %+v, want every table agreeing", report.Tables)
		}
		for _, tt := range report.Tables {
			if tt.SourceRows == 0 && slices.Contains(schemaTables, tt.Name) {
				t.Errorf("%s: the source has no rows, so the test does not show it is copied", tt.Name)
			}
			if tt.Sum != "" && tt.SourceSum == 0 {
				t.Errorf("%s: %s is 0 in the source", tt.Name, tt.Sum)
			}
		}
		if got, want := copiedCounts(t, to, progress), copiedCounts(t, from, progress); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("rows: got %v in the target, want %v", got, want)
		}
	})

	t.Run("the copy answers every bill, standing, package, audit entry and token as the source", func(t *testing.T) {
		for _, now := range []time.Time{copyNow, time.Date(2026, 12, 2, 12, 0, 0, 0, billing.CST)} {
			for _, id := range src.accounts {
				want, got := answers(t, from, id, now), answers(t, to, id, now)
				if got != want {
					t.Errorf("account %d at %s:\n got %s\nwant %s", id, now, got, want)
				}
			}
		}
		nov, err := to.Bill(ctx, src.accounts[0], billing.Month{Year: 2026, Month: time.November}, time.Date(2026, 12, 2, 12, 0, 0, 0, billing.CST))
		if err != nil || nov.Status != billing.BillIssued || len(nov.Late) != 2 {
			t.Errorf("November on the copy: got %s with late lines %v, %v; want issued with September's and October's", nov.Status, nov.Late, err)
		}
	})

	t.Run("users, sessions, tokens, links and live rooms work on the copy", func(t *testing.T) {
		u, err := to.Authenticate(ctx, src.customer, src.password)
		if err != nil || u.AccountID != src.accounts[0] {
			t.Errorf("sign-in on the copy: got %+v, %v", u, err)
		}
		data, ok, err := to.WebSessions().Find(src.webToken)
		if err != nil || !ok || !bytes.Equal(data, []byte("session data \x00\xff")) {
			t.Errorf("web session on the copy: got %q, %v, %v", data, ok, err)
		}
		if _, acct, err := to.AccountForToken(ctx, src.token); err != nil || acct != src.accounts[0] {
			t.Errorf("API token on the copy: got account %d, %v", acct, err)
		}
		if _, _, err := to.PasswordResetUser(ctx, src.resetLink, copyNow); err != nil {
			t.Errorf("reset link on the copy: %v", err)
		}
		live, err := to.LiveSessions(ctx, src.app, src.liveRoom)
		if err != nil || len(live) != 1 {
			t.Errorf("live room on the copy: got %+v, %v", live, err)
		}
		for _, name := range []string{"csrf"} {
			a, err1 := from.Secret(ctx, name)
			b, err2 := to.Secret(ctx, name)
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("secret %s: got %x, %v on the copy, want %x", name, b, err2, a)
			}
		}
		if state, err := to.JobState(ctx, "close_months"); err != nil || state != "2026-10" {
			t.Errorf("job state on the copy: got %q, %v", state, err)
		}
		if _, _, err := to.LockImport(ctx, src.accounts[1], copyNow, time.Hour); !errors.Is(err, domain.ErrImportBusy) {
			t.Errorf("the import in progress on the copy: got %v, want ErrImportBusy", err)
		}
	})

	t.Run("a second copy into the now non-empty target is refused and changes nothing", func(t *testing.T) {
		before := copiedCounts(t, to, progress)
		_, err := CopyToPostgres(ctx, from, to, nil)
		if !errors.Is(err, ErrCopyTargetNotEmpty) || !strings.Contains(err.Error(), "accounts") {
			t.Fatalf("second copy: got %v, want ErrCopyTargetNotEmpty naming accounts", err)
		}
		if after := copiedCounts(t, to, progress); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("rows after the refused copy: got %v, want %v", after, before)
		}
		if got, want := answers(t, to, src.accounts[0], copyNow), answers(t, from, src.accounts[0], copyNow); got != want {
			t.Errorf("after the refused copy the target answers\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("new rows on the copy get ids after the copied ones", func(t *testing.T) {
		max := func(table, col string) int64 {
			var n int64
			if err := to.rdq().QueryRow(`SELECT MAX(` + col + `) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		accounts, sessions, audits, users, tokens := max("accounts", "id"), max("sessions", "id"), max("audit_log", "id"), max("users", "id"), max("api_tokens", "id")
		apps := max("apps", "sdk_app_id")
		a, err := to.CreateAccount(ctx, "After the move", "after@example.com", copyNow, copyNow)
		if err != nil || a.ID != accounts+1 {
			t.Fatalf("new account: got id %d, %v, want %d", a.ID, err, accounts+1)
		}
		app, _, err := to.CreateApp(ctx, a.ID, "app", copyNow.Add(-2*time.Hour), copyNow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := to.InsertSessions(ctx, app.SDKAppID, []billing.Session{{ID: "n", Room: "r", User: "u",
			Joined: copyNow.Add(-time.Hour), Left: copyNow}}, copyNow); err != nil {
			t.Fatalf("a session on the copy: %v", err)
		}
		if _, err := to.CreateUser(ctx, "later@example.com", "a passphrase long enough", domain.RoleSupport, 0, copyNow); err != nil {
			t.Fatalf("a user on the copy: %v", err)
		}
		if _, _, err := to.CreateAPIToken(ctx, a.ID, "new", copyNow); err != nil {
			t.Fatalf("a token on the copy: %v", err)
		}
		for _, c := range []struct {
			table, col string
			was        int64
		}{{"sessions", "id", sessions}, {"audit_log", "id", audits}, {"users", "id", users}, {"api_tokens", "id", tokens}} {
			if got := max(c.table, c.col); got <= c.was {
				t.Errorf("%s.%s: got %d, want past the copied %d", c.table, c.col, got, c.was)
			}
		}
		var next int64
		if err := to.rdq().QueryRow(`SELECT last_value FROM apps_sdk_app_id_seq`).Scan(&next); err != nil || next != apps {
			t.Errorf("apps_sdk_app_id_seq: got %d, %v, want past the copied applications", next, err)
		}
	})
}

func TestCopyToPostgresRefusesWhatItDoesNotKnow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rtcbill.db")
	from, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	if _, err := from.wq().Exec(`CREATE TABLE coupons (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	t.Run("a SQLite target", func(t *testing.T) {
		other, err := Open(ctx, filepath.Join(t.TempDir(), "other.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := CopyToPostgres(ctx, from, other, nil); err == nil {
			t.Error("got no error, want a PostgreSQL target asked for")
		}
	})
	t.Run("a table of the source that copy does not know", func(t *testing.T) {
		to, err := Open(ctx, dbtest.NewPostgres(t))
		if err != nil {
			t.Fatal(err)
		}
		defer to.Close()
		if _, err := CopyToPostgres(ctx, from, to, nil); err == nil || !strings.Contains(err.Error(), "coupons") {
			t.Errorf("got %v, want the table coupons named", err)
		}
		if n := copiedCounts(t, to, []string{"accounts"})["accounts"]; n != 0 {
			t.Errorf("got %d accounts in the target, want none", n)
		}
	})
}

func TestCopyToPostgresOfThePreviousRelease(t *testing.T) {
	target := dbtest.NewPostgres(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rtcbill.db")
	fixture, err := os.ReadFile("testdata/release-7b12c42.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	from, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()
	if _, err := CopyToPostgres(ctx, from, to, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range releaseBills {
		m, _ := billing.ParseMonth(w.month)
		b, err := to.Bill(ctx, w.account, m, releaseNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := billing.FormatMoney(b.AmountDue); got != w.amountDue || string(b.Status) != w.status || b.UsageSeconds != w.usageSeconds {
			t.Errorf("account %d %s on PostgreSQL: got %s %s, %d s; want %s %s, %d s", w.account, w.month, b.Status, got, b.UsageSeconds, w.status, w.amountDue, w.usageSeconds)
		}
	}
}
