package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/webhooks"
)

// listEvents answers GET /api/v1/accounts/:id/events?after=&limit=: the
// account's events after the one named, oldest first.
func (h *Handler) listEvents(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	events, err := h.store.Events(c.Request().Context(), id, strings.TrimSpace(c.QueryParam("after")), limit)
	if err != nil {
		return err
	}
	out := struct {
		Events []webhooks.EventJSON `json:"events"`
	}{Events: make([]webhooks.EventJSON, 0, len(events))}
	for _, e := range events {
		out.Events = append(out.Events, webhooks.ToJSON(e))
	}
	return c.JSON(http.StatusOK, out)
}

// alertsJSON is an account's alert settings as the API gives them.
type alertsJSON struct {
	LowBalancePct []int  `json:"low_balance_pct"`
	ExpiringDays  int    `json:"expiring_days"`
	Language      string `json:"language"`
}

func toAlertsJSON(s domain.AlertSettings) alertsJSON {
	out := alertsJSON{LowBalancePct: s.LowBalancePct, ExpiringDays: s.ExpiringDays, Language: s.Language}
	if out.LowBalancePct == nil {
		out.LowBalancePct = []int{}
	}
	return out
}

// showAlerts answers GET /api/v1/accounts/:id/alerts.
func (h *Handler) showAlerts(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	s, err := h.store.AlertSettings(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAlertsJSON(s))
}

// putAlerts answers PUT /api/v1/accounts/:id/alerts: the thresholds and
// the days are required, the language of the mails is kept when absent;
// the answer is the settings as stored.
func (h *Handler) putAlerts(c echo.Context) error {
	id, err := h.accountParamFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	var in struct {
		LowBalancePct *[]int  `json:"low_balance_pct"`
		ExpiringDays  *int    `json:"expiring_days"`
		Language      *string `json:"language"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.LowBalancePct == nil {
		return fieldError("low_balance_pct", "low_balance_pct is required: a list of percentages from 1 to 99 ([] turns low-balance alerts off)")
	}
	if in.ExpiringDays == nil {
		return fieldError("expiring_days", "expiring_days is required: a number of days from 1 to 90")
	}
	settings := domain.AlertSettings{LowBalancePct: *in.LowBalancePct, ExpiringDays: *in.ExpiringDays}
	if in.Language != nil {
		if *in.Language == "" {
			return fieldError("language", "language, when given, is one of %s", strings.Join(domain.Langs, ", "))
		}
		settings.Language = *in.Language
	}
	s, err := h.store.SetAlertSettings(c.Request().Context(), id, settings, h.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAlertsJSON(s))
}

// webhookJSON is a webhook as the API gives it; Secret only in the answer
// that created it.
type webhookJSON struct {
	ID        int64    `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Secret    string   `json:"secret,omitempty"`
	CreatedAt string   `json:"created_at"`
}

func toWebhookJSON(w domain.Webhook) webhookJSON {
	out := webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, CreatedAt: billing.FormatInstant(w.CreatedAt)}
	if out.Events == nil {
		out.Events = []string{}
	}
	return out
}

// createWebhook answers POST /api/v1/accounts/:id/webhooks {"url",
// "events"}: 201 with the signing secret, shown this once.
func (h *Handler) createWebhook(c echo.Context) error {
	id, err := h.accountParamFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w, secret, err := h.addWebhook(c, id, in.URL, in.Events)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	out := toWebhookJSON(w)
	out.Secret = secret
	return c.JSON(http.StatusCreated, out)
}

// addWebhook checks the address (no SSRF) and records the webhook.
func (h *Handler) addWebhook(c echo.Context, accountID int64, rawURL string, events []string) (domain.Webhook, string, error) {
	ctx := c.Request().Context()
	u, err := webhooks.CheckURL(ctx, rawURL, h.webhookHosts, nil)
	if err != nil {
		return domain.Webhook{}, "", err
	}
	return h.store.CreateWebhook(ctx, accountID, u, events, h.now())
}

// listWebhooks answers GET /api/v1/accounts/:id/webhooks, without secrets.
func (h *Handler) listWebhooks(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	hooks, err := h.store.Webhooks(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := struct {
		Webhooks []webhookJSON `json:"webhooks"`
	}{Webhooks: make([]webhookJSON, 0, len(hooks))}
	for _, w := range hooks {
		out.Webhooks = append(out.Webhooks, toWebhookJSON(w))
	}
	return c.JSON(http.StatusOK, out)
}

// deleteWebhook answers DELETE /api/v1/accounts/:id/webhooks/:webhook_id.
func (h *Handler) deleteWebhook(c echo.Context) error {
	id, err := h.accountParamFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	wid, err := pathID(c, "webhook_id")
	if err != nil {
		return err
	}
	if err := h.store.DeleteWebhook(c.Request().Context(), id, wid, h.now()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// attemptJSON is one line of a delivery log.
type attemptJSON struct {
	EventID       string  `json:"event_id"`
	Attempt       int     `json:"attempt"`
	StatusCode    *int    `json:"status_code"`
	Error         *string `json:"error"`
	At            string  `json:"at"`
	NextAttemptAt *string `json:"next_attempt_at"`
}

func toAttemptJSON(a domain.Attempt) attemptJSON {
	out := attemptJSON{EventID: a.EventID, Attempt: a.Attempt, At: billing.FormatInstant(a.At)}
	if a.StatusCode != 0 {
		code := a.StatusCode
		out.StatusCode = &code
	}
	if a.Error != "" {
		msg := a.Error
		out.Error = &msg
	}
	if !a.NextAttemptAt.IsZero() {
		next := billing.FormatInstant(a.NextAttemptAt)
		out.NextAttemptAt = &next
	}
	return out
}

// listDeliveries answers GET /api/v1/accounts/:id/webhooks/:webhook_id/deliveries:
// the delivery log, newest first.
func (h *Handler) listDeliveries(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	wid, err := pathID(c, "webhook_id")
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	log, err := h.store.WebhookAttempts(c.Request().Context(), id, wid, limit)
	if err != nil {
		return err
	}
	out := struct {
		Deliveries []attemptJSON `json:"deliveries"`
	}{Deliveries: make([]attemptJSON, 0, len(log))}
	for _, a := range log {
		out.Deliveries = append(out.Deliveries, toAttemptJSON(a))
	}
	return c.JSON(http.StatusOK, out)
}

// retryDelivery answers POST …/webhooks/:webhook_id/deliveries/:event_id/retry:
// 202, the event is delivered again with a fresh schedule.
func (h *Handler) retryDelivery(c echo.Context) error {
	id, err := h.accountParamFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	wid, err := pathID(c, "webhook_id")
	if err != nil {
		return err
	}
	if err := h.store.RetryDelivery(c.Request().Context(), id, wid, c.Param("event_id"), h.now()); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, struct {
		Status string `json:"status"`
	}{"queued"})
}
