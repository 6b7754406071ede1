// Package jobs runs the server's background work as jobs of a queue,
// github.com/riverqueue/river, in the console's own database (its SQLite
// driver, or on PostgreSQL its database/sql driver): the scheduled
// monthly close, the time-driven events, the webhooks' deliveries
// (events.go) and the e-mails (mail.go). River elects one leader among the servers that share
// a database, and only the leader enqueues periodic jobs, so each runs on
// one server at a time; a job that fails is retried with backoff; a job
// lost with a killed server is rescued and run again. Every job here is
// idempotent: running one twice stores nothing twice.
//
// Why River on SQLite: its SQLite driver queues and fetches through a pool
// of its own next to the store's single writer, ordered by SQLite's write
// lock. Measured on a 2-core machine, 1,000-row insert batches ran at
// 0.95–1.10× their rate without River while it ran a job a second, with no
// busy errors (README, "Background jobs").
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/webhooks"
)

// CloseJob names the monthly close in the store's job_state: its state is
// the month through which every account's bills are stored.
const CloseJob = "close_months"

// CloseBatchSize is how many accounts one close job takes: each account is
// its own short write, and a batch stays well inside a job's timeout.
const CloseBatchSize = 500

// Config is what the scheduler needs.
type Config struct {
	Store  db.Store
	Logger *slog.Logger
	Now    func() time.Time
	// Every is how often the leader looks for months to close (default a
	// minute); PollInterval how often a server looks for jobs to run
	// (default a second). Tests shorten both.
	Every        time.Duration
	PollInterval time.Duration
	// WebhookAllowHosts, WebhookRetryBase and WebhookRetryJitter are the
	// webhooks' allow-list (RTCBILL_WEBHOOK_ALLOW_HOSTS) and the schedule
	// of their retries: base × 2^(attempt−1) ± jitter (defaults 30 s and
	// 5 s); DispatchEvery is how often due deliveries are queued (default
	// a second).
	WebhookAllowHosts  webhooks.AllowList
	WebhookRetryBase   time.Duration
	WebhookRetryJitter time.Duration
	DispatchEvery      time.Duration
	// Mailer sends the mails the store queues, when SMTP is configured
	// (nil: no mail job runs); BaseURL is the console's public address,
	// which their links name.
	Mailer  MailSender
	BaseURL string
}

// Scheduler is the running job queue of one server.
type Scheduler struct {
	client *river.Client[*sql.Tx]
	pool   *sql.DB
}

// closeMonthsArgs is the periodic job: is there a month to close?
type closeMonthsArgs struct{}

func (closeMonthsArgs) Kind() string { return "close_months" }

// closeBatchArgs closes the accounts after After through Month, and queues
// the next batch until no account is left.
type closeBatchArgs struct {
	Month string `json:"month"`
	After int64  `json:"after"`
}

func (closeBatchArgs) Kind() string { return "close_batch" }

type closeMonthsWorker struct {
	river.WorkerDefaults[closeMonthsArgs]
	cfg Config
}

