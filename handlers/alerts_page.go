package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// unreadKey holds, for a signed-in user's page, the function that counts
// an account's unread notifications (see withNotifications).
const unreadKey = "rtcbill.unread"

// withNotifications lets the account navigation show how many of the
// account's notifications the signed-in user has not read: counted only
// when a page shows the navigation, once per request.
func (h *Handler) withNotifications(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := who(c)
		if p.UserID != 0 {
			counts := map[int64]int{}
			c.Set(unreadKey, func(accountID int64) int {
				if n, ok := counts[accountID]; ok {
					return n
				}
				n, err := h.store.UnreadNotifications(c.Request().Context(), accountID, p.UserID)
				if err != nil {
					h.log.Warn("unable to count unread notifications", "error", err)
				}
				counts[accountID] = n
				return n
			})
		}
		return next(c)
	}
}

// unreadOf is the signed-in user's count of the account's unread
// notifications; 0 for anyone else.
func unreadOf(c echo.Context, accountID int64) int {
	if f, ok := c.Get(unreadKey).(func(int64) int); ok {
		return f(accountID)
	}
	return 0
}

// showAlertsPage answers GET /accounts/:id/alerts: the alert settings,
// read-only for support.
func (h *Handler) showAlertsPage(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	return h.renderAlerts(c, a, http.StatusOK, func(p *views.AlertsPage) { p.Saved = c.QueryParam("saved") == "1" })
}

func (h *Handler) renderAlerts(c echo.Context, a domain.Account, status int, edit func(*views.AlertsPage)) error {
	ctx := c.Request().Context()
	s, err := h.store.AlertSettings(ctx, a.ID)
	if err != nil {
		return err
	}
	page := views.NewAlertsPage(accountMeta(c, a, "alerts", views.T(ctx, "alerts.title")), a.ID, s, can(who(c), actManageAlerts, &a))
	if h.store.SendsMail() {
		page.Mail = &views.AlertsMail{Email: a.Email, Lang: s.Language, Demo: a.Demo}
	}
	edit(&page)
	return render(c, status, views.Alerts(page))
}

// submitAlerts answers POST /accounts/:id/alerts and returns to the page.
func (h *Handler) submitAlerts(c echo.Context) error {
	a, err := h.pageAccountFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	pctsIn, daysIn := c.FormValue("low_balance_pct"), c.FormValue("expiring_days")
	pcts, ok := views.ParsePcts(pctsIn)
	days, derr := strconv.Atoi(strings.TrimSpace(daysIn))
	var field string
	switch {
	case !ok:
		field = "low_balance_pct"
	case derr != nil:
		field = "expiring_days"
	default:
		// No language in the form (the console sends no e-mail): the
		// stored one stays.
		_, err = h.store.SetAlertSettings(c.Request().Context(), a.ID,
			domain.AlertSettings{LowBalancePct: pcts, ExpiringDays: days, Language: c.FormValue("language")}, h.now())
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			field = ve.Field
		} else if err != nil {
			return err
		}
	}
	if field != "" {
		return h.renderAlerts(c, a, http.StatusUnprocessableEntity, func(p *views.AlertsPage) { p.Reject(pctsIn, daysIn, field) })
	}
	return c.Redirect(http.StatusSeeOther, views.AccountURL(a.ID, "/alerts?saved=1"))
}

// notificationsShown is how many events the notifications page lists.
const notificationsShown = 100

// showNotifications answers GET /accounts/:id/notifications: the account's
// newest events, those the viewer has not read marked.
func (h *Handler) showNotifications(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	events, seen, err := h.store.Notifications(ctx, a.ID, who(c).UserID, notificationsShown)
	if err != nil {
		return err
	}
	page := views.NewNotificationsPage(accountMeta(c, a, "notifications", views.T(ctx, "notifications.title")), views.Lang(ctx), a.ID, events, seen)
	return render(c, http.StatusOK, views.Notifications(page))
}

