package handlers

import (
	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// pageAccount reads :id and fetches the account the caller may read (404
// for any other).
func (h *Handler) pageAccount(c echo.Context) (domain.Account, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return domain.Account{}, err
	}
	return h.readAccount(c, id)
}

// pageAccountW is pageAccount for changes: read-only staff get 403.
func (h *Handler) pageAccountW(c echo.Context) (domain.Account, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return domain.Account{}, err
	}
	return h.writeAccount(c, id)
}

// accountMeta is the layout data of an account's page: its title and the
// account navigation with active ("overview", "apps", "bills") marked.
func accountMeta(c echo.Context, a domain.Account, active, title string) views.Meta {
	m := meta(c, title)
	p := who(c)
	m.Account = &views.AccountNav{ID: a.ID, Name: a.Name, Active: active, Staff: p.staff(), CanWrite: p.canWrite(a)}
	return m
}

// pageApp reads :sdk_app_id and fetches the application and its account,
// if the caller may read it.
func (h *Handler) pageApp(c echo.Context) (domain.App, domain.Account, error) {
	return h.appAccount(c, h.readAccount)
}

// pageAppW is pageApp for changes.
func (h *Handler) pageAppW(c echo.Context) (domain.App, domain.Account, error) {
	return h.appAccount(c, h.writeAccount)
}

func (h *Handler) appAccount(c echo.Context, check func(echo.Context, int64) (domain.Account, error)) (domain.App, domain.Account, error) {
	id, err := pathID(c, "sdk_app_id")
	if err != nil {
		return domain.App{}, domain.Account{}, err
	}
	app, err := h.store.App(c.Request().Context(), id)
	if err != nil {
		return domain.App{}, domain.Account{}, err
	}
	a, err := check(c, app.AccountID)
	return app, a, err
}
