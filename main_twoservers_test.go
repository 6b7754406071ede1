//go:build unix

package main

// Two "rtcbill serve" processes on one PostgreSQL database, as behind a load
// balancer: what one server does, the other sees at once, and what both are
// asked to do at the same moment happens once. Skipped without
// RTCBILL_TEST_POSTGRES (SQLite is one server's file).

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db/dbtest"
)

// startTogether launches two servers on dsn at the same instant and waits
// until both answer.
func startTogether(t *testing.T, dsn string, extra ...string) (*server, *server) {
	t.Helper()
	a, b := launchServer(t, dsn, extra...), launchServer(t, dsn, extra...)
	a.waitReady(t)
	b.waitReady(t)
	return a, b
}

// noErrors fails t if a server logged an error.
func noErrors(t *testing.T, servers ...*server) {
	t.Helper()
	for i, s := range servers {
		if log := s.stderr.tail(); strings.Contains(log, "level=ERROR") {
			t.Errorf("server %c logged an error:\n%s", 'A'+i, log)
		}
	}
}

// TestTwoServersOnePostgres starts two servers on one empty PostgreSQL
// database at the same instant (both migrate under the advisory lock and
// come up), then spreads purchases, session batches and a web session over
// both; a second database, seeded with ended months, has its monthly close
// run by the two servers' job queues together.
func TestTwoServersOnePostgres(t *testing.T) {
	rtcbillBinary(t)             // skips under -short
	dsn := dbtest.NewPostgres(t) // skips without RTCBILL_TEST_POSTGRES
	ro := dbtest.ReadOnly(t, dsn)
	defer ro.Close()

	// Each pair of servers starts at one instant on an empty database: the
	// test's, and two more, as a race of two migrations shows on some
	// starts only. The servers belong to the whole test (a subtest's end
	// would stop them); the first subtest waits for them.
	a, b := launchServer(t, dsn), launchServer(t, dsn)
	var spare []*server
	for range 2 {
		other := dbtest.NewPostgres(t)
		spare = append(spare, launchServer(t, other), launchServer(t, other))
	}
	ok := t.Run("migrations: both servers started at the same instant on an empty database come up", func(t *testing.T) {
		for _, s := range append([]*server{a, b}, spare...) {
			s.waitReady(t)
		}
		want, err := os.ReadDir("db/migrations/postgres")
		if err != nil {
			t.Fatal(err)
		}
		var versions, distinct int
		if err := ro.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&versions, &distinct); err != nil {
			t.Fatal(err)
		}
		if versions != len(want) || distinct != len(want) {
			t.Errorf("schema_migrations: got %d rows (%d versions), want each of the %d migrations once", versions, distinct, len(want))
		}
		var river int
		if err := ro.QueryRow(`SELECT COUNT(*) FROM river_migration`).Scan(&river); err != nil || river == 0 {
			t.Errorf("river_migration: got %d rows (%v), want the job queue's migrations", river, err)
		}
		noErrors(t, append([]*server{a, b}, spare...)...)
	})
	if !ok {
		t.Fatal("the two servers did not both come up: the rest needs them")
	}
	for _, s := range spare {
		s.cmd.Process.Signal(syscall.SIGTERM)
	}
	servers := []*server{a, b}
	sdkPath := func(app int64) string { return fmt.Sprintf("/api/v1/apps/%d/sessions", app) }

	t.Run("16 purchases with one Idempotency-Key over both servers buy one package", func(t *testing.T) {
		account, _ := a.newApp(t, time.Now().AddDate(0, -2, 0))
		const clients = 16
		type answer struct {
			status int
			body   []byte
			err    error
		}
		answers := make([]answer, clients)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				<-start
				h := http.Header{"Idempotency-Key": {"two-servers-double-click"}}
				s, body, err := servers[i%2].request("POST", fmt.Sprintf("/api/v1/accounts/%d/purchases", account), []byte(`{"plan":"starter"}`), h)
				answers[i] = answer{s, body, err}
			})
		}
		close(start)
		wg.Wait()
		type pkg struct {
			ID      int64  `json:"id"`
			OrderID string `json:"order_id"`
		}
		var created int
		var first pkg
		for i, ans := range answers {
			var p pkg
			if ans.err != nil || json.Unmarshal(ans.body, &p) != nil || p.ID == 0 || p.OrderID == "" {
				t.Fatalf("client %d (server %c): got %d %s (%v), want a package", i, 'A'+i%2, ans.status, ans.body, ans.err)
			}
			switch ans.status {
			case http.StatusCreated:
				created++
			case http.StatusOK:
			default:
				t.Errorf("client %d (server %c): got status %d, want 201 or 200", i, 'A'+i%2, ans.status)
			}
			if first.ID == 0 {
				first = p
			} else if p != first {
				t.Errorf("client %d (server %c): got package %+v, want the same as the others' %+v", i, 'A'+i%2, p, first)
			}
		}
		if created != 1 {
			t.Errorf("got %d answers 201, want exactly one (and %d times 200)", created, clients-1)
		}
		var bought int
		if err := ro.QueryRow(`SELECT COUNT(*) FROM packages WHERE account_id = ? AND plan = 'starter'`, account).Scan(&bought); err != nil {
			t.Fatal(err)
		}
		if bought != 1 {
			t.Errorf("got %d Starter packages stored, want 1", bought)
		}
		t.Logf("%d purchases with one key, alternately on A and B: 1 answer 201, %d answers 200, all package %d (%s); 1 package stored",
			clients, clients-created, first.ID, first.OrderID)
	})

	t.Run("session batches posted to both servers, the same batch to both, are counted once", func(t *testing.T) {
		start, month := sessionWindow(t)
		account, app := b.newApp(t, start.AddDate(0, -2, 0))
		const single, double, perBatch = 12, 4, 200 // batches sent to one server, and to both
		type sent struct {
			batch, server int
			ingest        struct {
				Inserted   int `json:"inserted"`
				Duplicates int `json:"duplicates"`
			}
			status int
			err    error
		}
		var posts []*sent
		for bt := range single {
			posts = append(posts, &sent{batch: bt, server: bt % 2})
		}
		for bt := single; bt < single+double; bt++ {
			posts = append(posts, &sent{batch: bt, server: 0}, &sent{batch: bt, server: 1})
		}
		begin := make(chan struct{})
		var wg sync.WaitGroup
		for _, p := range posts {
			wg.Go(func() {
				<-begin
				var body []byte
				p.status, body, p.err = servers[p.server].call("POST", sdkPath(app), batchJSON(p.batch, perBatch, start))
				if p.err == nil && p.status == http.StatusCreated {
					p.err = json.Unmarshal(body, &p.ingest)
				} else if p.err == nil {
					p.err = fmt.Errorf("%s", body)
				}
			})
		}
		close(begin)
		wg.Wait()
		inserted := 0
		perBatchInserted := map[int]int{}
		for _, p := range posts {
			if p.err != nil || p.status != http.StatusCreated {
				t.Fatalf("batch %s on server %c: got %d (%v), want 201", batchID(p.batch), 'A'+p.server, p.status, p.err)
			}
			if got := p.ingest.Inserted + p.ingest.Duplicates; got != perBatch {
				t.Errorf("batch %s on server %c: %d inserted and %d duplicates, want %d in all",
					batchID(p.batch), 'A'+p.server, p.ingest.Inserted, p.ingest.Duplicates, perBatch)
			}
			inserted += p.ingest.Inserted
			perBatchInserted[p.batch] += p.ingest.Inserted
		}
		for bt, n := range perBatchInserted {
			if n != perBatch {
				t.Errorf("batch %s: the servers inserted %d sessions of it together, want %d", batchID(bt), n, perBatch)
			}
		}
		var wantSeconds int64
		for bt := range single + double {
			for i := range perBatch {
				_, _, _, joined, left := batchSession(bt, i, start)
				wantSeconds += int64(left.Sub(joined) / time.Second)
			}
		}
		f := inspect(t, dsn, month)
		checkSums(t, "after the batches", f)
		if want := int64((single + double) * perBatch); int64(inserted) != f.sessions || f.sessions != want {
			t.Errorf("the answers say %d inserted, %d sessions are stored; want both %d", inserted, f.sessions, want)
		}
		if f.sessionSeconds != wantSeconds || f.monthSeconds != wantSeconds {
			t.Errorf("stored sessions last %d s (%d s in %s), want the batches' %d s", f.sessionSeconds, f.monthSeconds, month, wantSeconds)
		}
		for i, s := range servers {
			if got := s.usageSeconds(t, account, month); got != wantSeconds {
				t.Errorf("bill %s on server %c: got usage_seconds %d, want the sessions' %d", month, 'A'+i, got, wantSeconds)
			}
		}
		t.Logf("%d batches of %d on one server each and %d on both at once: %d answers, %d inserted in all = %d sessions stored, %d s; "+
			"the %s bill on A and on B says %d s", single, perBatch, double, len(posts), inserted, f.sessions, f.sessionSeconds, month, wantSeconds)
	})

	t.Run("a web session signed out on one server is refused on the other at the next request", func(t *testing.T) {
		const email, password = "ops@two-servers.example", "two servers, one session"
		cmd := exec.Command(rtcbillBinary(t), "user", "add", "--db", dsn, "--email", email, "--role", "admin")
		cmd.Env, cmd.Stdin = e2eEnv(), strings.NewReader(password+"\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rtcbill user add: %v\n%s", err, out)
		}
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		onA := &http.Client{Jar: jar, CheckRedirect: noFollow, Timeout: 30 * time.Second}
		urlA, _ := url.Parse(a.url)

		csrf := regexp.MustCompile(`<input type="hidden" name="_csrf" value="([^"]+)"`)
		formToken := func(path string) string {
			t.Helper()
			resp, err := onA.Get(a.url + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := csrf.FindSubmatch(body)
			if resp.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("GET %s on A: got %d and no form token", path, resp.StatusCode)
			}
			return string(m[1])
		}
		post := func(path string, form url.Values) *http.Response {
			t.Helper()
			resp, err := onA.PostForm(a.url+path, form)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		resp := post("/signin", url.Values{"_csrf": {formToken("/signin")}, "email": {email}, "password": {password}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/accounts" {
			t.Fatalf("sign-in on A: got %d to %q, want 303 to /accounts", resp.StatusCode, resp.Header.Get("Location"))
		}
		cookies := jar.Cookies(urlA)
		signedIn := false
		for _, ck := range cookies {
			signedIn = signedIn || strings.HasSuffix(ck.Name, "rtcbill_session")
		}
		if !signedIn {
			t.Fatalf("sign-in on A set no session cookie: %v", cookies)
		}
		// Server B is asked with A's cookies, and follows no redirect.
		onB := func() (int, string, string) {
			t.Helper()
			req, err := http.NewRequest("GET", b.url+"/accounts", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			resp, err := (&http.Client{CheckRedirect: noFollow, Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Location"), string(body)
		}
		if status, loc, body := onB(); status != http.StatusOK || !strings.Contains(body, email) {
			t.Fatalf("GET /accounts on B with A's session: got %d (to %q), want 200 and the page of %s", status, loc, email)
		}
		resp = post("/signout", url.Values{"_csrf": {formToken("/plans")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out on A: got %d, want 303", resp.StatusCode)
		}
		status, loc, _ := onB()
		if want := "/signin?next=" + url.QueryEscape("/accounts"); status != http.StatusSeeOther || loc != want {
			t.Errorf("GET /accounts on B right after the sign-out on A: got %d to %q, want 303 to %s: the session still works on B",
				status, loc, want)
		}
	})
	noErrors(t, a, b)

	t.Run("the scheduled monthly close of two servers stores each bill once", func(t *testing.T) {
		closeDSN := dbtest.NewPostgres(t)
		check := dbtest.ReadOnly(t, closeDSN)
		defer check.Close()
		now := time.Now()
		through := billing.ClosableThrough(now, billing.DefaultCloseGrace)

		// Accounts are seeded through the API of a server whose close grace
		// (about eleven years) leaves it nothing to close.
		seed := launchServer(t, closeDSN, "--close-grace", "100000h")
		seed.waitReady(t)
		const accounts = 30
		want := map[int64][]string{} // account → the months of its bills
		total := 0
		for i := range accounts {
			first := billing.MonthOf(now)
			for range 1 + i%7 {
				first = first.Prev()
			}
			created := billing.FormatInstant(first.Start().Add(9*24*time.Hour + 10*time.Hour))
			var acct struct {
				ID int64 `json:"id"`
			}
			seed.mustCall(t, "POST", "/api/v1/accounts",
				fmt.Appendf(nil, `{"name":"Closing %d","email":"close%d@example.com","created_at":%q}`, i, i, created), http.StatusCreated, &acct)
			seed.mustCall(t, "POST", fmt.Sprintf("/api/v1/accounts/%d/apps", acct.ID),
				fmt.Appendf(nil, `{"name":"app","created_at":%q}`, created), http.StatusCreated, nil)
			for m := first; !through.Before(m); m = m.Next() {
				want[acct.ID] = append(want[acct.ID], m.String())
				total++
			}
		}
		if err := seed.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := seed.wait(t, 20*time.Second); err != nil {
			t.Fatalf("the seeding server after SIGTERM: %v\n%s", err, seed.stderr.tail())
		}
		var before int
		if err := check.QueryRow(`SELECT COUNT(*) FROM issued_bills`).Scan(&before); err != nil || before != 0 {
			t.Fatalf("after seeding: got %d bills stored (%v), want none yet", before, err)
		}

		a2, b2 := startTogether(t, closeDSN)
		deadline := time.Now().Add(60 * time.Second)
		for {
			var state string
			err := check.QueryRow(`SELECT state FROM job_state WHERE name = 'close_months'`).Scan(&state)
			if err == nil && state == through.String() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job_state of close_months is %q (%v) 60 s after start, want %s\nA:\n%s\nB:\n%s",
					state, err, through, a2.stderr.tail(), b2.stderr.tail())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if billing.ClosableThrough(time.Now(), billing.DefaultCloseGrace) != through {
			t.Skip("a month became closable while the test ran: run it again")
		}
		rows, err := check.Query(`SELECT account_id, month FROM issued_bills ORDER BY account_id, month`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64][]string{}
		stored := 0
		for rows.Next() {
			var id int64
			var month string
			if err := rows.Scan(&id, &month); err != nil {
				t.Fatal(err)
			}
			got[id] = append(got[id], month)
			stored++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if stored != total {
			t.Errorf("got %d bills stored, want %d", stored, total)
		}
		for id, months := range want {
			if strings.Join(got[id], " ") != strings.Join(months, " ") {
				t.Errorf("account %d: got bills of %v, want %v", id, got[id], months)
			}
		}
		// Each bill was stored by one server: what their logs say they
		// stored adds up to the bills, none twice.
		storedLine := regexp.MustCompile(`msg="stored the bills of ended months".* bills=(\d+)`)
		logged := map[byte]int{}
		for i, s := range []*server{a2, b2} {
			for _, m := range storedLine.FindAllStringSubmatch(s.stderr.all(), -1) {
				n, _ := strconv.Atoi(m[1])
				logged['A'+byte(i)] += n
			}
		}
		if logged['A']+logged['B'] != total {
			t.Errorf("the servers' logs say A stored %d bills and B %d, want %d in all", logged['A'], logged['B'], total)
		}
		noErrors(t, a2, b2)
		t.Logf("%d accounts with 1 to 7 ended months: the two servers stored %d bills through %s (A %d, B %d), each once; job_state says %s",
			accounts, stored, through, logged['A'], logged['B'], through)
	})
}
