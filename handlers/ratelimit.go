package handlers

import (
	"sync"
	"time"
)

// signInAttempts is how many failed sign-ins an IP or an e-mail may have in
// a minute; the next is refused until the oldest is a minute old.
const signInAttempts = 10

// failureWindow counts failures per key in a sliding window. A token
// bucket (golang.org/x/time/rate) would let an 11th attempt through a few
// seconds after ten quick ones; the rule here is "at most ten in any
// minute", which a window of instants states exactly.
type failureWindow struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
}

func newFailureWindow(max int, window time.Duration) *failureWindow {
	return &failureWindow{max: max, window: window, hits: map[string][]time.Time{}}
}

// prune keeps the failures of key inside the window ending at now.
func (f *failureWindow) prune(key string, now time.Time) []time.Time {
	kept := f.hits[key][:0]
	for _, t := range f.hits[key] {
		if now.Sub(t) < f.window {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(f.hits, key)
		return nil
	}
	f.hits[key] = kept
	return kept
}

// Blocked reports whether any of keys has used up its failures.
func (f *failureWindow) Blocked(now time.Time, keys ...string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if len(f.prune(k, now)) >= f.max {
			return true
		}
	}
	return false
}

// Fail records a failure for each key. The map is swept when it grows, so
// a flood of distinct keys cannot hold memory for long.
func (f *failureWindow) Fail(now time.Time, keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.hits) > 10_000 {
		for k := range f.hits {
			f.prune(k, now)
		}
	}
	for _, k := range keys {
		f.hits[k] = append(f.prune(k, now), now)
	}
}
