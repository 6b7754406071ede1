package db

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rtcbill/billing"
)

// testdata/release-7b12c42.db is a database made by the previous release,
// commit 7b12c42 (schema version 3), as its users made it: its server ran
// with RTCBILL_ADMIN_TOKEN set and was driven through its JSON API (three
// accounts opened with backdated applications and purchases, 1,108 sessions
// in batches: rooms of several participants on working days and a call
// across midnight at every month's end), its "user add" command (an admin, a
// support user and Beacon Meet's customer), its console (the customer signed
// in, created two API tokens and revoked one) and its API again (a user left
// in a live room). Then every bill below was read through its API, at
// 2026-11-28 11:01 CST, which stored the bills of every month up to October
// 2026, and every account's packages; the server was stopped with SIGTERM and
// the file VACUUMed. The figures below are what that release answered.

// releaseNow is when the figures were read: the bills of November 2026 are
// estimates, every earlier month is issued.
var releaseNow = time.Date(2026, 11, 28, 12, 0, 0, 0, billing.CST)

// releaseBill is one bill as the previous release printed it
// (GET /api/v1/accounts/{id}/bills/{month}).
type releaseBill struct {
	account                    int64
	month, status              string
	usageSeconds, usageMinutes int64
	deducted, overage          int64
	overageFee                 string
	refused, cleared           int64
	amountDue                  string
}

