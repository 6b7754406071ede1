package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

var t0 = time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)

func TestLRUDropsTheLeastRecentlyTouched(t *testing.T) {
	l := newLRU[int](3)
	for i := range 3 {
		*l.touch(keyOf(fmt.Sprint(i))) = i
	}
	l.touch(keyOf("0")) // 0 is now the most recent; 1 the least
	*l.touch(keyOf("3")) = 3
	if _, ok := l.get(keyOf("1")); ok {
		t.Error("key 1 is still held: the least recently touched must leave for a new key")
	}
	for _, k := range []string{"0", "2", "3"} {
		if _, ok := l.get(keyOf(k)); !ok {
			t.Errorf("key %s was dropped", k)
		}
	}
	if len(l.m) != 3 {
		t.Errorf("got %d entries, want the cap, 3", len(l.m))
	}
}

func TestLimiterEntriesAreCapped(t *testing.T) {
	w := newWindow(10, time.Minute)
	for i := range maxEntries + 1000 {
		w.Add(t0, keyOf(fmt.Sprint(i)))
	}
	if got := w.Len(); got != maxEntries {
		t.Errorf("got %d keys, want the cap %d", got, maxEntries)
	}
}

func TestLimiterEntriesExpireOnTheTicker(t *testing.T) {
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := &Handler{now: clock, signIns: newSignInLimiter(), signUps: newWindow(10, time.Hour),
		signUpsAll: newWindow(300, time.Hour), estimates: newBuckets(60)}
	for i := range 100 {
		h.signIns.Fail(t0, fmt.Sprint("198.51.100.", i), "x@example.com")
		h.signUps.Add(t0, keyOf(fmt.Sprint(i)))
		h.estimates.Take(t0, keyOf(fmt.Sprint(i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.sweepLimits(ctx, time.Millisecond)

	held := func() [4]int {
		return [4]int{h.signIns.address.Len(), h.signIns.pair.Len(), h.signUps.Len(), len(h.estimates.m.m)}
	}
	wait := func(want func([4]int) bool) [4]int {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if got := held(); want(got) {
				return got
			}
			time.Sleep(time.Millisecond)
		}
		return held()
	}
	time.Sleep(20 * time.Millisecond) // some ticks with nothing expired yet
	if got := held(); got != [4]int{100, 100, 100, 100} {
		t.Fatalf("before anything expired: got %v entries, want 100 of each", got)
	}
	mu.Lock()
	now = t0.Add(time.Hour + time.Second) // the address window, the sign-ups and the buckets
	mu.Unlock()
	if got := wait(func(n [4]int) bool { return n[0] == 0 && n[2] == 0 && n[3] == 0 }); got[0] != 0 || got[2] != 0 || got[3] != 0 || got[1] != 100 {
		t.Errorf("an hour on: got %v entries (address, pair, sign-up, estimator), want [0 100 0 0]", got)
	}
	mu.Lock()
	now = t0.Add(24*time.Hour + time.Second) // a pair's streak is forgotten after a day
	mu.Unlock()
	if got := wait(func(n [4]int) bool { return n[1] == 0 }); got[1] != 0 {
		t.Errorf("a day on: got %d pair entries, want 0", got[1])
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	b := newBackoff(5, time.Minute, time.Hour, 24*time.Hour)
	k := keyOf("pair")
	now := t0
	var waits []time.Duration
	for range 12 {
		waits = append(waits, b.Fail(now, k))
		now = now.Add(b.Wait(now, k))
	}
	want := []time.Duration{0, 0, 0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("failure %d: got a wait of %s, want %s", i+1, waits[i], want[i])
		}
	}
	b.Reset(k)
	if d := b.Fail(now, k); d != 0 {
		t.Errorf("after a success, the first failure: got a wait of %s, want none", d)
	}
}

// The estimator's concurrency cap refuses one more at once, not later.
func TestEstimatorConcurrencyCap(t *testing.T) {
	h := &Handler{now: func() time.Time { return t0 }, estimates: newBuckets(600), estimating: make(chan struct{}, 2)}
	e := echo.New()
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	slow := h.limitEstimates(func(c echo.Context) error {
		started <- struct{}{}
		<-release
		return c.NoContent(http.StatusOK)
	})
	call := func(ip string) (int, error) {
		r := httptest.NewRequest("GET", "/api/v1/estimate", nil)
		r.RemoteAddr = ip + ":4000"
		rec := httptest.NewRecorder()
		err := slow(e.NewContext(r, rec))
		return rec.Code, err
	}
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); call(fmt.Sprint("198.51.100.", i)) }()
	}
	<-started
	<-started
	_, err := call("198.51.100.9")
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || ae.Code != "rate_limited" {
		t.Errorf("a third estimate while two run: got %v, want 429 rate_limited", err)
	}
	close(release)
	wg.Wait()
	if code, err := call("198.51.100.9"); err != nil || code != http.StatusOK {
		t.Errorf("once they ended: got %d %v, want 200", code, err)
	}
}
