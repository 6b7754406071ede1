package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rtcbill/db"
	"rtcbill/domain"
	"rtcbill/handlers"
)

// The concurrency tests of issue 7 go through a real HTTP server, so that
// the requests are truly concurrent: each has its own connection and
// goroutine, as in production. CI runs them with -race.

// apiClient sends staff requests to a real server.
type apiClient struct {
	base    string
	http    *http.Client
	cookies []*http.Cookie // a signed-in page visitor's, when set
}

func newAPIClient(srv *httptest.Server) *apiClient {
	c := srv.Client()
	c.Timeout = 60 * time.Second // a stuck request fails the test instead of hanging it
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	return &apiClient{base: srv.URL, http: c}
}

// answer is what a request got back.
type answer struct {
	status int
	body   []byte
	err    error
}

func (a answer) String() string {
	if a.err != nil {
		return "error " + a.err.Error()
	}
	b := a.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s", a.status, b)
}

// send is safe for concurrent use: it reports through its answer, never
// through t.Fatal, which may not be called from another goroutine.
func (c *apiClient) send(method, path string, body []byte, headers map[string]string) answer {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	hr, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if c.cookies == nil {
		hr.Header.Set("Authorization", "Bearer "+staffToken)
	}
	for _, ck := range c.cookies {
		hr.AddCookie(ck)
	}
	for k, v := range headers {
		hr.Header.Set(k, v)
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: b, err: err}
}

// syncBuffer is a log destination that many requests write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConcurrentPurchasesWithOneIdempotencyKey is the double click of 32
// clients at once: one package is bought, and every client is told about it.
func TestConcurrentPurchasesWithOneIdempotencyKey(t *testing.T) {
	env := newEnv(t)
	srv := httptest.NewServer(env.e)
	defer srv.Close()
	client := newAPIClient(srv)
	acct := env.createAccount("Race Customer")
	path := fmt.Sprintf("/api/v1/accounts/%d/purchases", acct)
	const clients = 32

	race := func(key func(i int) string) []answer {
		answers := make([]answer, clients)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				<-start
				answers[i] = client.send("POST", path, []byte(`{"plan":"starter"}`), map[string]string{"Idempotency-Key": key(i)})
			})
		}
		close(start)
		wg.Wait()
		return answers
	}
	type pkg struct {
		ID      int64  `json:"id"`
		OrderID string `json:"order_id"`
	}
	decode := func(a answer) pkg {
		var p pkg
		if err := json.Unmarshal(a.body, &p); err != nil || p.ID == 0 || p.OrderID == "" {
			t.Fatalf("answer is not a package: %v", a)
		}
		return p
	}

	t.Run("32 purchases with the same Idempotency-Key buy one package: one 201, 31 times 200 with the same package", func(t *testing.T) {
		answers := race(func(int) string { return "same-key" })
		var created int
		var first pkg
		for i, a := range answers {
			if a.err != nil || (a.status != http.StatusCreated && a.status != http.StatusOK) {
				t.Fatalf("client %d: got %v, want 201 or 200", i, a)
			}
			if a.status == http.StatusCreated {
				created++
			}
			p := decode(a)
			if i == 0 {
				first = p
			} else if p != first {
				t.Errorf("client %d: got package %+v, want %+v like client 0", i, p, first)
			}
		}
		if created != 1 {
			t.Errorf("201 answers: got %d, want exactly 1", created)
		}
		if got := env.counts()["packages"]; got != 1 {
			t.Errorf("package rows: got %d, want 1", got)
		}
		t.Logf("%d concurrent purchases with one key: %d created, %d repeats of package %d (%s)", clients, created, clients-created, first.ID, first.OrderID)
	})

	t.Run("32 purchases with 32 keys buy 32 packages with distinct ids and order ids", func(t *testing.T) {
		answers := race(func(i int) string { return fmt.Sprintf("key-%d", i) })
		ids, orders := map[int64]bool{}, map[string]bool{}
		for i, a := range answers {
			if a.err != nil || a.status != http.StatusCreated {
				t.Fatalf("client %d: got %v, want 201", i, a)
			}
			p := decode(a)
			ids[p.ID], orders[p.OrderID] = true, true
		}
		if len(ids) != clients || len(orders) != clients {
			t.Errorf("got %d ids and %d order ids, want %d of each", len(ids), len(orders), clients)
		}
		if got := env.counts()["packages"]; got != 1+clients {
			t.Errorf("package rows: got %d, want %d", got, 1+clients)
		}
	})
}

