// Command bench measures rtcbill against the floor this machine sets — the
// same work done by bare SQLite (or bare PostgreSQL) and a bare echo handler
// in the same run — and prints the ratios, which hold where absolute times
// drift.
//
//	go run ./cmd/bench [--out bench.json] [--postgres URL] [--only step,step]
//
// It measures, in order: ingest through the HTTP API against bare prepared
// inserts; a month's bill at 10⁴, 10⁵ and 10⁶ sessions against a bare SUM
// over that month's rows; the database's size per million sessions against
// a bare table of the same rows; pages under 50 connections against a bare
// echo handler returning the same bytes; the plans page for new visitors
// (no cookies, a new connection each request) against the same handler
// under the same traffic; a signed-in bill page of a 10⁶-session,
// 10⁵-room month while another client ingests, against the page alone and
// the bare inserts; the monthly close of 10⁴ and 10⁵ accounts in batches
// of 500 against bare inserts of the same bills, and the time a real
// server takes to answer /healthz on those databases against an empty one;
// and the peak RSS of importing a 1,000,000-session CSV and of a server
// answering the 10⁶-session bill.
//
// With --postgres (or RTCBILL_BENCH_POSTGRES) naming a PostgreSQL server,
// the ingest, bill, size and page measures also run on fresh databases
// created there (and dropped at the end), each against its own floor on
// that server, and print beside the SQLite ones.
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
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	Store   string  `json:"store,omitempty"`
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
	Load    string   `json:"load,omitempty"`
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

// config is what the flags ask for.
type config struct {
	out         string
	ingestN     int
	maxSessions int
	duration    time.Duration
	csvN        int
	postgres    string
	// The bill page under ingest: the month's sessions and rooms, the
	// page's requests a second, and whether to ingest into the page's own
	// account too.
	busySessions, busyRooms, busyRate int
	busySame                          bool
	// The monthly close: the numbers of accounts.
	closeAccounts []int
	only          map[string]bool
}

// steps are the names -only takes, in the order they run.
var stepNames = []string{"ingest", "bill", "size", "pages", "visitors", "busy", "close", "memory"}

