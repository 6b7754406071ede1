package views_test

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

func TestUsageChart(t *testing.T) {
	today := cst(2026, 11, 25, 12, 0)
	day := func(m time.Month, d int) time.Time { return cst(2026, m, d, 0, 0) }
	t.Run("each day and application rounded up on its own, the days outside left out", func(t *testing.T) {
		c := views.NewUsageChart(today, []billing.DayAppUsage{
			{Day: day(10, 26), App: 1, Seconds: 60_000}, // the day before the 30 days
			{Day: day(10, 27), App: 2, Seconds: 61},
			{Day: day(11, 10), App: 1, Seconds: 600},
			{Day: day(11, 10), App: 2, Seconds: 59},
			{Day: day(11, 25), App: 1, Seconds: 1},
		}, map[int64]string{1: "Live Classroom"})
		if len(c.Days) != views.DashboardDays || c.From != "2026-10-27" || c.To != "2026-11-25" {
			t.Fatalf("got %d days from %s to %s, want 30 from 2026-10-27 to 2026-11-25", len(c.Days), c.From, c.To)
		}
		if len(c.Series) != 2 || c.Series[0].SDKAppID != "1" || c.Series[0].Name != "Live Classroom" || c.Series[1].Name != "2" {
			t.Fatalf("series: got %+v, want Live Classroom (601 s) then 2 (120 s), unnamed", c.Series)
		}
		for _, w := range []struct {
			i     int
			cells string
			total string
		}{
			{0, "0 2", "2"},    // 61 s
			{14, "10 1", "11"}, // 600 + 59 s: 659 s → 11, not 10 + 1
			{29, "1 0", "1"},   // 1 s
			{1, "0 0", "0"},
		} {
			d := c.Days[w.i]
			if got := strings.Join(d.Cells, " "); got != w.cells || d.Minutes != w.total {
				t.Errorf("%s: got %s, %s in all; want %s, %s", d.Date, got, d.Minutes, w.cells, w.total)
			}
		}
		if c.Series[0].Minutes != "11" || c.Series[1].Minutes != "2" || c.TotalMinutes != "13" {
			t.Errorf("30 days: got %s, %s, %s in all; want 11, 2, 13", c.Series[0].Minutes, c.Series[1].Minutes, c.TotalMinutes)
		}
		if c.PeakDay != "2026-11-10" || c.PeakMinutes != "11" {
			t.Errorf("peak: got %s %s, want 2026-11-10 11", c.PeakDay, c.PeakMinutes)
		}
		if !c.Days[14].HasUsage() || c.Days[1].HasUsage() || len(c.Days[14].Segments) != 2 {
			t.Errorf("bars: 11-10 has %d segments, 10-28 has a bar: %v", len(c.Days[14].Segments), c.Days[1].HasUsage())
		}
	})
	t.Run("beyond six applications the quietest share a colour", func(t *testing.T) {
		var usage []billing.DayAppUsage
		for app := int64(1); app <= 7; app++ {
			usage = append(usage, billing.DayAppUsage{Day: day(11, 20), App: app, Seconds: app * 60})
		}
		c := views.NewUsageChart(today, usage, nil)
		var got []string
		for _, s := range c.Series {
			got = append(got, s.Class+":"+s.SDKAppID+":"+s.Minutes)
		}
		if want := "s0:7:7 s1:6:6 s2:5:5 s3:4:4 s4:3:3 s5::3"; strings.Join(got, " ") != want {
			t.Errorf("series: got %s, want %s", strings.Join(got, " "), want)
		}
		if !c.Series[5].Other || c.Series[5].Apps != 2 {
			t.Errorf("the last series: got %+v, want the other 2 applications", c.Series[5])
		}
		c = views.NewUsageChart(today, usage[1:], nil)
		if len(c.Series) != 6 || c.Series[5].Other {
			t.Errorf("six applications: got %d series (the last other: %v), want six of their own", len(c.Series), c.Series[len(c.Series)-1].Other)
		}
	})
	t.Run("no usage, no chart", func(t *testing.T) {
		if c := views.NewUsageChart(today, nil, nil); c.HasUsage || len(c.Series) != 0 || len(c.Days) != 30 {
			t.Errorf("got %+v", c)
		}
	})
}

func TestOverviewDashboardRenders(t *testing.T) {
	now := cst(2026, 11, 25, 12, 0)
	owner := views.Meta{Account: &views.AccountNav{ID: 3, Name: "Acme", Can: views.Can{Buy: true}}}
	acct := domain.Account{ID: 3, Name: "Acme", Email: "a@example.com", CreatedAt: now}
	var usage []billing.DayAppUsage
	for app := int64(1400000001); app <= 1400000007; app++ {
		usage = append(usage, billing.DayAppUsage{Day: cst(2026, 11, 20, 0, 0), App: app, Seconds: (app - 1400000000) * 600})
	}
	names := map[int64]string{1400000007: "课堂", 1400000001: "Voice"}
	bill := billing.Bill{Month: billing.MonthOf(now), UsageMinutes: 280, Refused: 12, AmountDue: decimal.Zero, RoomsTotal: 25}
	for i := range 20 {
		bill.Rooms = append(bill.Rooms, billing.RoomUsage{App: 1400000007, Room: "room " + string(rune('a'+i)), Seconds: int64(2000 - i), Sessions: 2})
	}
	for _, lang := range views.Languages {
		t.Run(views.LangCode(lang), func(t *testing.T) {
			st := domain.Standing{At: now, Status: billing.StatusClosed}
			p := views.NewAccountPage(owner, lang, acct, st, true, now)
			p.ShowMonth(bill, names)
			p.ShowDays(now, usage, names)
			doc := renderDoc(t, lang, views.Account(p))
			dash := doc.Find(testid("usage-dashboard"))
			if dash.Length() != 1 {
				t.Fatalf("got %d dashboards", dash.Length())
			}
			if got := text(doc, testid("month-refused")); got != "12" {
				t.Errorf("refused: got %q, want 12", got)
			}
			legend := dash.Find(testid("usage-series")).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
			other := map[string]string{"en": "2 other applications", "zh-CN": "其他 2 个应用"}[views.LangCode(lang)]
			if len(legend) != 6 || legend[0] != "课堂 (1400000007)" || legend[5] != other {
				t.Errorf("legend: got %q", legend)
			}
			if n := dash.Find(testid("top-room")).Length(); n != views.DashboardRooms {
				t.Errorf("got %d rooms, want %d", n, views.DashboardRooms)
			}
			if got := text(doc, testid("top-room")+" "+testid("room-app")); !strings.Contains(got, "课堂") {
				t.Errorf("the first room's application: got %q", got)
			}
			if href, _ := doc.Find(testid("room-id")).Attr("href"); href != "/apps/1400000007/rooms/room%20a" {
				t.Errorf("the first room's link: got %q", href)
			}
			region := dash.Find(".chart-scroll")
			if tab, _ := region.Attr("tabindex"); tab != "0" || region.AttrOr("aria-label", "") == "" || region.AttrOr("role", "") != "region" {
				t.Errorf("the chart's scroll box: tabindex %q, role %q, label %q", tab, region.AttrOr("role", ""), region.AttrOr("aria-label", ""))
			}
			svg := dash.Find(testid("usage-chart"))
			if svg.AttrOr("role", "") != "img" || svg.AttrOr("aria-label", "") == "" || svg.Find("title").Length() < 2 {
				t.Errorf("the chart: role %q, label %q, %d titles", svg.AttrOr("role", ""), svg.AttrOr("aria-label", ""), svg.Find("title").Length())
			}
		})
	}
}