// Work starts a chain of close batches for the newest month whose close
// grace has passed, unless every account is closed through it already. A
// chain is unique by its month and start, so the leader of the next minute
// does not start it again while it runs.
func (w *closeMonthsWorker) Work(ctx context.Context, job *river.Job[closeMonthsArgs]) error {
	through := billing.ClosableThrough(w.cfg.Now(), w.cfg.Store.CloseGrace())
	state, err := w.cfg.Store.JobState(ctx, CloseJob)
	if err != nil {
		return err
	}
	if done, err := billing.ParseMonth(state); err == nil && !done.Before(through) {
		return nil
	}
	client := river.ClientFromContext[*sql.Tx](ctx)
	_, err = client.Insert(ctx, closeBatchArgs{Month: through.String()}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

type closeBatchWorker struct {
	river.WorkerDefaults[closeBatchArgs]
	cfg Config
}

func (w *closeBatchWorker) Work(ctx context.Context, job *river.Job[closeBatchArgs]) error {
	month, err := billing.ParseMonth(job.Args.Month)
	if err != nil {
		return river.JobCancel(fmt.Errorf("jobs: close batch of month %q: %w", job.Args.Month, err))
	}
	start := time.Now()
	last, issued, err := w.cfg.Store.CloseBatch(ctx, month, job.Args.After, CloseBatchSize, w.cfg.Now())
	if err != nil {
		return err
	}
	if issued > 0 {
		w.cfg.Logger.Info("stored the bills of ended months", "through", month.String(), "bills", issued,
			"accounts_after", job.Args.After, "took", time.Since(start).Round(time.Millisecond))
	}
	if last == 0 {
		return w.cfg.Store.SetJobState(ctx, CloseJob, month.String(), w.cfg.Now())
	}
	client := river.ClientFromContext[*sql.Tx](ctx)
	_, err = client.Insert(ctx, closeBatchArgs{Month: month.String(), After: last}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// Start migrates the job queue's tables and starts it. It returns at once:
// the first look for months to close runs in the background, so a server
// answers while months close.
func Start(ctx context.Context, cfg Config) (*Scheduler, error) {
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookRetryBase <= 0 {
		cfg.WebhookRetryBase = webhooks.DefaultRetryBase
	}
	if cfg.WebhookRetryJitter < 0 {
		cfg.WebhookRetryJitter = 0
	} else if cfg.WebhookRetryJitter == 0 {
		cfg.WebhookRetryJitter = webhooks.DefaultJitter
	}
	if cfg.DispatchEvery <= 0 {
		cfg.DispatchEvery = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pool, err := cfg.Store.OpenJobPool()
	if err != nil {
		return nil, err
	}
	var driver riverdriver.Driver[*sql.Tx]
	if cfg.Store.Dialect() == "postgres" {
		driver = riverdatabasesql.New(pool)
	} else {
		driver = riversqlite.New(pool)
	}
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := migrateQueue(ctx, cfg.Store.Dialect(), pool, migrator); err != nil {
		pool.Close()
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &closeMonthsWorker{cfg: cfg})
	river.AddWorker(workers, &closeBatchWorker{cfg: cfg})
	river.AddWorker(workers, &alertScanWorker{cfg: cfg})
	river.AddWorker(workers, &dispatchWorker{cfg: cfg})
	river.AddWorker(workers, &deliverWorker{cfg: cfg, sender: webhooks.NewSender(cfg.WebhookAllowHosts)})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(cfg.Every),
			func() (river.JobArgs, *river.InsertOpts) { return closeMonthsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(cfg.Every),
			func() (river.JobArgs, *river.InsertOpts) { return alertScanArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(cfg.DispatchEvery),
			func() (river.JobArgs, *river.InsertOpts) { return dispatchArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
	if cfg.Mailer != nil {
		river.AddWorker(workers, &mailDispatchWorker{cfg: cfg})
		river.AddWorker(workers, &mailDeliverWorker{cfg: cfg})
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cfg.DispatchEvery),
			func() (river.JobArgs, *river.InsertOpts) { return mailDispatchArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	client, err := river.NewClient(driver, &river.Config{
		Logger: quiet(cfg.Logger),
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		// A dispatch a second: keep finished jobs an hour, not a day.
		CompletedJobRetentionPeriod: time.Hour,
		Workers:                     workers,
		FetchPollInterval:           cfg.PollInterval,
		JobTimeout:                  5 * time.Minute,
		PeriodicJobs:                periodic,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobs: unable to start the job queue: %w", err)
	}
	return &Scheduler{client: client, pool: pool}, nil
}

// migrationLock1 and migrationLock2 are the keys of the PostgreSQL advisory
// lock held while the job queue's tables are migrated: the two-key form, a
// space apart from the store's one-key locks (accounts, its migrations).
const migrationLock1, migrationLock2 = 7_262_001, 2

// migrateQueue applies River's migrations. River takes no lock of its own:
// two servers starting together on one PostgreSQL database would both
// create its tables, and the second would fail; so there the migration
// runs under an advisory lock, and the second server finds it done.
func migrateQueue(ctx context.Context, dialect string, pool *sql.DB, migrator *rivermigrate.Migrator[*sql.Tx]) error {
	if dialect == "postgres" {
		conn, err := pool.Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: unable to reserve a connection to migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, $2)`, migrationLock1, migrationLock2); err != nil {
			return fmt.Errorf("jobs: unable to take the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, migrationLock1, migrationLock2)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: unable to migrate the job queue's tables: %w", err)
	}
	return nil
}

// Stop lets the jobs in progress finish (until ctx ends) and closes the
// queue's pool.
func (s *Scheduler) Stop(ctx context.Context) error {
	err := s.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.client.StopAndCancel(context.Background())
	}
	return errors.Join(err, s.pool.Close())
}

// quiet passes on River's warnings and errors, not its routine info lines.
func quiet(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slog.New(levelHandler{l.Handler()})
}

type levelHandler struct{ slog.Handler }

func (h levelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && h.Handler.Enabled(ctx, level)
}

func (h levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelHandler{h.Handler.WithAttrs(attrs)}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{h.Handler.WithGroup(name)}
}
