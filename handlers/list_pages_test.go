package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/db/dbtest"
	"rtcbill/domain"
)

// pageThrough follows a list's pager from path to its last page, calling
// each with the page's document, and returns how many pages there were.
func pageThrough(t *testing.T, v *visitor, path string, each func(n int, d *goquery.Document)) int {
	t.Helper()
	n := 0
	for path != "" {
		n++
		rec := v.get(path)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: got %d, want 200", path, rec.Code)
		}
		d := doc(t, rec)
		if got := d.Find(`[data-testid="pager-page"]`).Text(); !strings.Contains(got, fmt.Sprint(n)) {
			t.Errorf("%s: the pager says %q, want page %d", path, got, n)
		}
		each(n, d)
		path, _ = d.Find(`[data-testid="pager-next"]`).Attr("href")
		if n > 100 {
			t.Fatal("the pager never ends")
		}
	}
	return n
}

func TestUsersPageComesAPageAtATime(t *testing.T) {
	env := newEnv(t)
	admin := env.signIn("en", domain.RoleAdmin, 0)
	// Users straight into the table: hashing 120 passwords would take
	// seconds.
	w := dbtest.Writable(t, env.path)
	defer w.Close()
	for i := range 120 {
		if _, err := w.Exec(`INSERT INTO users (email, password_hash, role, created_at) VALUES (?, 'x', 'support', ?)`,
			fmt.Sprintf("staff%03d@example.com", i), fixedNow.Unix()); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	pages := pageThrough(t, admin, "/admin/users", func(n int, d *goquery.Document) {
		rows := d.Find(`[data-testid="user-row"]`)
		if rows.Length() > 50 {
			t.Errorf("page %d: %d users, want at most 50", n, rows.Length())
		}
		rows.Find(`[data-testid="user-email"]`).Each(func(_ int, s *goquery.Selection) { seen[s.Text()] = true })
	})
	if pages != 3 || len(seen) != 121 {
		t.Errorf("got %d pages and %d users, want 3 pages and every one of the 121 users", pages, len(seen))
	}
	last := "staff119@example.com" // on the last page, staff sorted by e-mail
	u, err := env.store.UserByEmail(context.Background(), last)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.SetUserDisabled(context.Background(), u.ID, true, fixedNow); err != nil {
		t.Fatal(err)
	}
	d := doc(t, admin.get("/admin/users?disabled="+url.QueryEscape(last)))
	if got := d.Find(`[data-testid="user-notice"]`).Text(); !strings.Contains(got, last) {
		t.Errorf("the first page after disabling a user of the last: notice %q, want it to name %s", got, last)
	}
	d = doc(t, admin.get("/admin/users?added="+url.QueryEscape(last)))
	if got := d.Find(`[data-testid="user-added"]`).Text(); !strings.Contains(got, last) {
		t.Errorf("the first page after adding a user of the last: %q, want it to name %s", got, last)
	}
	if d := doc(t, admin.get("/admin/users?added=nobody%40example.com")); d.Find(`[data-testid="user-added"]`).Length() != 0 {
		t.Errorf("an e-mail of no user is confirmed")
	}
}

func TestTokensPageComesAPageAtATime(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Many Tokens")
	var first domain.APIToken
	for i := range 60 {
		tok, _, err := env.store.CreateAPIToken(context.Background(), account, fmt.Sprintf("token %02d", i), fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = tok
		}
	}
	owner := env.signIn("en", domain.RoleCustomer, account)
	var names []string
	pages := pageThrough(t, owner, fmt.Sprintf("/accounts/%d/tokens", account), func(n int, d *goquery.Document) {
		d.Find(`[data-testid="token-name"]`).Each(func(_ int, s *goquery.Selection) { names = append(names, strings.TrimSpace(s.Text())) })
	})
	if pages != 2 || len(names) != 60 || names[0] != "token 59" || names[59] != "token 00" {
		t.Errorf("got %d pages of %d tokens (%v…), want 2 pages of the 60, newest first", pages, len(names), names[:min(2, len(names))])
	}
	// The oldest token is on the second page; revoking it comes back to
	// the first, which confirms it.
	owner.get(fmt.Sprintf("/accounts/%d/tokens?page=2", account))
	rec := owner.post(fmt.Sprintf("/accounts/%d/tokens/%d/revoke", account, first.ID), url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke: got %d, want 303", rec.Code)
	}
	d := doc(t, owner.get(rec.Header().Get("Location")))
	if got := d.Find(`[data-testid="token-revoked"]`).Text(); !strings.Contains(got, "token 00") {
		t.Errorf("after revoking a token of the second page: %q, want it named", got)
	}
	if rec := owner.post(fmt.Sprintf("/accounts/%d/tokens/%d/revoke", account, first.ID), url.Values{}); rec.Code != http.StatusSeeOther {
		t.Errorf("revoking it again (a double click): got %d, want 303", rec.Code)
	}
}

func TestAppsPageComesAPageAtATime(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Many Apps")
	var ids []int64
	for i := range 60 {
		app, _ := env.createApp(account, fmt.Sprintf("2026-10-01T09:%02d:00+08:00", i))
		ids = append(ids, app)
	}
	owner := env.signIn("en", domain.RoleCustomer, account)
	var seen []string
	pages := pageThrough(t, owner, fmt.Sprintf("/accounts/%d/apps", account), func(n int, d *goquery.Document) {
		d.Find(`[data-testid="app"] [data-testid="sdk-app-id"]`).Each(func(_ int, s *goquery.Selection) { seen = append(seen, s.Text()) })
		if n > 1 && d.Find(`[data-testid="trial-offer"]`).Length() != 0 {
			t.Errorf("page %d offers the first application's trial", n)
		}
	})
	if pages != 2 || len(seen) != 60 || seen[0] != fmt.Sprint(ids[0]) || seen[59] != fmt.Sprint(ids[59]) {
		t.Errorf("got %d pages of %d applications, want 2 pages of the 60, oldest first", pages, len(seen))
	}
	t.Run("an application created beyond the first page is confirmed", func(t *testing.T) {
		d := doc(t, owner.get(fmt.Sprintf("/accounts/%d/apps?created=%d", account, ids[59])))
		if got := d.Find(`[data-testid="app-created"]`).Text(); !strings.Contains(got, fmt.Sprint(ids[59])) {
			t.Errorf("got %q, want it to name %d", got, ids[59])
		}
	})
	t.Run("a room refused in a card of the second page comes back to it", func(t *testing.T) {
		d := doc(t, owner.get(fmt.Sprintf("/accounts/%d/apps?page=2", account)))
		form := d.Find(fmt.Sprintf(`#app-%d [data-testid="open-room"]`, ids[55]))
		if page, _ := form.Find(`input[name="page"]`).Attr("value"); page != "2" {
			t.Fatalf("the form's page: got %q, want 2", page)
		}
		rec := owner.get(fmt.Sprintf("/accounts/%d/apps?app=%d&page=2&view=calls&room=", account, ids[55]))
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", rec.Code)
		}
		if doc(t, rec).Find(fmt.Sprintf(`#app-%d [data-testid="room-error"]`, ids[55])).Length() != 1 {
			t.Errorf("the error is not shown in the card of application %d", ids[55])
		}
	})
}

