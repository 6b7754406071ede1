package db

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"rtcbill/billing"

	"rtcbill/domain"
)

// The properties below run over seeded random accounts: each has a first
// application created in 2019–2020 (so a trial, R4), sometimes a second
// one, 0–3 paid purchases (some in the middle of a session) and sessions
// that cross midnights and month ends, heavy enough that packages run out
// and both overage and refused usage happen.

const propCases = 32

type propPurchase struct {
	plan string
	at   time.Time
	key  string
}

type propSession struct {
	app int // index into propCase.apps
	s   billing.Session
}

type propCase struct {
	seed      uint64
	account   time.Time
	apps      []time.Time
	purchases []propPurchase
	sessions  []propSession
}

func randInstant(r *rand.Rand, lo, hi time.Time) time.Time {
	return lo.Add(time.Duration(r.Int64N(int64(hi.Sub(lo)/time.Second))) * time.Second)
}

func genPropCase(seed uint64) propCase {
	r := rand.New(rand.NewPCG(seed, 0x7274_6362_696c_6c))
	c := propCase{seed: seed}
	first := randInstant(r, cstAt(2019, 6, 1, 0, 0, 0), cstAt(2021, 1, 1, 0, 0, 0))
	c.account = first.Add(-time.Duration(r.IntN(30*24*3600)) * time.Second)
	c.apps = []time.Time{first}
	if r.IntN(2) == 0 {
		c.apps = append(c.apps, first.Add(time.Duration(1+r.IntN(40*24*3600))*time.Second))
	}

	// Light cases live on the trial and the first package; heavy ones use
	// up a starter within a few months; a burst uses up a starter on the
	// day it is bought, so that on that day the seconds before the
	// purchase are refused and those after it are overage (R5, R7).
	kind := r.IntN(6)
	months, n, maxDur := 1+r.IntN(15), 40+r.IntN(110), 3600
	switch {
	case kind == 0:
		months, n, maxDur = 1, 700+r.IntN(300), 4*3600
	case kind%2 == 1:
		months, n, maxDur = 1+r.IntN(3), 400+r.IntN(400), 4*3600
	}
	end := first.AddDate(0, months, 0)
	burst := billing.NextDayStart(first).AddDate(0, 0, r.IntN(20))
	for i := range n {
		a := r.IntN(len(c.apps))
		lo := c.apps[a]
		if !lo.Before(end) {
			a, lo = 0, first
		}
		joined := randInstant(r, lo, end)
		switch r.IntN(8) {
		case 0, 1: // across a midnight
			joined = billing.NextDayStart(joined).Add(-time.Duration(1+r.IntN(2*3600)) * time.Second)
		case 2: // across a month end
			joined = billing.MonthOf(joined).End().Add(-time.Duration(1+r.IntN(3*3600)) * time.Second)
		}
		if kind == 0 && i%10 != 0 {
			joined = randInstant(r, burst, burst.Add(20*time.Hour))
		}
		if joined.Before(lo) {
			joined = lo.Add(time.Duration(r.IntN(3600)) * time.Second)
		}
		s := billing.Session{
			Room:   fmt.Sprintf("room-%d", r.IntN(6)),
			User:   fmt.Sprintf("user-%d", i), // distinct users keep the natural keys distinct
			Joined: joined,
			Left:   joined.Add(time.Duration(1+r.IntN(maxDur)) * time.Second),
		}
		if r.IntN(5) > 0 {
			s.ID = fmt.Sprintf("s-%d-%04d", seed, i)
		}
		c.sessions = append(c.sessions, propSession{a, s})
	}

	plans := []string{"starter", "starter", "starter", "starter", "standard", "standard", "enterprise", "premium"}
	k := r.IntN(4)
	if kind == 0 {
		k = 1 + r.IntN(3)
	}
	for i := range k {
		p := propPurchase{plan: plans[r.IntN(len(plans))]}
		switch {
		case kind == 0 && i == 0:
			p.plan, p.at = "starter", burst.Add(time.Duration(6*3600+r.IntN(8*3600))*time.Second)
		case r.IntN(2) == 0:
			// In the middle of a session, so that the day of the purchase
			// holds usage on both sides of it.
			s := c.sessions[r.IntN(len(c.sessions))].s
			p.at = randInstant(r, s.Joined, s.Left.Add(time.Second))
		default:
			p.at = randInstant(r, first, end)
		}
		if r.IntN(2) == 0 {
			p.key = fmt.Sprintf("order-%d", i)
		}
		c.purchases = append(c.purchases, p)
	}
	slices.SortStableFunc(c.purchases, func(a, b propPurchase) int { return a.at.Compare(b.at) })
	return c
}

