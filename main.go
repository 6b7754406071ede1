// Command rtcbill is the billing console of a real-time audio/video
// service. main.go only wires: flags and environment, the database, the
// handlers, the server and its shutdown.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/schollz/progressbar/v3"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/demo"
	"rtcbill/domain"
	"rtcbill/handlers"
	"rtcbill/jobs"
	"rtcbill/views"
)

const usage = `rtcbill — the billing console of a real-time audio/video service

Usage:
  rtcbill [serve] [--addr ADDR] [--db FILE]     run the console (the default command)
  rtcbill bill --account ID --month YYYY-MM [--db FILE] [--json]
                                                print a monthly bill
  rtcbill user add --email E --role ROLE [--account ID] [--db FILE]
                                                add a console user; the password is read
                                                from the terminal or the first line of stdin
  rtcbill close --month YYYY-MM [--db FILE]     issue every account's bills up to that month (the monthly close)
  rtcbill demo [--db FILE]                      load the demo accounts (running it again changes nothing)
  rtcbill import --app SDKAPPID [--db FILE] sessions.csv
                                                import finished sessions from a CSV file, all or nothing
  rtcbill backup --to FILE [--db FILE]          write a consistent copy of the database, also while serving
  rtcbill COMMAND --help                        help on a command

Environment:
  RTCBILL_ADDR         listen address (default 127.0.0.1:8080)
  RTCBILL_DB           SQLite database file (default ./rtcbill.db, created on first start)
  RTCBILL_ADMIN_TOKEN  the staff API token, at least 32 characters; unset means no staff token exists
  RTCBILL_SECURE_COOKIES  1 marks the console's cookies Secure, with __Host- names (set it behind TLS)
  RTCBILL_BASE_URL     the console's public address, e.g. https://billing.example.com
  RTCBILL_IDLE_TIMEOUT a sign-in ends after this long without a request (default 2h)
  RTCBILL_TRUSTED_PROXIES, and the rate limits and quotas: rtcbill serve --help
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
	case "user":
		return userCommand(args, os.Stdin, stdout)
	case "close":
		return closeCommand(args, stdout)
	case "demo":
		return demoCommand(args, stdout)
	case "import":
		return importCommand(args, stdout, os.Stderr)
	case "backup":
		return backupCommand(args, stdout)
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

// idleTimeoutFlag is --idle-timeout (env RTCBILL_IDLE_TIMEOUT): a sign-in
// ends after this long without a request. The returned function gives the
// value after parsing, or why the variable or flag cannot be used.
func idleTimeoutFlag(fs *flag.FlagSet) func() (time.Duration, error) {
	env := os.Getenv("RTCBILL_IDLE_TIMEOUT")
	d := fs.Duration("idle-timeout", handlers.DefaultIdleTimeout, "a sign-in ends after this long without a request, e.g. 2h, 30m (env RTCBILL_IDLE_TIMEOUT)")
	return func() (time.Duration, error) {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "idle-timeout" })
		if !set && env != "" {
			v, err := time.ParseDuration(env)
			if err != nil {
				return 0, fmt.Errorf("RTCBILL_IDLE_TIMEOUT=%q is not a duration such as 2h or 30m", env)
			}
			*d = v
		}
		if *d < 10*time.Minute || *d > 12*time.Hour {
			return 0, fmt.Errorf("the idle timeout %s must be from 10m to 12h, the longest a sign-in lasts", *d)
		}
		return *d, nil
	}
}

// baseURL is --base-url (env RTCBILL_BASE_URL), the console's public
// address: an https one makes every cookie Secure, a browser's form must
// come from it, and the pages' examples name it.
func baseURL(v string) (string, error) {
	v = strings.TrimRight(strings.TrimSpace(v), "/")
	if v == "" {
		return "", nil
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--base-url (RTCBILL_BASE_URL) %q is not an address such as https://billing.example.com", v)
	}
	return v, nil
}

// closeGraceFlag is --close-grace (env RTCBILL_CLOSE_GRACE): how long after
// a month's end its bill waits before it is stored, so that usage reported
// a little late still lands on its own month. The returned function gives
// the value after parsing, or why the variable or flag cannot be used.
func closeGraceFlag(fs *flag.FlagSet) func() (time.Duration, error) {
	env := os.Getenv("RTCBILL_CLOSE_GRACE")
	d := fs.Duration("close-grace", billing.DefaultCloseGrace, "wait after a month's end before its bill is stored, e.g. 1h, 90m (env RTCBILL_CLOSE_GRACE)")
	return func() (time.Duration, error) {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "close-grace" })
		if !set && env != "" {
			v, err := time.ParseDuration(env)
			if err != nil {
				return 0, fmt.Errorf("RTCBILL_CLOSE_GRACE=%q is not a duration such as 1h or 30m", env)
			}
			*d = v
		}
		if *d < 0 {
			return 0, fmt.Errorf("the close grace %s must not be negative", *d)
		}
		return *d, nil
	}
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
	closeGrace := closeGraceFlag(fs)
	idleTimeout := idleTimeoutFlag(fs)
	options := addServeOptions(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	lim, err := options.limits()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	grace, err := closeGrace()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	idle, err := idleTimeout()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	base, err := baseURL(*options.baseURL)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	store.SetCloseGrace(grace)
	// The monthly close runs as a job in the background, at start and then
	// every minute: the server answers at once whatever there is to close.
	sched, err := jobs.Start(ctx, jobs.Config{Store: store, Logger: logger, Now: time.Now})
	if err != nil {
		store.Close()
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sched.Stop(stopCtx); err != nil {
			logger.Error("stopping the job queue", "error", err)
		}
	}()
	token := os.Getenv("RTCBILL_ADMIN_TOKEN")
	if token == "" {
		logger.Warn("RTCBILL_ADMIN_TOKEN is unset: no staff token exists, staff API calls answer 401")
	}
	e := handlers.New(handlers.Config{Store: store, AdminToken: token, Now: time.Now, Logger: logger,
		SecureCookies: os.Getenv("RTCBILL_SECURE_COOKIES") == "1", BaseURL: base, IdleTimeout: idle,
		Addr: *addr, Limits: lim.Limits, TrustedProxies: lim.TrustedProxies, Context: ctx})
	handlers.Timeouts(e.Server)

	go sweepWebSessions(ctx, store, logger)

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
	closeGrace := closeGraceFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	grace, err := closeGrace()
	if err != nil {
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
	store.SetCloseGrace(grace)
	b, err := store.Bill(ctx, *account, month, time.Now())
	if errors.Is(err, domain.ErrNotFound) {
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

const userUsage = `rtcbill user: manage the console's users.

