package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// eventLines is the account's events as "type data" lines, oldest first.
func eventLines(t testing.TB, s *SQLStore, accountID int64) []string {
	t.Helper()
	events, err := s.Events(context.Background(), accountID, "", domain.MaxEventsPage)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var out []string
	for _, e := range events {
		if e.AccountID != accountID || !strings.HasPrefix(e.ID, "evt_") {
			t.Errorf("event %+v: want account %d and an id evt_…", e, accountID)
		}
		out = append(out, e.Type+" "+string(e.Data))
	}
	return out
}

// wantNewEvents checks the events written since the account had seen
// events, and returns how many it has now.
func wantNewEvents(t testing.TB, s *SQLStore, accountID int64, seen int, want ...string) int {
	t.Helper()
	got := eventLines(t, s, accountID)
	if len(got) < seen {
		t.Fatalf("the account has %d events, fewer than the %d it had", len(got), seen)
	}
	if !slices.Equal(got[seen:], want) {
		t.Errorf("new events:\n got %q\nwant %q", got[seen:], want)
	}
	return len(got)
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// TestUsageEvents: a trial of 1,000 minutes drawn by batches. With the
// default threshold of 20 %, 150 minutes left (≤ 200) is a low balance;
// 1,000 drawn is the package used up, and the trial's end of capacity
// closes the service.
func TestUsageEvents(t *testing.T) {
	s, _ := openTestStore(t)
	a := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	app, granted := mustApp(t, s, a.ID, cstAt(2023, 5, 1, 10, 0, 0))
	if !granted {
		t.Fatal("the first application of 2023 brings no trial")
	}
	trial := `"package_id":1,"order_id":"RB20230501000001","plan":"trial"`
	seen := wantNewEvents(t, s, a.ID, 0) // a first trial restores nothing

	t.Run("700 of 1,000 minutes leave 300, above 20 %", func(t *testing.T) {
		mustInsert(t, s, app.SDKAppID, stay("s1", "r", "u", cstAt(2023, 5, 10, 9, 0, 0), minutes(700)))
		seen = wantNewEvents(t, s, a.ID, seen)
	})
	t.Run("150 more leave 150, at or below 200: one low balance", func(t *testing.T) {
		mustInsert(t, s, app.SDKAppID, stay("s2", "r", "u", cstAt(2023, 5, 11, 9, 0, 0), minutes(150)))
		seen = wantNewEvents(t, s, a.ID, seen,
			`package.low_balance {`+trial+`,"threshold_pct":20,"remaining_minutes":150,"included_minutes":1000}`)
	})
	t.Run("the same batch again changes nothing and says nothing", func(t *testing.T) {
		res := mustInsert(t, s, app.SDKAppID, stay("s2", "r", "u", cstAt(2023, 5, 11, 9, 0, 0), minutes(150)))
		if res.Duplicates != 1 {
			t.Fatalf("got %+v, want one duplicate", res)
		}
		seen = wantNewEvents(t, s, a.ID, seen)
	})
	t.Run("a rejected batch says nothing", func(t *testing.T) {
		_, err := s.InsertSessions(context.Background(), app.SDKAppID, []billing.Session{
			stay("s3", "r", "u", cstAt(2023, 5, 12, 9, 0, 0), minutes(200)),
			stay("s4", "r", "u", cstAt(2023, 5, 12, 9, 0, 0), -time.Minute),
		}, testNow)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v, want a validation error", err)
		}
		_, err = s.ImportSessionsCSV(context.Background(), app.SDKAppID, strings.NewReader(
			"session_id,room_id,user_id,joined_at,left_at\n"+
				"c1,r,u,2023-05-12T09:00:00+08:00,2023-05-12T12:20:00+08:00\n"+
				"c2,r,u,2023-05-12T09:00:00+08:00,not-an-instant\n"), testNow, nil)
		if err == nil {
			t.Fatal("a CSV file with a bad line was imported")
		}
		seen = wantNewEvents(t, s, a.ID, seen)
	})
	t.Run("200 more draw the last 150: used up, and the trial closes the service", func(t *testing.T) {
		mustInsert(t, s, app.SDKAppID, stay("s3", "r", "u", cstAt(2023, 5, 12, 9, 0, 0), minutes(200)))
		seen = wantNewEvents(t, s, a.ID, seen,
			`package.exhausted {`+trial+`}`,
			`account.service_closed {"at":"2023-06-01T12:00:00+08:00"}`)
	})
	t.Run("a purchase restores the service", func(t *testing.T) {
		p := mustPurchase(t, s, a.ID, "starter", cstAt(2023, 6, 1, 11, 0, 0))
		seen = wantNewEvents(t, s, a.ID, seen,
			fmt.Sprintf(`purchase.completed {"id":%d,"order_id":"RB20230601000002","plan":"starter","purchased_at":"2023-06-01T11:00:00+08:00","valid_from":"2023-06-01","expires_on":"2024-06-30","included_minutes":50000,"price":"3688.00"}`, p.ID),
			`account.service_restored {"at":"2023-06-01T11:00:00+08:00"}`)
	})
}

