package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
)

// dashboardAccount seeds, through the API, an account with two named
// applications, the trial (from the first application, 2026-10-01), a
// Starter bought 2026-11-01 and calls on known days up to fixedNow
// (2026-11-25 12:00 CST):
//
//   - Live Classroom (A): 30 min on 10-28 in r1; a call across CST
//     midnight in r1, 11-10 23:50:00 to 11-11 00:20:30 (600 s on 11-10,
//     1,230 s on 11-11, R6); 45 s on 11-24 in r2.
//   - Voice Rooms (B): 10 min on 10-20 (outside the 30 days); in hall, two
//     users for 20 h (72,000 s each) every day from 11-02 to 11-22 and one
//     on 11-23 (43 stays, 3,096,000 s); in side, 5 h on 11-12.
//
// November: 3,096,000 + 18,000 + 1,830 + 45 = 3,115,875 s, 51,932 min
// (R8). October used 40 min of the trial, so it enters November with 960
// min (57,600 s); the Starter holds 3,000,000 s. R7: 3,115,875 − 57,600 −
// 3,000,000 = 58,275 s uncovered → 972 min overage (R8), 972 × 25 / 1000 =
// 24.30 CNY (R10). The packages covered 960 + 50,000 = 50,960 min.
func dashboardAccount(t *testing.T, env *env) (account, appA, appB int64) {
	t.Helper()
	account = env.createAccount("Dashboard Ltd")
	app := func(name, at string) int64 {
		a := env.call("POST", fmt.Sprintf("/api/v1/accounts/%d/apps", account), map[string]string{"name": name, "created_at": at}, http.StatusCreated)
		return intAt(t, a, "sdk_app_id")
	}
	appA = app("Live Classroom", "2026-10-01T09:00:00+08:00")
	appB = app("Voice Rooms", "2026-10-01T09:05:00+08:00")
	env.purchase(account, "starter", "2026-11-01T09:00:00+08:00")
	env.postSessions(appA, []session{
		{ID: "a-oct", Room: "r1", User: "ann", Joined: "2026-10-28T10:00:00+08:00", Left: "2026-10-28T10:30:00+08:00"},
		{ID: "a-midnight", Room: "r1", User: "ann", Joined: "2026-11-10T23:50:00+08:00", Left: "2026-11-11T00:20:30+08:00"},
		{ID: "a-short", Room: "r2", User: "bob", Joined: "2026-11-24T09:00:00+08:00", Left: "2026-11-24T09:00:45+08:00"},
	})
	rows := []session{{ID: "b-oct", Room: "side", User: "cat", Joined: "2026-10-20T10:00:00+08:00", Left: "2026-10-20T10:10:00+08:00"}}
	for day := 2; day <= 23; day++ {
		users := []string{"h1", "h2"}
		if day == 23 {
			users = users[:1]
		}
		for _, u := range users {
			rows = append(rows, session{ID: fmt.Sprintf("b-%d-%s", day, u), Room: "hall", User: u,
				Joined: fmt.Sprintf("2026-11-%02dT01:00:00+08:00", day), Left: fmt.Sprintf("2026-11-%02dT21:00:00+08:00", day)})
		}
	}
	rows = append(rows,
		session{ID: "b-side-1", Room: "side", User: "dan", Joined: "2026-11-12T10:00:00+08:00", Left: "2026-11-12T13:00:00+08:00"},
		session{ID: "b-side-2", Room: "side", User: "eve", Joined: "2026-11-12T14:00:00+08:00", Left: "2026-11-12T16:00:00+08:00"})
	env.postSessions(appB, rows)
	return account, appA, appB
}

