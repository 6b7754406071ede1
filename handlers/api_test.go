package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// daySessions returns one 24-hour session per CST day for user, starting
// on firstDay: long sessions keep big usage cheap to ingest.
func daySessions(room, user string, firstDay time.Time, days int) []session {
	var out []session
	for i := range days {
		from := firstDay.AddDate(0, 0, i)
		out = append(out, session{
			ID: fmt.Sprintf("%s-%s-%d", room, user, i), Room: room, User: user,
			Joined: from.Format(time.RFC3339), Left: from.AddDate(0, 0, 1).Format(time.RFC3339),
		})
	}
	return out
}

// packageByPlan finds the package of plan in a GET .../packages answer.
func packageByPlan(t *testing.T, pkgs map[string]any, plan string) map[string]any {
	t.Helper()
	for _, p := range listAt(t, pkgs, "packages") {
		if m := p.(map[string]any); m["plan"] == plan {
			return m
		}
	}
	t.Fatalf("packages: no %s package in %v", plan, pkgs["packages"])
	return nil
}

func (env *env) packages(account int64, atInstant string) map[string]any {
	env.t.Helper()
	return env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/packages?at=%s", account, urlQueryEscape(atInstant)), nil, http.StatusOK)
}

func TestWorkedExamplesThroughTheAPI(t *testing.T) {
	t.Parallel()

	t.Run("W1 trial and starter: July and August 2019 bills through the API", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		acct := env.createAccount("W1 Customer")

		app, granted := env.createApp(acct, "2019-07-01T10:00:00+08:00")
		if !granted {
			t.Errorf("R4 first app on 2019-07-01: got trial_granted false, want true")
		}
		pk := env.packages(acct, "2019-07-01T12:00:00+08:00")
		trial := packageByPlan(t, pk, "trial")
		wantStr(t, trial, "valid_from", "2019-07-01")
		wantStr(t, trial, "expires_on", "2020-07-31")
		wantInt(t, trial, "included_minutes", 1000)
		wantMoney(t, trial, "price", "0.00")
		trialID := intAt(t, trial, "id")

		starter := env.purchase(acct, "starter", "2019-08-01T10:00:00+08:00")
		wantStr(t, starter, "plan", "starter")
		wantStr(t, starter, "purchased_at", "2019-08-01T10:00:00+08:00")
		wantStr(t, starter, "valid_from", "2019-08-01")
		wantStr(t, starter, "expires_on", "2020-08-31")
		wantInt(t, starter, "included_minutes", 50000)
		wantMoney(t, starter, "price", "3688.00")
		if strAt(t, starter, "order_id") == "" {
			t.Errorf("order_id: got empty, want an order id")
		}
		starterID := intAt(t, starter, "id")

		// July: 11,970 s in one stay.
		july := []session{{ID: "jul-1", Room: "r1", User: "u1", Joined: "2019-07-15T10:00:00+08:00", Left: "2019-07-15T13:19:30+08:00"}}
		// August: 35 whole days and one of 84,030 s = 3,108,030 s.
		aug1 := time.Date(2019, 8, 2, 0, 0, 0, 0, fixedNow.Location())
		august := append(daySessions("r1", "u1", aug1, 18), daySessions("r1", "u2", aug1, 17)...)
		last := aug1.AddDate(0, 0, 17)
		august = append(august, session{ID: "aug-last", Room: "r1", User: "u2",
			Joined: last.Format(time.RFC3339), Left: last.Add(84030 * time.Second).Format(time.RFC3339)})
		if ins, dup := env.postSessions(app, append(july, august...)); ins != 37 || dup != 0 {
			t.Fatalf("ingest: got inserted %d duplicates %d, want 37 and 0", ins, dup)
		}

		if got := env.status(acct, "2019-07-20T00:00:00+08:00"); got != "trial" {
			t.Errorf("R5 status on 2019-07-20: got %q, want \"trial\"", got)
		}
		if got := env.status(acct, "2019-08-01T10:00:00+08:00"); got != "active" {
			t.Errorf("R5 status at the starter's purchase: got %q, want \"active\"", got)
		}

		t.Run("July bill: trial -200, overage 0, amount due 0.00", func(t *testing.T) {
			b := env.bill(acct, "2019-07")
			wantInt(t, b, "account_id", acct)
			wantStr(t, b, "month", "2019-07")
			wantStr(t, b, "status", "issued")
			wantStr(t, b, "issue_date", "2019-08-01")
			wantStr(t, b, "charge_by", "2019-08-05")
			wantInt(t, b, "usage_seconds", 11970)
			wantInt(t, b, "usage_minutes", 200)
			wantLen(t, b, "deductions", 1)
			wantInt(t, b, "deductions.0.package_id", trialID)
			wantStr(t, b, "deductions.0.plan", "trial")
			wantInt(t, b, "deductions.0.minutes", 200)
			wantInt(t, b, "overage_minutes", 0)
			wantMoney(t, b, "overage_fee", "0.00")
			wantInt(t, b, "refused_minutes", 0)
			wantLen(t, b, "expired", 0)
			wantLen(t, b, "purchases", 0)
			wantMoney(t, b, "amount_due", "0.00")
		})

		t.Run("August bill: trial -800 then starter -50000, overage 1001, fee 25.025, due 25.03", func(t *testing.T) {
			b := env.bill(acct, "2019-08")
			wantStr(t, b, "month", "2019-08")
			wantStr(t, b, "status", "issued")
			wantStr(t, b, "issue_date", "2019-09-01")
			wantStr(t, b, "charge_by", "2019-09-05")
			wantInt(t, b, "usage_seconds", 3108030)
			wantInt(t, b, "usage_minutes", 51801)
			wantLen(t, b, "deductions", 2)
			wantInt(t, b, "deductions.0.package_id", trialID)
			wantStr(t, b, "deductions.0.plan", "trial")
			wantInt(t, b, "deductions.0.minutes", 800)
			wantInt(t, b, "deductions.1.package_id", starterID)
			wantStr(t, b, "deductions.1.plan", "starter")
			wantInt(t, b, "deductions.1.minutes", 50000)
			wantInt(t, b, "overage_minutes", 1001)
			wantMoney(t, b, "overage_fee", "25.025")
			wantInt(t, b, "refused_minutes", 0)
			wantLen(t, b, "expired", 0)
			wantLen(t, b, "purchases", 1)
			wantInt(t, b, "purchases.0.package_id", starterID)
			wantStr(t, b, "purchases.0.plan", "starter")
			wantMoney(t, b, "purchases.0.price", "3688.00")
			wantLen(t, b, "apps", 1)
			wantInt(t, b, "apps.0.sdk_app_id", app)
			wantInt(t, b, "apps.0.seconds", 3108030)
			wantMoney(t, b, "amount_due", "25.03")
		})

		t.Run("packages at the end of July: trial used 200, 800 left; starter upcoming", func(t *testing.T) {
			pk := env.packages(acct, "2019-07-31T23:59:59+08:00")
			wantStr(t, pk, "status", "trial")
			tr := packageByPlan(t, pk, "trial")
			wantInt(t, tr, "used_minutes", 200)
			wantInt(t, tr, "remaining_minutes", 800)
			wantInt(t, tr, "expired_minutes", 0)
			wantStr(t, tr, "state", "valid")
			wantStr(t, packageByPlan(t, pk, "starter"), "state", "upcoming")
		})

		t.Run("packages at the end of August: both used up", func(t *testing.T) {
			pk := env.packages(acct, "2019-08-31T23:59:59+08:00")
			wantStr(t, pk, "status", "active")
			wantLen(t, pk, "packages", 2)
			for _, c := range []struct {
				plan       string
				used, left int64
			}{{"trial", 1000, 0}, {"starter", 50000, 0}} {
				p := packageByPlan(t, pk, c.plan)
				wantInt(t, p, "used_minutes", c.used)
				wantInt(t, p, "remaining_minutes", c.left)
				wantInt(t, p, "expired_minutes", 0)
				wantStr(t, p, "state", "exhausted")
				wantMoney(t, p, "price", map[string]string{"trial": "0.00", "starter": "3688.00"}[c.plan])
			}
		})

		t.Run("CSV of the August bill answers text/csv with the amount due", func(t *testing.T) {
			rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/2019-08.csv", acct)})
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200; body %s", rec.Code, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Content-Type: got %q, want text/csv", ct)
			}
			body := rec.Body.String()
			var due string
			for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
				f := strings.Split(strings.TrimSpace(line), ",")
				if len(f) > 2 && f[2] == "amount_due" {
					due = f[len(f)-1]
				}
			}
			if due != "25.03" {
				t.Errorf("amount_due line: got amount %q, want \"25.03\"; csv:\n%s", due, body)
			}
			if !strings.Contains(body, "25.025") {
				t.Errorf("overage fee 25.025 missing from the csv:\n%s", body)
			}
		})
	})

	t.Run("W2 A 10 min, B 20 min, C 10 min in one room make 40 min", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		acct := env.createAccount("W2 Customer")
		app, _ := env.createApp(acct, "2019-07-01T10:00:00+08:00")
		env.postSessions(app, []session{
			{Room: "room-1", User: "A", Joined: "2019-09-10T10:00:00+08:00", Left: "2019-09-10T10:10:00+08:00"},
			{Room: "room-1", User: "B", Joined: "2019-09-10T10:05:00+08:00", Left: "2019-09-10T10:25:00+08:00"},
			{Room: "room-1", User: "C", Joined: "2019-09-10T10:10:00+08:00", Left: "2019-09-10T10:20:00+08:00"},
		})
		b := env.bill(acct, "2019-09")
		wantInt(t, b, "usage_seconds", 2400)
		wantInt(t, b, "usage_minutes", 40)
		wantLen(t, b, "rooms", 1)
		wantStr(t, b, "rooms.0.room_id", "room-1")
		wantInt(t, b, "rooms.0.sdk_app_id", app)
		wantInt(t, b, "rooms.0.seconds", 2400)
		wantInt(t, b, "rooms.0.minutes", 40)
		wantInt(t, b, "rooms.0.sessions", 3)
		wantInt(t, b, "deductions.0.minutes", 40)
		wantMoney(t, b, "amount_due", "0.00")
	})

	t.Run("W3 trial only: 1,200 min → 1,000 from the trial, 200 refused, closed, a starter re-activates", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		acct := env.createAccount("W3 Customer")
		app, granted := env.createApp(acct, "2026-11-02T09:00:00+08:00")
		if !granted {
			t.Fatalf("R4 first app in 2026: got trial_granted false, want true")
		}
		env.postSessions(app, []session{{ID: "long", Room: "r", User: "u",
			Joined: "2026-11-03T02:00:00+08:00", Left: "2026-11-03T22:00:00+08:00"}})

		if got := env.status(acct, "2026-11-03T01:00:00+08:00"); got != "trial" {
			t.Errorf("R5 status before the calls: got %q, want \"trial\"", got)
		}
		if got := env.status(acct, ""); got != "closed" {
			t.Errorf("R5 status after the trial is used up: got %q, want \"closed\"", got)
		}

		b := env.bill(acct, "2026-11")
		wantStr(t, b, "status", "estimate")
		wantInt(t, b, "usage_minutes", 1200)
		wantLen(t, b, "deductions", 1)
		wantStr(t, b, "deductions.0.plan", "trial")
		wantInt(t, b, "deductions.0.minutes", 1000)
		wantInt(t, b, "refused_minutes", 200)
		wantInt(t, b, "overage_minutes", 0)
		wantMoney(t, b, "overage_fee", "0.00")
		wantMoney(t, b, "amount_due", "0.00")

		join := fmt.Sprintf("/api/v1/apps/%d/rooms/r/join", app)
		before := env.counts()
		assertError(t, env.do(req{method: "POST", path: join, body: map[string]string{"user_id": "u"}}), http.StatusForbidden, "service_closed")
		assertUnchanged(t, before, env.counts())

		env.purchase(acct, "starter", "2026-11-25T11:00:00+08:00")
		if got := env.status(acct, ""); got != "active" {
			t.Errorf("R5 status after buying a starter: got %q, want \"active\"", got)
		}
		res := env.call("POST", join, map[string]string{"user_id": "u"}, http.StatusCreated)
		if strAt(t, res, "session_id") == "" {
			t.Errorf("join: got an empty session_id")
		}

		// The refused minutes stay refused: the starter came later.
		b = env.bill(acct, "2026-11")
		wantInt(t, b, "refused_minutes", 200)
		wantInt(t, b, "overage_minutes", 0)
		wantMoney(t, b, "purchases.0.price", "3688.00")
		wantMoney(t, b, "amount_due", "0.00")
	})

	t.Run("W4 package bought 2019-03-15 expires 2020-03-31; 100 min on 2020-04-02 are overage 2.50", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t)
		acct := env.createAccount("W4 Customer")
		app, granted := env.createApp(acct, "2019-03-01T09:00:00+08:00")
		if granted {
			t.Errorf("R4 first app before 2019-06-01: got trial_granted true, want false")
		}
		p := env.purchase(acct, "starter", "2019-03-15T10:00:00+08:00")
		wantStr(t, p, "valid_from", "2019-03-15")
		wantStr(t, p, "expires_on", "2020-03-31")
		pkgID := intAt(t, p, "id")
		env.postSessions(app, []session{{Room: "r", User: "u", Joined: "2020-04-02T10:00:00+08:00", Left: "2020-04-02T11:40:00+08:00"}})

		t.Run("March 2020 bill lists the expired package with its cleared minutes", func(t *testing.T) {
			b := env.bill(acct, "2020-03")
			wantLen(t, b, "expired", 1)
			wantInt(t, b, "expired.0.package_id", pkgID)
			wantStr(t, b, "expired.0.plan", "starter")
			wantInt(t, b, "expired.0.minutes", 50000)
			wantMoney(t, b, "amount_due", "0.00")
		})

		t.Run("April 2020 bill: overage 100, fee 2.50", func(t *testing.T) {
			b := env.bill(acct, "2020-04")
			wantInt(t, b, "usage_minutes", 100)
			wantLen(t, b, "deductions", 0)
			wantLen(t, b, "expired", 0)
			wantInt(t, b, "overage_minutes", 100)
			fee := strAt(t, b, "overage_fee")
			if d, err := decimal.NewFromString(fee); err != nil || !d.Equal(decimal.RequireFromString("2.5")) {
				t.Errorf("overage_fee: got %q, want the decimal 2.5", fee)
			}
			wantMoney(t, b, "overage_fee", "2.50")
			wantMoney(t, b, "amount_due", "2.50")
		})

		t.Run("packages on 2020-04-01: the starter expired with 50000 cleared", func(t *testing.T) {
			pk := env.packages(acct, "2020-04-01T00:00:00+08:00")
			wantStr(t, pk, "status", "active")
			s := packageByPlan(t, pk, "starter")
			wantStr(t, s, "state", "expired")
			wantInt(t, s, "used_minutes", 0)
			wantInt(t, s, "remaining_minutes", 0)
			wantInt(t, s, "expired_minutes", 50000)
		})
	})
}

