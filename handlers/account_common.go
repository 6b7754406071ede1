package handlers

import (
	"github.com/labstack/echo/v4"

	"rtcbill/db"
	"rtcbill/views"
)

// pageAccount reads :id for a page and fetches the account (404 when there
// is none or the visitor may not see it).
func (h *Handler) pageAccount(c echo.Context) (db.Account, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return db.Account{}, err
	}
	return h.store.Account(c.Request().Context(), id)
}

// accountMeta is the layout data of an account's page: its title and the
// account navigation with active ("overview", "apps", "bills") marked.
func accountMeta(c echo.Context, a db.Account, active, title string) views.Meta {
	m := meta(c, title)
	m.Account = &views.AccountNav{ID: a.ID, Name: a.Name, Active: active}
	return m
}

// pageApp reads :sdk_app_id for a page and fetches the application and its
// account.
func (h *Handler) pageApp(c echo.Context) (db.App, db.Account, error) {
	id, err := pathID(c, "sdk_app_id")
	if err != nil {
		return db.App{}, db.Account{}, err
	}
	ctx := c.Request().Context()
	app, err := h.store.App(ctx, id)
	if err != nil {
		return db.App{}, db.Account{}, err
	}
	a, err := h.store.Account(ctx, app.AccountID)
	return app, a, err
}
