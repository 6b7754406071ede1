package db

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db/dbtest"

	"rtcbill/domain"
)

// ---------------------------------------------------------------- helpers

// testNow is the fixed clock of the db tests: every instant they record
// lies before it, so CheckInstant never calls one "in the future".
var testNow = time.Date(2023, 6, 1, 12, 0, 0, 0, billing.CST)

// cstAt is a wall-clock instant in China Standard Time (R2).
func cstAt(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, billing.CST)
}

// openTestStore opens a fresh database: a SQLite file in t's temporary
// directory, or with RTCBILL_TEST_POSTGRES a PostgreSQL database of its own.
func openTestStore(t testing.TB) (*SQLStore, string) {
	t.Helper()
	path := dbtest.Default().New(t)
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func mustAccount(t testing.TB, s *SQLStore, at time.Time) domain.Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), "Acme 实时音视频", "billing@example.com", at, testNow)
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

func mustApp(t testing.TB, s *SQLStore, accountID int64, at time.Time) (domain.App, bool) {
	t.Helper()
	app, granted, err := s.CreateApp(context.Background(), accountID, "demo app", at, testNow)
	if err != nil {
		t.Fatalf("CreateApp at %s: %v", billing.FormatInstant(at), err)
	}
	return app, granted
}

func mustPurchase(t testing.TB, s *SQLStore, accountID int64, plan string, at time.Time) billing.Package {
	t.Helper()
	p, created, err := s.Purchase(context.Background(), accountID, plan, at, "", testNow)
	if err != nil {
		t.Fatalf("Purchase %s at %s: %v", plan, billing.FormatInstant(at), err)
	}
	if !created {
		t.Fatalf("Purchase %s without a key: got created false, want true", plan)
	}
	return p
}

func mustInsert(t testing.TB, s *SQLStore, sdkAppID int64, sessions ...billing.Session) domain.IngestResult {
	t.Helper()
	res, err := s.InsertSessions(context.Background(), sdkAppID, sessions, testNow)
	if err != nil {
		t.Fatalf("InsertSessions: %v", err)
	}
	return res
}

func stay(id, room, user string, joined time.Time, d time.Duration) billing.Session {
	return billing.Session{ID: id, Room: room, User: user, Joined: joined, Left: joined.Add(d)}
}

// usageTotals is what the three usage tables hold, summed.
type usageTotals struct {
	Sessions       int64
	SessionSeconds int64
	DailySeconds   int64
	RoomSeconds    int64
}

