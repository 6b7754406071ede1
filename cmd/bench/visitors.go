package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"rtcbill/db"
	"rtcbill/handlers"
)

// benchVisitors loads the plans page as new visitors do: no cookies, and
// each request on a connection of its own (no keep-alive), so that every
// request is a stranger the server has never answered — against a bare
// echo handler returning the same bytes under the same traffic.
func benchVisitors(dir string, duration time.Duration) ([]result, error) {
	ctx := context.Background()
	s, err := db.Open(ctx, filepath.Join(dir, "visitors.db"))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	srv, base, err := serve(handlers.New(handlers.Config{Store: s, AdminToken: staffToken, Now: func() time.Time { return now }, Logger: quiet}))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	header := http.Header{"Accept-Language": {"zh-CN"}, "Accept-Encoding": {"gzip"}}
	body, err := fetch(base+"/plans", header)
	if err != nil {
		return nil, err
	}
	// Each newcomer is a stranger to the server: it sets each one a nonce
	// cookie of their own (rtcbill_csrf).
	first, err := visitorNonce(base + "/plans")
	if err != nil {
		return nil, err
	}
	second, err := visitorNonce(base + "/plans")
	if err != nil {
		return nil, err
	}
	if first == second {
		return nil, fmt.Errorf("two new visitors were given the same nonce cookie")
	}
	real := attackNew(base+"/plans", header, duration)
	bare := echo.New()
	bare.GET("/plans", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, body) })
	bsrv, bbase, err := serve(bare)
	if err != nil {
		return nil, err
	}
	floor := attackNew(bbase+"/plans", header, duration)
	bsrv.Close()
	// Failed requests (a connection refused or timed out) are reported,
	// and fail the targets, rather than end the run.
	note := "each request a new TCP connection without cookies, so each is given a nonce cookie; floor: a bare echo handler returning the same bytes under the same traffic"
	ok := real.Success == 1
	if !ok || floor.Success < 1 {
		note += fmt.Sprintf("; failed requests: %.2f%% (floor %.2f%%): %v", 100*(1-real.Success), 100*(1-floor.Success), append(real.Errors, floor.Errors...))
	}
	ratio := real.Throughput / floor.Throughput
	name := "plans page, new visitors (no cookies, a connection each)"
	return []result{
		{Measure: name + ": requests/s, 50 clients", Store: "SQLite", Value: round(real.Throughput, 0), Unit: "req/s",
			Floor: round(floor.Throughput, 0), Ratio: ratio, Target: "≥ 0.5 × floor", Holds: holds(ok && ratio >= 0.5), Note: note},
		{Measure: name + ": p50 latency", Store: "SQLite", Value: ms(real.Latencies.P50), Unit: "ms", Floor: ms(floor.Latencies.P50)},
		{Measure: name + ": p99 latency", Store: "SQLite", Value: ms(real.Latencies.P99), Unit: "ms", Floor: ms(floor.Latencies.P99),
			Target: "≤ 25 ms", Holds: holds(ok && real.Latencies.P99 <= 25*time.Millisecond)},
	}, nil
}

// visitorNonce requests u as a new visitor and returns the nonce cookie
// the answer sets.
func visitorNonce(u string) (string, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(u)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "rtcbill_csrf") {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("%s set a new visitor no nonce cookie", u)
}

// attackNew loads u with 50 clients as fast as they go for d, each
// request on a new connection and without cookies (vegeta keeps none).
func attackNew(u string, header http.Header, d time.Duration) vegeta.Metrics {
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: u, Header: header})
	a := vegeta.NewAttacker(vegeta.Workers(50), vegeta.MaxWorkers(50), vegeta.KeepAlive(false))
	var m vegeta.Metrics
	for r := range a.Attack(tr, vegeta.Rate{Freq: 0}, d, u) {
		m.Add(r)
	}
	m.Close()
	return m
}

// attackAt loads u at rate requests a second for d over keep-alive
// connections, as many at once as the answers take (up to 100).
func attackAt(u string, header http.Header, rate int, d time.Duration) vegeta.Metrics {
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: u, Header: header})
	a := vegeta.NewAttacker(vegeta.Workers(4), vegeta.MaxWorkers(100), vegeta.Connections(100), vegeta.MaxConnections(100),
		vegeta.KeepAlive(true), vegeta.Timeout(10*time.Second))
	var m vegeta.Metrics
	for r := range a.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, u) {
		m.Add(r)
	}
	m.Close()
	return m
}
