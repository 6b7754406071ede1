// Command rtcbill is the billing console of a real-time audio/video
// service. main.go only wires: flags and environment, the database, the
// handlers, the server and its shutdown.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/handlers"
	"rtcbill/views"
)

const usage = `rtcbill — the billing console of a real-time audio/video service

Usage:
  rtcbill [serve] [--addr ADDR] [--db FILE]     run the console (the default command)
  rtcbill bill --account ID --month YYYY-MM [--db FILE] [--json]
                                                print a monthly bill
  rtcbill COMMAND --help                        help on a command

Environment:
  RTCBILL_ADDR         listen address (default 127.0.0.1:8080)
  RTCBILL_DB           SQLite database file (default ./rtcbill.db, created on first start)
  RTCBILL_ADMIN_TOKEN  the staff API token; unset means no staff token exists
`

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := run(os.Args[1:], os.Stdout, logger); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rtcbill:", err)
			os.Exit(1)
		}
	}
}

func run(args []string, stdout io.Writer, logger *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, logger)
	case "bill":
		return printBill(args, stdout)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newFlags(name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", summary)
		fs.PrintDefaults()
	}
	return fs
}

func serve(args []string, logger *slog.Logger) error {
	fs := newFlags("serve", "rtcbill serve: run the console and its JSON API.")
	addr := fs.String("addr", envOr("RTCBILL_ADDR", "127.0.0.1:8080"), "listen address (env RTCBILL_ADDR)")
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file, created on first start (env RTCBILL_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	token := os.Getenv("RTCBILL_ADMIN_TOKEN")
	if token == "" {
		logger.Warn("RTCBILL_ADMIN_TOKEN is unset: no staff token exists, staff API calls answer 401")
	}
	e := handlers.New(handlers.Config{Store: store, AdminToken: token, Now: time.Now, Logger: logger})
	e.Server.ReadHeaderTimeout = 10 * time.Second

	errc := make(chan error, 1)
	go func() {
		logger.Info("rtcbill serving", "addr", *addr, "db", *path)
		errc <- e.Start(*addr)
	}()
	select {
	case err := <-errc:
		store.Close()
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", "error", err)
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("closing the database: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func printBill(args []string, stdout io.Writer) error {
	fs := newFlags("bill", "rtcbill bill: print an account's bill for a month (an estimate while the month runs).")
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file (env RTCBILL_DB)")
	account := fs.Int64("account", 0, "account id (required)")
	monthArg := fs.String("month", "", "month YYYY-MM, CST (required)")
	asJSON := fs.Bool("json", false, "print the bill as the API's JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *account <= 0 {
		return errors.New("bill: --account is required")
	}
	month, err := billing.ParseMonth(*monthArg)
	if err != nil {
		return fmt.Errorf("bill: --month must be YYYY-MM, not %q", *monthArg)
	}
	if _, err := os.Stat(*path); err != nil {
		return fmt.Errorf("bill: database %s: %w", *path, err)
	}
	ctx := context.Background()
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	b, err := store.Bill(ctx, *account, month, time.Now())
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("bill: no account %d in %s", *account, *path)
	}
	if err != nil {
		return err
	}
	j := handlers.ToBillJSON(*account, b)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	return writeBillText(stdout, j)
}

func writeBillText(out io.Writer, j handlers.BillJSON) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	n := views.Int
	fmt.Fprintf(w, "Bill of account %d for %s\t%s\n", j.AccountID, j.Month, j.Status)
	fmt.Fprintf(w, "Issued on\t%s\t\nCharged by\t%s\t\n\t\t\n", j.IssueDate, j.ChargeBy)
	fmt.Fprintf(w, "Usage\t%s min\t(%s s)\n", n(j.UsageMinutes), n(j.UsageSeconds))
	for _, d := range j.Deductions {
		fmt.Fprintf(w, "  from package %d (%s)\t-%s min\n", d.PackageID, d.Plan, n(d.Minutes))
	}
	fmt.Fprintf(w, "Overage\t%s min\t%s CNY\n", n(j.OverageMinutes), j.OverageFee)
	fmt.Fprintf(w, "Refused (service closed)\t%s min\n", n(j.RefusedMinutes))
	for _, x := range j.Expired {
		fmt.Fprintf(w, "Cleared at expiry, package %d (%s, %s)\t%s min\n", x.PackageID, x.Plan, x.ExpiresOn, n(x.Minutes))
	}
	for _, p := range j.Purchases {
		fmt.Fprintf(w, "Bought %s (order %s, prepaid)\t\t%s CNY\n", p.Plan, p.OrderID, p.Price)
	}
	for _, a := range j.Apps {
		fmt.Fprintf(w, "Application %d\t%s min\t(%s s)\n", a.SDKAppID, n(a.Minutes), n(a.Seconds))
	}
	fmt.Fprintf(w, "\t\t\nAmount due\t\t%s CNY\n", j.AmountDue)
	return w.Flush()
}
