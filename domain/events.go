package domain

import (
	"encoding/json"
	"slices"
	"time"
)

// The types of the events an account's changes make (docs/api.md,
// "Alerts, events and webhooks").
const (
	EventLowBalance      = "package.low_balance"
	EventExhausted       = "package.exhausted"
	EventExpiring        = "package.expiring"
	EventExpired         = "package.expired"
	EventOverageStarted  = "account.overage_started"
	EventServiceClosed   = "account.service_closed"
	EventServiceRestored = "account.service_restored"
	EventPurchase        = "purchase.completed"
	EventBillIssued      = "bill.issued"
)

// EventTypes lists every event type, in the order the API documents them.
var EventTypes = []string{
	EventLowBalance, EventExhausted, EventExpiring, EventExpired, EventOverageStarted,
	EventServiceClosed, EventServiceRestored, EventPurchase, EventBillIssued,
}

// IsEventType reports whether t names an event type.
func IsEventType(t string) bool { return slices.Contains(EventTypes, t) }

// Event is something that happened to an account, stored in the same
// transaction as its cause. Seq orders an account's events; ID is what the
// API and the webhooks name it by ("evt_…").
type Event struct {
	Seq       int64
	ID        string
	AccountID int64
	Type      string
	CreatedAt time.Time
	Data      json.RawMessage
}

// Events pages: at most MaxEventsPage, DefaultEventsPage unless asked.
const (
	DefaultEventsPage = 100
	MaxEventsPage     = 1000
)

// AlertSettings is an account's choice of alerts: the remaining-minutes
// thresholds of package.low_balance, in % of a package's minutes, highest
// first (none: no low-balance alerts), and how many days before its expiry
// a package with minutes left makes a package.expiring.
type AlertSettings struct {
	LowBalancePct []int
	ExpiringDays  int
	// Language is the language of the alerts mailed to the account's
	// e-mail (domain.Langs): its sign-up's until changed. Empty in a
	// change keeps it as it is.
	Language string
}

// DefaultAlertSettings hold for an account that never chose.
func DefaultAlertSettings() AlertSettings {
	return AlertSettings{LowBalancePct: []int{20}, ExpiringDays: 30}
}

// The bounds of AlertSettings.
const (
	MaxLowBalanceThresholds = 5
	MinExpiringDays         = 1
	MaxExpiringDays         = 90
)

// CheckAlertSettings validates settings and sorts the thresholds highest
// first: each 1–99, at most 5, no repeats; days 1–90; the language, when
// given, one of Langs.
func CheckAlertSettings(s AlertSettings) (AlertSettings, error) {
	if len(s.LowBalancePct) > MaxLowBalanceThresholds {
		return s, Invalid("low_balance_pct", "holds %d thresholds, at most %d are allowed", len(s.LowBalancePct), MaxLowBalanceThresholds)
	}
	out := AlertSettings{LowBalancePct: make([]int, 0, len(s.LowBalancePct)), ExpiringDays: s.ExpiringDays}
	for _, p := range s.LowBalancePct {
		if p < 1 || p > 99 {
			return s, Invalid("low_balance_pct", "%d is not a percentage from 1 to 99", p)
		}
		if slices.Contains(out.LowBalancePct, p) {
			return s, Invalid("low_balance_pct", "%d is given twice", p)
		}
		out.LowBalancePct = append(out.LowBalancePct, p)
	}
	if s.ExpiringDays < MinExpiringDays || s.ExpiringDays > MaxExpiringDays {
		return s, Invalid("expiring_days", "%d is not a number of days from %d to %d", s.ExpiringDays, MinExpiringDays, MaxExpiringDays)
	}
	if s.Language != "" {
		lang, err := CleanLang("language", s.Language)
		if err != nil {
			return s, err
		}
		out.Language = lang
	}
	slices.Sort(out.LowBalancePct)
	slices.Reverse(out.LowBalancePct)
	return out, nil
}

// Webhook is where an account's events are posted. Events lists the
// types it receives; empty means every type. The secret is shown once,
// when it is created, and never again.
type Webhook struct {
	ID        int64
	AccountID int64
	URL       string
	Events    []string
	CreatedAt time.Time
}

// Receives reports whether the webhook takes events of type t.
func (w Webhook) Receives(t string) bool { return len(w.Events) == 0 || slices.Contains(w.Events, t) }

// MaxWebhooks is how many webhooks an account may have.
const MaxWebhooks = 10

// QuotaWebhooks is the quota of webhooks per account.
const QuotaWebhooks Quota = "webhooks"

// The states of a delivery of an event to a webhook.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryQueued    = "queued"    // a job is on its way to attempt it
	DeliveryDelivered = "delivered" // a 2xx answer came
	DeliveryFailed    = "failed"    // every attempt failed
)

// Delivery is the work of posting one event to one webhook.
type Delivery struct {
	WebhookID int64
	EventID   string
	State     string
	// Attempts made so far, and of them those made before the last retry
	// asked for by hand: the schedule counts from there.
	Attempts, RoundStart int
	NextAttemptAt        time.Time // zero when none is planned
}

// Attempt is one line of a webhook's delivery log.
type Attempt struct {
	WebhookID     int64
	EventID       string
	Attempt       int
	StatusCode    int    // 0 when no answer came
	Error         string // "" when delivered
	Response      string // at most the answer's first 1 KB
	At            time.Time
	NextAttemptAt time.Time // zero when no retry is planned
}
