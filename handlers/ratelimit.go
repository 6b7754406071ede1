package handlers

import (
	"context"
	"crypto/sha256"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// The limiters below count per key in memory, per server process. A key
// is a hash of what it names (an address, an e-mail), so an entry takes
// the same few bytes whatever was typed; entries leave when they expire
// (swept by sweepLimits every minute) or, when a limiter holds maxEntries
// keys, the least recently used one leaves for a new one.

// limitKey is the hash of a limiter key.
type limitKey [16]byte

// keyOf hashes the parts of a key; parts are separated so that ("ab", "c")
// and ("a", "bc") differ.
func keyOf(parts ...string) limitKey {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	var k limitKey
	copy(k[:], h.Sum(nil))
	return k
}

// maxEntries caps the keys of each limiter. An entry takes about 100
// bytes, so a full limiter holds a few MB.
const maxEntries = 50_000

// lru is a map of keys to values that keeps at most max entries, dropping
// the least recently touched. Callers lock.
type lru[V any] struct {
	max        int
	m          map[limitKey]*lruEntry[V]
	head, tail *lruEntry[V] // head: most recently touched
}

type lruEntry[V any] struct {
	key        limitKey
	prev, next *lruEntry[V]
	v          V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, m: map[limitKey]*lruEntry[V]{}}
}

func (l *lru[V]) get(k limitKey) (*V, bool) {
	e, ok := l.m[k]
	if !ok {
		return nil, false
	}
	return &e.v, true
}

// touch returns k's value, created if need be, as the most recent entry.
func (l *lru[V]) touch(k limitKey) *V {
	e, ok := l.m[k]
	if ok {
		l.unlink(e)
	} else {
		if len(l.m) >= l.max && l.tail != nil {
			l.remove(l.tail.key)
		}
		e = &lruEntry[V]{key: k}
		l.m[k] = e
	}
	e.next = l.head
	if l.head != nil {
		l.head.prev = e
	}
	l.head = e
	if l.tail == nil {
		l.tail = e
	}
	return &e.v
}

func (l *lru[V]) unlink(e *lruEntry[V]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (l *lru[V]) remove(k limitKey) {
	if e, ok := l.m[k]; ok {
		l.unlink(e)
		delete(l.m, k)
	}
}

// sweep drops entries from the least recently touched while stale says
// so: touching follows time, so the first fresh one ends the sweep.
func (l *lru[V]) sweep(stale func(*V) bool) {
	for l.tail != nil && stale(&l.tail.v) {
		l.remove(l.tail.key)
	}
}

// window allows at most max events per key in any period of length per
// (a sliding window of instants). A token bucket (golang.org/x/time/rate)
// would let an 11th attempt through seconds after ten quick ones; "at most
// ten in any minute" is what a window of instants states exactly.
type window struct {
	mu  sync.Mutex
	max int
	per time.Duration
	m   *lru[[]int64] // unix nanoseconds of the events still in the window
}

func newWindow(max int, per time.Duration) *window {
	return &window{max: max, per: per, m: newLRU[[]int64](maxEntries)}
}

// prune drops the instants of hits that have left the window ending at now.
func (w *window) prune(hits []int64, now time.Time) []int64 {
	from := now.Add(-w.per).UnixNano()
	i := 0
	for i < len(hits) && hits[i] <= from {
		i++
	}
	return hits[i:]
}

// wait is how long k must wait before its next event; 0 when it may go now.
func (w *window) wait(now time.Time, k limitKey) time.Duration {
	hits, ok := w.m.get(k)
	if !ok {
		return 0
	}
	live := w.prune(*hits, now)
	if len(live) < w.max {
		return 0
	}
	return time.Unix(0, live[len(live)-w.max]).Add(w.per).Sub(now)
}

// Wait reports how long k must wait; 0 when it may go now.
func (w *window) Wait(now time.Time, k limitKey) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wait(now, k)
}

// Add records an event of k at now.
func (w *window) Add(now time.Time, k limitKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.add(now, k)
}

func (w *window) add(now time.Time, k limitKey) {
	hits := w.m.touch(k)
	live := w.prune(*hits, now)
	if len(live) >= w.max {
		live = live[len(live)-w.max+1:]
	}
	// A fresh slice of the right size, so the dropped instants' memory
	// goes with them.
	*hits = append(append(make([]int64, 0, len(live)+1), live...), now.UnixNano())
}

// Take records an event of k if it may go now; otherwise it reports how
// long to wait and records nothing.
func (w *window) Take(now time.Time, k limitKey) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d := w.wait(now, k); d > 0 {
		return d
	}
	w.add(now, k)
	return 0
}

// Sweep forgets the keys with no event in the window ending at now.
func (w *window) Sweep(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	from := now.Add(-w.per).UnixNano()
	w.m.sweep(func(hits *[]int64) bool { return len(*hits) == 0 || (*hits)[len(*hits)-1] <= from })
}

// Len is how many keys the window holds.
func (w *window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.m.m)
}

// backoff refuses a key after `after` failures in a row, for a time that
// doubles with each further failure: base, 2×base, … up to maxWait. A key
// with no failure for forget starts again from nothing; Reset (a success)
// does so at once. Nobody waits inside a request: a refused one answers
// 429 with Retry-After.
type backoff struct {
	mu      sync.Mutex
	after   int
	base    time.Duration
	maxWait time.Duration
	forget  time.Duration
	m       *lru[streak]
}