func TestRoomPageComesAPageAtATime(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Big Room")
	app, _ := env.createApp(account, "2026-10-01T09:00:00+08:00")
	start := mustInstant("2026-11-20T10:00:00+08:00")
	var rows []session
	for i := range 250 {
		j := start.Add(time.Duration(i) * time.Second)
		rows = append(rows, session{ID: fmt.Sprint("s", i), Room: "hall", User: fmt.Sprintf("u%03d", i),
			Joined: j.Format(time.RFC3339), Left: j.Add(time.Hour).Format(time.RFC3339)})
	}
	env.postSessions(app, rows)
	support := env.signIn("en", domain.RoleSupport, 0)
	var users []string
	pages := pageThrough(t, support, fmt.Sprintf("/apps/%d/rooms/hall?day=2026-11-20", app), func(n int, d *goquery.Document) {
		if got := d.Find(`[data-testid="room-sessions"]`).Text(); got != "250" {
			t.Errorf("page %d: %q room entries, want the day's 250", n, got)
		}
		if got := d.Find(`[data-testid="room-calls"]`).Text(); got != "1" {
			t.Errorf("page %d: %q calls, want 1", n, got)
		}
		if got := d.Find(`[data-testid="call-sum-minutes"]`).AttrOr("data-seconds", ""); got != "900000" {
			t.Errorf("page %d: the call's sum %q s, want all 250 hours", n, got)
		}
		if got := d.Find(`[data-testid="call-shown"]`).Text(); !strings.Contains(got, "of 250") {
			t.Errorf("page %d: %q, want it to say which of the 250 participants it lists", n, got)
		}
		d.Find(`[data-testid="participant-user"]`).Each(func(_ int, s *goquery.Selection) { users = append(users, s.Text()) })
	})
	if pages != 3 || len(users) != 250 || users[0] != "u000" || users[249] != "u249" {
		t.Errorf("got %d pages of %d participants, want 3 pages of the 250, in the order they joined", pages, len(users))
	}
	if rec := support.get(fmt.Sprintf("/apps/%d/rooms/hall?day=2026-11-20&page=0", app)); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("page=0: got %d, want 422", rec.Code)
	}
}