func readTotals(t testing.TB, s *SQLStore) usageTotals {
	t.Helper()
	var u usageTotals
	ctx := context.Background()
	if err := s.rdq().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(left_at - joined_at), 0) FROM sessions`).
		Scan(&u.Sessions, &u.SessionSeconds); err != nil {
		t.Fatalf("reading sessions: %v", err)
	}
	if err := s.rdq().QueryRowContext(ctx, `SELECT COALESCE(SUM(seconds), 0) FROM usage_daily`).Scan(&u.DailySeconds); err != nil {
		t.Fatalf("reading usage_daily: %v", err)
	}
	if err := s.rdq().QueryRowContext(ctx, `SELECT COALESCE(SUM(seconds), 0) FROM usage_room_monthly`).Scan(&u.RoomSeconds); err != nil {
		t.Fatalf("reading usage_room_monthly: %v", err)
	}
	return u
}

// ---------------------------------------------------------------- schema

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	want, err := migrations(dialectOf(dbtest.Default().Name))
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	type row struct {
		version int
		name    string
		applied int64
	}
	read := func(t *testing.T, s *SQLStore) []row {
		t.Helper()
		rows, err := s.rdq().QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatalf("reading schema_migrations: %v", err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.version, &r.name, &r.applied); err != nil {
				t.Fatalf("reading schema_migrations: %v", err)
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("reading schema_migrations: %v", err)
		}
		return out
	}

	s, path := openTestStore(t)
	first := read(t, s)

	t.Run("a new file gets every embedded migration once, starting with version 1", func(t *testing.T) {
		if len(first) != len(want) {
			t.Fatalf("got %d rows in schema_migrations, want %d (one per embedded migration)", len(first), len(want))
		}
		if got := first[0]; got.version != 1 || got.name != "0001_init.sql" {
			t.Errorf("got first migration %d %q, want 1 \"0001_init.sql\"", got.version, got.name)
		}
		for i, r := range first {
			if r.version != want[i].version || r.name != want[i].name {
				t.Errorf("row %d: got %d %q, want %d %q", i, r.version, r.name, want[i].version, want[i].name)
			}
		}
	})

	t.Run("reopening the same file applies nothing again", func(t *testing.T) {
		again, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("reopening %s: %v", path, err)
		}
		defer again.Close()
		second := read(t, again)
		if len(second) != len(first) {
			t.Fatalf("got %d rows after reopening, want %d", len(second), len(first))
		}
		for i := range second {
			if second[i] != first[i] {
				t.Errorf("row %d: got %+v after reopening, want it unchanged %+v", i, second[i], first[i])
			}
		}
	})
}

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	sqliteOnly(t, s)

	check := func(t *testing.T, c *sql.Conn, queryOnly, synchronous int) {
		t.Helper()
		var journal string
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatalf("PRAGMA journal_mode: %v", err)
		}
		if !strings.EqualFold(journal, "wal") {
			t.Errorf("journal_mode: got %q, want wal", journal)
		}
		for _, p := range []struct {
			name string
			want int
		}{{"foreign_keys", 1}, {"synchronous", synchronous}, {"query_only", queryOnly}} {
			var got int
			if err := c.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", p.name, err)
			}
			if got != p.want {
				t.Errorf("%s: got %d, want %d", p.name, got, p.want)
			}
		}
		var busy int
		if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatalf("PRAGMA busy_timeout: %v", err)
		}
		if busy <= 0 {
			t.Errorf("busy_timeout: got %d, want > 0", busy)
		}
	}

	// The writer syncs the WAL at every commit (synchronous FULL = 2): an
	// acknowledged batch survives a power loss, not only a crash of the
	// process. Readers write nothing (NORMAL = 1 is their default in WAL).
	t.Run("the writer runs WAL, synchronous FULL, foreign keys and a busy timeout", func(t *testing.T) {
		c, err := s.w.Conn(ctx)
		if err != nil {
			t.Fatalf("writer connection: %v", err)
		}
		defer c.Close()
		check(t, c, 0, 2)
	})

	t.Run("every pooled reader has the same pragmas and is read-only", func(t *testing.T) {
		// Hold several connections at once so the pool has to open new ones.
		var conns []*sql.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range 4 {
			c, err := s.r.Conn(ctx)
			if err != nil {
				t.Fatalf("reader connection: %v", err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			check(t, c, 1, 2)
		}
		if _, err := conns[0].ExecContext(ctx, `INSERT INTO accounts (name, email, created_at) VALUES ('x', 'x@example.com', 0)`); err == nil {
			t.Errorf("insert through a reader: got no error, want a query_only refusal")
		}
	})

	t.Run("foreign keys are enforced on the writer", func(t *testing.T) {
		_, err := s.wq().ExecContext(ctx, `INSERT INTO apps (sdk_app_id, account_id, name, created_at) VALUES (1, 999, 'orphan', 0)`)
		if err == nil {
			t.Errorf("app of a missing account: got no error, want a foreign key failure")
		}
	})
}

// ---------------------------------------------------------------- usage sums

func TestUsageSumsInSameTransaction(t *testing.T) {
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2019, 7, 1, 9, 0, 0))
	app, _ := mustApp(t, s, acct.ID, cstAt(2019, 7, 1, 10, 0, 0))
	batch := []billing.Session{
		stay("a", "r1", "alice", cstAt(2019, 7, 2, 10, 0, 0), 10*time.Minute),
		stay("b", "r1", "bob", cstAt(2019, 7, 2, 10, 0, 0), 20*time.Minute),
		stay("", "r2", "carol", cstAt(2019, 7, 2, 23, 50, 0), 25*time.Minute), // crosses midnight
		stay("d", "r2", "dave", cstAt(2019, 7, 3, 8, 0, 7), 3*time.Hour+7*time.Second),
	}
	want := usageTotals{Sessions: 4, SessionSeconds: 600 + 1200 + 1500 + 10807}
	want.DailySeconds, want.RoomSeconds = want.SessionSeconds, want.SessionSeconds

	t.Run("R6 after a batch the daily and room sums equal the sessions they sum", func(t *testing.T) {
		res := mustInsert(t, s, app.SDKAppID, batch...)
		if res.Inserted != 4 || res.Duplicates != 0 {
			t.Errorf("got %+v, want 4 inserted, 0 duplicates", res)
		}
		if got := readTotals(t, s); got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	t.Run("a repeated batch is counted as duplicates and adds nothing", func(t *testing.T) {
		res := mustInsert(t, s, app.SDKAppID, batch...)
		if res.Inserted != 0 || res.Duplicates != 4 {
			t.Errorf("got %+v, want 0 inserted, 4 duplicates", res)
		}
		if got := readTotals(t, s); got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	t.Run("a batch refused by validation leaves sessions and sums untouched", func(t *testing.T) {
		bad := []billing.Session{
			stay("e", "r1", "erin", cstAt(2019, 7, 4, 10, 0, 0), time.Hour),
			stay("f", "r1", "frank", cstAt(2019, 7, 4, 11, 0, 0), time.Hour),
			{ID: "g", Room: "r1", User: "grace", Joined: cstAt(2019, 7, 4, 12, 0, 0), Left: cstAt(2019, 7, 4, 11, 0, 0)},
		}
		_, err := s.InsertSessions(context.Background(), app.SDKAppID, bad, testNow)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got error %v, want a *ValidationError", err)
		}
		if ve.Index != 2 || ve.Field != "left_at" {
			t.Errorf("got row %d field %q, want row 2 field left_at", ve.Index, ve.Field)
		}
		if got := readTotals(t, s); got != want {
			t.Errorf("got %+v, want unchanged %+v", got, want)
		}
	})

	t.Run("a session longer than 24 hours refuses the batch", func(t *testing.T) {
		long := []billing.Session{stay("h", "r1", "heidi", cstAt(2019, 7, 5, 0, 0, 0), 24*time.Hour+time.Second)}
		_, err := s.InsertSessions(context.Background(), app.SDKAppID, long, testNow)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != "left_at" {
			t.Errorf("got error %v, want a *ValidationError on left_at", err)
		}
		if got := readTotals(t, s); got != want {
			t.Errorf("got %+v, want unchanged %+v", got, want)
		}
	})
}

func TestMonthEndMidnight(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2019, 7, 1, 9, 0, 0))
	app, _ := mustApp(t, s, acct.ID, cstAt(2019, 7, 1, 10, 0, 0))
	// 23:30 on 31 July to 00:45 on 1 August, CST: 1,800 s in July, 2,700 s in August.
	mustInsert(t, s, app.SDKAppID, stay("x", "room-9", "alice", cstAt(2019, 7, 31, 23, 30, 0), 75*time.Minute))

	t.Run("R6 a session crossing midnight at a month end lands in two days", func(t *testing.T) {
		rows, err := s.rdq().QueryContext(ctx, `SELECT day, seconds, sessions FROM usage_daily WHERE account_id = ? ORDER BY day`, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		type dayRow struct {
			day               string
			seconds, sessions int64
		}
		var got []dayRow
		for rows.Next() {
			var r dayRow
			if err := rows.Scan(&r.day, &r.seconds, &r.sessions); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		want := []dayRow{{"2019-07-31", 1800, 1}, {"2019-08-01", 2700, 1}}
		if len(got) != len(want) {
			t.Fatalf("got days %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("day %d: got %+v, want %+v", i, got[i], want[i])
			}
		}
	})

	t.Run("R6 and R11 the same session lands in two months of usage_room_monthly", func(t *testing.T) {
		for _, w := range []struct {
			month             string
			seconds, sessions int64
		}{{"2019-07", 1800, 1}, {"2019-08", 2700, 1}} {
			var secs, n int64
			err := s.rdq().QueryRowContext(ctx, `SELECT seconds, sessions FROM usage_room_monthly WHERE account_id = ? AND month = ? AND room_id = 'room-9'`,
				acct.ID, w.month).Scan(&secs, &n)
			if err != nil {
				t.Fatalf("room usage of %s: %v", w.month, err)
			}
			if secs != w.seconds || n != w.sessions {
				t.Errorf("%s: got %d s in %d sessions, want %d s in %d", w.month, secs, n, w.seconds, w.sessions)
			}
		}
	})

	t.Run("R11 each month's bill counts only its own seconds", func(t *testing.T) {
		for _, w := range []struct {
			month   billing.Month
			seconds int64
			minutes int64
		}{{billing.Month{Year: 2019, Month: time.July}, 1800, 30}, {billing.Month{Year: 2019, Month: time.August}, 2700, 45}} {
			b, err := s.Bill(ctx, acct.ID, w.month, testNow)
			if err != nil {
				t.Fatalf("Bill %s: %v", w.month, err)
			}
			if b.UsageSeconds != w.seconds || b.UsageMinutes != w.minutes {
				t.Errorf("%s: got %d s / %d min, want %d s / %d min", w.month, b.UsageSeconds, b.UsageMinutes, w.seconds, w.minutes)
			}
			if len(b.Rooms) != 1 || b.Rooms[0].Seconds != w.seconds || b.Rooms[0].Sessions != 1 {
				t.Errorf("%s: got rooms %+v, want one room of %d s and 1 session", w.month, b.Rooms, w.seconds)
			}
			if len(b.Apps) != 1 || b.Apps[0].Seconds != w.seconds {
				t.Errorf("%s: got apps %+v, want one app of %d s", w.month, b.Apps, w.seconds)
			}
		}
	})
}

// ---------------------------------------------------------------- packages

func TestTrialGrant(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	cases := []struct {
		name  string
		first time.Time
		want  bool
	}{
		{"R4 a first app at 2019-06-01 00:00 CST brings the trial", cstAt(2019, 6, 1, 0, 0, 0), true},
		{"R4 a first app one second before 2019-06-01 CST brings none", cstAt(2019, 5, 31, 23, 59, 59), false},
		{"R4 a first app in 2020 brings the trial", cstAt(2020, 2, 29, 15, 4, 5), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acct := mustAccount(t, s, c.first.Add(-time.Hour))
			_, granted := mustApp(t, s, acct.ID, c.first)
			if granted != c.want {
				t.Errorf("first app: got granted %v, want %v", granted, c.want)
			}
			_, again := mustApp(t, s, acct.ID, c.first.AddDate(0, 1, 0))
			if again {
				t.Errorf("second app: got granted true, want false (only the first app brings a trial)")
			}
			pkgs, err := s.Packages(ctx, acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantN := 0
			if c.want {
				wantN = 1
			}
			if len(pkgs) != wantN {
				t.Fatalf("got %d packages, want %d", len(pkgs), wantN)
			}
			if c.want {
				p := pkgs[0]
				if p.Plan != billing.Trial || p.Included != 1000 || !p.PurchasedAt.Equal(c.first) || !p.Price.IsZero() {
					t.Errorf("got %+v, want a free trial of 1,000 minutes granted at %s", p, billing.FormatInstant(c.first))
				}
				if want := billing.ValidityOf(c.first); p.Validity() != want {
					t.Errorf("got validity %+v, want %+v (R3 from the creation instant)", p.Validity(), want)
				}
			}
		})
	}

	t.Run("R4 the trial cannot be bought", func(t *testing.T) {
		acct := mustAccount(t, s, cstAt(2019, 7, 1, 0, 0, 0))
		_, _, err := s.Purchase(ctx, acct.ID, "trial", cstAt(2019, 7, 2, 0, 0, 0), "", testNow)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != "plan" {
			t.Errorf("got error %v, want a *ValidationError on plan", err)
		}
	})
}

func TestPurchaseIdempotency(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2019, 7, 1, 0, 0, 0))
	other := mustAccount(t, s, cstAt(2019, 7, 1, 0, 0, 0))
	at := cstAt(2019, 8, 1, 10, 0, 0)

	first, created, err := s.Purchase(ctx, acct.ID, "starter", at, "key-1", testNow)
	if err != nil || !created {
		t.Fatalf("first purchase: got created %v, error %v; want true, nil", created, err)
	}
	if want := "RB20190801"; !strings.HasPrefix(first.OrderID, want) {
		t.Errorf("order id: got %q, want the CST purchase date %s…", first.OrderID, want)
	}

	t.Run("the same key and plan returns the first package and buys nothing", func(t *testing.T) {
		again, created, err := s.Purchase(ctx, acct.ID, "starter", at.Add(time.Hour), "key-1", testNow)
		if err != nil {
			t.Fatalf("repeat: %v", err)
		}
		if created {
			t.Errorf("repeat: got created true, want false")
		}
		if again.ID != first.ID || again.OrderID != first.OrderID || !again.PurchasedAt.Equal(first.PurchasedAt) {
			t.Errorf("repeat: got %+v, want %+v", again, first)
		}
		pkgs, _ := s.Packages(ctx, acct.ID)
		if len(pkgs) != 1 {
			t.Errorf("got %d packages, want 1", len(pkgs))
		}
	})

	t.Run("the same key with another plan is ErrIdempotencyConflict", func(t *testing.T) {
		_, created, err := s.Purchase(ctx, acct.ID, "premium", at, "key-1", testNow)
		if !errors.Is(err, domain.ErrIdempotencyConflict) {
			t.Errorf("got error %v, want ErrIdempotencyConflict", err)
		}
		if created {
			t.Errorf("got created true, want false")
		}
		pkgs, _ := s.Packages(ctx, acct.ID)
		if len(pkgs) != 1 {
			t.Errorf("got %d packages, want 1", len(pkgs))
		}
	})

	t.Run("a key belongs to one account", func(t *testing.T) {
		p, created, err := s.Purchase(ctx, other.ID, "premium", at, "key-1", testNow)
		if err != nil || !created || p.ID == first.ID {
			t.Errorf("other account: got %+v created %v error %v, want a new package", p, created, err)
		}
	})

	t.Run("without a key every purchase buys", func(t *testing.T) {
		a := mustPurchase(t, s, acct.ID, "standard", at)
		b := mustPurchase(t, s, acct.ID, "standard", at)
		if a.ID == b.ID {
			t.Errorf("got the same package %d twice, want two", a.ID)
		}
	})
}

// ---------------------------------------------------------------- live calls

func TestJoinStatus(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	created := cstAt(2019, 7, 1, 10, 0, 0)

	// trialAccount has a trial and, if used > 0, that many minutes used in July 2019.
	trialAccount := func(t *testing.T, used time.Duration) domain.App {
		t.Helper()
		acct := mustAccount(t, s, created)
		app, granted := mustApp(t, s, acct.ID, created)
		if !granted {
			t.Fatalf("no trial granted at %s", billing.FormatInstant(created))
		}
		for i := 0; used > 0; i++ {
			d := min(used, 20*time.Hour)
			mustInsert(t, s, app.SDKAppID, stay("", "r", "u", cstAt(2019, 7, 2+i, 1, 0, 0), d))
			used -= d
		}
		return app
	}

	t.Run("R5 a trial with capacity left may join", func(t *testing.T) {
		app := trialAccount(t, 999*time.Minute)
		if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", cstAt(2019, 7, 20, 0, 0, 0)); err != nil {
			t.Errorf("got error %v, want nil", err)
		}
	})

	t.Run("R5 W3 a used-up trial is closed and a join is refused", func(t *testing.T) {
		app := trialAccount(t, 1000*time.Minute)
		at := cstAt(2019, 7, 20, 0, 0, 0)
		st, err := s.Status(ctx, app.AccountID, at)
		if err != nil || st != billing.StatusClosed {
			t.Errorf("status: got %q, %v; want closed", st, err)
		}
		if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", at); !errors.Is(err, domain.ErrServiceClosed) {
			t.Errorf("join: got error %v, want ErrServiceClosed", err)
		}

		t.Run("R5 W3 buying a starter re-activates the account", func(t *testing.T) {
			mustPurchase(t, s, app.AccountID, "starter", at.Add(time.Minute))
			if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", at.Add(2*time.Minute)); err != nil {
				t.Errorf("join after purchase: got error %v, want nil", err)
			}
		})
	})

	t.Run("R5 an expired trial is closed", func(t *testing.T) {
		app := trialAccount(t, 0)
		// Created 2019-07-01: valid to 2020-07-31.
		if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", cstAt(2020, 7, 31, 23, 59, 59)); err != nil {
			t.Errorf("last second of validity: got error %v, want nil", err)
		}
		if _, err := s.Join(ctx, app.SDKAppID, "room", "bob", cstAt(2020, 8, 1, 0, 0, 0)); !errors.Is(err, domain.ErrServiceClosed) {
			t.Errorf("first second after expiry: got error %v, want ErrServiceClosed", err)
		}
	})

	t.Run("R5 an account that never had a package is closed", func(t *testing.T) {
		acct := mustAccount(t, s, cstAt(2019, 5, 1, 0, 0, 0))
		app, _ := mustApp(t, s, acct.ID, cstAt(2019, 5, 2, 0, 0, 0))
		if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", cstAt(2019, 5, 3, 0, 0, 0)); !errors.Is(err, domain.ErrServiceClosed) {
			t.Errorf("got error %v, want ErrServiceClosed", err)
		}
	})

	t.Run("R5 an active account may join even past its packages", func(t *testing.T) {
		app := trialAccount(t, 1200*time.Minute)
		mustPurchase(t, s, app.AccountID, "starter", cstAt(2019, 7, 10, 0, 0, 0))
		// The starter expires 2020-07-31; active stays active, with overage.
		if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", cstAt(2021, 1, 1, 0, 0, 0)); err != nil {
			t.Errorf("got error %v, want nil", err)
		}
		if _, err := s.Join(ctx, app.SDKAppID, "room", "alice", cstAt(2021, 1, 1, 0, 0, 1)); !errors.Is(err, domain.ErrAlreadyJoined) {
			t.Errorf("second join of the same user: got error %v, want ErrAlreadyJoined", err)
		}
	})
}

func TestLeave(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2019, 7, 1, 0, 0, 0))
	app, _ := mustApp(t, s, acct.ID, cstAt(2019, 7, 1, 10, 0, 0))
	mustPurchase(t, s, acct.ID, "premium", cstAt(2019, 7, 1, 11, 0, 0))

	storedRows := func(t *testing.T, user string) []billing.Session {
		t.Helper()
		rows, err := s.rdq().QueryContext(ctx, `SELECT COALESCE(session_id, ''), room_id, user_id, joined_at, left_at FROM sessions
			WHERE sdk_app_id = ? AND user_id = ? ORDER BY joined_at`, app.SDKAppID, user)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []billing.Session
		for rows.Next() {
			var x billing.Session
			var j, l int64
			if err := rows.Scan(&x.ID, &x.Room, &x.User, &j, &l); err != nil {
				t.Fatal(err)
			}
			x.Joined, x.Left = fromUnix(j), fromUnix(l)
			out = append(out, x)
		}
		return out
	}

	t.Run("R6 leaving stores the stay as one session", func(t *testing.T) {
		joined := cstAt(2019, 8, 1, 9, 0, 0)
		id, err := s.Join(ctx, app.SDKAppID, "room-1", "alice", joined)
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		got, err := s.Leave(ctx, app.SDKAppID, "room-1", "alice", joined.Add(30*time.Minute+500*time.Millisecond))
		if err != nil {
			t.Fatalf("leave: %v", err)
		}
		if got.ID != id || got.Seconds() != 1800 || !got.Joined.Equal(joined) {
			t.Errorf("got %+v (%d s), want session %s of 1800 s from %s", got, got.Seconds(), id, billing.FormatInstant(joined))
		}
		rows := storedRows(t, "alice")
		if len(rows) != 1 || rows[0].ID != id || rows[0].Seconds() != 1800 {
			t.Errorf("got stored %+v, want one row %s of 1800 s", rows, id)
		}
		if _, err := s.Leave(ctx, app.SDKAppID, "room-1", "alice", joined.Add(time.Hour)); !errors.Is(err, domain.ErrNotInRoom) {
			t.Errorf("second leave: got error %v, want ErrNotInRoom", err)
		}
	})

	t.Run("R6 a stay longer than 24 hours is stored as rows of at most 24 hours that add up", func(t *testing.T) {
		joined := cstAt(2019, 8, 30, 20, 0, 0)
		left := cstAt(2019, 9, 2, 10, 0, 0) // 62 hours, across a month end
		id, err := s.Join(ctx, app.SDKAppID, "room-2", "bob", joined)
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		before := readTotals(t, s)
		out, err := s.Leave(ctx, app.SDKAppID, "room-2", "bob", left)
		if err != nil {
			t.Fatalf("leave: %v", err)
		}
		if out.ID != id || !out.Joined.Equal(joined) || !out.Left.Equal(left) {
			t.Errorf("leave returned %+v, want the whole stay %s from %s to %s", out, id, billing.FormatInstant(joined), billing.FormatInstant(left))
		}
		rows := storedRows(t, "bob")
		if len(rows) < 3 {
			t.Fatalf("got %d rows, want the 62-hour stay cut into several", len(rows))
		}
		var sum int64
		for i, r := range rows {
			if r.Left.Sub(r.Joined) > domain.MaxSessionLength {
				t.Errorf("row %d lasts %s, want at most 24h", i, r.Left.Sub(r.Joined))
			}
			if i > 0 && !r.Joined.Equal(rows[i-1].Left) {
				t.Errorf("row %d starts at %s, want it to follow row %d ending at %s", i, billing.FormatInstant(r.Joined), i-1, billing.FormatInstant(rows[i-1].Left))
			}
			sum += r.Seconds()
		}
		if want := int64(62 * 3600); sum != want {
			t.Errorf("rows add up to %d s, want %d", sum, want)
		}
		if !rows[0].Joined.Equal(joined) || !rows[len(rows)-1].Left.Equal(left) {
			t.Errorf("rows span %s–%s, want %s–%s", billing.FormatInstant(rows[0].Joined), billing.FormatInstant(rows[len(rows)-1].Left),
				billing.FormatInstant(joined), billing.FormatInstant(left))
		}
		after := readTotals(t, s)
		if d := after.DailySeconds - before.DailySeconds; d != 62*3600 {
			t.Errorf("daily sums grew by %d s, want %d", d, 62*3600)
		}
		if after.DailySeconds != after.SessionSeconds || after.RoomSeconds != after.SessionSeconds {
			t.Errorf("got %+v, want daily and room sums equal to the sessions", after)
		}
	})

	t.Run("R6 Standing counts a call in progress up to its instant", func(t *testing.T) {
		acct := mustAccount(t, s, cstAt(2019, 7, 1, 0, 0, 0))
		app, _ := mustApp(t, s, acct.ID, cstAt(2019, 7, 1, 10, 0, 0))
		joined := cstAt(2019, 7, 5, 10, 0, 0)
		if _, err := s.Join(ctx, app.SDKAppID, "room", "carol", joined); err != nil {
			t.Fatalf("join: %v", err)
		}
		st, err := s.Standing(ctx, acct.ID, joined.Add(10*time.Minute+30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != billing.StatusTrial || len(st.Packages) != 1 {
			t.Fatalf("got %+v, want a trial account with one package", st)
		}
		if b := st.Packages[0].Balance; b.UsedMinutes != 11 || b.RemainingMinutes != 989 {
			t.Errorf("got used %d, remaining %d, want 11 and 989 (10 min 30 s rounded up, R8)", b.UsedMinutes, b.RemainingMinutes)
		}
	})
}

func TestOpenPathsWithURIMetacharacters(t *testing.T) {
	for _, dir := range []string{"a#b", "a?b", "a%b"} {
		t.Run(dir, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), dir)
			if err := os.MkdirAll(base, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(base, "x.db")
			s, err := Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			s.Close()
			if _, err := os.Stat(path); err != nil {
				t.Errorf("got no file at %s: %v", path, err)
			}
		})
	}
}

func TestIssuedBillsNeverChange(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)
	a, err := s.CreateAccount(ctx, "Snap", "snap@example.com", now, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateApp(ctx, a.ID, "app", time.Date(2026, 7, 1, 9, 0, 0, 0, billing.CST), now); err != nil {
		t.Fatal(err)
	}
	t.Run("the monthly close issues every ended month once", func(t *testing.T) {
		n, err := s.CloseMonth(ctx, billing.Month{Year: 2026, Month: time.October}, now)
		if err != nil || n != 4 {
			t.Fatalf("got %d bills issued (%v), want 4: July to October", n, err)
		}
		if n, err := s.CloseMonth(ctx, billing.Month{Year: 2026, Month: time.October}, now); err != nil || n != 0 {
			t.Errorf("closing again: got %d (%v), want 0", n, err)
		}
	})
	t.Run("a month not over cannot be closed", func(t *testing.T) {
		if _, err := s.CloseMonth(ctx, billing.Month{Year: 2026, Month: time.November}, now); err == nil {
			t.Error("got no error")
		}
	})
	t.Run("the database refuses to change or delete an issued bill", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE issued_bills SET overage_minutes = 1`,
			`DELETE FROM issued_bills`,
		} {
			if _, err := s.wq().Exec(q); err == nil || !strings.Contains(err.Error(), "never changes") {
				t.Errorf("%s: got %v, want the trigger's refusal", q, err)
			}
		}
	})
}

