package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"rtcbill/domain"
	"rtcbill/handlers"
	"rtcbill/jobs"
)

// benchBusy measures a signed-in bill page of a big month — cfg.busySessions
// sessions over cfg.busyRooms rooms — requested at cfg.busyRate a second
// while another client ingests batches of 1,000 without pause: into another
// account, and (cfg.busySame) into the page's own account, whose every
// batch changes the page. The page's latencies are set against the same
// traffic with nothing ingesting; the ingest rate against bare prepared
// inserts into the same database with nothing else running.
func benchBusy(dir string, cfg config) ([]result, error) {
	ctx := context.Background()
	path := filepath.Join(dir, "busy.db")
	s, account, app, err := newAccount(ctx, path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := insertSessions(ctx, s, app, 0, cfg.busySessions, cfg.busyRooms); err != nil {
		return nil, err
	}
	_, otherApp, err := addAccount(ctx, s, "Bench Other", "other@example.com")
	if err != nil {
		return nil, err
	}
	_, floorApp, err := addAccount(ctx, s, "Bench Floor", "floor@example.com")
	if err != nil {
		return nil, err
	}
	if _, err := s.CreateUser(ctx, "support@bench.example", password, domain.RoleSupport, 0, now); err != nil {
		return nil, err
	}

	// The floor of ingest: bare prepared INSERTs, 1,000 a transaction at
	// synchronous=FULL, into the same database, nothing else running.
	floorN := max(10_000, cfg.ingestN/2)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	floor, err := bareInserts(ctx, raw, sqliteInsert, floorApp, 0, floorN, cfg.busyRooms)
	raw.Close()
	if err != nil {
		return nil, err
	}

	// The server as "rtcbill serve" runs it: the job queue beside it.
	sched, err := jobs.Start(ctx, jobs.Config{Store: s, Logger: quiet, Now: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	defer sched.Stop(ctx)
	srv, base, err := serve(handlers.New(handlers.Config{Store: s, AdminToken: staffToken, Now: func() time.Time { return now }, Logger: quiet}))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	cookie, err := signIn(base, "support@bench.example")
	if err != nil {
		return nil, err
	}
	pageURL := fmt.Sprintf("%s/accounts/%d/bills/%s", base, account, benchMonth)
	header := http.Header{"Cookie": {cookie}, "Accept-Language": {"zh-CN"}, "Accept-Encoding": {"gzip"}}
	page, err := fetch(pageURL, header)
	if err != nil {
		return nil, err
	}
	rooms := bytes.Count(page, []byte(`data-testid="room-row"`))

	alone := attackAt(pageURL, header, cfg.busyRate, cfg.duration)
	name := fmt.Sprintf("bill page (%s sessions, %s rooms) at %d req/s", magnitude(cfg.busySessions), magnitude(cfg.busyRooms), cfg.busyRate)
	note := fmt.Sprintf("the page lists %d rooms (%d KiB); floor: the same page and traffic, nothing ingesting", rooms, len(page)/1024)
	if alone.Success < 1 {
		// Timed-out requests count in the latencies: say so rather than stop.
		note += fmt.Sprintf(" (%.1f%% of its requests failed)", 100*(1-alone.Success))
	}
	var out []result
	type variant struct {
		into string
		app  int64
		from int // the first session's number: none is ever sent twice
	}
	variants := []variant{{"another account", otherApp, 0}}
	if cfg.busySame {
		variants = append(variants, variant{"its own account", app, cfg.busySessions})
	}
	for _, v := range variants {
		m, rate, err := pageUnderIngest(pageURL, header, cfg, base, v.app, v.from)
		if err != nil {
			return nil, fmt.Errorf("ingest into %s: %w", v.into, err)
		}
		ok := m.Success == 1
		failed := ""
		if !ok {
			failed = fmt.Sprintf("; %.1f%% of page requests failed", 100*(1-m.Success))
		}
		ratio := rate / floor
		label := name + ", " + v.into + " ingesting"
		out = append(out,
			result{Measure: label + ": page p50 latency", Store: "SQLite", Value: ms(m.Latencies.P50), Unit: "ms", Floor: ms(alone.Latencies.P50),
				Ratio: float64(m.Latencies.P50) / float64(alone.Latencies.P50), Note: note + failed},
			result{Measure: label + ": page p99 latency", Store: "SQLite", Value: ms(m.Latencies.P99), Unit: "ms", Floor: ms(alone.Latencies.P99),
				Ratio: float64(m.Latencies.P99) / float64(alone.Latencies.P99), Target: "≤ 50 ms",
				Holds: holds(ok && m.Latencies.P99 <= 50*time.Millisecond), Note: note + failed},
			result{Measure: label + ": ingest, batches of 1,000", Store: "SQLite", Value: round(rate, 0), Unit: "sessions/s",
				Floor: round(floor, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ratio >= 0.5),
				Note: fmt.Sprintf("while the page is requested; floor: bare prepared INSERTs of %d sessions into the same database, 1,000 a transaction, synchronous=FULL, nothing else running", floorN)},
		)
	}
	return out, nil
}

// pageUnderIngest requests the page at cfg.busyRate a second for
// cfg.duration while one client posts batches of 1,000 new sessions to app,
// one after the other over one keep-alive connection, from the start of the
// page's traffic to its end; it returns the page's metrics and the
// sessions a second stored.
func pageUnderIngest(pageURL string, header http.Header, cfg config, base string, app int64, from int) (vegeta.Metrics, float64, error) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sent int
	var took time.Duration
	var ingestErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: time.Minute}
		var buf []byte
		start := time.Now()
		defer func() { took = time.Since(start) }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			buf = appendBatch(buf[:0], from+sent, 1000, cfg.busyRooms)
			if err := postBatch(client, base, app, buf, 1000); err != nil {
				ingestErr = err
				return
			}
			sent += 1000
		}
	}()
	m := attackAt(pageURL, header, cfg.busyRate, cfg.duration)
	close(stop)
	wg.Wait()
	if ingestErr != nil {
		return m, 0, ingestErr
	}
	return m, float64(sent) / took.Seconds(), nil
}

// magnitude writes a power of ten as 10⁶, any other number as it is.
func magnitude(n int) string {
	e := 0
	for m := n; m >= 10 && m%10 == 0; m /= 10 {
		e++
	}
	if e == 0 || n != int(math.Pow10(e)) {
		return strconv.Itoa(n)
	}
	sup := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	var b strings.Builder
	b.WriteString("10")
	for _, d := range strconv.Itoa(e) {
		b.WriteRune(sup[d-'0'])
	}
	return b.String()
}
