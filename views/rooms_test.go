package views

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/billing"
	"rtcbill/domain"
)

var roomApp = domain.App{SDKAppID: 1400000001, AccountID: 7, Name: "Classroom"}

func session(t *testing.T, user, joined, left string) billing.Session {
	t.Helper()
	return billing.Session{ID: user, App: roomApp.SDKAppID, Room: "1001", User: user,
		Joined: atCST(t, joined), Left: atCST(t, left)}
}

// w2 is the pricing page's example: A, B and C join one room in turn and
// stay 10, 20 and 10 minutes, overlapping into one call of 30 minutes.
func w2(t *testing.T) []billing.Session {
	return []billing.Session{
		session(t, "A", "2026-11-24T10:00:00", "2026-11-24T10:10:00"),
		session(t, "B", "2026-11-24T10:05:00", "2026-11-24T10:25:00"),
		session(t, "C", "2026-11-24T10:20:00", "2026-11-24T10:30:00"),
	}
}

func TestRoomPage(t *testing.T) {
	now := atCST(t, "2026-11-25T12:00:00")
	day := atCST(t, "2026-11-24T00:00:00")

	for _, l := range pageLangs {
		t.Run("W2 R6 A 10 + B 20 + C 10 is one call of 40 minutes/"+l.name, func(t *testing.T) {
			doc := renderPage(t, l.tag, Room(NewRoomPage(Meta{}, roomApp, "1001", day, now, w2(t))))
			calls := byID(doc, "call")
			if calls.Length() != 1 {
				t.Fatalf("got %d calls, want 1", calls.Length())
			}
			sum := byID(calls, "call-sum-minutes")
			if s, _ := sum.Attr("data-seconds"); s != "2400" {
				t.Errorf("call sum = %s s, want 2400 (40 min)", s)
			}
			if got := squash(sum.Text()); !strings.HasPrefix(got, "40 ") {
				t.Errorf("call sum reads %q, want 40 minutes", got)
			}
			if got := squash(byID(calls, "call-wall-minutes").Text()); !strings.HasPrefix(got, "30 ") {
				t.Errorf("wall-clock length reads %q, want 30 minutes", got)
			}
			if got, want := squash(byID(calls, "call-start").Text()), "10:00:00"; got != want {
				t.Errorf("call start %q, want %q", got, want)
			}
			if got, want := squash(byID(calls, "call-end").Text()), "10:30:00"; got != want {
				t.Errorf("call end %q, want %q", got, want)
			}
			rows := byID(calls, "participant")
			if rows.Length() != 3 {
				t.Fatalf("got %d participant rows, want 3", rows.Length())
			}
			for i, want := range []struct{ user, seconds string }{{"A", "600"}, {"B", "1200"}, {"C", "600"}} {
				row := rows.Eq(i)
				if got := squash(byID(row, "participant-user").Text()); got != want.user {
					t.Errorf("row %d user %q, want %q", i, got, want.user)
				}
				if got, _ := byID(row, "participant-minutes").Attr("data-seconds"); got != want.seconds {
					t.Errorf("row %d %s s, want %s", i, got, want.seconds)
				}
			}
			svg := byID(calls, "room-timeline")
			if svg.Length() != 1 || goquery.NodeName(svg) != "svg" {
				t.Fatalf("no SVG timeline in the call")
			}
			if got := byID(svg, "timeline-bar").Length(); got != 3 {
				t.Errorf("timeline has %d bars, want 3", got)
			}
			var ticks []string
			svg.Find("text.tick-label").Each(func(_ int, s *goquery.Selection) { ticks = append(ticks, s.Text()) })
			if len(ticks) < 2 || ticks[0] != "10:00" || ticks[len(ticks)-1] != "10:30" {
				t.Errorf("tick labels %v, want HH:MM from 10:00 to 10:30", ticks)
			}
			if got := squash(byID(doc, "room-day-total").Text()); !strings.HasPrefix(got, "40 ") {
				t.Errorf("day total %q, want 40 minutes", got)
			}
			if byID(doc, "prev-day").Length() != 1 || byID(doc, "next-day").Length() != 1 {
				t.Errorf("want links to the previous and next day")
			}
		})
	}

	t.Run("sessions that only touch are two calls", func(t *testing.T) {
		ss := []billing.Session{
			session(t, "A", "2026-11-24T10:00:00", "2026-11-24T10:10:00"),
			session(t, "B", "2026-11-24T10:10:00", "2026-11-24T10:20:00"),
		}
		if got := len(GroupCalls(ss)); got != 2 {
			t.Errorf("got %d calls, want 2", got)
		}
	})

	t.Run("a long session holds later joiners in one call", func(t *testing.T) {
		ss := []billing.Session{
			session(t, "host", "2026-11-24T09:00:00", "2026-11-24T12:00:00"),
			session(t, "B", "2026-11-24T09:30:00", "2026-11-24T09:40:00"),
			session(t, "C", "2026-11-24T11:00:00", "2026-11-24T11:30:00"),
			session(t, "D", "2026-11-24T13:00:00", "2026-11-24T13:01:30"),
		}
		calls := GroupCalls(ss)
		if len(calls) != 2 || len(calls[0]) != 3 || len(calls[1]) != 1 {
			t.Errorf("got calls of %v sessions, want [3 1]", lens(calls))
		}
		c := newRoomCall(2, atCST(t, "2026-11-24T00:00:00"), calls[1])
		if got := c.Sum.Text(WithLang(t.Context(), pageLangs[1].tag)); got != "1 min 30 s" {
			t.Errorf("a 90 s stay reads %q, want 1 min 30 s", got)
		}
	})

	t.Run("today has no next day; a bad date is refused and kept", func(t *testing.T) {
		p := NewRoomPage(Meta{}, roomApp, "1001", now, now, nil)
		p.RejectDay("2026-13-01")
		doc := renderPage(t, pageLangs[0].tag, Room(p))
		if byID(doc, "next-day").Length() != 0 {
			t.Errorf("today links to tomorrow")
		}
		if byID(doc, "no-calls").Length() != 1 {
			t.Errorf("an empty day is not explained")
		}
		if !strings.Contains(byID(doc, "day-error").Text(), "2026-13-01") {
			t.Errorf("the day error does not show the input")
		}
	})
}

