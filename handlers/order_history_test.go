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

// historyAccount is an account whose order pages have something to show
// at fixedNow (2026-11-25):
//   - a trial from 2025-06-02 (valid to 2026-06-30), 200 minutes used in
//     June 2025;
//   - a Starter bought 2025-07-01 (valid to 2026-07-31). In August 2025
//     1,300 minutes are drawn from the trial first, which expires first
//     (R7): its last 800, then 500 from the Starter. January 2026 draws
//     20,000 more; the 29,500 left are cleared at its expiry in July 2026
//     (R9);
//   - a Standard bought 2026-09-15 (valid to 2027-09-30), drawn 1,000
//     minutes a day from 2026-10-26 to 2026-11-24: 6,000 in October, 24,000
//     in November so far.
type historyAccount struct {
	id, app                  int64
	trial, starter, standard int64
}

func seedHistoryAccount(t *testing.T, env *env) historyAccount {
	t.Helper()
	var h historyAccount
	h.id = env.createAccount("History Co")
	h.app, _ = env.createApp(h.id, "2025-06-02T09:00:00+08:00")
	h.starter = intAt(t, env.purchase(h.id, "starter", "2025-07-01T09:00:00+08:00"), "id")
	h.standard = intAt(t, env.purchase(h.id, "standard", "2026-09-15T09:00:00+08:00"), "id")
	pk := env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", h.id), nil, http.StatusOK)
	h.trial = intAt(t, pk, "packages.0.id")
	wantStr(t, pk, "packages.0.plan", "trial")

	cst := time.FixedZone("CST", 8*3600)
	var rows []session
	stay := func(id string, joined time.Time, minutes int) {
		rows = append(rows, session{ID: id, Room: "r", User: id, Joined: joined.Format(time.RFC3339),
			Left: joined.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339)})
	}
	stay("jun", time.Date(2025, 6, 10, 10, 0, 0, 0, cst), 200)
	stay("aug", time.Date(2025, 8, 12, 1, 0, 0, 0, cst), 1_300)
	for i := range 13 { // 13 × 1,440 + 1,280 = 20,000
		stay(fmt.Sprintf("jan-%d", i), time.Date(2026, 1, 15, 0, 0, 0, 0, cst), 1_440)
	}
	stay("jan-13", time.Date(2026, 1, 15, 0, 0, 0, 0, cst), 1_280)
	for i := range 30 {
		stay(fmt.Sprintf("day-%d", i), time.Date(2026, 10, 26+i, 0, 0, 0, 0, cst), 1_000)
	}
	env.postSessions(h.app, rows)
	return h
}

