package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// An issued bill is a snapshot: sessions recorded later for its month are
// kept, the issued bill never changes, and the overage they add is billed
// on the next open bill as a late-usage line that names the month.
func TestLateUsage(t *testing.T) {
	env := newEnv(t) // the clock shows 2026-11-25 12:00 CST
	acct := env.createAccount("Late Co")
	app, _ := env.createApp(acct, "2026-05-10T09:00:00+08:00")
	env.purchase(acct, "starter", "2026-08-01T09:00:00+08:00")
	// September: 51,100 minutes in stays of 20 hours at most. The trial
	// (1,000) and the Starter (50,000) cover 51,000: 100 minutes of overage.
	var rows []session
	left := 51_100
	for i := 0; left > 0; i++ {
		n := min(left, 1_200)
		j := time.Date(2026, 9, 1+i/2, 2, 0, 0, 0, billing.CST).Add(time.Duration(i%2) * time.Minute)
		rows = append(rows, session{ID: fmt.Sprint("sep-", i), Room: "r", User: fmt.Sprint("u", i%2),
			Joined: j.Format(time.RFC3339), Left: j.Add(time.Duration(n) * time.Minute).Format(time.RFC3339)})
		left -= n
	}
	env.postSessions(app, rows)

	sep := env.bill(acct, "2026-09")
	wantStr(t, sep, "status", "issued")
	wantInt(t, sep, "overage_minutes", 100)
	wantMoney(t, sep, "amount_due", "2.50")
	oct := env.bill(acct, "2026-10")
	wantMoney(t, oct, "amount_due", "0.00")

	// 200 more September minutes arrive in November.
	env.postSessions(app, []session{{ID: "sep-late", Room: "r", User: "late",
		Joined: "2026-09-29T10:00:00+08:00", Left: "2026-09-29T13:20:00+08:00"}})

	t.Run("the issued bill never changes", func(t *testing.T) {
		again := env.bill(acct, "2026-09")
		wantInt(t, again, "overage_minutes", 100)
		wantInt(t, again, "usage_minutes", 51_100)
		wantMoney(t, again, "amount_due", "2.50")
		wantLen(t, again, "late_usage", 0)
	})
	t.Run("the next open bill carries the late usage, naming its month", func(t *testing.T) {
		nov := env.bill(acct, "2026-11")
		wantStr(t, nov, "status", "estimate")
		wantLen(t, nov, "late_usage", 1)
		wantStr(t, nov, "late_usage.0.month", "2026-09")
		wantInt(t, nov, "late_usage.0.minutes", 200)
		wantMoney(t, nov, "late_usage.0.fee", "5.00")
		wantMoney(t, nov, "amount_due", "5.00")
	})
	t.Run("the bill page shows the late-usage line", func(t *testing.T) {
		admin := env.signIn("en", domain.RoleAdmin, 0)
		rows := doc(t, admin.get(fmt.Sprintf("/accounts/%d/bills/2026-11", acct))).Find(`[data-testid="late-usage-row"]`)
		if rows.Length() != 1 || !strings.Contains(rows.Text(), "2026-09") || !strings.Contains(rows.Text(), "5.00") {
			t.Errorf("got %d rows: %q", rows.Length(), rows.Text())
		}
	})
	t.Run("once November is issued, December bills nothing twice", func(t *testing.T) {
		env.clock.Advance(7 * 24 * time.Hour) // 2026-12-02
		nov := env.bill(acct, "2026-11")
		wantStr(t, nov, "status", "issued")
		wantMoney(t, nov, "amount_due", "5.00")
		dec := env.bill(acct, "2026-12")
		wantLen(t, dec, "late_usage", 0)
		wantMoney(t, dec, "amount_due", "0.00")
	})
	t.Run("the CSV carries the late-usage line", func(t *testing.T) {
		rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11.csv", acct)})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "late_usage:2026-09") {
			t.Errorf("got %d:\n%s", rec.Code, rec.Body.String())
		}
	})
}