func main() {
	var cfg config
	flag.StringVar(&cfg.out, "out", "", "also write the table as JSON to this file")
	flag.IntVar(&cfg.ingestN, "ingest", 200_000, "sessions to ingest through the API and the floor")
	flag.IntVar(&cfg.maxSessions, "sessions", 1_000_000, "the largest bill's sessions in its month (10⁴, 10⁵ and this; 10⁴ and this on PostgreSQL); the size per million sessions is measured on it")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each page load test runs")
	flag.IntVar(&cfg.csvN, "csv", 1_000_000, "sessions in the CSV whose import's memory is measured")
	flag.StringVar(&cfg.postgres, "postgres", os.Getenv("RTCBILL_BENCH_POSTGRES"),
		"a PostgreSQL server (postgres://…) to run the ingest, bill, size and page measures on as well, in fresh databases dropped at the end (env RTCBILL_BENCH_POSTGRES)")
	flag.IntVar(&cfg.busySessions, "busy-sessions", 1_000_000, "sessions in the month of the bill page measured under ingest")
	flag.IntVar(&cfg.busyRooms, "busy-rooms", 100_000, "rooms those sessions are spread over")
	flag.IntVar(&cfg.busyRate, "busy-rate", 50, "requests a second to the bill page while another client ingests")
	flag.BoolVar(&cfg.busySame, "busy-same", true, "also measure the bill page while its own account ingests")
	closeAccounts := flag.String("close-accounts", "10000,100000", "numbers of accounts whose ended month is closed, comma-separated")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (the servers measured run in this process) to this file")
	only := flag.String("only", "", "run only these steps, comma-separated: "+strings.Join(stepNames, ", ")+" (size, pages and memory run bill first)")
	flag.Parse()
	for _, v := range strings.Split(*closeAccounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: -close-accounts: %q is not a number of accounts\n", v)
			os.Exit(2)
		}
		cfg.closeAccounts = append(cfg.closeAccounts, n)
	}
	if *only != "" {
		cfg.only = map[string]bool{}
		for _, name := range strings.Split(*only, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(stepNames, name) {
				fmt.Fprintf(os.Stderr, "bench: -only: no step %q (steps: %s)\n", name, strings.Join(stepNames, ", "))
				os.Exit(2)
			}
			cfg.only[name] = true
		}
		if cfg.only["size"] || cfg.only["pages"] || cfg.only["memory"] {
			cfg.only["bill"] = true
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -cpuprofile:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(cfg); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// target is where the store-dependent measures keep their databases:
// SQLite files in the run's directory, or fresh databases on a PostgreSQL
// server.
type target struct {
	name string    // "SQLite" or "PostgreSQL"
	dir  string    // SQLite: the run's directory
	pg   *pgServer // PostgreSQL: the server
}

// fresh returns the --db value of a new, empty database called name.
func (t target) fresh(name string) (string, error) {
	if t.pg == nil {
		return filepath.Join(t.dir, name+".db"), nil
	}
	return t.pg.create(name)
}

func run(cfg config) error {
	dir, err := os.MkdirTemp("", "rtcbill-bench-")
	if err != nil {
		return err
	}
	targets := []target{{name: "SQLite", dir: dir}}
	var pg *pgServer
	cleanup := sync.OnceFunc(func() {
		if pg != nil {
			if err := pg.close(); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
			}
		}
		os.RemoveAll(dir)
	})
	defer cleanup()
	// Interrupted, still drop the databases and remove the files.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cleanup()
		os.Exit(130)
	}()
	if cfg.postgres != "" {
		if !db.IsPostgres(cfg.postgres) {
			return fmt.Errorf("-postgres %q is not a postgres:// URL", cfg.postgres)
		}
		if pg, err = openPG(context.Background(), cfg.postgres); err != nil {
			return err
		}
		targets = append(targets, target{name: "PostgreSQL", dir: dir, pg: pg})
	}
	rep := report{When: time.Now().UTC().Format(time.RFC3339), Go: runtime.Version(), CPUs: runtime.NumCPU(), Load: loadAverage()}
	step := func(name string, f func() ([]result, error)) error {
		fmt.Fprintf(os.Stderr, "bench: %s…\n", name)
		start := time.Now()
		rs, err := f()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "bench: %s took %s\n", name, time.Since(start).Round(time.Second))
		rep.Results = append(rep.Results, rs...)
		return nil
	}
	billDBs := map[string]map[int]string{} // target → sessions → database
	bin := &binary{dir: dir}
	type stepFunc struct {
		name string
		f    func() ([]result, error)
	}
	var steps []stepFunc
	for _, name := range stepNames {
		switch name {
		case "ingest", "bill", "size", "pages":
			for _, t := range targets {
				label := name
				if t.pg != nil {
					label += " (PostgreSQL)"
				}
				steps = append(steps, stepFunc{label, func() ([]result, error) {
					switch name {
					case "ingest":
						return benchIngest(t, cfg.ingestN)
					case "bill":
						rs, paths, err := benchBill(t, cfg.maxSessions, billDBs["SQLite"])
						billDBs[t.name] = paths
						return rs, err
					case "size":
						return benchSize(t, billDBs[t.name][cfg.maxSessions], cfg.maxSessions)
					default:
						return benchPages(t, billDBs[t.name][cfg.maxSessions], cfg.duration)
					}
				}})
			}
		case "visitors":
			steps = append(steps, stepFunc{name, func() ([]result, error) { return benchVisitors(dir, cfg.duration) }})
		case "busy":
			steps = append(steps, stepFunc{name, func() ([]result, error) { return benchBusy(dir, cfg) }})
		case "close":
			steps = append(steps, stepFunc{name, func() ([]result, error) { return benchClose(dir, bin, cfg.closeAccounts) }})
		case "memory":
			steps = append(steps, stepFunc{name, func() ([]result, error) {
				return benchMemory(dir, bin, billDBs["SQLite"][cfg.maxSessions], cfg.csvN)
			}})
		}
	}
	for _, s := range steps {
		if cfg.only != nil && !cfg.only[strings.TrimSuffix(s.name, " (PostgreSQL)")] {
			continue
		}
		if err := step(s.name, s.f); err != nil {
			rep.Results = besideEachOther(rep.Results)
			printTable(os.Stdout, rep) // what was measured before the failure
			return err
		}
	}
	rep.Results = besideEachOther(rep.Results)
	printTable(os.Stdout, rep)
	if cfg.out != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(cfg.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// besideEachOther puts each PostgreSQL line right after the SQLite line
// of the same measure; the other lines keep their order.
func besideEachOther(rs []result) []result {
	var out, pg []result
	for _, r := range rs {
		if r.Store == "PostgreSQL" {
			pg = append(pg, r)
		} else {
			out = append(out, r)
		}
	}
	for _, p := range pg {
		i := slices.IndexFunc(out, func(r result) bool { return r.Store == "SQLite" && r.Measure == p.Measure })
		if i < 0 {
			out = append(out, p)
			continue
		}
		// After the SQLite line and any PostgreSQL line already placed
		// beside it.
		j := i + 1
		for j < len(out) && out[j].Store == "PostgreSQL" && out[j].Measure == p.Measure {
			j++
		}
		out = slices.Insert(out, j, p)
	}
	return out
}

// loadAverage is the machine's load averages as /proc/loadavg gives them,
// for the report: other work on the machine moves the figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func printTable(w io.Writer, rep report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "rtcbill bench, %s, %s, %d CPUs, load average %s\n\n", rep.When, rep.Go, rep.CPUs, rep.Load)
	fmt.Fprintln(tw, "measure\tstore\tvalue\tunit\tfloor\tratio\ttarget\tholds\t")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Measure, r.Store, strconv.FormatFloat(r.Value, 'f', -1, 64), r.Unit, floor, ratio, r.Target, h)
	}
	tw.Flush()
}