// propStore is one store loaded with a case.
type propStore struct {
	s       *SQLStore
	account int64
	apps    []int64 // SDKAppIDs, in the order of propCase.apps
}

func newPropStore(t *testing.T, c propCase) propStore {
	t.Helper()
	s, _ := openTestStore(t)
	ps := propStore{s: s, account: mustAccount(t, s, c.account).ID}
	for _, at := range c.apps {
		app, _ := mustApp(t, s, ps.account, at)
		ps.apps = append(ps.apps, app.SDKAppID)
	}
	return ps
}

func (ps propStore) buy(t *testing.T, p propPurchase) {
	t.Helper()
	if _, _, err := ps.s.Purchase(context.Background(), ps.account, p.plan, p.at, p.key, testNow); err != nil {
		t.Fatalf("Purchase %s at %s: %v", p.plan, billing.FormatInstant(p.at), err)
	}
}

// ingest stores a batch that may mix applications: one InsertSessions per
// application.
func (ps propStore) ingest(t *testing.T, batch []propSession) {
	t.Helper()
	byApp := make([][]billing.Session, len(ps.apps))
	for _, x := range batch {
		byApp[x.app] = append(byApp[x.app], x.s)
	}
	for a, ss := range byApp {
		if len(ss) > 0 {
			if _, err := ps.s.InsertSessions(context.Background(), ps.apps[a], ss, testNow); err != nil {
				t.Fatalf("InsertSessions: %v", err)
			}
		}
	}
}

// loadOnce buys every package, then ingests every session in one batch,
// in the order of joining.
func loadOnce(t *testing.T, c propCase) propStore {
	ps := newPropStore(t, c)
	for _, p := range c.purchases {
		ps.buy(t, p)
	}
	sorted := slices.Clone(c.sessions)
	slices.SortStableFunc(sorted, func(a, b propSession) int { return a.s.Joined.Compare(b.s.Joined) })
	ps.ingest(t, sorted)
	return ps
}

// loadShuffled ingests the sessions shuffled, in batches of random sizes,
// some sent twice, with the purchases (some of them repeated with their
// idempotency key) in between.
func loadShuffled(t *testing.T, c propCase, r *rand.Rand) propStore {
	ps := newPropStore(t, c)
	shuffled := slices.Clone(c.sessions)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	next := 0
	for len(shuffled) > 0 {
		for next < len(c.purchases) && r.IntN(4) == 0 {
			ps.buy(t, c.purchases[next])
			if c.purchases[next].key != "" && r.IntN(2) == 0 {
				ps.buy(t, c.purchases[next]) // a retried request buys nothing
			}
			next++
		}
		k := min(len(shuffled), 1+r.IntN(80))
		batch := slices.Clone(shuffled[:k])
		if r.IntN(3) == 0 {
			batch = append(batch, c.sessions[r.IntN(len(c.sessions))]) // a duplicate
		}
		ps.ingest(t, batch)
		shuffled = shuffled[k:]
	}
	for ; next < len(c.purchases); next++ {
		ps.buy(t, c.purchases[next])
	}
	return ps
}

// refSessions are the case's sessions as the store keys them (R7 ties).
func refSessions(c propCase, ps propStore) []billing.Session {
	out := make([]billing.Session, 0, len(c.sessions))
	for _, x := range c.sessions {
		s := x.s
		s.App = ps.apps[x.app]
		if s.ID == "" {
			s.ID = naturalKey(s)
		}
		out = append(out, s)
	}
	return out
}

// refPieces is the slow path: every session cut at CST midnights (R6), up
// to until, with no daily sums.
func refPieces(sessions []billing.Session, until time.Time) []billing.Piece {
	var ps []billing.Piece
	for _, s := range sessions {
		ps = billing.SplitSession(ps, s, billing.MinInstant, until)
	}
	return ps
}

