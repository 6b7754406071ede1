package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"rtcbill/db/dbtest"
	"rtcbill/domain"
)

// maxPageBytes bounds every page and every JSON answer but the CSV,
// whatever the data.
const maxPageBytes = 300 << 10

// sizeSeed is how much of everything TestPageSizesDoNotGrowWithTheData
// puts in place: 10⁵ rooms in each of two months, and thousands of
// everything a list page shows.
type sizeSeed struct {
	rooms, accounts, users, tokens, apps, usageApps, roomSessions, audit int
}

// TestPageSizesDoNotGrowWithTheData seeds, straight into the database, an
// account with 10⁵ rooms in a snapshotted month and in the running month,
// 100 applications with usage on each of the overview's 30 days, and
// thousands of accounts, users, tokens, applications, sessions of one room
// on one day and audit lines, with names as long as the console takes,
// then asks for every list page, the bill pages, the order page (its
// months of history), the bill JSON and the room lists: each answer stays
// under maxPageBytes. (An API list grows with its
// limit, up to 1,000 items of the longest kind: the accounts are asked at
// 300, the rooms, whose ids are short here, at 1,000.) Under -short the
// rooms are 10⁴.
func TestPageSizesDoNotGrowWithTheData(t *testing.T) {
	seed := sizeSeed{rooms: 100_000, accounts: 3_000, users: 3_000, tokens: 3_000, apps: 3_000, usageApps: 100, roomSessions: 5_000, audit: 3_000}
	if testing.Short() {
		seed.rooms = 10_000
	}
	env := newEnv(t)
	account := env.createAccount("Big Rooms Ltd")
	app, _ := env.createApp(account, "2026-09-01T09:00:00+08:00")
	premium := intAt(t, env.purchase(account, "premium", "2026-09-01T09:00:00+08:00"), "id")
	began := time.Now()
	seedSizes(t, env, account, app, seed)
	t.Logf("seeded %+v on %s in %v", seed, dbtest.Describe(env.path), time.Since(began).Round(time.Millisecond))

	admin := env.signIn("en", domain.RoleAdmin, 0)
	zh := env.signIn("zh-CN", domain.RoleAdmin, 0)
	a := fmt.Sprintf("/accounts/%d", account)
	pages := []struct{ who, path string }{
		{"en", "/accounts"},
		{"en", "/accounts?q=" + url.QueryEscape("账户")},
		{"en", "/accounts?q=" + url.QueryEscape("账户") + "&page=3"},
		{"en", "/admin/users"},
		{"en", "/admin/users?page=2"},
		{"en", a},
		{"zh", a},
		{"en", a + "/apps"},
		{"en", a + "/apps?page=2"},
		{"en", a + "/tokens"},
		{"en", a + "/tokens?page=2"},
		{"en", a + "/audit"},
		{"en", a + "/audit?page=2"},
		{"en", a + "/bills"},
		{"en", fmt.Sprintf("%s/orders/%d", a, premium)},
		{"zh", fmt.Sprintf("%s/orders/%d", a, premium)},
		{"en", a + "/bills/2026-10"},
		{"zh", a + "/bills/2026-10"},
		{"en", a + "/bills/2026-11"},
		{"en", a + "/bills/2026-10/rooms"},
		{"zh", a + "/bills/2026-10/rooms?page=7"},
		{"en", a + "/bills/2026-10/rooms?q=room-1"},
		{"en", a + "/bills/2026-11/rooms"},
		{"en", a + "/bills/2026-11/rooms?q=9&page=2"},
		{"en", fmt.Sprintf("/apps/%d/rooms/big?day=2026-11-20", app)},
		{"en", fmt.Sprintf("/apps/%d/rooms/big?day=2026-11-20&page=2", app)},
		{"zh", fmt.Sprintf("/apps/%d/rooms/big", app)},
	}
	for _, p := range pages {
		v := admin
		if p.who == "zh" {
			v = zh
		}
		asked := time.Now()
		rec := v.get(p.path)
		t.Logf("%-7d bytes %6.1f ms  %s %s", rec.Body.Len(), time.Since(asked).Seconds()*1000, p.who, p.path)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: got %d, want 200", p.path, rec.Code)
		}
		if rec.Body.Len() > maxPageBytes {
			t.Errorf("%s: %d bytes, want at most %d", p.path, rec.Body.Len(), maxPageBytes)
		}
	}
	api := []string{
		fmt.Sprintf("/api/v1/accounts/%d/bills/2026-10", account),
		fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11", account),
		fmt.Sprintf("/api/v1/accounts/%d/bills/2026-10/rooms?limit=1000", account),
		fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11/rooms?limit=1000", account),
		"/api/v1/accounts",
		"/api/v1/accounts?q=" + url.QueryEscape("账户") + "&limit=300",
	}
	for _, path := range api {
		asked := time.Now()
		rec := env.do(req{method: "GET", path: path})
		t.Logf("%-7d bytes %6.1f ms  %s", rec.Body.Len(), time.Since(asked).Seconds()*1000, path)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: got %d, want 200", path, rec.Code)
		}
		if rec.Body.Len() > maxPageBytes {
			t.Errorf("%s: %d bytes, want at most %d", path, rec.Body.Len(), maxPageBytes)
		}
	}
}