// TestLowBalanceThresholds: thresholds of 50 % and 20 % of a trial's
// 1,000 minutes; one batch that leaves 100 minutes passes both, each told
// once, highest first; an empty list turns them off.
func TestLowBalanceThresholds(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	a := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	got, err := s.SetAlertSettings(ctx, a.ID, domain.AlertSettings{LowBalancePct: []int{20, 50}, ExpiringDays: 30}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.LowBalancePct, []int{50, 20}) {
		t.Errorf("stored thresholds %v, want [50 20]", got.LowBalancePct)
	}
	app, _ := mustApp(t, s, a.ID, cstAt(2023, 5, 1, 10, 0, 0))
	mustInsert(t, s, app.SDKAppID, stay("s1", "r", "u", cstAt(2023, 5, 10, 9, 0, 0), minutes(900)))
	trial := `"package_id":1,"order_id":"RB20230501000001","plan":"trial"`
	seen := wantNewEvents(t, s, a.ID, 0,
		`package.low_balance {`+trial+`,"threshold_pct":50,"remaining_minutes":100,"included_minutes":1000}`,
		`package.low_balance {`+trial+`,"threshold_pct":20,"remaining_minutes":100,"included_minutes":1000}`)

	if _, err := s.SetAlertSettings(ctx, a.ID, domain.AlertSettings{LowBalancePct: []int{}, ExpiringDays: 30}, testNow); err != nil {
		t.Fatal(err)
	}
	a2 := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	if _, err := s.SetAlertSettings(ctx, a2.ID, domain.AlertSettings{LowBalancePct: []int{}, ExpiringDays: 30}, testNow); err != nil {
		t.Fatal(err)
	}
	app2, _ := mustApp(t, s, a2.ID, cstAt(2023, 5, 1, 10, 0, 0))
	mustInsert(t, s, app2.SDKAppID, stay("s1", "r", "u", cstAt(2023, 5, 10, 9, 0, 0), minutes(999)))
	wantNewEvents(t, s, a2.ID, 0)
	wantNewEvents(t, s, a.ID, seen)

	for _, bad := range []struct {
		field string
		in    domain.AlertSettings
	}{
		{"low_balance_pct", domain.AlertSettings{LowBalancePct: []int{0}, ExpiringDays: 30}},
		{"low_balance_pct", domain.AlertSettings{LowBalancePct: []int{100}, ExpiringDays: 30}},
		{"low_balance_pct", domain.AlertSettings{LowBalancePct: []int{10, 10}, ExpiringDays: 30}},
		{"low_balance_pct", domain.AlertSettings{LowBalancePct: []int{1, 2, 3, 4, 5, 6}, ExpiringDays: 30}},
		{"expiring_days", domain.AlertSettings{LowBalancePct: []int{20}, ExpiringDays: 0}},
		{"expiring_days", domain.AlertSettings{LowBalancePct: []int{20}, ExpiringDays: 91}},
	} {
		_, err := s.SetAlertSettings(ctx, a.ID, bad.in, testNow)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != bad.field {
			t.Errorf("SetAlertSettings(%+v): got %v, want a validation error of %s", bad.in, err, bad.field)
		}
	}
}