// touchedMonths are the months in which something happens: an application
// or a purchase, usage, or an expiry.
func touchedMonths(c propCase, pkgs []billing.Package) []billing.Month {
	set := map[billing.Month]bool{}
	for _, at := range c.apps {
		set[billing.MonthOf(at)] = true
	}
	for _, p := range pkgs {
		set[billing.MonthOf(p.PurchasedAt)] = true
		set[billing.MonthOf(p.Validity().ExpiresOn())] = true
	}
	for _, x := range c.sessions {
		set[billing.MonthOf(x.s.Joined)] = true
		set[billing.MonthOf(x.s.Left.Add(-time.Second))] = true
	}
	var out []billing.Month
	for m := range set {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b billing.Month) int { return a.Start().Compare(b.Start()) })
	return out
}

// standingInstants are instants around every purchase, at month starts and
// at random.
func standingInstants(c propCase, r *rand.Rand) []time.Time {
	out := []time.Time{c.apps[0].Add(time.Hour)}
	for _, p := range c.purchases {
		out = append(out, p.at.Add(-time.Second), p.at, p.at.Add(time.Second), billing.NextDayStart(p.at))
	}
	last := c.apps[0]
	for _, x := range c.sessions {
		if x.s.Left.After(last) {
			last = x.s.Left
		}
	}
	out = append(out, billing.MonthOf(last).Start(), last, last.AddDate(1, 2, 0))
	for range 4 {
		out = append(out, randInstant(r, c.apps[0], last.Add(time.Hour)))
	}
	return out
}

func sumDeductionSeconds(ds []billing.Deduction) int64 {
	var n int64
	for _, d := range ds {
		n += d.Seconds
	}
	return n
}

// propMonth is one month's bill from both stores and from the reference.
type propMonth struct {
	m       billing.Month
	a, b    billing.Bill
	ref     billing.MonthRating
	refBill billing.Bill
}

// propStanding is one instant's standing from both stores and the
// reference rating up to it.
type propStanding struct {
	at   time.Time
	a, b domain.Standing
	ref  billing.Rating
}