// seedSizes writes the rows of seed straight into the database: one
// statement per table, each generating its rows in SQL, so that 10⁵ rooms
// take a fraction of a second on either database.
func seedSizes(t *testing.T, env *env, account, app int64, seed sizeSeed) {
	t.Helper()
	w := dbtest.Writable(t, env.path)
	defer w.Close()
	tx, err := w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	long := func(s string, n int) string { // a name of n runes, the longest kind the console stores
		r := []rune(s)
		out := make([]rune, n)
		for i := range out {
			out[i] = r[i%len(r)]
		}
		return string(out)
	}
	name := long("实时音视频账户名称", domain.MaxNameLen-8)
	created := mustInstant("2026-09-01T09:00:00+08:00").Unix()
	day := mustInstant("2026-11-20T10:00:00+08:00").Unix()
	gen := func(n int) string {
		return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, n)
	}
	statements := []string{
		gen(seed.rooms) + fmt.Sprintf(`INSERT INTO usage_room_monthly (account_id, month, sdk_app_id, room_id, seconds, sessions)
			SELECT %d, '2026-10', %d, 'room-' || i, (i * 7919) %% 36000, 1 + i %% 7 FROM n`, account, app),
		gen(seed.rooms) + fmt.Sprintf(`INSERT INTO usage_room_monthly (account_id, month, sdk_app_id, room_id, seconds, sessions)
			SELECT %d, '2026-11', %d, 'room-' || i, (i * 7927) %% 36000, 1 + i %% 5 FROM n`, account, app),
		gen(30) + fmt.Sprintf(`INSERT INTO usage_daily (account_id, day, sdk_app_id, seconds, sessions)
			SELECT %d, '2026-10-' || CASE WHEN i < 10 THEN '0' ELSE '' END || i, %d, 3600000, 1000 FROM n`, account, app),
		// The usage of as many applications as an account may have (the
		// default quota) on each of the overview's 30 days.
		gen(seed.usageApps*25) + fmt.Sprintf(`INSERT INTO usage_daily (account_id, day, sdk_app_id, seconds, sessions)
			SELECT %d, '2026-11-' || CASE WHEN 1 + (i - 1) / %d < 10 THEN '0' ELSE '' END || (1 + (i - 1) / %d), 1500000001 + (i - 1) %% %d, 60 + i %% 3600, 1 FROM n`,
			account, seed.usageApps, seed.usageApps, seed.usageApps),
		gen(seed.usageApps*5) + fmt.Sprintf(`INSERT INTO usage_daily (account_id, day, sdk_app_id, seconds, sessions)
			SELECT %d, '2026-10-' || (27 + (i - 1) / %d), 1500000001 + (i - 1) %% %d, 60 + i %% 3600, 1 FROM n`,
			account, seed.usageApps, seed.usageApps),
		gen(seed.accounts) + fmt.Sprintf(`INSERT INTO accounts (name, email, created_at, demo)
			SELECT '%s ' || i, 'billing-contact-' || i || '@a-rather-long-company-domain.example.com', %d, i %% 2 FROM n`, name, created),
		gen(seed.users) + fmt.Sprintf(`INSERT INTO users (email, password_hash, role, account_id, created_at)
			SELECT 'a-staff-member-with-a-long-address-' || i || '@support.example.com', 'x', 'support', NULL, %d FROM n`, created),
		gen(seed.tokens) + fmt.Sprintf(`INSERT INTO api_tokens (account_id, name, prefix, hash, created_at)
			SELECT %d, '%s ' || i, 'rtcb_abcdef', 'hash-' || i, %d FROM n`, account, name, created),
		gen(seed.apps) + fmt.Sprintf(`INSERT INTO apps (sdk_app_id, account_id, name, created_at)
			SELECT 1500000000 + i, %d, '%s ' || i, %d FROM n`, account, name, created),
		gen(seed.roomSessions) + fmt.Sprintf(`INSERT INTO sessions (sdk_app_id, session_id, room_id, user_id, joined_at, left_at)
			SELECT %d, 'big-' || i, 'big', 'a-participant-with-a-long-user-id-' || i, %d + i, %d + i + 3600 FROM n`, app, day, day),
		gen(seed.audit) + fmt.Sprintf(`INSERT INTO audit_log (at, actor, action, account_id, detail)
			SELECT %d + i, 'staff token', 'app', %d, '%s ' || i FROM n`, created, account, name),
	}
	for _, s := range statements {
		if _, err := tx.Exec(s); err != nil {
			t.Fatalf("seeding: %v\n%s", err, s)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