// A package backdated before an account's first month opens earlier
// months: their bills are issued at the next read, though the later ones
// already were.
func TestBackdatedPackageOpensEarlierMonthsToClose(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)
	a, err := s.CreateAccount(ctx, "Late starter", "late@example.com", now, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateApp(ctx, a.ID, "app", time.Date(2026, 8, 3, 9, 0, 0, 0, billing.CST), now); err != nil {
		t.Fatal(err)
	}
	oct := billing.Month{Year: 2026, Month: time.October}
	if _, err := s.Bill(ctx, a.ID, oct, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Purchase(ctx, a.ID, "starter", time.Date(2026, 5, 10, 9, 0, 0, 0, billing.CST), "", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bill(ctx, a.ID, oct, now); err != nil {
		t.Fatal(err)
	}
	var issued int
	if err := s.rdq().QueryRow(`SELECT COUNT(*) FROM issued_bills WHERE account_id = ?`, a.ID).Scan(&issued); err != nil {
		t.Fatal(err)
	}
	if issued != 6 {
		t.Errorf("got %d issued bills, want 6: May to October", issued)
	}
}

// sqliteOnly skips a test of what only the SQLite store has (its file, its
// pragmas, VACUUM INTO) when the suite runs on PostgreSQL.
func sqliteOnly(t testing.TB, s *SQLStore) {
	t.Helper()
	if s.d.postgres {
		t.Skip("SQLite only: this store runs on PostgreSQL")
	}
}

func dialectOf(name string) *dialect {
	if name == "postgres" {
		return postgresDialect()
	}
	return sqliteDialect()
}
