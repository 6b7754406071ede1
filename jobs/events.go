package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"rtcbill/domain"
	"rtcbill/webhooks"
)

// The jobs of events and webhooks:
//   - alert_scan (periodic, at start and every minute): the time-driven
//     events, package.expiring and package.expired (db ScanAlerts);
//   - webhook_dispatch (periodic, every second): a webhook_deliver job for
//     each delivery whose next attempt is due;
//   - webhook_deliver: one attempt of one delivery, recorded in the
//     delivery log, with the next attempt planned on failure.
//
// The schedule of attempts lives in the store (webhook_deliveries), not in
// River's retries: River moves retried jobs on at 5-second ticks, which
// would stretch the ±5 s of the schedule; the dispatcher's tick is a
// second. A delivery job that River itself retries (the store failed) or
// rescues (its server died) makes the same attempt again: receivers
// deduplicate by event id (at least once).

type alertScanArgs struct{}

func (alertScanArgs) Kind() string { return "alert_scan" }

type alertScanWorker struct {
	river.WorkerDefaults[alertScanArgs]
	cfg Config
}

func (w *alertScanWorker) Work(ctx context.Context, job *river.Job[alertScanArgs]) error {
	n, err := w.cfg.Store.ScanAlerts(ctx, w.cfg.Now())
	if n > 0 {
		w.cfg.Logger.Info("wrote the events of expiring and expired packages", "events", n)
	}
	return err
}

type dispatchArgs struct{}

func (dispatchArgs) Kind() string { return "webhook_dispatch" }

type dispatchWorker struct {
	river.WorkerDefaults[dispatchArgs]
	cfg Config
}

// dispatchBatch is how many due deliveries one dispatch queues.
const dispatchBatch = 200

// Work queues a job for each due delivery, then marks it queued; a job
// queued twice (a crash between the two) is one job: each is unique by
// its delivery and attempt.
func (w *dispatchWorker) Work(ctx context.Context, job *river.Job[dispatchArgs]) error {
	due, err := w.cfg.Store.DueDeliveries(ctx, w.cfg.Now(), dispatchBatch)
	if err != nil || len(due) == 0 {
		return err
	}
	client := river.ClientFromContext[*sql.Tx](ctx)
	for _, d := range due {
		if _, err := client.Insert(ctx, deliverArgs{WebhookID: d.WebhookID, EventID: d.EventID, Attempt: d.Attempts + 1},
			&river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return fmt.Errorf("jobs: unable to queue a delivery: %w", err)
		}
		if _, err := w.cfg.Store.MarkDeliveryQueued(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

type deliverArgs struct {
	WebhookID int64  `json:"webhook_id"`
	EventID   string `json:"event_id"`
	Attempt   int    `json:"attempt"`
}

func (deliverArgs) Kind() string { return "webhook_deliver" }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	cfg    Config
	sender *webhooks.Sender
}

// Timeout leaves the attempt its 10 seconds and the store its writes.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return webhooks.AttemptTimeout + 20*time.Second
}

// Work makes one attempt: it posts the event signed, and records the
// outcome with the next attempt, base × 2^(n−1) ± jitter after attempt n
// of the round, up to MaxAttempts.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	a := job.Args
	d, hook, secret, event, err := w.cfg.Store.DeliveryTarget(ctx, a.WebhookID, a.EventID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil // the webhook was deleted
	}
	if err != nil {
		return err
	}
	if d.Attempts+1 != a.Attempt {
		return nil // that attempt was made
	}
	body, err := webhooks.Body(event)
	if err != nil {
		return river.JobCancel(err)
	}
	at := w.cfg.Now()
	res := w.sender.Send(ctx, hook.URL, secret, event.ID, at, body)
	line := domain.Attempt{WebhookID: a.WebhookID, EventID: a.EventID, Attempt: a.Attempt, StatusCode: res.StatusCode,
		Error: res.Error, Response: res.Response, At: at}
	state := domain.DeliveryDelivered
	if !res.Delivered() {
		state = domain.DeliveryFailed
		if n := a.Attempt - d.RoundStart; n < webhooks.MaxAttempts {
			state = domain.DeliveryPending
			line.NextAttemptAt = at.Add(webhooks.Delay(w.cfg.WebhookRetryBase, w.cfg.WebhookRetryJitter, n))
		}
	}
	_, err = w.cfg.Store.RecordAttempt(ctx, line, state)
	return err
}