func TestPlansHealthAndMoneyAsStrings(t *testing.T) {
	t.Parallel()
	env := newEnv(t)

	t.Run("R1 GET /api/v1/plans without auth lists the five plans and the overage price", func(t *testing.T) {
		rec := env.do(req{method: "GET", path: "/api/v1/plans", token: noToken()})
		if rec.Code != http.StatusOK {
			t.Fatalf("got status %d, want 200; body %s", rec.Code, rec.Body.String())
		}
		body := decodeObject(t, rec.Body.Bytes())
		want := []struct {
			code, price string
			minutes     int64
			purchasable bool
		}{
			{"trial", "0.00", 1000, false},
			{"starter", "3688.00", 50000, true},
			{"standard", "9688.00", 250000, true},
			{"enterprise", "28988.00", 1000000, true},
			{"premium", "73888.00", 3000000, true},
		}
		wantLen(t, body, "plans", len(want))
		for i, w := range want {
			p := fmt.Sprintf("plans.%d.", i)
			wantStr(t, body, p+"code", w.code)
			wantMoney(t, body, p+"price", w.price)
			wantInt(t, body, p+"included_minutes", w.minutes)
			if got := at(t, body, p+"purchasable"); got != w.purchasable {
				t.Errorf("%spurchasable: got %v, want %v", p, got, w.purchasable)
			}
			for _, f := range []string{"demo_source", "group_support", "whiteboard_sdk", "dedicated_support"} {
				if _, ok := at(t, body, p+"features."+f).(bool); !ok {
					t.Errorf("%sfeatures.%s: got %v, want a boolean", p, f, at(t, body, p+"features."+f))
				}
			}
		}
		wantMoney(t, body, "overage.price_per_1000_minutes", "25.00")
	})

	t.Run("GET /healthz answers 200", func(t *testing.T) {
		rec := env.do(req{method: "GET", path: "/healthz", token: noToken()})
		if rec.Code != http.StatusOK {
			t.Errorf("got status %d, want 200; body %s", rec.Code, rec.Body.String())
		}
	})

	t.Run("money is a JSON string in purchases, packages and bills", func(t *testing.T) {
		acct := env.createAccount("Money Customer")
		app, _ := env.createApp(acct, "2019-03-01T09:00:00+08:00")
		p := env.purchase(acct, "premium", "2019-03-15T10:00:00+08:00")
		wantMoney(t, p, "price", "73888.00")
		env.postSessions(app, []session{{Room: "r", User: "u", Joined: "2019-03-20T10:00:00+08:00", Left: "2019-03-20T10:00:30+08:00"}})
		pk := env.packages(acct, "2019-03-31T00:00:00+08:00")
		wantMoney(t, pk, "packages.0.price", "73888.00")
		b := env.bill(acct, "2019-03")
		wantMoney(t, b, "overage_fee", "0.00")
		wantMoney(t, b, "amount_due", "0.00")
		wantMoney(t, b, "purchases.0.price", "73888.00")
		wantInt(t, b, "deductions.0.minutes", 1)
	})
}

