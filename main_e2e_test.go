//go:build unix

package main

// The end-to-end tests of issue 7 (crash safety, backups, graceful
// shutdown) build the real binary once and run it as a subprocess: only a
// real process can be killed with SIGKILL or stopped with SIGTERM. They are
// skipped under -short. They run on the store of dbtest.Default(): SQLite,
// or PostgreSQL when RTCBILL_TEST_POSTGRES is set (its URL is the --db of
// the binary); the tests of a SQLite file (a killed import's WAL, backups)
// say so and run on SQLite whatever the variable.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/db/dbtest"
	"rtcbill/domain"
)

const e2eToken = "e2e-staff-token-of-at-least-32-characters"

// e2eBuild is the binary, built by the first end-to-end test that runs.
var e2eBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if e2eBuild.dir != "" {
		os.RemoveAll(e2eBuild.dir)
	}
	os.Exit(code)
}

// rtcbillBinary builds the binary once (go build -o into a temporary
// directory that TestMain removes) and returns its path.
func rtcbillBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the binary; skipped under -short")
	}
	e2eBuild.once.Do(func() {
		e2eBuild.dir, e2eBuild.err = os.MkdirTemp("", "rtcbill-e2e-")
		if e2eBuild.err != nil {
			return
		}
		e2eBuild.bin = filepath.Join(e2eBuild.dir, "rtcbill")
		out, err := exec.Command("go", "build", "-o", e2eBuild.bin, ".").CombinedOutput()
		if err != nil {
			e2eBuild.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if e2eBuild.err != nil {
		t.Fatal(e2eBuild.err)
	}
	return e2eBuild.bin
}

// lockedBuffer collects a subprocess's output while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// all is the whole output.
func (l *lockedBuffer) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tail is the end of the output, for failure messages.
func (l *lockedBuffer) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	if len(s) > 3000 {
		s = "…" + s[len(s)-3000:]
	}
	return s
}

// proc is a running rtcbill.
type proc struct {
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's answer, set before done closes
}

// e2eEnv is the environment of the subprocesses: the test's, without any
// RTCBILL_ setting, and the staff token.
func e2eEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "RTCBILL_") })
	return append(env, "RTCBILL_ADMIN_TOKEN="+e2eToken)
}

// startProc starts the binary with args; the test's end kills it if it
// still runs.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(rtcbillBinary(t), args...), done: make(chan struct{})}
	p.cmd.Env = e2eEnv()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting rtcbill %v: %v", args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit and returns how it exited.
func (p *proc) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("rtcbill %v still runs after %s\n%s", p.cmd.Args[1:], timeout, p.stderr.tail())
		return nil
	}
}

// kill sends SIGKILL: no deferred call, no Close, no checkpoint runs.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	p.wait(t, 10*time.Second)
}

// runCLI runs one command of the binary to its end.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(rtcbillBinary(t), args...)
	cmd.Env = e2eEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// server is "rtcbill serve" on a free port of 127.0.0.1.
type server struct {
	*proc
	addr   string
	url    string
	client *http.Client
}

// freeAddr is a port of 127.0.0.1 that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer serves dsn (a SQLite file path or a postgres:// URL) and
// returns once /healthz answers 200.
func startServer(t *testing.T, dsn string) *server {
	t.Helper()
	s := launchServer(t, dsn)
	s.waitReady(t)
	return s
}

// launchServer starts "rtcbill serve" on dsn with the extra flags, without
// waiting for it to be ready.
func launchServer(t *testing.T, dsn string, extra ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--addr", addr, "--db", dsn}, extra...)
	s := &server{proc: startProc(t, args...), addr: addr, url: "http://" + addr,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 60 * time.Second}}
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

// waitReady returns once /healthz answers 200, and fails t if the server
// exits first or is not ready within 20 s.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if s.exited() {
			t.Fatalf("rtcbill serve exited before it was ready: %v\n%s", s.err, s.stderr.tail())
		}
		resp, err := s.client.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rtcbill serve not ready after 20 s: %v\n%s", err, s.stderr.tail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// call sends a request of the staff token; body, when not nil, is JSON.