func round(v float64, places int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', places, 64), 64)
	return f
}

// --- fixtures -----------------------------------------------------------------

// newAccount opens a store at dsn with one active account: an app created
// long before benchMonth and an Enterprise bought before it.
func newAccount(ctx context.Context, dsn string) (db.Store, int64, int64, error) {
	s, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, 0, 0, err
	}
	account, app, err := addAccount(ctx, s, "Bench Co", "bench@example.com")
	if err != nil {
		s.Close()
		return nil, 0, 0, err
	}
	return s, account, app, nil
}

// addAccount adds an active account to s: an app created long before
// benchMonth and an Enterprise bought before it.
func addAccount(ctx context.Context, s db.Store, name, email string) (int64, int64, error) {
	a, err := s.CreateAccount(ctx, name, email, now, now)
	if err != nil {
		return 0, 0, err
	}
	app, _, err := s.CreateApp(ctx, a.ID, "bench app", benchMonth.Start().AddDate(0, -3, 0), now)
	if err != nil {
		return 0, 0, err
	}
	if _, _, err := s.Purchase(ctx, a.ID, "enterprise", benchMonth.Start().AddDate(0, -2, 0), "", now); err != nil {
		return 0, 0, err
	}
	return a.ID, app.SDKAppID, nil
}

// sessionAt is the i-th synthetic session of a month: spread over its
// first benchDays days and 200 rooms, 2 to 60 minutes long, inside working hours.
func sessionAt(month billing.Month, i int) billing.Session { return sessionIn(month, i, 200) }