func TestIdempotentPurchases(t *testing.T) {
	t.Parallel()
	env := newEnv(t)

	t.Run("the same Idempotency-Key twice buys one package: 201 then 200 with the same package", func(t *testing.T) {
		acct := env.createAccount("Idem Customer")
		path := fmt.Sprintf("/api/v1/accounts/%d/purchases", acct)
		body := map[string]string{"plan": "standard", "purchased_at": "2020-05-05T10:00:00+08:00"}
		key := map[string]string{"Idempotency-Key": "order-42"}
		before := env.counts()

		first := env.do(req{method: "POST", path: path, body: body, headers: key})
		if first.Code != http.StatusCreated {
			t.Fatalf("first purchase: got status %d, want 201; body %s", first.Code, first.Body.String())
		}
		second := env.do(req{method: "POST", path: path, body: body, headers: key})
		if second.Code != http.StatusOK {
			t.Fatalf("repeated purchase: got status %d, want 200; body %s", second.Code, second.Body.String())
		}
		a, b := decodeObject(t, first.Body.Bytes()), decodeObject(t, second.Body.Bytes())
		if intAt(t, a, "id") != intAt(t, b, "id") {
			t.Errorf("id: got %d then %d, want the same package", intAt(t, a, "id"), intAt(t, b, "id"))
		}
		if strAt(t, a, "order_id") != strAt(t, b, "order_id") {
			t.Errorf("order_id: got %q then %q, want the same order", strAt(t, a, "order_id"), strAt(t, b, "order_id"))
		}
		wantMoney(t, b, "price", "9688.00")
		if got, want := env.counts()["packages"], before["packages"]+1; got != want {
			t.Errorf("package rows: got %d, want %d (one bought)", got, want)
		}
	})

	t.Run("without a key two posts buy two packages", func(t *testing.T) {
		acct := env.createAccount("Twice Customer")
		before := env.counts()
		a := env.purchase(acct, "starter", "2020-05-05T10:00:00+08:00")
		b := env.purchase(acct, "starter", "2020-05-05T10:00:00+08:00")
		if intAt(t, a, "id") == intAt(t, b, "id") {
			t.Errorf("id: got %d twice, want two packages", intAt(t, a, "id"))
		}
		if got, want := env.counts()["packages"], before["packages"]+2; got != want {
			t.Errorf("package rows: got %d, want %d", got, want)
		}
		pk := env.packages(acct, "2020-05-06T00:00:00+08:00")
		wantLen(t, pk, "packages", 2)
	})
}

