package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"rtcbill/db"
	"rtcbill/handlers"
	"rtcbill/jobs"
)

// serveCommand runs "rtcbill serve", the default command: the console, its
// JSON API and the background close, until SIGINT or SIGTERM; then it
// finishes the requests in flight and stops.
func serveCommand(args []string, logger *slog.Logger) error {
	fs := newFlags("serve", "rtcbill serve: run the console and its JSON API.")
	addr := fs.String("addr", envOr("RTCBILL_ADDR", "127.0.0.1:8080"), "listen address (env RTCBILL_ADDR)")
	path := dbFlag(fs, "a missing file is created on first start")
	closeGrace := closeGraceFlag(fs)
	idleTimeout := idleTimeoutFlag(fs)
	options := addServeOptions(fs)
	hooks := addWebhookOptions(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	retryBase, err := hooks.base()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
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
	sender, smtp, err := options.mail(base)
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
	jobsCfg := jobs.Config{Store: store, Logger: logger, Now: time.Now, WebhookAllowHosts: hooks.allow, WebhookRetryBase: retryBase}
	if sender != nil {
		store.SetSendsMail(true)
		jobsCfg.Mailer, jobsCfg.BaseURL = sender, base
		logger.Info("e-mail is sent", "smtp", smtp.String(), "from", *options.mailFrom)
	} else {
		logger.Info("RTCBILL_SMTP_URL is unset: no e-mail is sent; alerts are in the notifications only")
	}
	// The monthly close runs as a job in the background, at start and then
	// every minute: the server answers at once whatever there is to close.
	sched, err := jobs.Start(ctx, jobsCfg)
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
		Addr: *addr, Limits: lim.Limits, TrustedProxies: lim.TrustedProxies, Context: ctx, WebhookAllowHosts: hooks.allow})
	handlers.Timeouts(e.Server)

	go sweepWebSessions(ctx, store, logger)

	errc := make(chan error, 1)
	go func() {
		logger.Info("rtcbill serving", "addr", *addr, "db", shown(*path))
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