func (s *server) call(method, path string, body []byte) (int, []byte, error) {
	return s.request(method, path, body, nil)
}

// request is call with more headers.
func (s *server) request(method, path string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// mustCall is call for the test's own goroutine: any other status fails it.
func (s *server) mustCall(t *testing.T, method, path string, body []byte, want int, into any) {
	t.Helper()
	status, b, err := s.call(method, path, body)
	if err != nil || status != want {
		t.Fatalf("%s %s: got %d %s (%v), want %d", method, path, status, b, err, want)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
}

// newApp creates an account and an application backdated to created,
// through the API, and returns their ids.
func (s *server) newApp(t *testing.T, created time.Time) (account, sdkAppID int64) {
	t.Helper()
	var a struct {
		ID int64 `json:"id"`
	}
	s.mustCall(t, "POST", "/api/v1/accounts", []byte(`{"name":"Crash Test Ltd","email":"ops@crash.example"}`), http.StatusCreated, &a)
	var app struct {
		SDKAppID int64 `json:"sdk_app_id"`
	}
	s.mustCall(t, "POST", fmt.Sprintf("/api/v1/accounts/%d/apps", a.ID),
		fmt.Appendf(nil, `{"name":"live","created_at":%q}`, billing.FormatInstant(created)), http.StatusCreated, &app)
	return a.ID, app.SDKAppID
}

// usageSeconds is the usage_seconds of an account's bill for month.
func (s *server) usageSeconds(t *testing.T, account int64, month string) int64 {
	t.Helper()
	var bill struct {
		UsageSeconds int64 `json:"usage_seconds"`
	}
	s.mustCall(t, "GET", fmt.Sprintf("/api/v1/accounts/%d/bills/%s", account, month), nil, http.StatusOK, &bill)
	return bill.UsageSeconds
}

// sessionWindow is where the tests' sessions lie: a quarter of an hour
// inside the current CST month that ended at least five minutes ago, so
// that nothing is in the future and the current (open) bill holds it all.
func sessionWindow(t *testing.T) (start time.Time, month string) {
	t.Helper()
	now := time.Now()
	monthStart := billing.MonthOf(now).Start()
	start = now.Add(-3 * time.Hour).Truncate(time.Second)
	if start.Before(monthStart) {
		start = monthStart
	}
	if now.Sub(start) < 20*time.Minute {
		t.Skip("less than 20 minutes into a CST month: the sessions would not fit in it")
	}
	return start, billing.MonthOf(now).String()
}

// batchID names batch b; its sessions' ids are batchID-NNNN.
func batchID(b int) string { return fmt.Sprintf("b%05d", b) }

// batchSession is session i of batch b: one room per batch and one user
// per session, so neither the session id nor (room, user, joined_at) ever
// repeats; 1 to 300 seconds within a quarter of an hour of start.
func batchSession(b, i int, start time.Time) (id, room, user string, joined, left time.Time) {
	joined = start.Add(time.Duration((b*7+i)%600) * time.Second)
	left = joined.Add(time.Duration(1+(b*1000+i)%300) * time.Second)
	return fmt.Sprintf("%s-%04d", batchID(b), i), fmt.Sprintf("room-%d", b), fmt.Sprintf("u%d", i), joined, left
}

// batchJSON is the API body of batch b: n sessions.
func batchJSON(b, n int, start time.Time) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"sessions":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		id, room, user, joined, left := batchSession(b, i, start)
		fmt.Fprintf(&buf, `{"session_id":%q,"room_id":%q,"user_id":%q,"joined_at":%q,"left_at":%q}`,
			id, room, user, billing.FormatInstant(joined), billing.FormatInstant(left))
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// facts is what a database holds, read with a connection of its own.
type facts struct {
	integrity      string           // PRAGMA integrity_check on SQLite; "" on PostgreSQL, whose recovery is the server's
	perBatch       map[string]int64 // sessions per id prefix (before the first "-")
	sessions       int64
	sessionSeconds int64 // SUM(left_at - joined_at)
	monthSeconds   int64 // the same, of the sessions inside the month
	dailySeconds   int64 // SUM(usage_daily.seconds)
	roomSeconds    int64 // SUM(usage_room_monthly.seconds)
}

// inspect opens dsn's database (recovering a SQLite file's WAL if a crash
// left one) and reads its facts; month, if not empty, is the CST month of
// monthSeconds.
func inspect(t *testing.T, dsn, month string) facts {
	t.Helper()
	pg := dbtest.IsPostgres(dsn)
	conn := dbtest.Writable(t, dsn) // on SQLite the WAL's recovery writes
	defer conn.Close()
	path := dbtest.Describe(dsn)
	f := facts{perBatch: map[string]int64{}}
	if !pg {
		if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&f.integrity); err != nil {
			t.Fatalf("integrity_check of %s: %v", path, err)
		}
	}
	var from, to int64
	if month != "" {
		m, err := billing.ParseMonth(month)
		if err != nil {
			t.Fatal(err)
		}
		from, to = m.Start().Unix(), m.End().Unix()
	}
	if err := conn.QueryRow(`SELECT COUNT(*), COALESCE(SUM(left_at - joined_at), 0),
		COALESCE(SUM(CASE WHEN joined_at >= ? AND left_at <= ? THEN left_at - joined_at END), 0),
		(SELECT COALESCE(SUM(seconds), 0) FROM usage_daily), (SELECT COALESCE(SUM(seconds), 0) FROM usage_room_monthly)
		FROM sessions`, from, to).Scan(&f.sessions, &f.sessionSeconds, &f.monthSeconds, &f.dailySeconds, &f.roomSeconds); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	perBatch := `SELECT substr(session_id, 1, instr(session_id, '-') - 1), COUNT(*) FROM sessions
		WHERE instr(session_id, '-') > 0 GROUP BY 1`
	if pg {
		perBatch = `SELECT split_part(session_id, '-', 1), COUNT(*) FROM sessions
		WHERE strpos(session_id, '-') > 0 GROUP BY 1`
	}
	rows, err := conn.Query(perBatch)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var prefix string
		var n int64
		if err := rows.Scan(&prefix, &n); err != nil {
			t.Fatal(err)
		}
		f.perBatch[prefix] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return f
}

// integrityNote says what the integrity check found, for a test's log.
func (f facts) integrityNote() string {
	if f.integrity == "" {
		return "no integrity_check (PostgreSQL)"
	}
	return "integrity " + f.integrity
}

// checkSums fails t unless the usage tables add up to the sessions.
func checkSums(t *testing.T, what string, f facts) {
	t.Helper()
	if f.integrity != "ok" && f.integrity != "" {
		t.Errorf("%s: PRAGMA integrity_check: got %q, want ok", what, f.integrity)
	}
	if f.dailySeconds != f.sessionSeconds || f.roomSeconds != f.sessionSeconds {
		t.Errorf("%s: usage_daily holds %d s and usage_room_monthly %d s, want the sessions' %d s",
			what, f.dailySeconds, f.roomSeconds, f.sessionSeconds)
	}
}

// fileSize is the size of path, -1 when there is no such file (or path
// is a PostgreSQL URL).
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	if dbtest.IsPostgres(path) {
		return -1
	}
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// batchOutcomes records what the clients saw of each batch they sent.
type batchOutcomes struct {
	mu       sync.Mutex
	accepted map[int]bool  // 201: committed, must survive anything
	inFlight map[int]error // sent, then the connection died: either way
	unsent   map[int]bool  // connection refused: never reached a server
}

// TestE2ECrashDuringAPIBatches kills the server with SIGKILL while clients
// post batches: after a restart the database is intact, every batch is
// whole or absent, none that got 201 is lost, and the bills agree with the
// sessions. On either store.
func TestE2ECrashDuringAPIBatches(t *testing.T) {
	start, month := sessionWindow(t)
	path := dbtest.Default().New(t)
	srv := startServer(t, path)
	account, app := srv.newApp(t, start.AddDate(0, -2, 0))

	const clients, perBatch, killAfter, maxBatches = 4, 1000, 40, 5000
	out := batchOutcomes{accepted: map[int]bool{}, inFlight: map[int]error{}, unsent: map[int]bool{}}
	var next atomic.Int64
	killNow := make(chan struct{})
	var killOnce sync.Once
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				b := int(next.Add(1) - 1)
				if b >= maxBatches {
					return
				}
				status, body, err := srv.call("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), batchJSON(b, perBatch, start))
				out.mu.Lock()
				switch {
				case errors.Is(err, syscall.ECONNREFUSED):
					out.unsent[b] = true
				case err != nil:
					out.inFlight[b] = err
				case status == http.StatusCreated:
					out.accepted[b] = true
				default:
					t.Errorf("batch %s: got %d %s, want 201", batchID(b), status, body)
				}
				n, stop := len(out.accepted), err != nil || status != http.StatusCreated
				out.mu.Unlock()
				if n >= killAfter {
					killOnce.Do(func() { close(killNow) })
				}
				if stop {
					return
				}
			}
		})
	}
	select {
	case <-killNow:
	case <-time.After(30 * time.Second):
		t.Fatalf("%d batches accepted after 30 s, want %d before the kill\n%s", len(out.accepted), killAfter, srv.stderr.tail())
	}
	walAtKill := fileSize(t, path+"-wal")
	srv.kill(t)
	wg.Wait()
	attempted := int(min(next.Load(), maxBatches))
	if len(out.inFlight) == 0 {
		t.Errorf("no batch was in flight at the kill (%d accepted, %d unsent): the test killed an idle server",
			len(out.accepted), len(out.unsent))
	}

	srv = startServer(t, path)
	f := inspect(t, path, month)
	checkSums(t, "after the restart", f)
	recovered := 0 // batches in flight at the kill that were stored whole
	for prefix, n := range f.perBatch {
		if n != perBatch {
			t.Errorf("batch %s: got %d sessions stored, want %d or none", prefix, n, perBatch)
		}
	}
	for b := range attempted {
		stored := f.perBatch[batchID(b)] == perBatch
		switch {
		case out.accepted[b] && !stored:
			t.Errorf("batch %s got 201 before the kill: got %d sessions stored, want %d", batchID(b), f.perBatch[batchID(b)], perBatch)
		case out.unsent[b] && stored:
			t.Errorf("batch %s never reached the server: got it stored", batchID(b))
		case out.inFlight[b] != nil && stored:
			recovered++
		}
	}
	if want := int64(len(out.accepted)+recovered) * perBatch; f.sessions != want {
		t.Errorf("sessions stored: got %d, want %d (accepted and recovered batches)", f.sessions, want)
	}
	if f.monthSeconds != f.sessionSeconds {
		t.Errorf("sessions inside %s: got %d s of %d s, want all", month, f.monthSeconds, f.sessionSeconds)
	}
	if got := srv.usageSeconds(t, account, month); got != f.monthSeconds {
		t.Errorf("bill %s after the restart: got usage_seconds %d, want the sessions' %d", month, got, f.monthSeconds)
	}
	// The restarted server takes writes again, and nothing is counted twice.
	srv.mustCall(t, "POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), batchJSON(attempted, perBatch, start), http.StatusCreated, nil)
	f2 := inspect(t, path, month)
	checkSums(t, "after a batch on the restarted server", f2)
	if got := srv.usageSeconds(t, account, month); got != f2.monthSeconds || f2.sessions != f.sessions+perBatch {
		t.Errorf("after one more batch: got %d sessions and a bill of %d s, want %d sessions and %d s",
			f2.sessions, got, f.sessions+perBatch, f2.monthSeconds)
	}
	t.Logf("API crash on %s: %d clients posting batches of %d; SIGKILL after %d batches accepted (WAL %d bytes at the kill, -1: none); "+
		"%d requests in flight at the kill: %d found stored whole after the restart, %d wholly absent; %d unsent; "+
		"all %d accepted batches present (%d sessions, %d s, %s, usage sums and the %s bill agree)",
		dbtest.Default().Name, clients, perBatch, len(out.accepted), walAtKill, len(out.inFlight), recovered, len(out.inFlight)-recovered,
		len(out.unsent), len(out.accepted), f.sessions, f.sessionSeconds, f.integrityNote(), month)
}

