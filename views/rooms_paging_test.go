package views

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
)

// TestRoomDayPages: a room's day of 250 sessions in three calls (150, 90
// and 10 participants) comes in pages of RoomDayPageSize sessions; every
// page counts the whole day, lists the calls it has sessions of with their
// whole figures, and says which of a call's participants it shows.
func TestRoomDayPages(t *testing.T) {
	day := atCST(t, "2026-11-24T00:00:00")
	var sessions []billing.Session
	add := func(call, n int, start time.Time) {
		for i := range n {
			j := start.Add(time.Duration(i) * time.Second)
			sessions = append(sessions, billing.Session{ID: fmt.Sprintf("c%d-%03d", call, i), App: roomApp.SDKAppID, Room: "1001",
				User: fmt.Sprintf("u%d-%03d", call, i), Joined: j, Left: j.Add(10 * time.Minute)})
		}
	}
	add(1, 150, day.Add(9*time.Hour))
	add(2, 90, day.Add(11*time.Hour))
	add(3, 10, day.Add(14*time.Hour))
	whole := NewRoomPage(Meta{}, roomApp, "1001", day, day.Add(30*time.Hour), sessions)
	if len(whole.Calls) != 3 || whole.CallsTotal != 3 || whole.Sessions != 250 || whole.Pager.Show() {
		t.Fatalf("all on one page: got %d calls, %d in all, %d sessions, pager %+v", len(whole.Calls), whole.CallsTotal, whole.Sessions, whole.Pager)
	}

	pageOf := func(n int) RoomPage {
		d := NewRoomDay(day, n)
		for _, s := range sessions {
			if err := d.Add(s); err != nil {
				t.Fatal(err)
			}
		}
		return NewRoomDayPage(Meta{}, roomApp, "1001", day.Add(30*time.Hour), d)
	}
	type call struct {
		n, participants int
		shown           string
	}
	en := WithLang(t.Context(), pageLangs[1].tag)
	for _, tc := range []struct {
		page       int
		calls      []call
		prev, next bool
	}{
		{1, []call{{1, 100, "Participants 1–100 of 150"}}, false, true},
		{2, []call{{1, 50, "Participants 101–150 of 150"}, {2, 50, "Participants 1–50 of 90"}}, true, true},
		{3, []call{{2, 40, "Participants 51–90 of 90"}, {3, 10, ""}}, true, false},
		{4, nil, true, false},
	} {
		p := pageOf(tc.page)
		if p.CallsTotal != 3 || p.Sessions != 250 || p.DayTotal != whole.DayTotal {
			t.Errorf("page %d: %d calls, %d sessions, %v in all, want the whole day's 3, 250, %v", tc.page, p.CallsTotal, p.Sessions, p.DayTotal, whole.DayTotal)
		}
		var got []call
		for _, c := range p.Calls {
			shown := ""
			if c.Shown.Set() {
				shown = c.Shown.Text(en)
			}
			got = append(got, call{c.N, len(c.Participants), shown})
			w := whole.Calls[c.N-1]
			if c.Sum != w.Sum || c.Wall != w.Wall || c.Start != w.Start || c.End != w.End {
				t.Errorf("page %d, call %d: figures %v %v %s–%s, want the whole call's %v %v %s–%s", tc.page, c.N, c.Sum, c.Wall, c.Start, c.End, w.Sum, w.Wall, w.Start, w.End)
			}
		}
		if !slices.EqualFunc(got, tc.calls, func(a, b call) bool {
			return a.n == b.n && a.participants == b.participants && strings.HasPrefix(a.shown, b.shown)
		}) {
			t.Errorf("page %d: got calls %v, want %v", tc.page, got, tc.calls)
		}
		if (p.Pager.PrevURL != "") != tc.prev || (p.Pager.NextURL != "") != tc.next {
			t.Errorf("page %d: pager %+v, want previous %v and next %v", tc.page, p.Pager, tc.prev, tc.next)
		}
	}
	if p := pageOf(2); p.Pager.PrevURL != "/apps/1400000001/rooms/1001?day=2026-11-24" || p.Pager.NextURL != "/apps/1400000001/rooms/1001?day=2026-11-24&page=3" {
		t.Errorf("page 2 links %q and %q", p.Pager.PrevURL, p.Pager.NextURL)
	}
}
