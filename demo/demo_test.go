package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the tests' own read-only connection

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/domain"
)

// demoNow is the fixed clock of the demo tests.
var demoNow = time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)

// testStore is a store on a fresh SQLite file, and r a read-only
// connection to the same file for the tests' own queries: the loader sees
// only the db.Store, the tests check the rows it left.
type testStore struct {
	db.Store
	r *sql.DB
}

// openTestStore opens a fresh SQLite file in t's temporary directory.
func openTestStore(t *testing.T) testStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rtcbill.db")
	s, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := errors.Join(r.Close(), s.Close()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return testStore{Store: s, r: r}
}

// loadedDemo opens a fresh store and loads the demo into it as of demoNow.
func loadedDemo(t *testing.T) (testStore, Result) {
	t.Helper()
	s := openTestStore(t)
	res, err := Load(context.Background(), s, demoNow)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s, res
}

// demoAccount finds story n's account.
func demoAccount(t *testing.T, s testStore, n int) domain.Account {
	t.Helper()
	st := demoStories(demoNow)[n-1]
	a, ok, err := s.FindDemoAccount(context.Background(), st.name, st.email)
	if err != nil || !ok {
		t.Fatalf("story %d's account %s: found %v, err %v", n, st.email, ok, err)
	}
	return a
}

// billsByMonth is every bill of an account as of demoNow, by month.
func billsByMonth(t *testing.T, s testStore, accountID int64) map[billing.Month]billing.Bill {
	t.Helper()
	bills, err := s.Bills(context.Background(), accountID, demoNow)
	if err != nil {
		t.Fatalf("Bills: %v", err)
	}
	out := map[billing.Month]billing.Bill{}
	for _, b := range bills {
		out[b.Month] = b
	}
	return out
}

func plansOf(st domain.Standing) []billing.PlanCode {
	var out []billing.PlanCode
	for _, p := range st.Packages {
		out = append(out, p.Plan)
	}
	return out
}

func hasFeature(st domain.Standing, f billing.Feature) bool {
	return slices.ContainsFunc(st.Entitlements, func(e billing.Entitlement) bool { return e.Feature == f })
}