// TestE2ECrashDuringCSVImport kills "rtcbill import" with SIGKILL in the
// middle of a large file: nothing of the file is stored, the file is intact,
// and the same import run again completes. A SQLite test whatever
// RTCBILL_TEST_POSTGRES says: it kills the import once its transaction has
// spilled into the file's WAL, and checks the file with integrity_check.
func TestE2ECrashDuringCSVImport(t *testing.T) {
	start, month := sessionWindow(t)
	dir := t.TempDir()
	path := dbtest.SQLite.New(t)
	ctx := context.Background()
	store, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.CreateAccount(ctx, "Importer", "import@crash.example", start.AddDate(0, -2, 0), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := store.CreateApp(ctx, a.ID, "imported", start.AddDate(0, -2, 0), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	const rows = 300_000
	csvPath := filepath.Join(dir, "sessions.csv")
	var buf bytes.Buffer
	buf.WriteString(strings.Join(domain.CSVColumns, ",") + "\n")
	for i := range rows {
		_, room, user, joined, left := batchSession(i/1000, i%1000, start)
		fmt.Fprintf(&buf, "csv-%06d,%s,%s,%s,%s\n", i, room, user, billing.FormatInstant(joined), billing.FormatInstant(left))
	}
	if err := os.WriteFile(csvPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	sdk := fmt.Sprint(app.SDKAppID)

	// Kill once the transaction has spilled megabytes of pages into the WAL:
	// well inside it, long before its commit.
	p := startProc(t, "import", "--app", sdk, "--db", path, "--quiet", csvPath)
	began := time.Now()
	const spill = 8 << 20
	var wal int64
	for wal = fileSize(t, path+"-wal"); wal < spill; wal = fileSize(t, path+"-wal") {
		if p.exited() {
			t.Fatalf("the import ended before the kill (WAL %d bytes): make the file larger\n%s%s", wal, p.stdout.tail(), p.stderr.tail())
		}
		if time.Since(began) > 30*time.Second {
			t.Fatalf("the WAL holds %d bytes after 30 s, want %d", wal, spill)
		}
		time.Sleep(5 * time.Millisecond)
	}
	killedAfter := time.Since(began)
	p.kill(t)

	f := inspect(t, path, month)
	checkSums(t, "after the killed import", f)
	if f.sessions != 0 {
		t.Errorf("after the killed import: got %d sessions stored, want none of the file", f.sessions)
	}

	stdout, stderr, err := runCLI(t, "import", "--app", sdk, "--db", path, "--quiet", csvPath)
	if err != nil {
		t.Fatalf("import run again: %v\n%s%s", err, stdout, stderr)
	}
	if want := fmt.Sprintf("imported %d sessions, 0 duplicates skipped", rows); !strings.Contains(stdout, want) {
		t.Errorf("import run again: got %q, want %q", stdout, want)
	}
	f = inspect(t, path, month)
	checkSums(t, "after the import ran again", f)
	if f.sessions != rows {
		t.Errorf("after the import ran again: got %d sessions, want %d", f.sessions, rows)
	}
	t.Logf("CSV crash: import of %d sessions (%d bytes) killed after %s with %d bytes in the WAL: "+
		"0 sessions stored, integrity ok; run again it imported all %d (%d s, usage sums agree)",
		rows, buf.Len(), killedAfter.Round(time.Millisecond), wal, f.sessions, f.sessionSeconds)
}

// TestE2EBackupWhileServing runs "rtcbill backup" while the server takes
// batches: the copy opens, is intact and is one consistent snapshot; a
// second backup to the same file is refused. A SQLite test whatever
// RTCBILL_TEST_POSTGRES says: rtcbill backup copies a SQLite file (a
// PostgreSQL database is backed up with the server's own tools).
func TestE2EBackupWhileServing(t *testing.T) {
	start, month := sessionWindow(t)
	dir := t.TempDir()
	path := dbtest.SQLite.New(t)
	srv := startServer(t, path)
	account, app := srv.newApp(t, start.AddDate(0, -2, 0))

	const perBatch = 1000
	var accepted, sent atomic.Int64
	stop := make(chan struct{})
	var stopOnce sync.Once
	var wg sync.WaitGroup
	stopWriting := func() {
		stopOnce.Do(func() { close(stop) })
		wg.Wait()
	}
	wg.Go(func() {
		for b := 0; ; b++ {
			select {
			case <-stop:
				return
			default:
			}
			sent.Add(1)
			status, body, err := srv.call("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), batchJSON(b, perBatch, start))
			if err != nil || status != http.StatusCreated {
				t.Errorf("batch %s during the backup: got %d %s (%v), want 201", batchID(b), status, body, err)
				return
			}
			accepted.Add(1)
		}
	})
	defer stopWriting()
	for accepted.Load() < 3 {
		if time.Sleep(5 * time.Millisecond); srv.exited() {
			t.Fatalf("the server exited\n%s", srv.stderr.tail())
		}
	}

	backup := filepath.Join(dir, "backup.db")
	before := accepted.Load()
	stdout, stderr, err := runCLI(t, "backup", "--to", backup, "--db", path)
	after := sent.Load()
	if err != nil {
		t.Fatalf("rtcbill backup: %v\n%s%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout, "wrote "+backup) {
		t.Errorf("rtcbill backup printed %q, want it to name %s", stdout, backup)
	}
	first, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}

	stdout2, stderr2, err := runCLI(t, "backup", "--to", backup, "--db", path)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr2, "already exists") {
		t.Errorf("a second backup to %s: got %v, %q %q; want exit status 1 and \"already exists\"", backup, err, stdout2, stderr2)
	}
	if again, _ := os.ReadFile(backup); !bytes.Equal(again, first) {
		t.Errorf("the refused second backup changed the first")
	}
	whileBacking := accepted.Load() - before
	stopWriting()

	f := inspect(t, backup, month)
	checkSums(t, "the backup", f)
	for prefix, n := range f.perBatch {
		if n != perBatch {
			t.Errorf("backup, batch %s: got %d sessions, want %d or none", prefix, n, perBatch)
		}
	}
	if got := int64(len(f.perBatch)); got < before || got > after {
		t.Errorf("the backup holds %d batches, want from %d (accepted before it) to %d (sent by its end)", got, before, after)
	}
	// The copy is a database the binary opens and bills from, as after a restore.
	stdout, stderr, err = runCLI(t, "bill", "--db", backup, "--account", fmt.Sprint(account), "--month", month, "--json")
	if err != nil {
		t.Fatalf("rtcbill bill on the backup: %v\n%s", err, stderr)
	}
	var bill struct {
		UsageSeconds int64 `json:"usage_seconds"`
	}
	if err := json.Unmarshal([]byte(stdout), &bill); err != nil || bill.UsageSeconds != f.monthSeconds {
		t.Errorf("bill of the backup: got usage_seconds %d (%v), want the backup's sessions' %d", bill.UsageSeconds, err, f.monthSeconds)
	}
	live := inspect(t, path, month)
	checkSums(t, "the live database", live)
	t.Logf("backup: %d bytes taken while batches of %d were posted (%d accepted before it, %d during the backup and its refused repeat); "+
		"it holds %d whole batches (%d sessions), integrity ok, usage sums agree; the live file went on to %d sessions",
		len(first), perBatch, before, whileBacking, len(f.perBatch), f.sessions, live.sessions)
}

// slowRequest is a POST whose body is sent in two halves, to be in flight
// for as long as the test likes.
type slowRequest struct {
	conn net.Conn
	rest []byte
}

func startSlowRequest(t *testing.T, addr, path string, body []byte) *slowRequest {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	half := len(body) / 2
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		path, addr, e2eToken, len(body))
	if _, err := conn.Write(append([]byte(head), body[:half]...)); err != nil {
		t.Fatal(err)
	}
	return &slowRequest{conn: conn, rest: body[half:]}
}

// finish sends the rest of the body and reads the answer.
func (r *slowRequest) finish() (int, []byte, error) {
	r.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := r.conn.Write(r.rest); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(r.conn), nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestE2EGracefulShutdown sends SIGTERM while requests are in flight: they
// complete with 201, new connections are refused, the process exits 0 and
// the database is closed cleanly, on SQLite with no WAL left to recover.
func TestE2EGracefulShutdown(t *testing.T) {
	start, month := sessionWindow(t)
	path := dbtest.Default().New(t)
	srv := startServer(t, path)
	_, app := srv.newApp(t, start.AddDate(0, -2, 0))
	srv.client.CloseIdleConnections()

	const inFlight, perBatch = 3, 1000
	var slow []*slowRequest
	for b := range inFlight {
		slow = append(slow, startSlowRequest(t, srv.addr, fmt.Sprintf("/api/v1/apps/%d/sessions", app), batchJSON(b, perBatch, start)))
	}
	time.Sleep(300 * time.Millisecond) // the handlers are reading the bodies
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()

	// The listener closes at once: a new connection is refused while the
	// requests in flight are still waiting for the rest of their bodies.
	var refusedAfter time.Duration
	for {
		conn, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err == nil {
			conn.Close()
			if time.Since(signalled) > 5*time.Second {
				t.Fatalf("a new connection was still accepted 5 s after SIGTERM")
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if errors.Is(err, syscall.ECONNRESET) && time.Since(signalled) < 5*time.Second {
			// A connection that reached the accept queue as the listener
			// closed is reset, not refused: the next one tells.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("a new connection after SIGTERM: got %v, want connection refused", err)
		}
		refusedAfter = time.Since(signalled)
		break
	}
	if srv.exited() {
		t.Fatalf("the server exited with requests in flight: %v\n%s", srv.err, srv.stderr.tail())
	}

	time.Sleep(200 * time.Millisecond) // still waiting for them
	for i, r := range slow {
		status, body, err := r.finish()
		if err != nil || status != http.StatusCreated || !strings.Contains(string(body), fmt.Sprintf(`"inserted":%d`, perBatch)) {
			t.Errorf("request %d in flight at SIGTERM: got %d %s (%v), want 201 and %d inserted", i, status, body, err, perBatch)
		}
	}
	if err := srv.wait(t, 30*time.Second); err != nil {
		t.Fatalf("after SIGTERM: got %v, want exit status 0\n%s", err, srv.stderr.tail())
	}
	stoppedAfter := time.Since(signalled)
	if !strings.Contains(srv.stderr.tail(), "msg=stopped") {
		t.Errorf("the server's log does not say it stopped:\n%s", srv.stderr.tail())
	}

	// A clean close checkpoints the WAL into the file and deletes it: the
	// next open has nothing to recover. (PostgreSQL's WAL is the server's.)
	wal, shm := fileSize(t, path+"-wal"), fileSize(t, path+"-shm")
	if wal > 0 {
		t.Errorf("after a clean stop the WAL holds %d bytes, want no WAL (or an empty one)", wal)
	}
	f := inspect(t, path, month)
	checkSums(t, "after SIGTERM", f)
	if f.sessions != inFlight*perBatch {
		t.Errorf("after SIGTERM: got %d sessions, want the %d of the requests in flight", f.sessions, inFlight*perBatch)
	}
	t.Logf("shutdown on %s: SIGTERM with %d batch requests in flight; new connections refused after %s; all %d completed with 201; "+
		"exit 0 after %s; WAL %d bytes, -shm %d bytes (-1: no file); %s, %d sessions",
		dbtest.Default().Name, inFlight, refusedAfter.Round(10*time.Microsecond), inFlight, stoppedAfter.Round(time.Millisecond), wal, shm,
		f.integrityNote(), f.sessions)
}