func TestOverviewUsageDashboard(t *testing.T) {
	env := newEnv(t)
	account, appA, appB := dashboardAccount(t, env)
	// The dashboard's figures are the running month's bill's.
	bill := env.bill(account, "2026-11")
	for field, want := range map[string]string{"usage_minutes": "51932", "overage_minutes": "972", "amount_due": "24.30"} {
		if got := fmt.Sprint(at(t, bill, field)); got != want {
			t.Fatalf("the bill's %s: got %s, want %s", field, got, want)
		}
	}
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			v := env.signIn(lang, domain.RoleCustomer, account)
			rec := v.get(fmt.Sprintf("/accounts/%d", account))
			if rec.Code != http.StatusOK {
				t.Fatalf("overview: got %d, want 200", rec.Code)
			}
			d := doc(t, rec)
			dash := d.Find(`[data-testid="usage-dashboard"]`)
			if dash.Length() != 1 {
				t.Fatalf("got %d dashboards, want 1", dash.Length())
			}
			textOf := func(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }
			cells := func(s *goquery.Selection) string {
				return strings.Join(s.Map(func(_ int, c *goquery.Selection) string { return textOf(c) }), " ")
			}
			// R8, R7, R10: this month so far.
			for id, want := range map[string]string{
				"month-usage": "51,932", "month-covered": "50,960", "month-overage": "972", "month-due": "24.30", "minutes-left": "0",
			} {
				if got := textOf(dash.Find(`[data-testid="` + id + `"]`)); got != want {
					t.Errorf("%s: got %q, want %q", id, got, want)
				}
			}
			if n := dash.Find(`[data-testid="month-closed"]`).Length(); n != 0 {
				t.Errorf("an active account without refused minutes shows %d refused figures", n)
			}

			// The 30 days, 2026-10-27 to 2026-11-25, Voice Rooms (busiest) first.
			legend := dash.Find(`[data-testid="usage-series"]`)
			wantLegend := []string{fmt.Sprintf("Voice Rooms (%d)", appB), fmt.Sprintf("Live Classroom (%d)", appA)}
			if legend.Length() != 2 || textOf(legend.Eq(0)) != wantLegend[0] || textOf(legend.Eq(1)) != wantLegend[1] {
				t.Errorf("legend: got %q, want %q", legend.Map(func(_ int, s *goquery.Selection) string { return textOf(s) }), wantLegend)
			}
			days := dash.Find(`[data-testid="usage-day"]`)
			if days.Length() != 30 {
				t.Fatalf("got %d days in the table, want 30", days.Length())
			}
			if first, _ := days.First().Attr("data-day"); first != "2026-10-27" {
				t.Errorf("the first day: got %s, want 2026-10-27", first)
			}
			if last, _ := days.Last().Attr("data-day"); last != "2026-11-25" {
				t.Errorf("the last day: got %s, want 2026-11-25", last)
			}
			// Each cell: that day's seconds of that application ÷ 60, rounded up.
			want := map[string]string{
				"2026-10-27": "0 0 0",
				"2026-10-28": "0 30 30",
				"2026-11-10": "2,400 10 2,410", // the call across midnight: 600 s before it
				"2026-11-11": "2,400 21 2,421", // and 1,230 s after it
				"2026-11-12": "2,700 0 2,700",
				"2026-11-23": "1,200 0 1,200",
				"2026-11-24": "0 1 1", // 45 s
				"2026-11-25": "0 0 0",
			}
			days.Each(func(_ int, row *goquery.Selection) {
				day, _ := row.Attr("data-day")
				w, ok := want[day]
				if !ok {
					return
				}
				if got := cells(row.Find("td")); got != w {
					t.Errorf("%s: got %q, want %q", day, got, w)
				}
			})
			if got := cells(dash.Find(`[data-testid="usage-table"] tfoot td`)); got != "51,900 62 51,962" {
				t.Errorf("30 days: got %q, want %q", got, "51,900 62 51,962")
			}
			if n := dash.Find(`[data-testid="usage-bar"]`).Length(); n != 24 {
				t.Errorf("got %d bars, want 24 (10-28 and every day from 11-02 to 11-24)", n)
			}
			label, _ := dash.Find(`[data-testid="usage-chart"]`).Attr("aria-label")
			for _, w := range []string{"2026-10-27", "2026-11-25", "51,962", "2026-11-12", "2,700"} {
				if !strings.Contains(label, w) {
					t.Errorf("the chart's label %q lacks %q", label, w)
				}
			}

			// The month's busiest rooms, most minutes first, each linking to its page.
			rooms := dash.Find(`[data-testid="top-room"]`)
			wantRooms := []struct{ room, href, minutes string }{
				{"hall", fmt.Sprintf("/apps/%d/rooms/hall", appB), "51,600"},
				{"side", fmt.Sprintf("/apps/%d/rooms/side", appB), "300"},
				{"r1", fmt.Sprintf("/apps/%d/rooms/r1", appA), "31"},
				{"r2", fmt.Sprintf("/apps/%d/rooms/r2", appA), "1"},
			}
			if rooms.Length() != len(wantRooms) {
				t.Fatalf("got %d rooms, want %d", rooms.Length(), len(wantRooms))
			}
			for i, w := range wantRooms {
				r := rooms.Eq(i)
				link := r.Find(`[data-testid="room-id"]`)
				href, _ := link.Attr("href")
				if textOf(link) != w.room || href != w.href || textOf(r.Find(`[data-testid="minutes"]`)) != w.minutes {
					t.Errorf("room %d: got %s %s %s, want %s %s %s", i+1, textOf(link), href, textOf(r.Find(`[data-testid="minutes"]`)), w.room, w.href, w.minutes)
				}
			}
			for id, want := range map[string]string{
				"month-rooms":     fmt.Sprintf("/accounts/%d/bills/2026-11/rooms", account),
				"month-bill-link": fmt.Sprintf("/accounts/%d/bills/2026-11", account),
			} {
				if got, _ := dash.Find(`[data-testid="` + id + `"]`).Attr("href"); got != want {
					t.Errorf("%s: got %q, want %q", id, got, want)
				}
			}
			// Every link of the dashboard leads to a page.
			dash.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
				href, _ := a.Attr("href")
				if rec := v.get(href); rec.Code != http.StatusOK {
					t.Errorf("%s: got %d, want 200", href, rec.Code)
				}
			})
		})
	}
}

