package handlers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
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
	h := &Handler{now: clock, signIns: newSignInLimiter()}
	for i := range 100 {
		h.signIns.Fail(t0, fmt.Sprint("198.51.100.", i), "x@example.com")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.sweepLimits(ctx, time.Millisecond)

	held := func() [2]int { return [2]int{h.signIns.address.Len(), h.signIns.pair.Len()} }
	wait := func(want func([2]int) bool) [2]int {
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
	if got := held(); got != [2]int{100, 100} {
		t.Fatalf("before anything expired: got %v entries, want 100 of each", got)
	}
	mu.Lock()
	now = t0.Add(time.Minute + time.Second) // the address window
	mu.Unlock()
	if got := wait(func(n [2]int) bool { return n[0] == 0 }); got != [2]int{0, 100} {
		t.Errorf("a minute on: got %v entries (address, pair), want [0 100]", got)
	}
	mu.Lock()
	now = t0.Add(24*time.Hour + time.Second) // a pair's streak is forgotten after a day
	mu.Unlock()
	if got := wait(func(n [2]int) bool { return n[1] == 0 }); got[1] != 0 {
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
