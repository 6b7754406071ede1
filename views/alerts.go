package views

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"rtcbill/billing"
	"rtcbill/domain"
)

// AlertsPage is an account's alert settings (提醒设置): the low-balance
// thresholds and how long before expiry a package is flagged.
type AlertsPage struct {
	Meta      Meta
	AccountID int64
	CanWrite  bool
	Action    string
	// Pcts and Days are the form's values: as stored, or as typed when
	// refused.
	Pcts      string
	Days      string
	PctsError LocalMsg
	DaysError LocalMsg
	Saved     bool
	// Mail is set when the console sends e-mail: alerts then go to the
	// account's e-mail too.
	Mail *AlertsMail
}

// AlertsMail is where an account's alerts are mailed, in which language.
type AlertsMail struct {
	Email string
	Lang  string
	// Demo accounts send no e-mail.
	Demo bool
}

// NewAlertsPage shows stored settings.
func NewAlertsPage(meta Meta, accountID int64, s domain.AlertSettings, canWrite bool) AlertsPage {
	pcts := make([]string, len(s.LowBalancePct))
	for i, p := range s.LowBalancePct {
		pcts[i] = strconv.Itoa(p)
	}
	return AlertsPage{Meta: meta, AccountID: accountID, CanWrite: canWrite, Action: AccountURL(accountID, "/alerts"),
		Pcts: strings.Join(pcts, ", "), Days: strconv.Itoa(s.ExpiringDays)}
}