// TestConcurrentBillReadsOnAFreshServer: the first requests a server
// answers meet every cache cold. 16 bill reads at once, on each of several
// fresh servers, must all answer, and quickly: a read that waits for a
// second connection of the read pool while its transaction holds one can
// wait for ever once every connection is held that way.
func TestConcurrentBillReadsOnAFreshServer(t *testing.T) {
	const (
		servers = 6
		reads   = 16
	)
	for n := range servers {
		env := newEnv(t)
		acct := env.createAccount("Fresh Customer")
		app, _ := env.createApp(acct, "2026-01-05T09:00:00+08:00")
		env.purchase(acct, "starter", "2026-06-01T10:00:00+08:00")
		env.postSessions(app, []session{{ID: "s", Room: "r", User: "u", Joined: "2026-10-01T10:00:00+08:00", Left: "2026-10-01T11:00:00+08:00"}})
		// A new store: nothing about the data above is cached.
		if err := env.store.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		store, err := db.Open(context.Background(), env.path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		t.Cleanup(func() { store.Close() })
		srv := httptest.NewServer(handlers.New(handlers.Config{Store: store, AdminToken: staffToken, Now: env.clock.Now,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
		client := newAPIClient(srv)
		client.http.Timeout = 15 * time.Second

		answers := make([]answer, reads)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range reads {
			wg.Go(func() {
				<-start
				month := []string{"2026-09", "2026-10", "2026-11"}[i%3]
				answers[i] = client.send("GET", fmt.Sprintf("/api/v1/accounts/%d/bills/%s", acct, month), nil, nil)
			})
		}
		began := time.Now()
		close(start)
		wg.Wait()
		srv.Close()
		for i, a := range answers {
			if a.err != nil || a.status != http.StatusOK {
				t.Fatalf("server %d, read %d of %d at once: got %v after %s, want 200 (a read transaction waiting for a second connection of the read pool?)",
					n, i, reads, a, time.Since(began).Round(time.Millisecond))
			}
		}
	}
}

// soakDuration is how long TestConcurrentIngestAndBillReads runs: 20 s
// under RTCBILL_SOAK=1 (as .ci/run sets it for the -race run), 2 s under
// -short, 3 s otherwise, so that go test ./... stays quick.
func soakDuration() time.Duration {
	switch {
	case os.Getenv("RTCBILL_SOAK") == "1":
		return 20 * time.Second
	case testing.Short():
		return 2 * time.Second
	}
	return 3 * time.Second
}

// TestConcurrentIngestAndBillReads is issue 7's soak: 8 writers post session
// batches while 8 readers render bills, through the API and as pages. No
// request may fail, and every accepted session must be stored.
func TestConcurrentIngestAndBillReads(t *testing.T) {
	const (
		writers = 8
		readers = 8
		batch   = 200
	)
	env := newEnv(t)
	// The soak's server logs warnings and errors where the test reads them:
	// a locked database would show there as the cause of a 500.
	logs := &syncBuffer{}
	srv := httptest.NewServer(handlers.New(handlers.Config{Store: env.store, AdminToken: staffToken, Now: env.clock.Now,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}))
	defer srv.Close()
	api := newAPIClient(srv)

	// Two accounts, three applications: writers share apps and accounts, so
	// their batches add to the same daily and room sums.
	a1, a2 := env.createAccount("Soak One"), env.createAccount("Soak Two")
	app1, _ := env.createApp(a1, "2026-01-05T09:00:00+08:00")
	app2, _ := env.createApp(a1, "2026-02-01T09:00:00+08:00")
	app3, _ := env.createApp(a2, "2026-03-01T09:00:00+08:00")
	env.purchase(a1, "starter", "2026-06-01T10:00:00+08:00")
	env.purchase(a2, "standard", "2026-08-01T10:00:00+08:00")
	apps := []int64{app1, app2, app3}
	accounts := []int64{a1, a2}
	months := []string{"2026-09", "2026-10", "2026-11"}
	admin := env.signIn("en", domain.RoleAdmin, 0)
	page := &apiClient{base: srv.URL, http: api.http}
	for _, c := range admin.cookies {
		page.cookies = append(page.cookies, c)
	}
	// The sessions fall in September to November 2026, before the clock's
	// 2026-11-25 12:00: the last one ends by 2026-11-24 23:59:59.
	from := mustInstant("2026-09-01T00:00:00+08:00")
	span := int64(mustInstant("2026-11-24T22:00:00+08:00").Sub(from) / time.Second)

	var (
		mu       sync.Mutex
		failures []string
		inserted atomic.Int64
		batches  atomic.Int64
		apiReads atomic.Int64
		pages    atomic.Int64
		inFlight atomic.Int64
		peak     atomic.Int64
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	track := func(do func() answer) answer {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		defer inFlight.Add(-1)
		return do()
	}

	duration := soakDuration()
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := 0; time.Now().Before(deadline); b++ {
				rows := make([]session, batch)
				for i := range rows {
					// Every id, and every (room, user, joined_at), is new.
					n := int64(w*1_000_003+b*batch+i) * 7919
					joined := from.Add(time.Duration(n%span) * time.Second)
					rows[i] = session{
						ID: fmt.Sprintf("w%d-b%d-%d", w, b, i), Room: fmt.Sprintf("room-%d", i%5), User: fmt.Sprintf("w%d-b%d-u%d", w, b, i),
						Joined: joined.Format(time.RFC3339), Left: joined.Add(time.Duration(1+n%3600) * time.Second).Format(time.RFC3339),
					}
				}
				body, _ := json.Marshal(map[string]any{"sessions": rows})
				path := fmt.Sprintf("/api/v1/apps/%d/sessions", apps[(w+b)%len(apps)])
				a := track(func() answer { return api.send("POST", path, body, nil) })
				if a.err != nil || a.status != http.StatusCreated {
					fail("writer %d batch %d: got %v, want 201", w, b, a)
					return
				}
				var res struct{ Inserted, Duplicates int64 }
				if err := json.Unmarshal(a.body, &res); err != nil {
					fail("writer %d batch %d: answer %v: %v", w, b, a, err)
					return
				}
				if res.Inserted != batch || res.Duplicates != 0 {
					fail("writer %d batch %d: got inserted %d duplicates %d, want %d and 0", w, b, res.Inserted, res.Duplicates, batch)
				}
				inserted.Add(res.Inserted)
				batches.Add(1)
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				acct, month := accounts[(r+i)%len(accounts)], months[(r+i)%len(months)]
				if r%2 == 0 { // half the readers read the API, half the pages
					a := track(func() answer {
						return api.send("GET", fmt.Sprintf("/api/v1/accounts/%d/bills/%s", acct, month), nil, nil)
					})
					if a.err != nil || a.status != http.StatusOK || !bytes.Contains(a.body, []byte(`"usage_seconds"`)) {
						fail("reader %d: bill %d %s: got %v, want 200 and a bill", r, acct, month, a)
						return
					}
					apiReads.Add(1)
					continue
				}
				a := track(func() answer {
					return page.send("GET", fmt.Sprintf("/accounts/%d/bills/%s", acct, month), nil, nil)
				})
				if a.err != nil || a.status != http.StatusOK || !bytes.Contains(a.body, []byte("<html")) {
					fail("reader %d: bill page %d %s: got %v, want 200 and a page", r, acct, month, a)
					return
				}
				pages.Add(1)
			}
		})
	}
	wg.Wait()

	total := batches.Load() + apiReads.Load() + pages.Load()
	t.Logf("%s with %d writers and %d readers: %d requests (%.0f/s), peak %d in flight; %d batches storing %d sessions, %d API bills, %d bill pages",
		duration, writers, readers, total, float64(total)/duration.Seconds(), peak.Load(), batches.Load(), inserted.Load(), apiReads.Load(), pages.Load())
	for i, f := range failures {
		if i == 10 {
			t.Errorf("... and %d more failures", len(failures)-10)
			break
		}
		t.Error(f)
	}
	if l := logs.String(); strings.Contains(l, "locked") || strings.Contains(l, "SQLITE_BUSY") {
		t.Errorf("the server met a locked database:\n%s", l)
	} else if l != "" {
		t.Errorf("the server logged warnings or errors:\n%s", l)
	}
	if batches.Load() == 0 || apiReads.Load() == 0 || pages.Load() == 0 {
		t.Errorf("got %d batches, %d API bills and %d bill pages, want some of each", batches.Load(), apiReads.Load(), pages.Load())
	}

	t.Run("the stored sessions are the sum of the accepted counts, and the daily sums their seconds", func(t *testing.T) {
		got := env.counts()
		if got["sessions"] != inserted.Load() {
			t.Errorf("session rows: got %d, want %d (the sum of the answers' inserted)", got["sessions"], inserted.Load())
		}
		var seconds int64
		if err := env.ro.QueryRow(`SELECT COALESCE(SUM(left_at - joined_at), 0) FROM sessions`).Scan(&seconds); err != nil {
			t.Fatalf("sum sessions: %v", err)
		}
		if got["usage_daily.seconds"] != seconds || got["usage_room_monthly.seconds"] != seconds {
			t.Errorf("daily %d s and room %d s, want both the sessions' %d s", got["usage_daily.seconds"], got["usage_room_monthly.seconds"], seconds)
		}
	})
}