// sessionIn is sessionAt spread over the given number of rooms.
func sessionIn(month billing.Month, i, rooms int) billing.Session {
	days := benchDays
	start := month.Start().Add(time.Duration(i%days)*24*time.Hour + 8*time.Hour + time.Duration((i*7919)%36000)*time.Second)
	length := time.Duration(120+(i*104729)%3480) * time.Second
	return billing.Session{ID: "s" + strconv.Itoa(i), Room: "room-" + strconv.Itoa(i%rooms), User: "u" + strconv.Itoa(i),
		Joined: start, Left: start.Add(length)}
}

// insertSessions stores sessions from to to (exclusive) of the month,
// spread over rooms, through the store in its largest batches.
func insertSessions(ctx context.Context, s db.Store, app int64, from, to, rooms int) error {
	batch := make([]billing.Session, 0, domain.MaxBatch)
	for i := from; i < to; i++ {
		batch = append(batch, sessionIn(benchMonth, i, rooms))
		if len(batch) == domain.MaxBatch || i == to-1 {
			if _, err := s.InsertSessions(ctx, app, batch, now); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// appendBatch appends the JSON body of a batch of n sessions posted to the
// API: sessions from to from+n of the month, spread over rooms.
func appendBatch(buf []byte, from, n, rooms int) []byte {
	buf = append(buf, `{"sessions":[`...)
	for i := from; i < from+n; i++ {
		s := sessionIn(benchMonth, i, rooms)
		if i > from {
			buf = append(buf, ',')
		}
		// The ids are plain ASCII: nothing to escape.
		buf = append(buf, `{"session_id":"`...)
		buf = append(buf, s.ID...)
		buf = append(buf, `","room_id":"`...)
		buf = append(buf, s.Room...)
		buf = append(buf, `","user_id":"`...)
		buf = append(buf, s.User...)
		buf = append(buf, `","joined_at":"`...)
		buf = s.Joined.In(billing.CST).AppendFormat(buf, time.RFC3339)
		buf = append(buf, `","left_at":"`...)
		buf = s.Left.In(billing.CST).AppendFormat(buf, time.RFC3339)
		buf = append(buf, `"}`...)
	}
	return append(buf, `]}`...)
}

// postBatch posts one batch to the ingest API and checks that every
// session in it was new.
func postBatch(client *http.Client, base string, app int64, body []byte, want int) error {
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/apps/%d/sessions", base, app), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+staffToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("ingest answered %d: %.200s", resp.StatusCode, answer)
	}
	if want > 0 && !bytes.Contains(answer, []byte(fmt.Sprintf(`"inserted":%d`, want))) {
		return fmt.Errorf("ingest stored less than the batch: %.200s", answer)
	}
	return nil
}

// --- ingest ------------------------------------------------------------------

func benchIngest(t target, n int) ([]result, error) {
	ctx := context.Background()
	batches := make([][]byte, 0, n/1000)
	for b := 0; b < n/1000; b++ {
		batches = append(batches, appendBatch(nil, b*1000, 1000, 200))
	}
	if t.pg != nil {
		return benchIngestPG(ctx, t, n, batches)
	}
	apiRate, err := ingestAPI(ctx, filepath.Join(t.dir, "ingest-api.db"), batches)
	if err != nil {
		return nil, err
	}

	// The floors: the same rows into the same schema with one prepared
	// INSERT, 1,000 rows a transaction, nothing else — at the durability
	// the store's writer runs with (synchronous=FULL: every commit synced),
	// and at NORMAL for what that durability costs.
	floorFull, err := ingestFloor(ctx, filepath.Join(t.dir, "ingest-floor-full.db"), n, "FULL")
	if err != nil {
		return nil, err
	}
	floorNormal, err := ingestFloor(ctx, filepath.Join(t.dir, "ingest-floor-normal.db"), n, "NORMAL")
	if err != nil {
		return nil, err
	}
	ratio := apiRate / floorFull
	return []result{{
		Measure: "ingest through the API (batches of 1,000)", Store: t.name, Value: round(apiRate, 0), Unit: "sessions/s",
		Floor: round(floorFull, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ratio >= 0.5),
		Note: "synchronous=FULL, the job queue running; floor: bare prepared INSERTs into the same schema, 1,000 a transaction, synchronous=FULL",
	}, {
		Measure: "bare inserts at synchronous=FULL against NORMAL", Store: t.name, Value: round(floorFull, 0), Unit: "sessions/s",
		Floor: round(floorNormal, 0), Ratio: floorFull / floorNormal,
		Note: "what syncing every commit costs the floor itself (no target)",
	}}, nil
}

// ingestAPI posts the batches to the real server on loopback, one after
// the other over one keep-alive connection, into a new account of the
// database dsn, and returns sessions/s.
func ingestAPI(ctx context.Context, dsn string, batches [][]byte) (float64, error) {
	s, err := db.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	_, app, err := addAccount(ctx, s, "Bench Ingest", "ingest@example.com")
	if err != nil {
		return 0, err
	}
	// The server as "rtcbill serve" runs it: the job queue beside it.
	sched, err := jobs.Start(ctx, jobs.Config{Store: s, Logger: quiet, Now: func() time.Time { return now }})
	if err != nil {
		return 0, err
	}
	defer sched.Stop(ctx)
	srv, base, err := serve(handlers.New(handlers.Config{Store: s, AdminToken: staffToken, Now: func() time.Time { return now }, Logger: quiet}))
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	client := &http.Client{Timeout: time.Minute}
	start := time.Now()
	for _, body := range batches {
		if err := postBatch(client, base, app, body, 1000); err != nil {
			return 0, err
		}
	}
	return float64(len(batches)*1000) / time.Since(start).Seconds(), nil
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
	return bareInserts(ctx, raw, sqliteInsert, app, 0, n, 200)
}

const (
	sqliteInsert   = `INSERT INTO sessions (sdk_app_id, session_id, room_id, user_id, joined_at, left_at) VALUES (?, ?, ?, ?, ?, ?)`
	postgresInsert = `INSERT INTO sessions (sdk_app_id, session_id, room_id, user_id, joined_at, left_at) VALUES ($1, $2, $3, $4, $5, $6)`
)

// bareInserts inserts sessions from to from+n of the month, spread over
// rooms, into app with one prepared INSERT, 1,000 rows a transaction, and
// returns sessions/s.
func bareInserts(ctx context.Context, raw *sql.DB, insert string, app int64, from, n, rooms int) (float64, error) {
	start := time.Now()
	for b := 0; b < n/1000; b++ {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		stmt, err := tx.PrepareContext(ctx, insert)
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		for i := from + b*1000; i < from+(b+1)*1000; i++ {
			s := sessionIn(benchMonth, i, rooms)
			if _, err := stmt.ExecContext(ctx, app, s.ID, s.Room, s.User, s.Joined.Unix(), s.Left.Unix()); err != nil {
				tx.Rollback()
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

// --- bill ----------------------------------------------------------------------

// benchBill times the running month's bill of one account at 10⁴, 10⁵ and
// maxSessions sessions (10⁴ and maxSessions on PostgreSQL) and returns the
// databases by their sessions. On SQLite the sessions are stored through
// the store; a PostgreSQL database is a copy of the SQLite one of the same
// size (db.CopyToPostgres, what "rtcbill copy" runs), so both stores bill
// the very same rows.
func benchBill(t target, maxSessions int, sqliteDBs map[int]string) ([]result, map[int]string, error) {
	ctx := context.Background()
	sizes := []int{10_000, 100_000}
	if t.pg != nil {
		sizes = []int{10_000}
	}
	// Small runs (-sessions below 10⁵) time the sizes up to theirs.
	sizes = slices.DeleteFunc(sizes, func(n int) bool { return n >= maxSessions })
	sizes = append(sizes, maxSessions)
	paths := map[int]string{}
	stores := map[int]db.Store{}
	accounts, apps := map[int]int64{}, map[int]int64{}
	defer func() {
		for _, s := range stores {
			s.Close()
		}
	}()
	for _, n := range sizes {
		dsn, err := t.fresh(fmt.Sprintf("bill_%d", n))
		if err != nil {
			return nil, nil, err
		}
		paths[n] = dsn
		if t.pg != nil {
			s, account, app, err := copyToPostgres(ctx, sqliteDBs[n], dsn)
			if err != nil {
				return nil, nil, fmt.Errorf("the %d-session database: %w", n, err)
			}
			stores[n], accounts[n], apps[n] = s, account, app
			continue
		}
		s, account, app, err := newAccount(ctx, dsn)
		if err != nil {
			return nil, nil, err
		}
		stores[n], accounts[n], apps[n] = s, account, app
		if err := insertSessions(ctx, s, app, 0, n, 200); err != nil {
			return nil, nil, err
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
		driver, dsn, query := "sqlite", "file:"+paths[n]+"?_pragma=query_only(1)",
			`SELECT SUM(left_at - joined_at) FROM sessions WHERE sdk_app_id = ? AND joined_at >= ? AND joined_at < ?`
		if t.pg != nil {
			driver, dsn, query = "pgx", paths[n],
				`SELECT SUM(left_at - joined_at) FROM sessions WHERE sdk_app_id = $1 AND joined_at >= $2 AND joined_at < $3`
		}
		raw, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, nil, err
		}
		floor := median(5, func() error {
			var sum sql.NullInt64
			return raw.QueryRow(query, apps[n], benchMonth.Start().Unix(), benchMonth.End().Unix()).Scan(&sum)
		})
		raw.Close()
		if floor.err != nil {
			return nil, nil, floor.err
		}
		r := result{Measure: fmt.Sprintf("bill of a month of %d sessions", n), Store: t.name, Value: round(float64(times[n].Microseconds())/1000, 3), Unit: "ms",
			Floor: round(float64(floor.d.Microseconds())/1000, 3), Ratio: float64(times[n]) / float64(floor.d),
			Note: "median of 300, sizes in turns; floor: SELECT SUM(left_at - joined_at) over the month's sessions"}
		if t.pg != nil {
			r.Note += "; the database a copy of the SQLite one (db.CopyToPostgres)"
		}
		if n == maxSessions {
			r.Target, r.Holds = "≤ 0.05 × floor", holds(r.Ratio <= 0.05)
		}
		out = append(out, r)
	}
	flat := float64(times[maxSessions]) / float64(times[10_000])
	out = append(out, result{Measure: fmt.Sprintf("bill at %d ÷ bill at 10000", maxSessions), Store: t.name, Value: round(flat, 3), Unit: "×",
		Target: "≤ 1.5", Holds: holds(flat <= 1.5), Note: "the bill reads days, not sessions"})
	return out, paths, nil
}

// copyToPostgres copies the SQLite bill database at from into the empty
// PostgreSQL database to and returns the store on it, with its one
// account and application.
func copyToPostgres(ctx context.Context, from, to string) (db.Store, int64, int64, error) {
	if from == "" {
		return nil, 0, 0, errors.New("no SQLite database of that size to copy (the SQLite bill runs first)")
	}
	src, err := db.Open(ctx, from)
	if err != nil {
		return nil, 0, 0, err
	}
	defer src.Close()
	dst, err := db.Open(ctx, to)
	if err != nil {
		return nil, 0, 0, err
	}
	rep, err := db.CopyToPostgres(ctx, src, dst, nil)
	if err == nil && !rep.OK() {
		err = errors.New("the copy does not match its source")
	}
	if err != nil {
		dst.Close()
		return nil, 0, 0, err
	}
	apps, err := dst.Apps(ctx, 1)
	if err != nil || len(apps) != 1 {
		dst.Close()
		return nil, 0, 0, fmt.Errorf("the copy has no account 1 with one application (%v)", err)
	}
	return dst, 1, apps[0].SDKAppID, nil
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

// --- pages ---------------------------------------------------------------------

func benchPages(t target, billDB string, duration time.Duration) ([]result, error) {
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
			result{Measure: p.name + ": requests/s, 50 connections", Store: t.name, Value: round(real.Throughput, 0), Unit: "req/s",
				Floor: round(floor.Throughput, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ratio >= 0.5),
				Note: "floor: a bare echo handler returning the same bytes"},
			result{Measure: p.name + ": p50 latency", Store: t.name, Value: ms(real.Latencies.P50), Unit: "ms", Floor: ms(floor.Latencies.P50)},
			result{Measure: p.name + ": p99 latency", Store: t.name, Value: ms(real.Latencies.P99), Unit: "ms", Floor: ms(floor.Latencies.P99),
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

// --- memory -----------------------------------------------------------------------

// binary is the rtcbill command, built once for the steps that run it.
type binary struct {
	dir  string
	once sync.Once
	path string
	err  error
}

func (b *binary) build() (string, error) {
	b.once.Do(func() {
		b.path = filepath.Join(b.dir, "rtcbill")
		cmd := exec.Command("go", "build", "-o", b.path, ".")
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("go build: %w", err)
		}
	})
	return b.path, b.err
}

// server is a running "rtcbill serve".
type server struct {
	cmd  *exec.Cmd
	addr string
	// ready is how long after the process started /healthz first answered
	// 200.
	ready time.Duration
}

// startServer starts "rtcbill serve" on the database dsn and waits for
// /healthz to answer 200, asking every 5 ms on a new connection.
func startServer(bin, dsn string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr)
	cmd.Env = append(os.Environ(), "RTCBILL_ADMIN_TOKEN="+staffToken)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &server{cmd: cmd, addr: addr}
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				srv.ready = time.Since(start)
				return srv, nil
			}
		}
		if time.Since(start) > time.Minute {
			srv.stop()
			return nil, errors.New("the server did not answer /healthz within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the server as a service manager would, and waits for it.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	return s.cmd.Wait()
}

func benchMemory(dir string, bin *binary, billDB string, csvN int) ([]result, error) {
	path, err := bin.build()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()

	// Importing a CSV of csvN sessions with the command line.
	importDB := filepath.Join(dir, "import.db")
	s, _, app, err := newAccount(ctx, importDB)
	if err != nil {
		return nil, err
	}
	s.Close()
	csvPath := filepath.Join(dir, "sessions.csv")
	if err := writeCSV(csvPath, csvN); err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "import", "--quiet", "--db", importDB, "--app", strconv.FormatInt(app, 10), csvPath)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	took := time.Since(start)
	importRSS := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB → MiB

	// The server answering the 10⁶-session bill.
	srv, err := startServer(path, billDB)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	billURL := fmt.Sprintf("http://%s/api/v1/accounts/1/bills/%s", srv.addr, benchMonth)
	for range 50 {
		if _, err := fetch(billURL, http.Header{"Authorization": {"Bearer " + staffToken}}); err != nil {
			return nil, err
		}
	}
	serverRSS, err := peakRSS(srv.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	return []result{
		{Measure: fmt.Sprintf("import of a %d-session CSV: peak RSS", csvN), Store: "SQLite", Value: round(importRSS, 1), Unit: "MiB",
			Target: "≤ 150 MiB", Holds: holds(importRSS <= 150), Note: fmt.Sprintf("took %s", took.Round(time.Millisecond))},
		{Measure: "server answering the 10⁶-session bill 50 times: peak RSS", Store: "SQLite", Value: round(serverRSS, 1), Unit: "MiB",
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