// historyTable reads the order page's history: one line per month, its
// cells joined by " | ".
func historyTable(t *testing.T, d *goquery.Document) string {
	t.Helper()
	var b strings.Builder
	d.Find(`[data-testid="history"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("th, td").Each(func(_ int, c *goquery.Selection) {
			cells = append(cells, strings.Join(strings.Fields(c.Text()), " "))
		})
		b.WriteString(strings.Join(cells, " | ") + "\n")
	})
	return b.String()
}

func months(from string, n int, line string) string {
	m, _ := time.Parse("2006-01", from)
	var b strings.Builder
	for range n {
		b.WriteString(m.Format("2006-01") + line + "\n")
		m = m.AddDate(0, 1, 0)
	}
	return b.String()
}

// TestOrderPageHistoryAndForecast: the order page shows the package month
// by month as the bills have it, and the account's forecast as the API's
// packages answer gives it, in both languages.
func TestOrderPageHistoryAndForecast(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	h := seedHistoryAccount(t, env)
	order := func(v *visitor, pkg int64) *goquery.Document {
		t.Helper()
		rec := v.get(fmt.Sprintf("/accounts/%d/orders/%d", h.id, pkg))
		if rec.Code != http.StatusOK {
			t.Fatalf("order page of package %d: got %d, want 200", pkg, rec.Code)
		}
		return doc(t, rec)
	}
	en := env.signIn("en", domain.RoleCustomer, h.id)
	zh := env.signIn("zh-CN", domain.RoleCustomer, h.id)

	t.Run("R7 R9 the Starter: drawn after the trial, then cleared at its expiry", func(t *testing.T) {
		want := "2025-07 | 0 | 0 | 50,000\n" +
			"2025-08 | 500 | 0 | 49,500\n" +
			months("2025-09", 4, " | 0 | 0 | 49,500") +
			"2026-01 | 20,000 | 0 | 29,500\n" +
			months("2026-02", 5, " | 0 | 0 | 29,500") +
			"2026-07 | 0 | 29,500 | 0\n"
		d := order(en, h.starter)
		if got := historyTable(t, d); got != want {
			t.Errorf("history:\ngot\n%swant\n%s", got, want)
		}
		if n := d.Find(`[data-testid="history-late-note"], [data-testid="late"], [data-testid="so-far"]`).Length(); n != 0 {
			t.Errorf("got %d late or running marks, want none: every month's bill is stored and nothing came late", n)
		}
		if href, _ := d.Find(`[data-testid="history-2025-08"] a`).Attr("href"); href != fmt.Sprintf("/accounts/%d/bills/2025-08", h.id) {
			t.Errorf("the month links to %q, want its bill", href)
		}
		// The figures are those of the bills: August 2025 draws 800
		// from the trial and 500 from the Starter; July 2026 clears
		// 29,500 of the Starter.
		aug := env.bill(h.id, "2025-08")
		wantStr(t, aug, "status", "issued")
		wantInt(t, aug, "deductions.0.package_id", h.trial)
		wantInt(t, aug, "deductions.0.minutes", 800)
		wantInt(t, aug, "deductions.1.package_id", h.starter)
		wantInt(t, aug, "deductions.1.minutes", 500)
		jul := env.bill(h.id, "2026-07")
		wantInt(t, jul, "expired.0.package_id", h.starter)
		wantInt(t, jul, "expired.0.minutes", 29_500)
	})

	t.Run("the trial: drawn first, nothing left to clear", func(t *testing.T) {
		want := "2025-06 | 200 | 0 | 800\n" +
			"2025-07 | 0 | 0 | 800\n" +
			"2025-08 | 800 | 0 | 0\n" +
			months("2025-09", 10, " | 0 | 0 | 0")
		if got := historyTable(t, order(zh, h.trial)); got != want {
			t.Errorf("history:\ngot\n%swant\n%s", got, want)
		}
	})

	// The forecast: 30,000 minutes on the 30 days before 2026-11-25, 1,000
	// a day. The Standard's 220,000 cover 2026-11-26 … 2027-07-03; from
	// 2027-07-04 to its expiry on 2027-09-30, 89 days × 1,000 are overage.
	api := env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", h.id), nil, http.StatusOK)
	wantInt(t, api, "forecast.minutes_per_day", 1_000)
	wantStr(t, api, "forecast.runs_out_on", "2027-07-04")
	wantInt(t, api, "forecast.overage_minutes_until_next_expiry", 89_000)
	sentences := map[*visitor]string{
		en: "At this rate (1,000 minutes a day) the account's packages run out on 2027-07-04; 89,000 minutes of overage are expected by 2027-09-30, when the next package expires.",
		zh: "按此速度（每天 1,000 分钟），账户的套餐包将于 2027-07-04 用完；到 2027-09-30（下一个套餐包到期）为止，预计产生 89,000 分钟套餐外超量。",
	}

	t.Run("the Standard so far, and the forecast the API gives, in both languages", func(t *testing.T) {
		want := "2026-09 | 0 | 0 | 250,000\n" +
			"2026-10 | 6,000 | 0 | 244,000\n"
		for v, sentence := range sentences {
			d := order(v, h.standard)
			so := strings.TrimSpace(d.Find(`[data-testid="so-far"]`).Text())
			if got, want := historyTable(t, d), want+"2026-11 "+so+" | 24,000 | 0 | 220,000\n"; got != want || so == "" {
				t.Errorf("%s history:\ngot\n%swant\n%s", v.lang, got, want)
			}
			if got := d.Find(`[data-testid="history-2026-11"] [data-testid="remaining"]`).AttrOr("data-label", ""); got == d.Find(`[data-testid="history-2026-10"] [data-testid="remaining"]`).AttrOr("data-label", "") {
				t.Errorf("%s: the running month's remaining is labelled %q like a month's end, want \"now\"", v.lang, got)
			}
			if got := strings.TrimSpace(d.Find(`[data-testid="forecast-sentence"]`).Text()); got != sentence {
				t.Errorf("%s forecast:\ngot  %q\nwant %q", v.lang, got, sentence)
			}
			if got := strings.TrimSpace(d.Find(`[data-testid="forecast-assumes"]`).Text()); !strings.Contains(got, "30") {
				t.Errorf("%s: the assumptions %q do not name the 30 days", v.lang, got)
			}
		}
		// Every order page of the account says the same.
		for _, pkg := range []int64{h.trial, h.starter} {
			if got := strings.TrimSpace(order(en, pkg).Find(`[data-testid="forecast-sentence"]`).Text()); got != sentences[en] {
				t.Errorf("order page of package %d: got forecast %q, want %q", pkg, got, sentences[en])
			}
		}
	})

	t.Run("late usage: the bills keep their figures, the difference shows apart", func(t *testing.T) {
		// 100 minutes of 2026-01-20, recorded now: January's bill is
		// stored. The Starter gives 100 more to January and so clears
		// 100 fewer in July.
		env.postSessions(h.app, []session{{ID: "late", Room: "r", User: "late",
			Joined: "2026-01-20T10:00:00+08:00", Left: "2026-01-20T11:40:00+08:00"}})
		want := "2025-07 | 0 | 0 |  | 50,000\n" +
			"2025-08 | 500 | 0 |  | 49,500\n" +
			months("2025-09", 4, " | 0 | 0 |  | 49,500") +
			"2026-01 | 20,000 | 0 | +100 | 29,400\n" +
			months("2026-02", 5, " | 0 | 0 |  | 29,400") +
			"2026-07 | 0 | 29,500 | \u2212100 | 0\n"
		d := order(en, h.starter)
		if got := historyTable(t, d); got != want {
			t.Errorf("history:\ngot\n%swant\n%s", got, want)
		}
		if d.Find(`[data-testid="history-late-note"]`).Length() != 1 {
			t.Errorf("no note on what was recorded after the bills")
		}
		wantInt(t, env.bill(h.id, "2026-01"), "deductions.0.minutes", 20_000)
	})

	t.Run("no usage in 30 days: no forecast, said plainly", func(t *testing.T) {
		quiet := env.createAccount("Quiet Co")
		pkg := intAt(t, env.purchase(quiet, "starter", "2026-03-02T09:00:00+08:00"), "id")
		if f := env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", quiet), nil, http.StatusOK)["forecast"]; f != nil {
			t.Fatalf("API forecast: got %v, want null", f)
		}
		for _, c := range []struct{ lang, want string }{
			{"en", "No calls in the last 30 days: there is no rate to forecast from."},
			{"zh-CN", "近 30 天没有通话，无法据此预测。"},
		} {
			rec := env.signIn(c.lang, domain.RoleAdmin, 0).get(fmt.Sprintf("/accounts/%d/orders/%d", quiet, pkg))
			d := doc(t, rec)
			if got := strings.TrimSpace(d.Find(`[data-testid="forecast-sentence"]`).Text()); got != c.want {
				t.Errorf("%s: got %q, want %q", c.lang, got, c.want)
			}
			if got := historyTable(t, d); got != months("2026-03", 8, " | 0 | 0 | 50,000")+"2026-11 "+strings.TrimSpace(d.Find(`[data-testid="so-far"]`).Text())+" | 0 | 0 | 50,000\n" {
				t.Errorf("%s: history\n%s", c.lang, got)
			}
		}
	})
}