func lens(calls [][]billing.Session) []int {
	var out []int
	for _, c := range calls {
		out = append(out, len(c))
	}
	return out
}

func TestLivePage(t *testing.T) {
	now := atCST(t, "2026-11-25T12:00:00")
	live := []domain.LiveSession{{SessionID: "live-1", User: "alice", Joined: now.Add(-10 * time.Minute)}}

	for _, l := range pageLangs {
		t.Run("R5 a closed account's join is refused with a way to re-activate/"+l.name, func(t *testing.T) {
			p := NewLivePage(ownerMeta(""), roomApp, "1001", live, now)
			p.RefuseClosed("bob")
			doc := renderPage(t, l.tag, LiveRoom(p))
			closed := byID(doc, "service-closed")
			if closed.Length() != 1 {
				t.Fatalf("no closed-service message")
			}
			if word := map[string]string{"zh-CN": "停服", "en": "closed"}[LangCode(l.tag)]; !strings.Contains(closed.Text(), word) {
				t.Errorf("closed message %q does not say %s", squash(closed.Text()), word)
			}
			if href, _ := byID(closed, "buy-link").Attr("href"); href != "/plans?account=7" {
				t.Errorf("buy link %q, want /plans?account=7", href)
			}
			if v, _ := doc.Find("#live-user").Attr("value"); v != "bob" {
				t.Errorf("user input holds %q, want bob kept", v)
			}
		})

		t.Run("who is in the room, for how long, and where the minutes go/"+l.name, func(t *testing.T) {
			p := NewLivePage(ownerMeta(""), roomApp, "1001", live, now)
			p.ShowLeft("carol", 600)
			doc := renderPage(t, l.tag, LiveRoom(p))
			users := byID(doc, "live-user")
			if users.Length() != 1 || squash(byID(users, "live-user-id").Text()) != "alice" {
				t.Fatalf("want alice in the room")
			}
			if got := squash(byID(users, "live-so-far").Text()); !strings.HasPrefix(got, "10 ") {
				t.Errorf("alice's time so far %q, want 10 minutes", got)
			}
			notice := squash(byID(doc, "live-notice").Text())
			if !strings.Contains(notice, "carol") || !strings.Contains(notice, "10 ") {
				t.Errorf("leave notice %q, want carol and 10 minutes", notice)
			}
			note := byID(doc, "billing-note")
			for _, href := range []string{"/accounts/7", "/accounts/7/bills"} {
				if note.Find(`a[href="`+href+`"]`).Length() != 1 {
					t.Errorf("billing note lacks a link to %s", href)
				}
			}
		})

		t.Run("support sees who is in the room and no join or leave/"+l.name, func(t *testing.T) {
			p := NewLivePage(supportMeta(""), roomApp, "1001", live, now)
			p.RefuseClosed("bob")
			doc := renderPage(t, l.tag, LiveRoom(p))
			if byID(doc, "live-user").Length() != 1 {
				t.Errorf("support does not see alice in the room")
			}
			for _, id := range []string{"join", "leave", "buy-link"} {
				if byID(doc, id).Length() != 0 {
					t.Errorf("support is offered %s", id)
				}
			}
			if doc.Find("form[method=post]").Length() != 0 {
				t.Errorf("support is offered a form that changes the room")
			}
			if byID(doc, "live-read-only").Length() != 1 {
				t.Errorf("support is not told the room is read-only for them")
			}
		})

		t.Run("a user already in the room is refused next to the field/"+l.name, func(t *testing.T) {
			p := NewLivePage(ownerMeta(""), roomApp, "1001", live, now)
			p.RefuseAlreadyIn("alice")
			doc := renderPage(t, l.tag, LiveRoom(p))
			if !strings.Contains(byID(doc, "user-error").Text(), "alice") {
				t.Errorf("no already-in-room error naming alice")
			}
		})
	}
}