func TestSessionBatches(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	acct := env.createAccount("Batch Customer")
	app, _ := env.createApp(acct, "2019-03-01T09:00:00+08:00")
	env.purchase(acct, "starter", "2019-03-01T10:00:00+08:00")

	a := session{ID: "s-a", Room: "r1", User: "a", Joined: "2019-04-01T10:00:00+08:00", Left: "2019-04-01T10:10:00+08:00"}
	b := session{ID: "s-b", Room: "r1", User: "b", Joined: "2019-04-01T10:00:00+08:00", Left: "2019-04-01T10:20:00+08:00"}
	c := session{Room: "r2", User: "c", Joined: "2019-04-02T10:00:00+08:00", Left: "2019-04-02T10:30:00+08:00"}

	t.Run("R6 a session_id repeated within a batch is a duplicate, stored once", func(t *testing.T) {
		ins, dup := env.postSessions(app, []session{a, b, a, c})
		if ins != 3 || dup != 1 {
			t.Errorf("got inserted %d duplicates %d, want 3 and 1", ins, dup)
		}
		if got := env.counts()["sessions"]; got != 3 {
			t.Errorf("session rows: got %d, want 3", got)
		}
	})

	bill := env.bill(acct, "2019-04")
	wantInt(t, bill, "usage_seconds", 600+1200+1800)

	t.Run("re-posting a batch stores nothing and counts every row as a duplicate", func(t *testing.T) {
		ins, dup := env.postSessions(app, []session{a, b, c})
		if ins != 0 || dup != 3 {
			t.Errorf("got inserted %d duplicates %d, want 0 and 3", ins, dup)
		}
	})

	t.Run("without a session_id, room, user and joined_at identify the session", func(t *testing.T) {
		again := c
		again.Left = "2019-04-02T10:45:00+08:00" // same natural key, other end: a conflict
		fresh := c
		fresh.Joined, fresh.Left = "2019-04-03T10:00:00+08:00", "2019-04-03T10:01:00+08:00"
		ins, dup := env.postSessions(app, []session{c, again, fresh})
		if ins != 1 || dup != 1 {
			t.Errorf("got inserted %d duplicates %d, want 1 and 1", ins, dup)
		}
	})

	t.Run("the issued bill is unchanged by re-posting and by sessions recorded after it", func(t *testing.T) {
		// April 2019 is long over: its bill was issued when first read above
		// (3,600 s) and never changes. The session of 04-03 recorded since is
		// stored and counted in the usage sums; had it added overage, the
		// next open bill would carry it as late usage (see TestLateUsage).
		env.postSessions(app, []session{a, b, c})
		got := env.bill(acct, "2019-04")
		wantInt(t, got, "usage_seconds", 600+1200+1800)
		wantInt(t, got, "usage_minutes", 60)
		wantInt(t, got, "deductions.0.minutes", 60)
		wantLen(t, got, "late_usage", 0)
		if n := env.counts()["usage_daily.seconds"]; n != 600+1200+1800+60 {
			t.Errorf("daily usage: got %d s, want %d (the late session is kept)", n, 600+1200+1800+60)
		}
	})

}

