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

// showAppsPage answers GET /accounts/:id/apps: the account's applications
// and the form that creates one. ?created=ID[&trial=1] confirms a creation
// after its redirect. The "open a room" form comes back here with
// ?app=ID&room=ROOM&view=calls|live and is sent on to that room's page.
func (h *Handler) showAppsPage(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	if c.QueryParams().Has("room") {
		return h.openRoom(c, a)
	}
	created, _ := strconv.ParseInt(c.QueryParam("created"), 10, 64)
	// The application just created is looked up: it may be on a later
	// page than the one shown.
	var just []domain.App
	if created > 0 {
		app, err := h.store.App(c.Request().Context(), created)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err == nil && app.AccountID == a.ID {
			just = append(just, app)
		}
	}
	return h.renderApps(c, a, http.StatusOK, func(p *views.AppsPage, _ []domain.App) {
		p.ShowCreated(created, c.QueryParam("trial") == "1", just)
	})
}

// submitApp answers POST /accounts/:id/apps: it creates the application
// now (a customer cannot backdate it) and returns to the list, saying
// whether it brought the trial (R4).
func (h *Handler) submitApp(c echo.Context) error {
	a, err := h.pageAccountFor(c, actCreateApp)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	ctx := c.Request().Context()
	_, err = domain.CleanName("name", name)
	if err == nil {
		err = h.store.CheckQuota(ctx, a.ID, domain.QuotaApps, h.limits.Apps)
	}
	now := h.now()
	var app domain.App
	var granted bool
	if err == nil {
		app, granted, err = h.store.CreateApp(ctx, a.ID, name, now, now)
	}
	var ve *domain.ValidationError
	var qe *domain.QuotaError
	switch {
	case errors.As(err, &ve) && ve.Field == "name":
		return h.renderApps(c, a, http.StatusUnprocessableEntity, func(p *views.AppsPage, _ []domain.App) {
			p.RejectName(name)
			if why := views.TextProblem(name, false); why.Set() {
				p.NameError = why
			}
		})
	case errors.As(err, &qe):
		return h.renderApps(c, a, http.StatusUnprocessableEntity, func(p *views.AppsPage, _ []domain.App) {
			p.Name, p.NameError = name, views.QuotaMsg(qe.Quota, qe.Limit)
		})
	case err != nil:
		return err
	}
	to := views.AccountURL(a.ID, fmt.Sprintf("/apps?created=%d", app.SDKAppID))
	if granted {
		to += "&trial=1"
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// openRoom sends the "open a room" form on to the room's page, or shows the
// form again with what is wrong with its input.
func (h *Handler) openRoom(c echo.Context, a domain.Account) error {
	sdkAppID, err := strconv.ParseInt(c.QueryParam("app"), 10, 64)
	if err != nil {
		return errNotFound
	}
	app, err := h.store.App(c.Request().Context(), sdkAppID)
	if err != nil {
		return err
	}
	if app.AccountID != a.ID {
		return errNotFound
	}
	room := strings.TrimSpace(c.QueryParam("room"))
	if why := views.CheckRoomID(room); why.Set() {
		return h.renderApps(c, a, http.StatusUnprocessableEntity, func(p *views.AppsPage, _ []domain.App) {
			p.RejectRoom(app.SDKAppID, c.QueryParam("room"), why)
		})
	}
	rest := ""
	if c.QueryParam("view") == "live" {
		rest = "/live"
	}
	return c.Redirect(http.StatusSeeOther, views.RoomURL(app.SDKAppID, room, rest))
}

// appsPageSize is how many applications a page of the list shows.
const appsPageSize = 50

// renderApps shows a page (?page=) of the applications with status; edit
// adds what the request has to say (a confirmation, an error).
func (h *Handler) renderApps(c echo.Context, a domain.Account, status int, edit func(*views.AppsPage, []domain.App)) error {
	ctx := c.Request().Context()
	n, err := pageParam(c)
	if err != nil {
		return err
	}
	apps, err := h.store.ListApps(ctx, a.ID, pageOffset(n, appsPageSize), appsPageSize+1)
	if err != nil {
		return err
	}
	apps, more := trimPage(apps, appsPageSize)
	m := accountMeta(c, a, "apps", views.T(ctx, "apps.title"))
	if c.Request().Method != http.MethodGet {
		m.Path = views.AccountURL(a.ID, "/apps") // the language switch must not repeat a POST
	}
	p := views.NewAppsPage(m, a.ID, apps, h.now())
	p.ShowPage(newPager(views.AccountURL(a.ID, "/apps"), nil, n, more))
	edit(&p, apps)
	return render(c, status, views.Apps(p))
}
