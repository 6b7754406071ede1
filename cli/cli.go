// Package cli is rtcbill's command line: Run picks the command, and each
// command, in a file of its own, reads its flags and environment, opens the
// database and hands over to the store, the server or the demo loader.
package cli

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"rtcbill/billing"
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
  rtcbill copy --from FILE --to postgres://…    move a SQLite database into a new, empty PostgreSQL database, verified
  rtcbill COMMAND --help                        help on a command

Environment:
  RTCBILL_ADDR         listen address (default 127.0.0.1:8080)
  RTCBILL_DB           SQLite file path or postgres:// URL (default ./rtcbill.db, a file created on first start)
  RTCBILL_ADMIN_TOKEN  the staff API token, at least 32 characters; unset means no staff token exists
  RTCBILL_SECURE_COOKIES  1 marks the console's cookies Secure, with __Host- names (set it behind TLS)
  RTCBILL_BASE_URL     the console's public address, e.g. https://billing.example.com
  RTCBILL_IDLE_TIMEOUT a sign-in ends after this long without a request (default 2h)
  RTCBILL_TRUSTED_PROXIES, and the rate limits and quotas: rtcbill serve --help
`

// Run runs the command named by args[0] (serve when args is empty or
// starts with a flag) with the rest of args. The user command reads the
// password from os.Stdin; import draws its progress bar on stderr. A
// command asked for --help returns flag.ErrHelp.
func Run(args []string, stdout, stderr io.Writer, logger *slog.Logger) error {
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
		return serveCommand(args, logger)
	case "bill":
		return billCommand(args, stdout)
	case "user":
		return userCommand(args, os.Stdin, stdout)
	case "close":
		return closeCommand(args, stdout)
	case "demo":
		return demoCommand(args, stdout)
	case "import":
		return importCommand(args, stdout, stderr)
	case "backup":
		return backupCommand(args, stdout)
	case "copy":
		return copyCommand(args, stdout, stderr)
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

// dbFlag is --db (env RTCBILL_DB, default ./rtcbill.db): what db.Open
// opens, a SQLite file path or a postgres:// URL; more says what the
// command does with it, if anything.
func dbFlag(fs *flag.FlagSet, more string) *string {
	help := "SQLite file path or postgres:// URL (env RTCBILL_DB)"
	if more != "" {
		help += "; " + more
	}
	return fs.String("db", envOr("RTCBILL_DB", "./rtcbill.db"), help)
}

// isDatabaseURL reports whether a --db value is a PostgreSQL URL rather
// than a SQLite file path.
func isDatabaseURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// databaseExists refuses a --db file that does not exist, for the commands
// that read one: db.Open would create it empty. A URL names a database on a
// server, which db.Open checks when it connects.
func databaseExists(cmd, dsn string) error {
	if isDatabaseURL(dsn) {
		return nil
	}
	if _, err := os.Stat(dsn); err != nil {
		return fmt.Errorf("%s: database %s: %w", cmd, dsn, err)
	}
	return nil
}

// shown is a --db value as messages and logs may show it: a URL without
// its password, a file path as it is.
func shown(dsn string) string {
	if !isDatabaseURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL database" // an unparsable URL may hold a password anywhere
	}
	return u.Redacted()
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
