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

// pageAccountFor is pageAccount for doing act: one who may read the
// account but not do act gets 403.
func (h *Handler) pageAccountFor(c echo.Context, act action) (domain.Account, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return domain.Account{}, err
	}
	return h.accountFor(c, id, act)
}

// accountMeta is the layout data of an account's page: its title and the
// account navigation with active ("overview", "apps", "bills") marked.
func accountMeta(c echo.Context, a domain.Account, active, title string) views.Meta {
	m := meta(c, title)
	p := who(c)
	m.Account = &views.AccountNav{ID: a.ID, Name: a.Name, Active: active, Can: permissions(p, a), Unread: unreadOf(c, a.ID)}
	return m
}

// pageApp reads :sdk_app_id and fetches the application and its account,
// if the caller may read it.
func (h *Handler) pageApp(c echo.Context) (domain.App, domain.Account, error) {
	return h.appAccount(c, h.readAccount)
}

// pageAppFor is pageApp for doing act to the application's account.
func (h *Handler) pageAppFor(c echo.Context, act action) (domain.App, domain.Account, error) {
	return h.appAccount(c, func(c echo.Context, id int64) (domain.Account, error) { return h.accountFor(c, id, act) })
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
