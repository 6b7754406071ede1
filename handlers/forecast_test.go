package handlers_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestPackagesForecast: the packages answer says when, at the last 30
// days' rate, the packages run out and what overage to expect before the
// next expiry.
func TestPackagesForecast(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	acct := env.createAccount("Forecast")
	// Trial from 2026-01-05 and Starter from 2026-01-10: both valid to
	// 2027-01-31 (R3); the trial, bought first, is drawn first (R7).
	app, _ := env.createApp(acct, "2026-01-05T09:00:00+08:00")
	env.purchase(acct, "starter", "2026-01-10T09:00:00+08:00")

	got := env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", acct), nil, http.StatusOK)
	if f := got["forecast"]; f != nil {
		t.Errorf("without usage: got forecast %v, want null", f)
	}

	// 1,000 minutes on each of the 30 days before 2026-11-25 (10-26 …
	// 11-24): 30,000 minutes; the trial −1,000, the Starter −29,000,
	// 21,000 left. Rate floor(1,800,000 s / 1,800) = 1,000 a day: 21 days
	// from 11-26 (to 12-16); 12-17 is the first day not covered. Overage
	// until the Starter's expiry, 12-17 … 01-31: 15 + 31 = 46 days × 1,000.
	var rows []session
	day := time.Date(2026, 10, 26, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i := range 30 {
		d := day.AddDate(0, 0, i)
		rows = append(rows, session{ID: fmt.Sprintf("f%d", i), Room: "r", User: "u",
			Joined: d.Format(time.RFC3339), Left: d.Add(1000 * time.Minute).Format(time.RFC3339)})
	}
	env.postSessions(app, rows)
	got = env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages", acct), nil, http.StatusOK)
	wantInt(t, got, "forecast.based_on_days", 30)
	wantInt(t, got, "forecast.minutes_per_day", 1000)
	if d := at(t, got, "forecast.runs_out_on"); d != "2026-12-17" {
		t.Errorf("runs_out_on: got %v, want 2026-12-17", d)
	}
	wantInt(t, got, "forecast.overage_minutes_until_next_expiry", 46_000)
}
