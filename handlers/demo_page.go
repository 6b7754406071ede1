package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"rtcbill/demo"
	"rtcbill/views"
)

// submitDemo answers POST /admin/demo (admins only): it loads the demo
// accounts, as `rtcbill demo` does, and goes to the account list searched
// for them (?demo=loaded, or ?demo=already when they were loaded before and
// nothing changed). A failure shows what went wrong and that pressing the
// button again finishes the load: what was stored stays, nothing is stored
// twice.
func (h *Handler) submitDemo(c echo.Context) error {
	// The load runs to its end even if the admin leaves the page.
	ctx := context.WithoutCancel(c.Request().Context())
	res, err := demo.Load(ctx, h.store, h.now())
	if err != nil {
		h.log.Error("loading the demo accounts", "error", err)
		lctx := c.Request().Context()
		m := meta(c, views.T(lctx, "demo.failed.title"))
		m.Path = "/admin/users" // the language switch must not repeat the post
		return render(c, http.StatusInternalServerError, views.Error(views.ErrorPage{
			Meta:    m,
			Status:  http.StatusInternalServerError,
			Message: views.T(lctx, "demo.failed.message", "Error", err.Error()),
		}))
	}
	outcome := "loaded"
	if res.AlreadyLoaded {
		outcome = "already"
	}
	q := url.Values{"q": {"@" + demo.EmailDomain}, "demo": {outcome}}
	return c.Redirect(http.StatusSeeOther, "/accounts?"+q.Encode())
}