func TestLoadDemo(t *testing.T) {
	ctx := context.Background()
	s, res := loadedDemo(t)
	thisMonth := billing.MonthOf(demoNow)

	t.Run("five demo accounts with e-mails under the demo domain", func(t *testing.T) {
		if res.AlreadyLoaded || res.Accounts != 5 {
			t.Errorf("first load: got %+v, want 5 accounts and not already loaded", res)
		}
		for n := 1; n <= 5; n++ {
			if a := demoAccount(t, s, n); !a.Demo {
				t.Errorf("story %d: account %s is not a demo account", n, a.Email)
			}
		}
		found, err := s.SearchAccounts(ctx, domain.AccountSearch{Query: "@" + EmailDomain, Limit: 100})
		if err != nil || len(found) != 5 {
			t.Errorf("searching for @%s: got %d accounts (%v), want 5", EmailDomain, len(found), err)
		}
		var stored int
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if res.Sessions != stored || stored < 20_000 || stored > 60_000 {
			t.Errorf("sessions: the load says %d, the table holds %d, want the same, between 20,000 and 60,000", res.Sessions, stored)
		}
	})

	t.Run("story 1: R5 closed once the trial ran out, the call over it refused (R7)", func(t *testing.T) {
		a := demoAccount(t, s, 1)
		st, err := s.Standing(ctx, a.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != billing.StatusClosed {
			t.Errorf("status: got %s, want closed", st.Status)
		}
		if got := plansOf(st); !reflect.DeepEqual(got, []billing.PlanCode{billing.Trial}) {
			t.Errorf("packages: got %v, want the trial alone", got)
		}
		if b := st.Packages[0].Balance; b.UsedMinutes != 1_000 {
			t.Errorf("trial used: got %d minutes, want all 1000", b.UsedMinutes)
		}
		var refused int64
		for _, b := range billsByMonth(t, s, a.ID) {
			refused += b.Refused
			if !b.AmountDue.IsZero() {
				t.Errorf("bill %s: amount due %s, want 0 (refused minutes are never billed)", b.Month, b.AmountDue)
			}
		}
		if refused == 0 {
			t.Errorf("refused minutes on the bills: got 0, want some")
		}
		app := demoStories(demoNow)[0].apps[0]
		if now := app.created; demoNow.Sub(now) < 85*24*time.Hour || demoNow.Sub(now) > 110*24*time.Hour {
			t.Errorf("first application created %s, want about three months before now", billing.FormatInstant(now))
		}
	})

	t.Run("story 2: trial, then a Starter, then overage on the latest bills", func(t *testing.T) {
		a := demoAccount(t, s, 2)
		st, err := s.Standing(ctx, a.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := plansOf(st); !reflect.DeepEqual(got, []billing.PlanCode{billing.Trial, billing.Starter}) {
			t.Errorf("packages: got %v, want the trial then a Starter", got)
		}
		if st.Status != billing.StatusActive {
			t.Errorf("status: got %s, want active", st.Status)
		}
		bills := billsByMonth(t, s, a.ID)
		for _, m := range []billing.Month{thisMonth.Prev(), thisMonth} {
			b := bills[m]
			if b.Overage == 0 || !b.AmountDue.IsPositive() {
				t.Errorf("bill %s: overage %d minutes, due %s; want overage billed", m, b.Overage, b.AmountDue)
			}
		}
		starterMonth := billing.MonthOf(st.Packages[1].PurchasedAt)
		if b := bills[starterMonth]; len(b.Purchases) != 1 || b.Overage != 0 {
			t.Errorf("bill %s: purchases %v, overage %d; want the Starter listed and no overage", starterMonth, b.Purchases, b.Overage)
		}
		var growing []int64
		for m := starterMonth.Next(); m.Before(thisMonth); m = m.Next() {
			growing = append(growing, bills[m].UsageMinutes)
		}
		if !slices.IsSorted(growing) {
			t.Errorf("monthly usage after the Starter: got %v, want it growing", growing)
		}
	})

	t.Run("story 3: R12 the Standard brings the whiteboard; lessons on weekdays in working hours", func(t *testing.T) {
		a := demoAccount(t, s, 3)
		st, err := s.Standing(ctx, a.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		if !hasFeature(st, billing.FeatureWhiteboardSDK) {
			t.Errorf("entitlements: got %+v, want the whiteboard SDK", st.Entitlements)
		}
		var standard *domain.PackageStanding
		for i := range st.Packages {
			if st.Packages[i].Plan == billing.Standard {
				standard = &st.Packages[i]
			}
		}
		if standard == nil || standard.State != billing.StateValid {
			t.Fatalf("packages: got %+v, want a valid Standard", st.Packages)
		}
		if age := demoNow.Sub(standard.PurchasedAt); age < 150*24*time.Hour || age > 215*24*time.Hour {
			t.Errorf("Standard bought %s, want about six months before now", billing.FormatInstant(standard.PurchasedAt))
		}
		rows, err := s.r.Query(`SELECT s.room_id, s.user_id, s.joined_at, s.left_at FROM sessions s JOIN apps p ON p.sdk_app_id = s.sdk_app_id
			WHERE p.account_id = ? AND s.joined_at >= ? ORDER BY s.joined_at`, a.ID, billing.NextDayStart(standard.PurchasedAt).Unix())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		type lesson struct{ teachers, students int }
		lessons := map[string]*lesson{}
		for rows.Next() {
			var room, user string
			var joined, left int64
			if err := rows.Scan(&room, &user, &joined, &left); err != nil {
				t.Fatal(err)
			}
			j, l := unixTime(joined).In(billing.CST), unixTime(left).In(billing.CST)
			if wd := j.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("%s in %s on %s, a %s: want weekdays only", user, room, billing.FormatDate(j), wd)
			}
			if j.Hour() < 8 || l.Hour() >= 17 || billing.FormatDate(j) != billing.FormatDate(l) {
				t.Errorf("%s in %s from %s to %s: want within 08:00–17:00 CST", user, room, billing.FormatInstant(j), billing.FormatInstant(l))
			}
			key := room + " " + billing.FormatDate(j)
			if lessons[key] == nil {
				lessons[key] = &lesson{}
			}
			if len(user) > 8 && user[:8] == "teacher-" {
				lessons[key].teachers++
			} else {
				lessons[key].students++
			}
		}
		if len(lessons) < 50 {
			t.Errorf("lessons since the Standard: got %d, want months of them", len(lessons))
		}
		for key, l := range lessons {
			if l.teachers != 1 || l.students < 20 || l.students > 40 {
				t.Errorf("lesson %s: %d teachers and %d students, want 1 and 20 to 40", key, l.teachers, l.students)
			}
		}
	})

	t.Run("story 4: R9 the first Enterprise expired and its minutes were cleared on its expiry month's bill", func(t *testing.T) {
		a := demoAccount(t, s, 4)
		st, err := s.Standing(ctx, a.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		want := []billing.PlanCode{billing.Trial, billing.Enterprise, billing.Standard, billing.Enterprise}
		if got := plansOf(st); !reflect.DeepEqual(got, want) {
			t.Fatalf("packages: got %v, want %v", got, want)
		}
		first, second := st.Packages[1], st.Packages[3]
		if first.State != billing.StateExpired || first.Balance.ClearedMinutes <= 0 {
			t.Errorf("first Enterprise: state %s, cleared %d; want expired with minutes cleared", first.State, first.Balance.ClearedMinutes)
		}
		if age := demoNow.Sub(first.PurchasedAt); age < 13*30*24*time.Hour || age > 15*31*24*time.Hour {
			t.Errorf("first Enterprise bought %s, want 14 to 15 months before now", billing.FormatInstant(first.PurchasedAt))
		}
		if second.State != billing.StateValid || st.Packages[2].State != billing.StateValid {
			t.Errorf("the Standard and the second Enterprise: states %s and %s, want both valid", st.Packages[2].State, second.State)
		}
		if gap := first.Validity.Until.Sub(second.PurchasedAt); gap < 80*24*time.Hour || gap > 120*24*time.Hour {
			t.Errorf("second Enterprise bought %s, want about three months before the first expires (%s)",
				billing.FormatInstant(second.PurchasedAt), billing.FormatDate(first.Validity.ExpiresOn()))
		}
		month := billing.MonthOf(first.Validity.ExpiresOn())
		bill, err := s.Bill(ctx, a.ID, month, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(bill.Expired, func(c billing.Clearance) bool { return c.PackageID == first.ID })
		if i < 0 || bill.Expired[i].Minutes != first.Balance.ClearedMinutes {
			t.Errorf("bill %s: cleared %+v, want package %d with %d minutes", month, bill.Expired, first.ID, first.Balance.ClearedMinutes)
		}
		for m, b := range billsByMonth(t, s, a.ID) {
			if m.Before(billing.MonthOf(first.PurchasedAt).Next()) || !m.Before(thisMonth) {
				continue
			}
			if b.UsageMinutes < 40_000 || b.Overage != 0 {
				t.Errorf("bill %s: usage %d, overage %d; want steady heavy usage the packages cover", m, b.UsageMinutes, b.Overage)
			}
		}
	})

	t.Run("story 5: active with a valid Premium, large usage over several applications", func(t *testing.T) {
		a := demoAccount(t, s, 5)
		st, err := s.Standing(ctx, a.ID, demoNow)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(st.Packages, func(p domain.PackageStanding) bool { return p.Plan == billing.Premium })
		if st.Status != billing.StatusActive || i < 0 || st.Packages[i].State != billing.StateValid {
			t.Fatalf("status %s, packages %v: want active with a valid Premium", st.Status, plansOf(st))
		}
		if !hasFeature(st, billing.FeatureDedicatedSupport) {
			t.Errorf("entitlements: got %+v, want 1V1 dedicated support", st.Entitlements)
		}
		bill, err := s.Bill(ctx, a.ID, thisMonth.Prev(), demoNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(bill.Apps) < 3 || bill.UsageMinutes < 200_000 {
			t.Errorf("bill %s: %d applications, %d minutes; want at least 3 and 200,000", bill.Month, len(bill.Apps), bill.UsageMinutes)
		}
	})

	t.Run("R6 some calls cross CST midnight and a month end, counted on both days", func(t *testing.T) {
		rows, err := s.r.Query(`SELECT s.sdk_app_id, p.account_id, s.joined_at, s.left_at FROM sessions s JOIN apps p ON p.sdk_app_id = s.sdk_app_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var midnight, monthEnd int
		type crossing struct {
			app, account int64
			joined, left time.Time
		}
		var sample *crossing
		for rows.Next() {
			var c crossing
			var j, l int64
			if err := rows.Scan(&c.app, &c.account, &j, &l); err != nil {
				t.Fatal(err)
			}
			c.joined, c.left = unixTime(j), unixTime(l)
			if billing.FormatDate(c.joined) != billing.FormatDate(c.left) {
				midnight++
				if billing.MonthOf(c.joined) != billing.MonthOf(c.left) {
					monthEnd++
					sample = &c
				}
			}
		}
		if midnight < 10 || monthEnd < 3 {
			t.Fatalf("sessions crossing midnight: %d, a month end: %d; want a few of each", midnight, monthEnd)
		}
		for _, day := range []time.Time{sample.joined, sample.left} {
			var n int
			if err := s.r.QueryRow(`SELECT COUNT(*) FROM usage_daily WHERE account_id = ? AND sdk_app_id = ? AND day = ?`,
				sample.account, sample.app, billing.FormatDate(day)).Scan(&n); err != nil || n != 1 {
				t.Errorf("usage of app %d on %s: %d rows (%v), want 1", sample.app, billing.FormatDate(day), n, err)
			}
		}
	})

	t.Run("every session ends before now, in rooms of several participants", func(t *testing.T) {
		var last int64
		var group float64
		if err := s.r.QueryRow(`SELECT MAX(left_at) FROM sessions`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if !unixTime(last).Before(demoNow) {
			t.Errorf("last session ends %s, want before now", billing.FormatInstant(unixTime(last)))
		}
		if err := s.r.QueryRow(`SELECT AVG(sessions) FROM usage_room_monthly`).Scan(&group); err != nil || group < 5 {
			t.Errorf("sessions per room and month: %.1f on average (%v), want rooms many join", group, err)
		}
	})
}

// demoTableCounts counts the rows of every table.
func demoTableCounts(t *testing.T, s testStore) map[string]int {
	t.Helper()
	rows, err := s.r.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]int{}
	for _, name := range tables {
		var n int
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM "` + name + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

func TestLoadDemoTwiceChangesNothing(t *testing.T) {
	s, _ := loadedDemo(t)
	before := demoTableCounts(t, s)
	for _, now := range []time.Time{demoNow, demoNow.Add(36 * time.Hour)} {
		res, err := Load(context.Background(), s, now)
		if err != nil || res != (Result{AlreadyLoaded: true}) {
			t.Errorf("loading again as of %s: got %+v, %v; want already loaded", billing.FormatInstant(now), res, err)
		}
		if after := demoTableCounts(t, s); !reflect.DeepEqual(after, before) {
			t.Errorf("row counts after loading again: got %v, want %v", after, before)
		}
	}
}

// demoFingerprint sums up what a load stored, whatever order it was
// stored in.
func demoFingerprint(t *testing.T, s testStore) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT COUNT(*), SUM(joined_at), SUM(left_at), SUM(LENGTH(session_id || room_id || user_id)) FROM sessions`,
		`SELECT COUNT(*), SUM(seconds), SUM(sessions) FROM usage_daily`,
		`SELECT COUNT(*), SUM(seconds), SUM(sessions) FROM usage_room_monthly`,
		`SELECT group_concat(name || '/' || email || '/' || created_at || '/' || demo, ';') FROM (SELECT * FROM accounts ORDER BY name)`,
		`SELECT group_concat(a.name || '/' || p.name || '/' || p.created_at, ';') FROM (SELECT * FROM apps ORDER BY name) p JOIN accounts a ON a.id = p.account_id`,
		`SELECT group_concat(a.name || '/' || k.plan || '/' || k.purchased_at || '/' || COALESCE(k.idempotency_key, ''), ';') FROM (SELECT * FROM packages ORDER BY purchased_at, plan) k JOIN accounts a ON a.id = k.account_id`,
		`SELECT COUNT(*) FROM audit_log`,
	} {
		var parts []any
		rows, err := s.r.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			parts = make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range parts {
				ptrs[i] = &parts[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		out = append(out, fmt.Sprint(parts...))
	}
	return out
}

func TestLoadDemoFinishesALoadCutShort(t *testing.T) {
	full, _ := loadedDemo(t)
	want := demoFingerprint(t, full)
	errCut := errors.New("cut short")
	for _, step := range []string{"story 1 account", "story 3 purchase 1", "story 5 app 2 sessions 1"} {
		t.Run("cut after "+step, func(t *testing.T) {
			s := openTestStore(t)
			first, err := load(context.Background(), s, demoNow, func(at string) error {
				if at == step {
					return errCut
				}
				return nil
			})
			if !errors.Is(err, errCut) {
				t.Fatalf("the load cut short: got %v, want it to stop", err)
			}
			// Finished a day and a half later: the stories keep the first
			// load's dates.
			rest, err := Load(context.Background(), s, demoNow.Add(36*time.Hour))
			if err != nil {
				t.Fatalf("finishing the load: %v", err)
			}
			if rest.AlreadyLoaded || first.Accounts+rest.Accounts != 5 {
				t.Errorf("the two loads: %+v then %+v, want 5 accounts in all", first, rest)
			}
			if got := demoFingerprint(t, s); !reflect.DeepEqual(got, want) {
				t.Errorf("after finishing the load:\n got %q\nwant %q (one uninterrupted load)", got, want)
			}
			if res, err := Load(context.Background(), s, demoNow.Add(72*time.Hour)); err != nil || !res.AlreadyLoaded {
				t.Errorf("a third load: got %+v, %v; want already loaded", res, err)
			}
		})
	}
}

func TestDemoSessionsAreDeterministicAndDistinct(t *testing.T) {
	for _, st := range demoStories(demoNow) {
		a, b := st.generate(demoNow), st.generate(demoNow)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("story %d: two generations as of the same instant differ", st.n)
		}
		// A repeated id or (room, user, joined_at) would be stored once,
		// as a duplicate, and the load would miss a session.
		ids, keys := map[string]bool{}, map[string]bool{}
		n := 0
		for app, sessions := range a {
			for _, x := range sessions {
				n++
				ids[x.ID] = true
				keys[fmt.Sprint(app, x.Room, x.User, x.Joined.Unix())] = true
				if x.Left.Sub(x.Joined) > domain.MaxSessionLength || !x.Joined.Before(x.Left) || x.Joined.Before(st.apps[app].created) {
					t.Errorf("story %d: session %s from %s to %s, want within a day and after its application",
						st.n, x.ID, billing.FormatInstant(x.Joined), billing.FormatInstant(x.Left))
				}
			}
		}
		if n == 0 || len(ids) != n || len(keys) != n {
			t.Errorf("story %d: %d sessions, %d ids, %d natural keys; want as many of each", st.n, n, len(ids), len(keys))
		}
	}
}

// unixTime is an instant the database stores as Unix seconds.
func unixTime(s int64) time.Time { return time.Unix(s, 0).UTC() }