// submitNotificationsRead answers POST /accounts/:id/notifications/read:
// the viewer has read the events up to the one named (those shown), also
// support staff, whose reading changes nothing of the account.
func (h *Handler) submitNotificationsRead(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	upTo, err := strconv.ParseInt(c.FormValue("up_to"), 10, 64)
	if err != nil || upTo < 0 {
		return fieldError("up_to", "up_to must name the newest event read")
	}
	if err := h.store.MarkNotificationsRead(c.Request().Context(), a.ID, who(c).UserID, upTo); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.AccountURL(a.ID, "/notifications"))
}

// showWebhooksPage answers GET /accounts/:id/webhooks (the list and the
// form) and GET /accounts/:id/webhooks/:webhook_id (with its delivery log).
func (h *Handler) showWebhooksPage(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	var hook domain.Webhook
	var log []domain.Attempt
	if c.Param("webhook_id") != "" {
		wid, err := pathID(c, "webhook_id")
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		if hook, err = h.store.Webhook(ctx, a.ID, wid); err != nil {
			return err
		}
		if log, err = h.store.WebhookAttempts(ctx, a.ID, wid, domain.DefaultEventsPage); err != nil {
			return err
		}
	}
	return h.renderWebhooks(c, a, http.StatusOK, func(p *views.WebhooksPage) {
		p.Deleted = c.QueryParam("deleted") == "1"
		if hook.ID != 0 {
			p.ShowLog(hook, log)
		}
	})
}

func (h *Handler) renderWebhooks(c echo.Context, a domain.Account, status int, edit func(*views.WebhooksPage)) error {
	ctx := c.Request().Context()
	hooks, err := h.store.Webhooks(ctx, a.ID)
	if err != nil {
		return err
	}
	page := views.NewWebhooksPage(accountMeta(c, a, "webhooks", views.T(ctx, "webhooks.title")), a.ID, hooks, can(who(c), actManageAlerts, &a))
	edit(&page)
	return render(c, status, views.Webhooks(page))
}

// submitWebhook answers POST /accounts/:id/webhooks: it adds a webhook
// and shows its secret in this answer, the only time it is shown (no
// redirect: the secret must not travel in a URL).
func (h *Handler) submitWebhook(c echo.Context) error {
	a, err := h.pageAccountFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	rawURL, types := form.Get("url"), form["events"]
	w, secret, err := h.addWebhook(c, a.ID, rawURL, types)
	var ve *domain.ValidationError
	var qe *domain.QuotaError
	switch {
	case errors.As(err, &ve) || errors.As(err, &qe):
		return h.renderWebhooks(c, a, http.StatusUnprocessableEntity, func(p *views.WebhooksPage) {
			p.URL = rawURL
			for _, t := range types {
				p.Types[t] = true
			}
			if qe != nil {
				p.URLError = views.LocalMsg{ID: "webhooks.error.quota", Args: []any{"Max", qe.Limit}}
			} else {
				p.URLError = views.LocalMsg{ID: "webhooks.error.url"}
			}
		})
	case err != nil:
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return h.renderWebhooks(c, a, http.StatusCreated, func(p *views.WebhooksPage) {
		p.Created = &views.WebhookCreated{URL: w.URL, Secret: secret}
	})
}

// submitDeleteWebhook answers POST /accounts/:id/webhooks/:webhook_id/delete.
func (h *Handler) submitDeleteWebhook(c echo.Context) error {
	a, err := h.pageAccountFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	wid, err := pathID(c, "webhook_id")
	if err != nil {
		return err
	}
	if err := h.store.DeleteWebhook(c.Request().Context(), a.ID, wid, h.now()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.AccountURL(a.ID, "/webhooks?deleted=1"))
}

// submitRetryDelivery answers POST
// /accounts/:id/webhooks/:webhook_id/deliveries/:event_id/retry and
// returns to the delivery log.
func (h *Handler) submitRetryDelivery(c echo.Context) error {
	a, err := h.pageAccountFor(c, actManageAlerts)
	if err != nil {
		return err
	}
	wid, err := pathID(c, "webhook_id")
	if err != nil {
		return err
	}
	if err := h.store.RetryDelivery(c.Request().Context(), a.ID, wid, c.Param("event_id"), h.now()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.AccountURL(a.ID, fmt.Sprintf("/webhooks/%d", wid)))
}