func TestLiveJoinAndLeave(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	acct := env.createAccount("Live Customer")
	app, _ := env.createApp(acct, "2026-11-01T09:00:00+08:00")
	base := fmt.Sprintf("/api/v1/apps/%d/rooms/lobby/", app)

	joined := env.call("POST", base+"join", map[string]string{"user_id": "alice"}, http.StatusCreated)
	id := strAt(t, joined, "session_id")
	if id == "" {
		t.Fatalf("join: got an empty session_id")
	}
	if got := env.counts()["live_sessions"]; got != 1 {
		t.Errorf("live sessions after the join: got %d, want 1", got)
	}

	env.clock.Advance(30*time.Minute + 30*time.Second)
	left := env.call("POST", base+"leave", map[string]string{"user_id": "alice"}, http.StatusOK)
	wantStr(t, left, "session_id", id)
	wantInt(t, left, "seconds", 1830)
	wantStr(t, left, "joined_at", "2026-11-25T12:00:00+08:00")
	wantStr(t, left, "left_at", "2026-11-25T12:30:30+08:00")
	c := env.counts()
	if c["live_sessions"] != 0 || c["sessions"] != 1 {
		t.Errorf("after the leave: got %d live and %d stored sessions, want 0 and 1", c["live_sessions"], c["sessions"])
	}

	t.Run("R6 R8 the call's minutes show on the month's bill", func(t *testing.T) {
		b := env.bill(acct, "2026-11")
		wantStr(t, b, "status", "estimate")
		wantInt(t, b, "usage_seconds", 1830)
		wantInt(t, b, "usage_minutes", 31)
		wantStr(t, b, "deductions.0.plan", "trial")
		wantInt(t, b, "deductions.0.minutes", 31)
		wantStr(t, b, "rooms.0.room_id", "lobby")
		wantInt(t, b, "rooms.0.seconds", 1830)
		wantMoney(t, b, "amount_due", "0.00")
	})
}