// TestOverviewUsageKeptPerVersion: the dashboard's figures are read once
// per state of the account's data and day, and a batch of sessions shows
// on the next view.
func TestOverviewUsageKeptPerVersion(t *testing.T) {
	env, l := keptEnv(t)
	account := env.createAccount("Kept Ltd")
	app, _ := env.createApp(account, "2026-10-01T09:00:00+08:00")
	other := env.createAccount("Other Ltd")
	otherApp, _ := env.createApp(other, "2026-10-01T09:00:00+08:00")
	row := func(id string, minutes int) []session {
		return []session{{ID: id, Room: "r", User: "u" + id, Joined: "2026-11-20T10:00:00+08:00",
			Left: fmt.Sprintf("2026-11-20T10:%02d:00+08:00", minutes)}}
	}
	env.postSessions(app, row("a1", 10))
	v := env.signIn("en", domain.RoleSupport, 0)
	usage := func() string {
		t.Helper()
		rec := v.get(fmt.Sprintf("/accounts/%d", account))
		if rec.Code != http.StatusOK {
			t.Fatalf("overview: got %d (%s)", rec.Code, rec.Header().Get("Location"))
		}
		return strings.TrimSpace(doc(t, rec).Find(`[data-testid="month-usage"]`).Text())
	}
	if got := usage(); got != "10" {
		t.Fatalf("month usage: got %q, want 10", got)
	}
	usage()
	if hits, misses := l.get("overview-usage"); hits != 1 || misses != 1 {
		t.Fatalf("two views: got %d hits, %d misses; want 1 and 1", hits, misses)
	}
	env.postSessions(otherApp, row("b1", 20))
	usage()
	if hits, _ := l.get("overview-usage"); hits != 2 {
		t.Errorf("after another account's batch: got %d hits, want 2", hits)
	}
	env.postSessions(app, row("a2", 30))
	if got := usage(); got != "40" {
		t.Errorf("after the account's own batch: got %q, want 40", got)
	}
	env.clock.Advance(24 * time.Hour) // a new day: new 30 days (and a new sign-in: the last has ended)
	v = env.signIn("en", domain.RoleSupport, 0)
	usage()
	if _, misses := l.get("overview-usage"); misses != 3 {
		t.Errorf("after the batch and the next day: got %d misses, want 3", misses)
	}
}