Usage:
  rtcbill user add --email E --role ROLE [--account ID] [--db FILE]

ROLE is customer (needs --account, the one account they reach), support,
sales or admin. The password is never taken from the command line: it is
asked twice on the terminal, without echo, or read from the first line of
stdin when stdin is not a terminal:

  rtcbill user add --email ops@example.com --role admin            (asks on the terminal)
  rtcbill user add --email ops@example.com --role admin < pw.txt   (first line of a file)
`

// userCommand runs "rtcbill user add": it creates a user whose password
// comes from the terminal (asked twice, not echoed) or from the first line
// of stdin, never from argv, so it stays out of shell histories and ps.
func userCommand(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, userUsage)
		if len(args) == 0 {
			return errors.New("user: say what to do: rtcbill user add --email E --role ROLE")
		}
		return nil
	}
	if args[0] != "add" {
		return fmt.Errorf("user: unknown command %q: only \"add\" exists\n\n%s", args[0], userUsage)
	}
	fs := newFlags("user add", "rtcbill user add: add a console user; the password is read from the terminal or the first line of stdin.")
	fs.SetOutput(stdout)
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file, created if missing (env RTCBILL_DB)")
	email := fs.String("email", "", "the user's e-mail, their sign-in name (required)")
	roleArg := fs.String("role", "", "customer, support, sales or admin (required)")
	account := fs.Int64("account", 0, "the account a customer belongs to (customers only)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The stray argument is not echoed: it may be a password.
		return fmt.Errorf("user add: %d unexpected argument(s): the password is read from the terminal or stdin, never from the command line", fs.NArg())
	}
	if strings.TrimSpace(*email) == "" {
		return errors.New("user add: --email is required")
	}
	if *roleArg == "" {
		return errors.New("user add: --role is required: customer, support, sales or admin")
	}
	role, ok := domain.ParseRole(*roleArg)
	if !ok {
		return fmt.Errorf("user add: unknown role %q: customer, support, sales or admin", *roleArg)
	}
	if role == domain.RoleCustomer && *account <= 0 {
		return errors.New("user add: a customer needs --account ID, the account they belong to")
	}
	if role != domain.RoleCustomer && *account != 0 {
		return fmt.Errorf("user add: %s staff belong to no account: drop --account", role)
	}
	password, err := readPassword(stdin, stdout)
	if err != nil {
		return err
	}
	if p := domain.CheckPassword(password, *email); p != domain.PasswordOK {
		return fmt.Errorf("user add: the password is %s", p)
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.CreateUser(ctx, *email, password, role, *account, time.Now())
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return fmt.Errorf("user add: --%s %s", ve.Field, ve.Message)
	case errors.Is(err, domain.ErrEmailTaken):
		return fmt.Errorf("user add: %s already has a user", strings.TrimSpace(*email))
	case errors.Is(err, domain.ErrNotFound):
		return fmt.Errorf("user add: no account %d in %s", *account, *path)
	case err != nil:
		return err
	}
	if u.AccountID != 0 {
		fmt.Fprintf(stdout, "created %s %s (user %d, account %d)\n", u.Role, u.Email, u.ID, u.AccountID)
	} else {
		fmt.Fprintf(stdout, "created %s %s (user %d)\n", u.Role, u.Email, u.ID)
	}
	return nil
}

// readPassword asks for the password twice without echo when stdin is a
// terminal; otherwise it reads the first line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("user add: reading the password: %w", err)
		}
		fmt.Fprint(prompt, "Password again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("user add: reading the password: %w", err)
		}
		if string(first) != string(second) {
			return "", errors.New("user add: the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("user add: reading the password from stdin: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("user add: no password: type it at the prompt or give it as the first line of stdin")
	}
	return line, nil
}

// sweepWebSessions deletes expired sign-in sessions every hour until ctx ends.
func sweepWebSessions(ctx context.Context, store db.Store, logger *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if err := store.WebSessions().DeleteExpired(ctx, now); err != nil && ctx.Err() == nil {
				logger.Warn("sweeping expired web sessions", "error", err)
			}
		}
	}
}

func demoCommand(args []string, stdout io.Writer) error {
	fs := newFlags("demo", "rtcbill demo: load demo accounts that each tell a story, with months of sessions.\nRunning it again changes nothing.")
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file, created if missing (env RTCBILL_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q", fs.Arg(0))
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := demo.Load(ctx, store, time.Now())
	if err != nil {
		return err
	}
	if res.AlreadyLoaded {
		fmt.Fprintln(stdout, "the demo accounts are already loaded: nothing changed")
		return nil
	}
	fmt.Fprintf(stdout, "loaded %d demo accounts with %d sessions\n", res.Accounts, res.Sessions)
	return nil
}

func importCommand(args []string, stdout, progressOut io.Writer) error {
	fs := newFlags("import", "rtcbill import: import an application's finished sessions from a CSV file with the header\n"+
		"session_id,room_id,user_id,joined_at,left_at (instants in RFC 3339). The whole file is one transaction:\n"+
		"one bad line stores nothing and the error names the line and the field. Sessions already stored are\n"+
		"counted as duplicates and skipped.\n\nUsage: rtcbill import --app SDKAPPID [--db FILE] sessions.csv")
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file (env RTCBILL_DB)")
	app := fs.Int64("app", 0, "the SDKAppID the sessions belong to (required)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *app <= 0 {
		return errors.New("import: --app is required")
	}
	if fs.NArg() != 1 {
		return errors.New("import: give exactly one CSV file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if _, err := os.Stat(*path); err != nil {
		return fmt.Errorf("import: database %s: %w", *path, err)
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	var progress func(int64)
	if !*quiet {
		bar := progressbar.NewOptions64(info.Size(),
			progressbar.OptionSetWriter(progressOut),
			progressbar.OptionSetDescription("importing "+fs.Arg(0)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
		progress = func(n int64) { bar.Set64(n) }
		defer bar.Finish()
	}
	res, err := store.ImportSessionsCSV(ctx, *app, f, time.Now(), progress)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(stdout, "imported %d sessions, %d duplicates skipped\n", res.Inserted, res.Duplicates)
	if res.ConflictCount > 0 {
		fmt.Fprintf(stdout, "%d lines contradict sessions already stored and were not stored:\n", res.ConflictCount)
		for _, c := range res.Conflicts {
			fmt.Fprintf(stdout, "  line %d: %s\n", c.Index, c.Reason)
		}
		if more := res.ConflictCount - len(res.Conflicts); more > 0 {
			fmt.Fprintf(stdout, "  and %d more\n", more)
		}
	}
	return nil
}

// backupCommand runs "rtcbill backup": an online copy of the database made
// with VACUUM INTO, safe while the server runs. Ctrl-C stops it and leaves
// no partial file.
func backupCommand(args []string, stdout io.Writer) error {
	fs := newFlags("backup", "rtcbill backup: write a consistent copy of the database to a new file (SQLite's VACUUM INTO).\n"+
		"It is safe while the server runs: the copy is one snapshot, and writes go on meanwhile.\n"+
		"The target must not exist. To restore, stop the server and put the copy in place of the\n"+
		"database file, removing the old file's -wal and -shm files (the README says how).\n\n"+
		"Usage: rtcbill backup --to FILE [--db FILE]")
	fs.SetOutput(stdout)
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file to copy (env RTCBILL_DB)")
	to := fs.String("to", "", "the backup file to write; it must not exist (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q: give the target with --to FILE", fs.Arg(0))
	}
	if *to == "" {
		return errors.New("backup: --to FILE is required")
	}
	if _, err := os.Stat(*path); err != nil {
		return fmt.Errorf("backup: database %s: %w", *path, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	if err := store.Backup(ctx, *to); err != nil {
		if errors.Is(err, domain.ErrBackupExists) {
			return fmt.Errorf("backup: %s already exists: a backup never overwrites a file, choose a new name", *to)
		}
		return fmt.Errorf("backup: %w", err)
	}
	info, err := os.Stat(*to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: a copy of %s, %s bytes (%.1f MiB), in %s\n",
		*to, *path, views.Int(info.Size()), float64(info.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

func closeCommand(args []string, stdout io.Writer) error {
	fs := newFlags("close", "rtcbill close: store every account's bills up to a month that has ended (the monthly close).\n"+
		"Stored bills never change; a month may be closed once its end plus the close grace has passed.\n"+
		"The server also closes every such month in the background, at start and every minute.")
	path := fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), "SQLite database file (env RTCBILL_DB)")
	monthArg := fs.String("month", "", "the last month to close, YYYY-MM (required)")
	closeGrace := closeGraceFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	grace, err := closeGrace()
	if err != nil {
		return err
	}
	month, err := billing.ParseMonth(*monthArg)
	if err != nil {
		return fmt.Errorf("close: --month must be YYYY-MM, not %q", *monthArg)
	}
	if _, err := os.Stat(*path); err != nil {
		return fmt.Errorf("close: database %s: %w", *path, err)
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	store.SetCloseGrace(grace)
	n, err := store.CloseMonth(ctx, month, time.Now())
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	fmt.Fprintf(stdout, "issued %d bills up to %s\n", n, month)
	return nil
}
