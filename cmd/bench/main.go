// Command bench measures rtcbill against the floor this machine sets — the
// same work done by bare SQLite and a bare echo handler in the same run —
// and prints the ratios, which hold where absolute times drift.
//
//	go run ./cmd/bench [--out bench.json] [--sessions 1000000] [--duration 10s]
//
// It measures, in order: ingest through the HTTP API against bare prepared
// inserts; a month's bill at 10⁴, 10⁵ and 10⁶ sessions against a bare SUM
// over that month's rows; pages under 50 connections against a bare echo
// handler returning the same bytes; and the peak RSS of importing a
// 1,000,000-session CSV and of a server answering the 10⁶-session bill.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/labstack/echo/v4"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/domain"
	"rtcbill/handlers"
	"rtcbill/jobs"
)

// result is one line of the table.
type result struct {
	Measure string  `json:"measure"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Floor   float64 `json:"floor,omitempty"`
	Ratio   float64 `json:"ratio,omitempty"`
	Target  string  `json:"target,omitempty"`
	Holds   *bool   `json:"holds,omitempty"`
	Note    string  `json:"note,omitempty"`
}

type report struct {
	When    string   `json:"when"`
	Go      string   `json:"go"`
	CPUs    int      `json:"cpus"`
	Results []result `json:"results"`
}

func holds(ok bool) *bool { return &ok }

var (
	// The bill measured is the running month's: an estimate, computed at
	// every read. (An ended month's bill is issued once and then read back
	// from its snapshot, which would measure nothing.)
	now        = time.Date(2026, 11, 25, 12, 0, 0, 0, billing.CST)
	benchMonth = billing.Month{Year: 2026, Month: time.November}
	benchDays  = 24 // the days of benchMonth before now
	quiet      = slog.New(slog.NewTextHandler(io.Discard, nil))
)

const (
	staffToken = "bench-staff-token-of-at-least-32-characters"
	password   = "bench password 1"
)

func main() {
	out := flag.String("out", "", "also write the table as JSON to this file")
	ingestN := flag.Int("ingest", 200_000, "sessions to ingest through the API and the floor")
	maxSessions := flag.Int("sessions", 1_000_000, "the largest bill's sessions in its month (10⁴, 10⁵ and this)")
	duration := flag.Duration("duration", 10*time.Second, "how long each page load test runs")
	csvN := flag.Int("csv", 1_000_000, "sessions in the CSV whose import's memory is measured")
	only := flag.String("only", "", "run only this step: ingest, bill, pages (with bill) or memory (with bill)")
	flag.Parse()
	if err := run(*out, *ingestN, *maxSessions, *duration, *csvN, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(out string, ingestN, maxSessions int, duration time.Duration, csvN int, only string) error {
	dir, err := os.MkdirTemp("", "rtcbill-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rep := report{When: time.Now().UTC().Format(time.RFC3339), Go: runtime.Version(), CPUs: runtime.NumCPU()}
	step := func(name string, f func() ([]result, error)) error {
		fmt.Fprintf(os.Stderr, "bench: %s…\n", name)
		rs, err := f()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.Results = append(rep.Results, rs...)
		return nil
	}
	var billDBs map[int]string
	steps := []struct {
		name string
		f    func() ([]result, error)
	}{
		{"ingest", func() ([]result, error) { return benchIngest(dir, ingestN) }},
		{"bill", func() (rs []result, err error) {
			rs, billDBs, err = benchBill(dir, maxSessions)
			return rs, err
		}},
		{"pages", func() ([]result, error) { return benchPages(billDBs[maxSessions], duration) }},
		{"memory", func() ([]result, error) { return benchMemory(dir, billDBs[maxSessions], csvN) }},
	}
	for _, s := range steps {
		if only != "" && s.name != only && !(s.name == "bill" && (only == "pages" || only == "memory")) {
			continue
		}
		if err := step(s.name, s.f); err != nil {
			printTable(os.Stdout, rep) // what was measured before the failure
			return err
		}
	}
	printTable(os.Stdout, rep)
	if out != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func printTable(w io.Writer, rep report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "rtcbill bench, %s, %s, %d CPUs\n\n", rep.When, rep.Go, rep.CPUs)
	fmt.Fprintln(tw, "measure\tvalue\tunit\tfloor\tratio\ttarget\tholds\t")
	for _, r := range rep.Results {
		floor, ratio, h := "", "", ""
		if r.Floor != 0 {
			floor = strconv.FormatFloat(r.Floor, 'f', -1, 64)
		}
		if r.Ratio != 0 {
			ratio = strconv.FormatFloat(r.Ratio, 'f', 3, 64)
		}
		if r.Holds != nil {
			h = map[bool]string{true: "yes", false: "NO"}[*r.Holds]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Measure, strconv.FormatFloat(r.Value, 'f', -1, 64), r.Unit, floor, ratio, r.Target, h)
	}
	tw.Flush()
}

func round(v float64, places int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', places, 64), 64)
	return f
}

// --- fixtures -----------------------------------------------------------------

// newAccount opens a store at path with one active account: an app created
// long before benchMonth and an Enterprise bought before it.
func newAccount(ctx context.Context, path string) (db.Store, int64, int64, error) {
	s, err := db.Open(ctx, path)
	if err != nil {
		return nil, 0, 0, err
	}
	a, err := s.CreateAccount(ctx, "Bench Co", "bench@example.com", now, now)
	if err != nil {
		return nil, 0, 0, err
	}
	app, _, err := s.CreateApp(ctx, a.ID, "bench app", benchMonth.Start().AddDate(0, -3, 0), now)
	if err != nil {
		return nil, 0, 0, err
	}
	if _, _, err := s.Purchase(ctx, a.ID, "enterprise", benchMonth.Start().AddDate(0, -2, 0), "", now); err != nil {
		return nil, 0, 0, err
	}
	return s, a.ID, app.SDKAppID, nil
}

// sessionAt is the i-th synthetic session of a month: spread over its
// first benchDays days and 200 rooms, 2 to 60 minutes long, inside working hours.
func sessionAt(month billing.Month, i int) billing.Session {
	days := benchDays
	start := month.Start().Add(time.Duration(i%days)*24*time.Hour + 8*time.Hour + time.Duration((i*7919)%36000)*time.Second)
	length := time.Duration(120+(i*104729)%3480) * time.Second
	return billing.Session{ID: "s" + strconv.Itoa(i), Room: "room-" + strconv.Itoa(i%200), User: "u" + strconv.Itoa(i),
		Joined: start, Left: start.Add(length)}
}

// --- 1. ingest ------------------------------------------------------------------

func benchIngest(dir string, n int) ([]result, error) {
	ctx := context.Background()
	batches := make([][]byte, 0, n/1000)
	for b := 0; b < n/1000; b++ {
		var buf bytes.Buffer
		buf.WriteString(`{"sessions":[`)
		for i := b * 1000; i < (b+1)*1000; i++ {
			s := sessionAt(benchMonth, i)
			if i > b*1000 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"session_id":%q,"room_id":%q,"user_id":%q,"joined_at":%q,"left_at":%q}`,
				s.ID, s.Room, s.User, billing.FormatInstant(s.Joined), billing.FormatInstant(s.Left))
		}
		buf.WriteString(`]}`)
		batches = append(batches, buf.Bytes())
	}

	// The API: the real server on loopback, batches posted one after the
	// other over one keep-alive connection.
	s, _, app, err := newAccount(ctx, filepath.Join(dir, "ingest-api.db"))
	if err != nil {
		return nil, err
	}
	// The server as "rtcbill serve" runs it: the job queue beside it.
	sched, err := jobs.Start(ctx, jobs.Config{Store: s, Logger: quiet, Now: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	srv, base, err := serve(handlers.New(handlers.Config{Store: s, AdminToken: staffToken, Now: func() time.Time { return now }, Logger: quiet}))
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Minute}
	start := time.Now()
	for _, body := range batches {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/apps/%d/sessions", base, app), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+staffToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("ingest answered %d", resp.StatusCode)
		}
	}
	apiRate := float64(len(batches)*1000) / time.Since(start).Seconds()
	srv.Close()
	sched.Stop(ctx)
	s.Close()

	// The floors: the same rows into the same schema with one prepared
	// INSERT, 1,000 rows a transaction, nothing else — at the durability
	// the store's writer runs with (synchronous=FULL: every commit synced),
	// and at NORMAL for what that durability costs.
	floorFull, err := ingestFloor(ctx, filepath.Join(dir, "ingest-floor-full.db"), n, "FULL")
	if err != nil {
		return nil, err
	}
	floorNormal, err := ingestFloor(ctx, filepath.Join(dir, "ingest-floor-normal.db"), n, "NORMAL")
	if err != nil {
		return nil, err
	}
	ratio := apiRate / floorFull
	return []result{{
		Measure: "ingest through the API (batches of 1,000)", Value: round(apiRate, 0), Unit: "sessions/s",
		Floor: round(floorFull, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ratio >= 0.5),
		Note: "synchronous=FULL, the job queue running; floor: bare prepared INSERTs into the same schema, 1,000 a transaction, synchronous=FULL",
	}, {
		Measure: "bare inserts at synchronous=FULL against NORMAL", Value: round(floorFull, 0), Unit: "sessions/s",
		Floor: round(floorNormal, 0), Ratio: floorFull / floorNormal,
		Note: "what syncing every commit costs the floor itself (no target)",
	}}, nil
}