// ParsePcts reads the thresholds as typed in the form: numbers separated
// by commas, spaces or 、; nothing turns them off. ok is false when a part
// is not a whole number.
func ParsePcts(s string) ([]int, bool) {
	out := []int{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '、' || r == '，' || r == '%' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// Reject keeps the typed values and says which field is wrong.
func (p *AlertsPage) Reject(pcts, days, field string) {
	p.Pcts, p.Days = pcts, days
	if field == "expiring_days" {
		p.DaysError = msg("alerts.error.days", "Min", domain.MinExpiringDays, "Max", domain.MaxExpiringDays)
	} else {
		p.PctsError = msg("alerts.error.pcts", "Max", domain.MaxLowBalanceThresholds)
	}
}

// NotificationsPage is an account's notifications (通知): its events,
// newest first, those the viewer has not read marked.
type NotificationsPage struct {
	Meta       Meta
	AccountID  int64
	Rows       []NotificationRow
	Unread     int
	ReadAction string
	// UpTo is the newest event shown: marking read goes up to it.
	UpTo string
}

// NotificationRow is one event as the console puts it into words.
type NotificationRow struct {
	ID     string
	Type   string
	Title  LocalMsg
	Detail LocalMsg
	When   string
	Unread bool
}

// NewNotificationsPage lists events (newest first); those after seen are
// unread.
func NewNotificationsPage(meta Meta, lang language.Tag, accountID int64, events []domain.Event, seen int64) NotificationsPage {
	p := NotificationsPage{Meta: meta, AccountID: accountID, ReadAction: AccountURL(accountID, "/notifications/read")}
	for i, e := range events {
		if i == 0 {
			p.UpTo = strconv.FormatInt(e.Seq, 10)
		}
		r := NotificationRow{ID: e.ID, Type: e.Type, Title: msg("notifications.type." + e.Type), When: DateTime(e.CreatedAt), Unread: e.Seq > seen}
		r.Detail = eventDetail(lang, e)
		if r.Unread {
			p.Unread++
		}
		p.Rows = append(p.Rows, r)
	}
	return p
}

// eventDetail puts an event's data into words.
func eventDetail(lang language.Tag, e domain.Event) LocalMsg {
	var d struct {
		OrderID          string `json:"order_id"`
		Plan             string `json:"plan"`
		ThresholdPct     int    `json:"threshold_pct"`
		RemainingMinutes int64  `json:"remaining_minutes"`
		IncludedMinutes  int64  `json:"included_minutes"`
		ExpiresOn        string `json:"expires_on"`
		ClearedMinutes   int64  `json:"cleared_minutes"`
		Month            string `json:"month"`
		At               string `json:"at"`
		AmountDue        string `json:"amount_due"`
		Price            string `json:"price"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return LocalMsg{}
	}
	plan := PlanNameByCode(lang, billing.PlanCode(d.Plan))
	at := d.At
	if t, err := billing.ParseInstant(d.At); err == nil {
		at = DateTime(t)
	}
	switch e.Type {
	case domain.EventLowBalance:
		return msg("notifications.detail.low_balance", "Order", d.OrderID, "Plan", plan, "Left", Int(d.RemainingMinutes),
			"Included", Int(d.IncludedMinutes), "Pct", d.ThresholdPct)
	case domain.EventExhausted:
		return msg("notifications.detail.exhausted", "Order", d.OrderID, "Plan", plan)
	case domain.EventExpiring:
		return msg("notifications.detail.expiring", "Order", d.OrderID, "Plan", plan, "Date", d.ExpiresOn, "Left", Int(d.RemainingMinutes))
	case domain.EventExpired:
		return msg("notifications.detail.expired", "Order", d.OrderID, "Plan", plan, "Date", d.ExpiresOn, "Cleared", Int(d.ClearedMinutes))
	case domain.EventOverageStarted:
		return msg("notifications.detail.overage_started", "Month", d.Month)
	case domain.EventServiceClosed, domain.EventServiceRestored:
		return msg("notifications.detail.at", "At", at)
	case domain.EventPurchase:
		return msg("notifications.detail.purchase", "Order", d.OrderID, "Plan", plan, "Price", d.Price)
	case domain.EventBillIssued:
		return msg("notifications.detail.bill_issued", "Month", d.Month, "Amount", d.AmountDue)
	}
	return LocalMsg{}
}

// WebhooksPage is an account's webhooks: the list, the form that adds
// one (its secret shown once, in the answer), and one webhook's delivery
// log.
type WebhooksPage struct {
	Meta       Meta
	AccountID  int64
	CanWrite   bool
	AddAction  string
	Hooks      []WebhookRow
	EventTypes []string
	// The add form's values and error.
	URL      string
	Types    map[string]bool
	URLError LocalMsg
	// Created is the webhook just added, with its secret.
	Created *WebhookCreated
	Deleted bool
	// Log is the delivery log of the webhook opened, if any.
	Log *DeliveryLog
}

// WebhookRow is one webhook in the list.
type WebhookRow struct {
	ID           string
	URL          string
	Events       string // "" for every type
	Created      string
	LogURL       string
	DeleteAction string
}

// WebhookCreated is a new webhook's secret, shown once.
type WebhookCreated struct {
	URL    string
	Secret string
}

// DeliveryLog is one webhook's attempts, newest first.
type DeliveryLog struct {
	URL   string
	Lines []DeliveryLine
	Retry bool
}

// DeliveryLine is one attempt.
type DeliveryLine struct {
	EventID     string
	Attempt     int
	Status      string
	Error       string
	At          string
	Next        string
	RetryAction string
}

// NewWebhooksPage lists an account's webhooks.
func NewWebhooksPage(meta Meta, accountID int64, hooks []domain.Webhook, canWrite bool) WebhooksPage {
	p := WebhooksPage{Meta: meta, AccountID: accountID, CanWrite: canWrite, AddAction: AccountURL(accountID, "/webhooks"),
		EventTypes: domain.EventTypes, Types: map[string]bool{}}
	for _, w := range hooks {
		p.Hooks = append(p.Hooks, WebhookRow{
			ID: strconv.FormatInt(w.ID, 10), URL: w.URL, Events: strings.Join(w.Events, ", "), Created: DateTime(w.CreatedAt),
			LogURL:       AccountURL(accountID, fmt.Sprintf("/webhooks/%d", w.ID)),
			DeleteAction: AccountURL(accountID, fmt.Sprintf("/webhooks/%d/delete", w.ID)),
		})
	}
	return p
}

// ShowLog adds a webhook's delivery log.
func (p *WebhooksPage) ShowLog(w domain.Webhook, attempts []domain.Attempt) {
	l := &DeliveryLog{URL: w.URL, Retry: p.CanWrite}
	for _, a := range attempts {
		line := DeliveryLine{EventID: a.EventID, Attempt: a.Attempt, Error: a.Error, At: DateTime(a.At),
			RetryAction: AccountURL(p.AccountID, fmt.Sprintf("/webhooks/%d/deliveries/%s/retry", w.ID, a.EventID))}
		if a.StatusCode != 0 {
			line.Status = strconv.Itoa(a.StatusCode)
		}
		if !a.NextAttemptAt.IsZero() {
			line.Next = a.NextAttemptAt.In(billing.CST).Format("2006-01-02 15:04:05")
		}
		l.Lines = append(l.Lines, line)
	}
	p.Log = l
}

// UnreadPlaceholder, as AccountNav.Unread, renders a badge that
// UnreadBadge finds in a page kept for several viewers, to put each
// viewer's own count in.
const UnreadPlaceholder = -1

// unreadBadge is the unread count as the navigation shows it.
func unreadBadge(n int) string {
	switch {
	case n == UnreadPlaceholder:
		return "rtcbill-unread-5d1c9e"
	case n > 99:
		return "99+"
	}
	return strconv.Itoa(n)
}

// UnreadBadge is the navigation's badge of n unread notifications as the
// layout writes it; nothing for none.
func UnreadBadge(n int) []byte {
	if n == 0 {
		return nil
	}
	return []byte(`<mark data-testid="nav-unread">` + unreadBadge(n) + `</mark>`)
}