var releaseBills = []releaseBill{
	// account, month, status, usage seconds, usage minutes, minutes deducted
	// from packages, overage minutes, overage fee, refused, cleared, amount due
	{1, "2026-01", "issued", 73170, 1220, 1000, 0, "0.00", 220, 0, "0.00"},
	{1, "2026-02", "issued", 77302, 1289, 0, 0, "0.00", 1289, 0, "0.00"},
	{1, "2026-03", "issued", 55941, 933, 0, 0, "0.00", 933, 0, "0.00"},
	{1, "2026-04", "issued", 5873, 98, 0, 0, "0.00", 98, 0, "0.00"},
	{1, "2026-05", "issued", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{1, "2026-06", "issued", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{1, "2026-07", "issued", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{1, "2026-08", "issued", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{1, "2026-09", "issued", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{1, "2026-10", "issued", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{1, "2026-11", "estimate", 0, 0, 0, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-02", "issued", 216303, 3606, 1000, 0, "0.00", 2606, 0, "0.00"},
	{2, "2025-03", "issued", 202059, 3368, 0, 0, "0.00", 3368, 0, "0.00"},
	{2, "2025-04", "issued", 226996, 3784, 3784, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-05", "issued", 333259, 5555, 5555, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-06", "issued", 240988, 4017, 4017, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-07", "issued", 378093, 6302, 6302, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-08", "issued", 409335, 6823, 6823, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-09", "issued", 573357, 9556, 9556, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-10", "issued", 497467, 8292, 8292, 0, "0.00", 0, 0, "0.00"},
	{2, "2025-11", "issued", 492265, 8205, 5671, 2534, "63.35", 0, 0, "63.35"},
	{2, "2025-12", "issued", 449245, 7488, 0, 7488, "187.20", 0, 0, "187.20"},
	{2, "2026-01", "issued", 844025, 14068, 0, 14068, "351.70", 0, 0, "351.70"},
	{2, "2026-02", "issued", 844906, 14082, 0, 14082, "352.05", 0, 0, "352.05"},
	{2, "2026-03", "issued", 720188, 12004, 0, 12004, "300.10", 0, 0, "300.10"},
	{2, "2026-04", "issued", 697584, 11627, 0, 11627, "290.675", 0, 0, "290.68"},
	{2, "2026-05", "issued", 798261, 13305, 0, 13305, "332.625", 0, 0, "332.63"},
	{2, "2026-06", "issued", 881825, 14698, 14698, 0, "0.00", 0, 0, "0.00"},
	{2, "2026-07", "issued", 927769, 15463, 15463, 0, "0.00", 0, 0, "0.00"},
	{2, "2026-08", "issued", 1011137, 16853, 16853, 0, "0.00", 0, 0, "0.00"},
	{2, "2026-09", "issued", 1110524, 18509, 18509, 0, "0.00", 0, 0, "0.00"},
	{2, "2026-10", "issued", 1154288, 19239, 19239, 0, "0.00", 0, 0, "0.00"},
	{2, "2026-11", "estimate", 9337, 156, 156, 0, "0.00", 0, 0, "0.00"},
	{3, "2024-09", "issued", 301190, 5020, 1000, 0, "0.00", 4020, 0, "0.00"},
	{3, "2024-10", "issued", 333390, 5557, 4197, 0, "0.00", 1361, 0, "0.00"},
	{3, "2024-11", "issued", 355136, 5919, 5919, 0, "0.00", 0, 0, "0.00"},
	{3, "2024-12", "issued", 283435, 4724, 4724, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-01", "issued", 346261, 5772, 5772, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-02", "issued", 321815, 5364, 5364, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-03", "issued", 287605, 4794, 4794, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-04", "issued", 313604, 5227, 5227, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-05", "issued", 382163, 6370, 6370, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-06", "issued", 311224, 5188, 5188, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-07", "issued", 356504, 5942, 5942, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-08", "issued", 402463, 6708, 6708, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-09", "issued", 401221, 6688, 6688, 0, "0.00", 0, 0, "0.00"},
	{3, "2025-10", "issued", 450960, 7516, 7516, 0, "0.00", 0, 175591, "0.00"},
	{3, "2025-11", "issued", 375214, 6254, 6040, 214, "5.35", 0, 0, "5.35"},
	{3, "2025-12", "issued", 441755, 7363, 7363, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-01", "issued", 331535, 5526, 5526, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-02", "issued", 346185, 5770, 5770, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-03", "issued", 307525, 5126, 5126, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-04", "issued", 390113, 6502, 6502, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-05", "issued", 318959, 5316, 5316, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-06", "issued", 406497, 6775, 6775, 0, "0.00", 0, 0, "0.00"},
	{3, "2026-07", "issued", 417517, 6959, 1582, 5377, "134.425", 0, 0, "134.43"},
	{3, "2026-08", "issued", 390153, 6503, 0, 6503, "162.575", 0, 0, "162.58"},
	{3, "2026-09", "issued", 395414, 6591, 0, 6591, "164.775", 0, 0, "164.78"},
	{3, "2026-10", "issued", 377991, 6300, 0, 6300, "157.50", 0, 0, "157.50"},
	{3, "2026-11", "estimate", 10743, 180, 0, 180, "4.50", 0, 0, "4.50"},
}

// releasePackage is one package as the previous release listed it
// (GET /api/v1/accounts/{id}/packages).
type releasePackage struct {
	id                       int64
	plan                     billing.PlanCode
	used, remaining, cleared int64
	state                    billing.PackageState
}

var releaseStandings = map[int64]struct {
	status   billing.Status
	packages []releasePackage
}{
	1: {billing.StatusClosed, []releasePackage{{1, "trial", 1000, 0, 0, "exhausted"}}},
	2: {billing.StatusActive, []releasePackage{
		{2, "trial", 1000, 0, 0, "expired"}, {3, "starter", 50000, 0, 0, "expired"}, {4, "standard", 84918, 165082, 0, "valid"}}},
	3: {billing.StatusActive, []releasePackage{
		{5, "trial", 1000, 0, 0, "expired"}, {6, "standard", 74409, 0, 175591, "expired"}, {7, "starter", 50000, 0, 0, "exhausted"}}},
}

func TestPreviousReleaseDatabaseIsMigratedInPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rtcbill.db")
	fixture, err := os.ReadFile("testdata/release-7b12c42.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("opening the previous release's database: %v", err)
	}
	defer s.Close()

	t.Run("migrations 4 and later run in place, after the release's 1 to 3", func(t *testing.T) {
		all, err := migrations(s.d)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var versions []int
		var released int64
		for rows.Next() {
			var v int
			var at int64
			if err := rows.Scan(&v, &at); err != nil {
				t.Fatal(err)
			}
			versions = append(versions, v)
			if v == 3 {
				released = at
			}
			if v > 3 && at <= released {
				t.Errorf("migration %d applied at %d, want after the release's migration 3 (%d)", v, at, released)
			}
		}
		if len(versions) != len(all) || len(all) < 6 || versions[len(versions)-1] != len(all) {
			t.Errorf("schema versions: got %v, want 1 to %d (at least 6)", versions, len(all))
		}
		if released == 0 || released >= releaseNow.Unix() {
			t.Errorf("migration 3 applied at %d, want the release's own time, before %d", released, releaseNow.Unix())
		}
		var check string
		if err := s.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("integrity_check: got %q, %v, want ok", check, err)
		}
	})

	t.Run("every bill reads as the previous release answered it", func(t *testing.T) {
		want := map[int64][]releaseBill{}
		for _, b := range releaseBills {
			want[b.account] = append(want[b.account], b)
		}
		for id, wantBills := range want {
			bills, err := s.Bills(ctx, id, releaseNow)
			if err != nil {
				t.Fatalf("account %d: %v", id, err)
			}
			if len(bills) != len(wantBills) {
				t.Errorf("account %d: got %d bills, want %d", id, len(bills), len(wantBills))
				continue
			}
			for i, w := range wantBills {
				b := bills[len(bills)-1-i] // Bills is newest first
				got := releaseBill{account: id, month: b.Month.String(), status: string(b.Status),
					usageSeconds: b.UsageSeconds, usageMinutes: b.UsageMinutes, overage: b.Overage,
					overageFee: billing.FormatMoney(b.OverageFee), refused: b.Refused, amountDue: billing.FormatMoney(b.AmountDue)}
				for _, d := range b.Deductions {
					got.deducted += d.Minutes
				}
				for _, c := range b.Expired {
					got.cleared += c.Minutes
				}
				if got != w {
					t.Errorf("account %d %s:\n got %+v\nwant %+v", id, w.month, got, w)
				}
			}
		}
	})

	t.Run("the busiest rooms and the count of rooms are filled in from the room sums", func(t *testing.T) {
		rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT account_id, month FROM usage_room_monthly`)
		if err != nil {
			t.Fatal(err)
		}
		type am struct {
			account int64
			month   string
		}
		var months []am
		for rows.Next() {
			var k am
			if err := rows.Scan(&k.account, &k.month); err != nil {
				t.Fatal(err)
			}
			months = append(months, k)
		}
		rows.Close()
		if len(months) == 0 {
			t.Fatal("the fixture holds no room sums")
		}
		for _, k := range months {
			m, err := billing.ParseMonth(k.month)
			if err != nil {
				t.Fatal(err)
			}
			want, err := scanRooms(s.r.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM usage_room_monthly
				WHERE account_id = ? AND month = ? ORDER BY seconds DESC, sdk_app_id, room_id`, k.account, k.month))
			if err != nil {
				t.Fatal(err)
			}
			got, total, err := topRooms(ctx, s.r, k.account, m)
			if err != nil {
				t.Fatal(err)
			}
			if total != int64(len(want)) || fmt.Sprint(got) != fmt.Sprint(want[:min(len(want), billing.TopRooms)]) {
				t.Errorf("account %d %s: kept %d rooms %v, want %d %v", k.account, k.month, total, got, len(want), want[:min(len(want), billing.TopRooms)])
			}
		}
	})

	t.Run("every standing reads as the previous release answered it", func(t *testing.T) {
		for id, w := range releaseStandings {
			st, err := s.Standing(ctx, id, releaseNow)
			if err != nil {
				t.Fatalf("account %d: %v", id, err)
			}
			var got []releasePackage
			for _, p := range st.Packages {
				got = append(got, releasePackage{p.ID, p.Plan, p.Balance.UsedMinutes, p.Balance.RemainingMinutes, p.Balance.ClearedMinutes, p.State})
			}
			if st.Status != w.status || len(got) != len(w.packages) {
				t.Errorf("account %d: got %s with %+v, want %s with %+v", id, st.Status, got, w.status, w.packages)
				continue
			}
			for i := range got {
				if got[i] != w.packages[i] {
					t.Errorf("account %d package %d: got %+v, want %+v", id, i, got[i], w.packages[i])
				}
			}
		}
	})

	t.Run("users sign in with the passwords they had, and the live room is still open", func(t *testing.T) {
		for email, password := range map[string]string{
			"admin@rtcbill.example": "fixture admin passphrase 2026",
			"owner@beacon.example":  "beacon customer passphrase",
		} {
			if _, err := s.Authenticate(ctx, email, password); err != nil {
				t.Errorf("%s: %v", email, err)
			}
		}
		tokens, err := s.APITokens(ctx, 2)
		if err != nil || len(tokens) != 2 {
			t.Errorf("Beacon Meet's API tokens: got %d, %v, want 2", len(tokens), err)
		}
		live, err := s.LiveSessions(ctx, 1400000003, "lab-sync")
		if err != nil || len(live) != 1 {
			t.Errorf("live sessions of lab-sync: got %+v, %v, want kiosk-1", live, err)
		}
		entries, _, err := s.AuditLog(ctx, 2, 1)
		if err != nil || len(entries) == 0 {
			t.Errorf("Beacon Meet's audit trail: got %d entries, %v, want the release's", len(entries), err)
		}
	})
}