func TestPropertyBills(t *testing.T) {
	ctx := context.Background()
	var overage, refused, both, exhaustedPaid, exhaustedTrial, midSession int64

	for i := range propCases {
		seed := uint64(1000 + i)
		c := genPropCase(seed)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 42))
			a := loadOnce(t, c)
			b := loadShuffled(t, c, r)

			pkgs, err := a.s.Packages(ctx, a.account)
			if err != nil {
				t.Fatal(err)
			}
			if want := 1 + len(c.purchases); len(pkgs) != want {
				t.Fatalf("got %d packages, want %d (a trial and %d purchases)", len(pkgs), want, len(c.purchases))
			}
			pkgsB, err := b.s.Packages(ctx, b.account)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pkgs, pkgsB) {
				t.Fatalf("packages differ between the stores: got %+v, want %+v", pkgsB, pkgs)
			}
			sessions := refSessions(c, a)
			all := refPieces(sessions, billing.MinInstant.AddDate(100, 0, 0))

			var months []propMonth
			for _, m := range touchedMonths(c, pkgs) {
				pm := propMonth{m: m, ref: billing.Rate(pkgs, all, m.End()).Month(m)}
				pm.refBill = billing.MakeBill(pm.ref, pkgs, testNow)
				if pm.a, err = a.s.Bill(ctx, a.account, m, testNow); err != nil {
					t.Fatalf("Bill %s: %v", m, err)
				}
				if pm.b, err = b.s.Bill(ctx, b.account, m, testNow); err != nil {
					t.Fatalf("Bill %s: %v", m, err)
				}
				months = append(months, pm)
			}
			var standings []propStanding
			for _, at := range standingInstants(c, r) {
				ps := propStanding{at: at, ref: billing.Rate(pkgs, refPieces(sessions, at), at)}
				if ps.a, err = a.s.Standing(ctx, a.account, at); err != nil {
					t.Fatalf("Standing at %s: %v", billing.FormatInstant(at), err)
				}
				if ps.b, err = b.s.Standing(ctx, b.account, at); err != nil {
					t.Fatalf("Standing at %s: %v", billing.FormatInstant(at), err)
				}
				standings = append(standings, ps)
			}

			t.Run("R7 one batch or many shuffled batches give the same bills and standings", func(t *testing.T) {
				for _, pm := range months {
					if !reflect.DeepEqual(pm.a, pm.b) {
						t.Errorf("bill %s: got %+v, want %+v", pm.m, pm.b, pm.a)
					}
				}
				for _, ps := range standings {
					if !reflect.DeepEqual(ps.a, ps.b) {
						t.Errorf("standing at %s: got %+v, want %+v", billing.FormatInstant(ps.at), ps.b, ps.a)
					}
				}
			})

			t.Run("R8 R10 R11 the lines of every bill add up", func(t *testing.T) {
				for _, pm := range months {
					bill, ref := pm.a, pm.ref
					if got, want := sumDeductionSeconds(bill.Deductions)+ref.OverageSeconds+ref.RefusedSeconds, bill.UsageSeconds; got != want {
						t.Errorf("%s: deductions + overage + refused: got %d s, want the usage %d s", pm.m, got, want)
					}
					if got, want := bill.UsageMinutes, (bill.UsageSeconds+59)/60; got != want {
						t.Errorf("%s: usage minutes: got %d, want ceil(%d/60) = %d", pm.m, got, bill.UsageSeconds, want)
					}
					if got, want := bill.Overage, (ref.OverageSeconds+59)/60; got != want {
						t.Errorf("%s: overage minutes: got %d, want ceil(%d/60) = %d", pm.m, got, ref.OverageSeconds, want)
					}
					if got, want := bill.Refused, (ref.RefusedSeconds+59)/60; got != want {
						t.Errorf("%s: refused minutes: got %d, want ceil(%d/60) = %d", pm.m, got, ref.RefusedSeconds, want)
					}
					for _, d := range bill.Deductions {
						if d.Minutes != (d.Seconds+59)/60 || d.Seconds <= 0 {
							t.Errorf("%s: deduction %+v: want minutes = ceil(seconds/60) of a positive draw", pm.m, d)
						}
					}
					var apps, rooms int64
					for _, x := range bill.Apps {
						apps += x.Seconds
					}
					for _, x := range bill.Rooms {
						rooms += x.Seconds
					}
					if apps != bill.UsageSeconds || rooms != bill.UsageSeconds {
						t.Errorf("%s: apps add up to %d s and rooms to %d s, want both the usage %d s", pm.m, apps, rooms, bill.UsageSeconds)
					}
					fee := decimal.NewFromInt(bill.Overage).Mul(decimal.NewFromInt(25)).Div(decimal.NewFromInt(1000))
					if !bill.OverageFee.Equal(fee) || !bill.AmountDue.Equal(fee.Round(2)) {
						t.Errorf("%s: fee %s, amount due %s: want %s and %s", pm.m, bill.OverageFee, bill.AmountDue, fee, fee.Round(2))
					}
				}
			})

			t.Run("R7 daily sums bill like the session-by-session reference", func(t *testing.T) {
				for _, pm := range months {
					got, want := pm.a, pm.refBill
					if got.UsageSeconds != want.UsageSeconds || got.UsageMinutes != want.UsageMinutes {
						t.Errorf("%s: usage: got %d s / %d min, want %d s / %d min", pm.m, got.UsageSeconds, got.UsageMinutes, want.UsageSeconds, want.UsageMinutes)
					}
					if !reflect.DeepEqual(got.Deductions, want.Deductions) {
						t.Errorf("%s: deductions: got %+v, want %+v", pm.m, got.Deductions, want.Deductions)
					}
					if got.Overage != want.Overage || !got.OverageFee.Equal(want.OverageFee) {
						t.Errorf("%s: overage: got %d min (%s), want %d min (%s)", pm.m, got.Overage, got.OverageFee, want.Overage, want.OverageFee)
					}
					if got.Refused != want.Refused {
						t.Errorf("%s: refused: got %d min, want %d", pm.m, got.Refused, want.Refused)
					}
					// Issued bills come back from their stored JSON: compare what
					// they say, not how Go holds it (a time's zone, a decimal's
					// exponent).
					if !sameJSON(got.Expired, want.Expired) {
						t.Errorf("%s: expired: got %+v, want %+v", pm.m, got.Expired, want.Expired)
					}
					if !got.AmountDue.Equal(want.AmountDue) {
						t.Errorf("%s: amount due: got %s, want %s", pm.m, got.AmountDue, want.AmountDue)
					}
					if !sameJSON(got.Purchases, want.Purchases) {
						t.Errorf("%s: purchases: got %+v, want %+v", pm.m, got.Purchases, want.Purchases)
					}
				}
			})

			t.Run("R8 R9 no package is ever drawn past its capacity", func(t *testing.T) {
				drawn := map[int64]int64{}   // minutes, over every bill
				cleared := map[int64]int64{} // minutes, over every bill
				for _, pm := range months {
					for _, d := range pm.a.Deductions {
						drawn[d.PackageID] += d.Minutes
					}
					for _, x := range pm.a.Expired {
						cleared[x.PackageID] += x.Minutes
					}
				}
				for _, p := range pkgs {
					if got := drawn[p.ID] + cleared[p.ID]; got > p.Included {
						t.Errorf("package %d (%s): bills draw %d + clear %d = %d min, want at most %d", p.ID, p.Plan, drawn[p.ID], cleared[p.ID], got, p.Included)
					}
					if cleared[p.ID] > 0 && drawn[p.ID]+cleared[p.ID] != p.Included {
						t.Errorf("package %d (%s) expired: bills draw %d + clear %d, want exactly %d", p.ID, p.Plan, drawn[p.ID], cleared[p.ID], p.Included)
					}
				}
				for _, ps := range standings {
					for _, p := range ps.a.Packages {
						b := p.Balance
						if b.RemainingMinutes < 0 || b.UsedMinutes < 0 || b.ClearedMinutes < 0 || b.CapacitySeconds < 0 {
							t.Errorf("at %s, package %d (%s): got %+v, want nothing negative", billing.FormatInstant(ps.at), p.ID, p.Plan, b)
						}
						if got := b.UsedMinutes + b.ClearedMinutes + b.RemainingMinutes; got != p.Included {
							t.Errorf("at %s, package %d (%s): used %d + cleared %d + remaining %d = %d, want %d", billing.FormatInstant(ps.at), p.ID, p.Plan,
								b.UsedMinutes, b.ClearedMinutes, b.RemainingMinutes, got, p.Included)
						}
					}
				}
			})

			t.Run("R5 R7 standings match the session-by-session reference", func(t *testing.T) {
				for _, ps := range standings {
					if want := billing.StatusAt(ps.at, pkgs, ps.ref.Balances); ps.a.Status != want {
						t.Errorf("at %s: status: got %s, want %s", billing.FormatInstant(ps.at), ps.a.Status, want)
					}
					for _, p := range ps.a.Packages {
						if want := ps.ref.Balances[p.ID]; p.Balance != want {
							t.Errorf("at %s, package %d (%s): got %+v, want %+v", billing.FormatInstant(ps.at), p.ID, p.Plan, p.Balance, want)
						}
					}
				}
			})

			for _, p := range c.purchases {
				for _, x := range c.sessions {
					if x.s.Joined.Before(p.at) && p.at.Before(x.s.Left) {
						midSession++
						break
					}
				}
			}
			for _, pm := range months {
				overage += pm.ref.OverageSeconds
				refused += pm.ref.RefusedSeconds
				if pm.ref.OverageSeconds > 0 && pm.ref.RefusedSeconds > 0 {
					both++
				}
			}
			for _, ps := range standings {
				for _, p := range ps.a.Packages {
					if p.Balance.RemainingMinutes == 0 && p.Balance.UsedMinutes == p.Included {
						if p.Plan == billing.Trial {
							exhaustedTrial++
						} else {
							exhaustedPaid++
						}
					}
				}
			}
		})
	}

	t.Run("the random cases reach every branch they are meant to test", func(t *testing.T) {
		for _, x := range []struct {
			what string
			n    int64
		}{
			{"overage seconds", overage}, {"refused seconds", refused},
			{"months with both refused and overage seconds", both},
			{"standings with a used-up trial", exhaustedTrial}, {"standings with a used-up paid package", exhaustedPaid},
			{"purchases in the middle of a session", midSession},
		} {
			if x.n == 0 {
				t.Errorf("%s: got 0 over %d cases, want some", x.what, propCases)
			}
		}
		t.Logf("over %d cases: %d s overage, %d s refused, %d months with both, %d/%d standings with a used-up trial/paid package, %d purchases mid-session",
			propCases, overage, refused, both, exhaustedTrial, exhaustedPaid, midSession)
	})
}

// sameJSON reports whether a and b encode to the same JSON.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