// TestBackdatedPurchaseAndOverage: an application of 2019 (before trials)
// and a Starter bought, as history, on 2022-04-15: valid to 2023-04-30,
// so recording it tells the purchase and its expiry at once (50,000
// minutes cleared). From then on the account is active with no package:
// the first second of May 2023 is overage, the first of June too.
func TestBackdatedPurchaseAndOverage(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	a := mustAccount(t, s, cstAt(2019, 5, 1, 9, 0, 0))
	app, granted := mustApp(t, s, a.ID, cstAt(2019, 5, 1, 10, 0, 0))
	if granted {
		t.Fatal("an application of May 2019 brought a trial")
	}
	p := mustPurchase(t, s, a.ID, "starter", cstAt(2022, 4, 15, 10, 0, 0))
	starter := fmt.Sprintf(`"package_id":%d,"order_id":"RB20220415000001","plan":"starter"`, p.ID)
	seen := wantNewEvents(t, s, a.ID, 0,
		`purchase.completed {"id":1,"order_id":"RB20220415000001","plan":"starter","purchased_at":"2022-04-15T10:00:00+08:00","valid_from":"2022-04-15","expires_on":"2023-04-30","included_minutes":50000,"price":"3688.00"}`,
		`package.expired {`+starter+`,"expires_on":"2023-04-30","cleared_minutes":50000}`)
	events, _ := s.Events(ctx, a.ID, "", 10)
	for _, e := range events {
		if !e.CreatedAt.Equal(testNow) {
			t.Errorf("%s created at %s, want the time of recording %s", e.Type, billing.FormatInstant(e.CreatedAt), billing.FormatInstant(testNow))
		}
	}
	if n, err := s.ScanAlerts(ctx, testNow); err != nil || n != 0 {
		t.Errorf("ScanAlerts after the expiry was told: got %d events (%v), want none again", n, err)
	}

	mustInsert(t, s, app.SDKAppID, stay("m1", "r", "u", cstAt(2023, 5, 10, 9, 0, 0), 90*time.Second))
	seen = wantNewEvents(t, s, a.ID, seen, `account.overage_started {"month":"2023-05"}`)
	mustInsert(t, s, app.SDKAppID, stay("m2", "r", "u", cstAt(2023, 5, 11, 9, 0, 0), 30*time.Second))
	seen = wantNewEvents(t, s, a.ID, seen)
	mustInsert(t, s, app.SDKAppID, stay("j1", "r", "u", cstAt(2023, 6, 1, 9, 0, 0), 30*time.Second))
	seen = wantNewEvents(t, s, a.ID, seen, `account.overage_started {"month":"2023-06"}`)

	// The bill of May is stored at its first read after its close grace
	// (with every month before it): 120 seconds are 2 minutes of overage,
	// 0.05 CNY; bill.issued is written with each snapshot.
	if _, err := s.Bill(ctx, a.ID, billing.Month{Year: 2023, Month: time.May}, testNow); err != nil {
		t.Fatal(err)
	}
	lines := eventLines(t, s, a.ID)[seen:]
	if want := 49; len(lines) != want { // 2019-05 through 2023-05
		t.Errorf("got %d bill.issued events, want %d", len(lines), want)
	}
	if len(lines) > 0 {
		if got, want := lines[len(lines)-1], `bill.issued {"month":"2023-05","amount_due":"0.05"}`; got != want {
			t.Errorf("last event %s, want %s", got, want)
		}
	}
	if _, err := s.Bill(ctx, a.ID, billing.Month{Year: 2023, Month: time.May}, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(eventLines(t, s, a.ID)); n != seen+len(lines) {
		t.Errorf("reading a stored bill again wrote %d events", n-seen-len(lines))
	}
}

// TestExpiryEvents: a trial granted 2022-06-15 expires at the end of
// 2023-06-30. Recorded on 2023-06-01 (29.5 days before), it is expiring at
// once; the periodic look tells it expired at its end, with its 1,000
// minutes cleared and the service closed then, each once.
func TestExpiryEvents(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	a := mustAccount(t, s, cstAt(2022, 6, 1, 9, 0, 0))
	mustApp(t, s, a.ID, cstAt(2022, 6, 15, 10, 0, 0))
	trial := `"package_id":1,"order_id":"RB20220615000001","plan":"trial"`
	seen := wantNewEvents(t, s, a.ID, 0, `package.expiring {`+trial+`,"expires_on":"2023-06-30","remaining_minutes":1000}`)
	for _, at := range []time.Time{testNow, cstAt(2023, 6, 30, 23, 59, 59)} {
		if n, err := s.ScanAlerts(ctx, at); err != nil || n != 0 {
			t.Errorf("ScanAlerts(%s): got %d events (%v), want none", billing.FormatInstant(at), n, err)
		}
	}
	end := cstAt(2023, 7, 1, 0, 0, 0)
	if n, err := s.ScanAlerts(ctx, end); err != nil || n != 2 {
		t.Errorf("ScanAlerts at the trial's end: got %d events (%v), want 2", n, err)
	}
	seen = wantNewEvents(t, s, a.ID, seen,
		`package.expired {`+trial+`,"expires_on":"2023-06-30","cleared_minutes":1000}`,
		`account.service_closed {"at":"2023-07-01T00:00:00+08:00"}`)
	if n, err := s.ScanAlerts(ctx, end.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("ScanAlerts again: got %d events (%v), want none", n, err)
	}

	t.Run("expiring_days moves the warning", func(t *testing.T) {
		b := mustAccount(t, s, cstAt(2022, 6, 1, 9, 0, 0))
		if _, err := s.SetAlertSettings(ctx, b.ID, domain.AlertSettings{LowBalancePct: []int{20}, ExpiringDays: 10}, testNow); err != nil {
			t.Fatal(err)
		}
		mustApp(t, s, b.ID, cstAt(2022, 6, 15, 10, 0, 0))
		wantNewEvents(t, s, b.ID, 0)
		if n, err := s.ScanAlerts(ctx, cstAt(2023, 6, 20, 23, 59, 59)); err != nil || n != 0 {
			t.Errorf("ScanAlerts 10 days and a second before: got %d (%v), want none", n, err)
		}
		if _, err := s.ScanAlerts(ctx, cstAt(2023, 6, 21, 0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		wantNewEvents(t, s, b.ID, 0, `package.expiring {"package_id":2,"order_id":"RB20220615000002","plan":"trial","expires_on":"2023-06-30","remaining_minutes":1000}`)
	})
	t.Run("a package recorded already expired is told expired, never expiring", func(t *testing.T) {
		c := mustAccount(t, s, cstAt(2021, 6, 1, 9, 0, 0))
		mustApp(t, s, c.ID, cstAt(2021, 6, 15, 10, 0, 0))
		wantNewEvents(t, s, c.ID, 0,
			`package.expired {"package_id":3,"order_id":"RB20210615000003","plan":"trial","expires_on":"2022-06-30","cleared_minutes":1000}`,
			`account.service_closed {"at":"2022-07-01T00:00:00+08:00"}`)
	})
}

// TestEventsPaging: after names the last event read; limit bounds the
// page; an unknown event, or another account's, is refused.
func TestEventsPaging(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	a := mustAccount(t, s, cstAt(2019, 5, 1, 9, 0, 0))
	other := mustAccount(t, s, cstAt(2019, 5, 1, 9, 0, 0))
	for d := 1; d <= 3; d++ {
		mustPurchase(t, s, a.ID, "starter", cstAt(2023, 5, d, 10, 0, 0))
	}
	mustPurchase(t, s, other.ID, "starter", cstAt(2023, 5, 1, 10, 0, 0))
	all, err := s.Events(ctx, a.ID, "", 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("Events: got %d (%v), want 3", len(all), err)
	}
	page, err := s.Events(ctx, a.ID, all[0].ID, 1)
	if err != nil || len(page) != 1 || page[0].ID != all[1].ID {
		t.Errorf("Events after the first, limit 1: got %v (%v), want the second", page, err)
	}
	rest, err := s.Events(ctx, a.ID, all[2].ID, 10)
	if err != nil || len(rest) != 0 {
		t.Errorf("Events after the last: got %v (%v), want none", rest, err)
	}
	theirs, _ := s.Events(ctx, other.ID, "", 10)
	for _, after := range []string{"evt_unknown", theirs[0].ID} {
		var ve *domain.ValidationError
		if _, err := s.Events(ctx, a.ID, after, 10); !errors.As(err, &ve) || ve.Field != "after" {
			t.Errorf("Events after %q: got %v, want a validation error of after", after, err)
		}
	}
}

// TestPackageAlertsBackfill runs the migration's backfill of
// package_alerts on packages recorded without it: each expiry is R3's
// (billing.ValidityOf), and a package already expired is decided.
func TestPackageAlertsBackfill(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	a := mustAccount(t, s, cstAt(2019, 5, 1, 9, 0, 0))
	var pkgs []billing.Package
	for _, at := range []time.Time{cstAt(2019, 5, 1, 0, 0, 0), cstAt(2020, 2, 29, 23, 59, 59), cstAt(2022, 12, 31, 23, 30, 0), cstAt(2023, 6, 1, 7, 59, 59)} {
		pkgs = append(pkgs, mustPurchase(t, s, a.ID, "starter", at))
	}
	name := "0009_events.sql"
	if s.d.postgres {
		name = "0004_events.sql"
	}
	body, err := migrationFiles.ReadFile("migrations/" + s.d.name + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(body), "INSERT INTO package_alerts")
	end := strings.Index(string(body)[start:], ";")
	if start < 0 || end < 0 {
		t.Fatal("the migration has no backfill of package_alerts")
	}
	if _, err := s.wq().ExecContext(ctx, `DELETE FROM package_alerts`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, string(body)[start:start+end]); err != nil {
		t.Fatalf("the backfill: %v", err)
	}
	for _, p := range pkgs {
		var expires int64
		var done int
		if err := s.rdq().QueryRowContext(ctx, `SELECT expires_at, expired_done FROM package_alerts WHERE package_id = ?`, p.ID).Scan(&expires, &done); err != nil {
			t.Fatal(err)
		}
		want := p.Validity().Until
		if got := fromUnix(expires); !got.Equal(want) {
			t.Errorf("package bought %s: backfilled expiry %s, want %s", billing.FormatInstant(p.PurchasedAt), billing.FormatInstant(got), billing.FormatInstant(want))
		}
		if wantDone := boolInt(!want.After(time.Now())); done != wantDone {
			t.Errorf("package bought %s: expired_done %d, want %d", billing.FormatInstant(p.PurchasedAt), done, wantDone)
		}
	}
}