type streak struct {
	fails int
	last  int64 // unix nanoseconds of the last failure
	until int64 // refused until then
}

func newBackoff(after int, base, maxWait, forget time.Duration) *backoff {
	return &backoff{after: after, base: base, maxWait: maxWait, forget: max(forget, maxWait), m: newLRU[streak](maxEntries)}
}

// Wait reports how long k is still refused; 0 when it is not.
func (b *backoff) Wait(now time.Time, k limitKey) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.m.get(k)
	if !ok {
		return 0
	}
	return max(0, time.Unix(0, s.until).Sub(now))
}

// Fail records a failure of k at now and returns how long k is refused
// from now on (0 while fewer than `after` failures are in its streak).
func (b *backoff) Fail(now time.Time, k limitKey) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.m.touch(k)
	if s.fails > 0 && now.Sub(time.Unix(0, s.last)) > b.forget {
		*s = streak{}
	}
	s.fails++
	s.last = now.UnixNano()
	if s.fails < b.after {
		return 0
	}
	wait := b.maxWait
	if n := s.fails - b.after; n < 30 {
		wait = min(b.maxWait, b.base<<n)
	}
	s.until = now.Add(wait).UnixNano()
	return wait
}

// Reset forgets k's failures.
func (b *backoff) Reset(k limitKey) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.remove(k)
}

// Sweep forgets the keys whose last failure is older than forget.
func (b *backoff) Sweep(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	from := now.Add(-b.forget).UnixNano()
	b.m.sweep(func(s *streak) bool { return s.last <= from && s.until <= now.UnixNano() })
}

// Len is how many keys the backoff holds.
func (b *backoff) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m.m)
}

// The sign-in limits: per client address, at most signInPerAddress
// failures a minute; per (address, e-mail), signInPairAfter failures in a
// row refuse that pair for signInPairBase, doubling with each further
// failure up to signInPairMax. The e-mail alone is never a key: failures
// from elsewhere cannot lock its owner out.
const (
	signInPerAddress = 10
	signInPairAfter  = 5
	signInPairBase   = time.Minute
	signInPairMax    = time.Hour
)

// signInLimiter counts failed sign-ins.
type signInLimiter struct {
	address *window
	pair    *backoff
}

func newSignInLimiter() *signInLimiter {
	return &signInLimiter{
		address: newWindow(signInPerAddress, time.Minute),
		pair:    newBackoff(signInPairAfter, signInPairBase, signInPairMax, 24*time.Hour),
	}
}

func pairKey(addr, email string) limitKey {
	return keyOf("signin", addr, strings.ToLower(strings.TrimSpace(email)))
}
func addressKey(addr string) limitKey { return keyOf("signin-address", addr) }

// Wait reports how long a sign-in from addr for email must wait; 0 when
// it may be tried now.
func (l *signInLimiter) Wait(now time.Time, addr, email string) time.Duration {
	return max(l.address.Wait(now, addressKey(addr)), l.pair.Wait(now, pairKey(addr, email)))
}

// Fail records a failed sign-in.
func (l *signInLimiter) Fail(now time.Time, addr, email string) {
	l.address.Add(now, addressKey(addr))
	l.pair.Fail(now, pairKey(addr, email))
}

// Succeed ends the pair's streak of failures.
func (l *signInLimiter) Succeed(addr, email string) { l.pair.Reset(pairKey(addr, email)) }

// Sweep forgets what has expired.
func (l *signInLimiter) Sweep(now time.Time) {
	l.address.Sweep(now)
	l.pair.Sweep(now)
}

// buckets is a token bucket (golang.org/x/time/rate) per key.
type buckets struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	m     *lru[bucket]
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newBuckets(perMinute int) *buckets {
	return &buckets{limit: rate.Limit(float64(perMinute) / 60), burst: max(perMinute, 1), m: newLRU[bucket](maxEntries)}
}

// Take takes a token of k at now, or reports how long until one is there.
func (b *buckets) Take(now time.Time, k limitKey) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.m.touch(k)
	if bk.lim == nil {
		bk.lim = rate.NewLimiter(b.limit, b.burst)
	}
	bk.last = now
	r := bk.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// Sweep forgets the keys whose bucket has been full again for a while: a
// bucket refills in a minute at most.
func (b *buckets) Sweep(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.sweep(func(bk *bucket) bool { return now.Sub(bk.last) > 2*time.Minute })
}

// retryAfter is a wait as Retry-After says it: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}

// errRateLimited answers a request refused by a rate limit: 429 with
// Retry-After.
func errRateLimited(c echo.Context, wait time.Duration) error {
	c.Response().Header().Set("Retry-After", retryAfter(wait))
	return newError(429, "rate_limited", "too many requests: try again in %s seconds", retryAfter(wait))
}

// clientAddress is the address limits count by: the client's IP (see
// Config.TrustedProxies), IPv6 addresses by their /64, which one client
// usually holds whole.
func clientAddress(c echo.Context) string {
	ip, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return c.RealIP()
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// sweepLimits forgets expired limiter entries every interval (a minute in
// the server) until ctx ends.
func (h *Handler) sweepLimits(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			h.sweep()
		}
	}
}

func (h *Handler) sweep() {
	now := h.now()
	h.signIns.Sweep(now)
	h.signUps.Sweep(now)
	h.signUpsAll.Sweep(now)
	h.estimates.Sweep(now)
}