// ingestFloor inserts n sessions with bare prepared INSERTs, 1,000 a
// transaction, at the given synchronous setting, and returns sessions/s.
func ingestFloor(ctx context.Context, path string, n int, synchronous string) (float64, error) {
	fs, _, app, err := newAccount(ctx, path)
	if err != nil {
		return 0, err
	}
	fs.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous("+synchronous+")&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	start := time.Now()
	for b := 0; b < n/1000; b++ {
		tx, err := raw.Begin()
		if err != nil {
			return 0, err
		}
		stmt, err := tx.Prepare(`INSERT INTO sessions (sdk_app_id, session_id, room_id, user_id, joined_at, left_at) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return 0, err
		}
		for i := b * 1000; i < (b+1)*1000; i++ {
			s := sessionAt(benchMonth, i)
			if _, err := stmt.Exec(app, s.ID, s.Room, s.User, s.Joined.Unix(), s.Left.Unix()); err != nil {
				return 0, err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(n/1000*1000) / time.Since(start).Seconds(), nil
}

func serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

// --- 2. bill ----------------------------------------------------------------------

func benchBill(dir string, maxSessions int) ([]result, map[int]string, error) {
	ctx := context.Background()
	sizes := []int{10_000, 100_000, maxSessions}
	paths := map[int]string{}
	stores := map[int]db.Store{}
	accounts, apps := map[int]int64{}, map[int]int64{}
	defer func() {
		for _, s := range stores {
			s.Close()
		}
	}()
	for _, n := range sizes {
		path := filepath.Join(dir, fmt.Sprintf("bill-%d.db", n))
		paths[n] = path
		s, account, app, err := newAccount(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		stores[n], accounts[n], apps[n] = s, account, app
		batch := make([]billing.Session, 0, domain.MaxBatch)
		for i := 0; i < n; i++ {
			batch = append(batch, sessionAt(benchMonth, i))
			if len(batch) == domain.MaxBatch || i == n-1 {
				if _, err := s.InsertSessions(ctx, app, batch, now); err != nil {
					return nil, nil, err
				}
				batch = batch[:0]
			}
		}
	}
	// The bills are timed in turns, one of each size a round, so that
	// whatever else the machine does falls on every size alike.
	const rounds = 300
	samples := map[int][]time.Duration{}
	for r := 0; r <= rounds; r++ {
		for _, n := range sizes {
			start := time.Now()
			if _, err := stores[n].Bill(ctx, accounts[n], benchMonth, now); err != nil {
				return nil, nil, err
			}
			if r > 0 { // round 0 warms up
				samples[n] = append(samples[n], time.Since(start))
			}
		}
	}
	times := map[int]time.Duration{}
	var out []result
	for _, n := range sizes {
		slices.Sort(samples[n])
		times[n] = samples[n][len(samples[n])/2]
		raw, err := sql.Open("sqlite", "file:"+paths[n]+"?_pragma=query_only(1)")
		if err != nil {
			return nil, nil, err
		}
		floor := median(5, func() error {
			var sum sql.NullInt64
			return raw.QueryRow(`SELECT SUM(left_at - joined_at) FROM sessions WHERE sdk_app_id = ? AND joined_at >= ? AND joined_at < ?`,
				apps[n], benchMonth.Start().Unix(), benchMonth.End().Unix()).Scan(&sum)
		})
		raw.Close()
		if floor.err != nil {
			return nil, nil, floor.err
		}
		r := result{Measure: fmt.Sprintf("bill of a month of %d sessions", n), Value: round(float64(times[n].Microseconds())/1000, 3), Unit: "ms",
			Floor: round(float64(floor.d.Microseconds())/1000, 3), Ratio: float64(times[n]) / float64(floor.d),
			Note: "median of 300, sizes in turns; floor: SELECT SUM(left_at - joined_at) over the month's sessions"}
		if n == maxSessions {
			r.Target, r.Holds = "≤ 0.05 × floor", holds(r.Ratio <= 0.05)
		}
		out = append(out, r)
	}
	flat := float64(times[maxSessions]) / float64(times[10_000])
	out = append(out, result{Measure: fmt.Sprintf("bill at %d ÷ bill at 10000", maxSessions), Value: round(flat, 3), Unit: "×",
		Target: "≤ 1.5", Holds: holds(flat <= 1.5), Note: "the bill reads days, not sessions"})
	return out, paths, nil
}

type timing struct {
	d   time.Duration
	err error
}

// median runs f n times (after one warm-up) and returns the median time.
func median(n int, f func() error) timing {
	if err := f(); err != nil {
		return timing{err: err}
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if err := f(); err != nil {
			return timing{err: err}
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return timing{d: ds[n/2]}
}

// --- 3. pages ---------------------------------------------------------------------

func benchPages(billDB string, duration time.Duration) ([]result, error) {
	ctx := context.Background()
	s, err := db.Open(ctx, billDB)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if _, err := s.CreateUser(ctx, "support@bench.example", password, domain.RoleSupport, 0, now); err != nil {
		return nil, err
	}
	srv, base, err := serve(handlers.New(handlers.Config{Store: s, AdminToken: staffToken, Now: func() time.Time { return now }, Logger: quiet}))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	cookie, err := signIn(base, "support@bench.example")
	if err != nil {
		return nil, err
	}
	pages := []struct{ name, path string }{
		{"plans page", "/plans"},
		{"bill page (10⁶-session month)", fmt.Sprintf("/accounts/1/bills/%s", benchMonth)},
	}
	var out []result
	for _, p := range pages {
		header := http.Header{"Cookie": {cookie}, "Accept-Language": {"zh-CN"}, "Accept-Encoding": {"gzip"}}
		body, err := fetch(base+p.path, header)
		if err != nil {
			return nil, err
		}
		real := attack(base+p.path, header, duration)
		// The floor: a bare echo handler answering the same bytes.
		bare := echo.New()
		bare.GET(p.path, func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, body) })
		bsrv, bbase, err := serve(bare)
		if err != nil {
			return nil, err
		}
		floor := attack(bbase+p.path, header, duration)
		bsrv.Close()
		if real.Success < 1 {
			return nil, fmt.Errorf("%s: %.1f%% of requests failed", p.name, 100*(1-real.Success))
		}
		ratio := real.Throughput / floor.Throughput
		out = append(out,
			result{Measure: p.name + ": requests/s, 50 connections", Value: round(real.Throughput, 0), Unit: "req/s",
				Floor: round(floor.Throughput, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ratio >= 0.5),
				Note: "floor: a bare echo handler returning the same bytes"},
			result{Measure: p.name + ": p50 latency", Value: ms(real.Latencies.P50), Unit: "ms", Floor: ms(floor.Latencies.P50)},
			result{Measure: p.name + ": p99 latency", Value: ms(real.Latencies.P99), Unit: "ms", Floor: ms(floor.Latencies.P99),
				Target: "≤ 25 ms", Holds: holds(real.Latencies.P99 <= 25*time.Millisecond)},
		)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return round(float64(d.Microseconds())/1000, 2) }

// signIn signs in through the sign-in form and returns the session cookie.
func signIn(base, email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/signin")
	if err != nil {
		return "", err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(base)
	// The form's CSRF token: a visitor's is signed for the nonce cookie
	// the page set.
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("the sign-in page has no CSRF token")
	}
	csrf := string(m[1])
	resp, err = c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {password}, "_csrf": {csrf}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign-in answered %d", resp.StatusCode)
	}
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
}

func fetch(u string, header http.Header) ([]byte, error) {
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range header {
		if k != "Accept-Encoding" {
			req.Header[k] = v
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", u, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// attack loads u with 50 connections as fast as they go for d (vegeta).
func attack(u string, header http.Header, d time.Duration) vegeta.Metrics {
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: u, Header: header})
	a := vegeta.NewAttacker(vegeta.Workers(50), vegeta.MaxWorkers(50), vegeta.Connections(50), vegeta.MaxConnections(50), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	for r := range a.Attack(tr, vegeta.Rate{Freq: 0}, d, u) {
		m.Add(r)
	}
	m.Close()
	return m
}

// --- 4. memory --------------------------------------------------------------------

func benchMemory(dir, billDB string, csvN int) ([]result, error) {
	bin := filepath.Join(dir, "rtcbill")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build: %w", err)
	}
	ctx := context.Background()

	// Importing a CSV of csvN sessions with the command line.
	path := filepath.Join(dir, "import.db")
	s, _, app, err := newAccount(ctx, path)
	if err != nil {
		return nil, err
	}
	s.Close()
	csvPath := filepath.Join(dir, "sessions.csv")
	if err := writeCSV(csvPath, csvN); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "import", "--quiet", "--db", path, "--app", strconv.FormatInt(app, 10), csvPath)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	took := time.Since(start)
	importRSS := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB → MiB

	// The server answering the 10⁶-session bill.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "serve", "--db", billDB, "--addr", addr)
	srv.Env = append(os.Environ(), "RTCBILL_ADMIN_TOKEN="+staffToken)
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	billURL := fmt.Sprintf("http://%s/api/v1/accounts/1/bills/%s", addr, benchMonth)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := fetch("http://"+addr+"/healthz", nil); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for range 50 {
		if _, err := fetch(billURL, http.Header{"Authorization": {"Bearer " + staffToken}}); err != nil {
			return nil, err
		}
	}
	serverRSS, err := peakRSS(srv.Process.Pid)
	if err != nil {
		return nil, err
	}
	return []result{
		{Measure: fmt.Sprintf("import of a %d-session CSV: peak RSS", csvN), Value: round(importRSS, 1), Unit: "MiB",
			Target: "≤ 150 MiB", Holds: holds(importRSS <= 150), Note: fmt.Sprintf("took %s", took.Round(time.Millisecond))},
		{Measure: "server answering the 10⁶-session bill 50 times: peak RSS", Value: round(serverRSS, 1), Unit: "MiB",
			Target: "≤ 100 MiB", Holds: holds(serverRSS <= 100)},
	}, nil
}

func writeCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString("session_id,room_id,user_id,joined_at,left_at\n")
	for i := 0; i < n; i++ {
		s := sessionAt(benchMonth, i)
		fmt.Fprintf(w, "%s,%s,%s,%s,%s\n", s.ID, s.Room, s.User, billing.FormatInstant(s.Joined), billing.FormatInstant(s.Left))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

var vmHWM = regexp.MustCompile(`VmHWM:\s+(\d+) kB`)

// peakRSS reads a process's high-water mark of resident memory, in MiB.
func peakRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := vmHWM.FindSubmatch(b)
	if m == nil {
		return 0, errors.New("no VmHWM in /proc status")
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024, nil
}
