package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
)

type appJSON struct {
	SDKAppID     int64  `json:"sdk_app_id"`
	AccountID    int64  `json:"account_id"`
	Name         string `json:"name"`
	CreatedAt    string `json:"created_at"`
	TrialGranted *bool  `json:"trial_granted,omitempty"`
}

func toAppJSON(a domain.App) appJSON {
	return appJSON{SDKAppID: a.SDKAppID, AccountID: a.AccountID, Name: a.Name, CreatedAt: billing.FormatInstant(a.CreatedAt)}
}

// createApp answers POST /api/v1/accounts/:id/apps. The first application
// brings the trial (R4); only staff may backdate created_at.
func (h *Handler) createApp(c echo.Context) error {
	id, err := h.accountParamFor(c, actCreateApp)
	if err != nil {
		return err
	}
	var in struct {
		Name      string `json:"name"`
		CreatedAt string `json:"created_at"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if _, err := domain.CleanName("name", in.Name); err != nil {
		return err
	}
	if in.CreatedAt != "" && !who(c).canBackdate() {
		return h.refuse(c, newError(http.StatusForbidden, "forbidden", "only staff may pass created_at"))
	}
	now := h.now()
	at, err := parseInstant("created_at", in.CreatedAt, now)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.store.CheckQuota(ctx, id, domain.QuotaApps, h.limits.Apps); err != nil {
		return err
	}
	app, granted, err := h.store.CreateApp(ctx, id, in.Name, at, now)
	if err != nil {
		return err
	}
	out := toAppJSON(app)
	out.TrialGranted = &granted
	return c.JSON(http.StatusCreated, out)
}

// listApps answers GET /api/v1/accounts/:id/apps.
func (h *Handler) listApps(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	apps, err := h.store.Apps(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := struct {
		Apps []appJSON `json:"apps"`
	}{Apps: []appJSON{}}
	for _, a := range apps {
		out.Apps = append(out.Apps, toAppJSON(a))
	}
	return c.JSON(http.StatusOK, out)
}

// appParam reads :sdk_app_id and checks the caller may do act to its
// account (every API call on an application records or changes usage).
func (h *Handler) appParam(c echo.Context, act action) (domain.App, error) {
	app, _, err := h.pageAppFor(c, act)
	return app, err
}
