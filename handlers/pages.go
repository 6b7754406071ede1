package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"rtcbill/views"
)

// withLang puts the negotiated page language into the request context (for
// the templates) and tells caches that pages vary with it.
func withLang(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		tag := views.Negotiate(r)
		c.SetRequest(r.WithContext(views.WithLang(r.Context(), tag)))
		c.Response().Header().Set("Content-Language", views.LangCode(tag))
		c.Response().Header().Add("Vary", "Accept-Language, Cookie")
		return next(c)
	}
}

// render writes a page: into a buffer first, so that a rendering error
// still reaches echo's error handler rather than half a page.
func render(c echo.Context, status int, page templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep ordinary pages' buffers, not a huge one's
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := page.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// renderBytes renders a page into a fresh slice, for pages kept in a cache.
func renderBytes(c echo.Context, page templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := page.Render(c.Request().Context(), &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// renderBuffers recycles page buffers, which grow to a page's size once.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// meta is the layout's data for the current request.
func meta(c echo.Context, title string) views.Meta {
	return views.Meta{Title: title, Path: c.Request().URL.RequestURI(), User: userNav(who(c))}
}

// switchLang answers GET /lang?to=en&next=/path: it remembers the choice in
// a cookie for a year and returns to the page.
func (h *Handler) switchLang(c echo.Context) error {
	tag, ok := views.ParseLang(c.QueryParam("to"))
	if !ok {
		return fieldError("to", "unknown language %q: zh-CN or en", c.QueryParam("to")).because("lang", "Value", c.QueryParam("to"))
	}
	h.setCookie(c, views.LangCookie, views.LangCode(tag), 365*24*3600)
	return c.Redirect(http.StatusSeeOther, views.SafeNext(c.QueryParam("next")))
}

// isAPI tells the JSON API's requests from the pages'.
func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// renderErrorPage shows an error as a page: what went wrong in words,
// never a stack trace.
func (h *Handler) renderErrorPage(c echo.Context, ae *apiError) error {
	r := c.Request()
	ctx := views.WithLang(r.Context(), views.Negotiate(r))
	c.SetRequest(r.WithContext(ctx))
	// ae.Message is the API's, in English: a page says it in its own words.
	p := views.ErrorPage{Status: ae.Status}
	title, message, coded := views.CodeMsg(ae.Code)
	switch {
	case ae.Code == "rate_limited":
		p.Meta.Title = views.T(ctx, "limits.rate_limited.title")
		p.Message = views.T(ctx, "limits.rate_limited.message", "Seconds", c.Response().Header().Get("Retry-After"))
		if ae.Local.Set() {
			p.Message = ae.Local.Text(ctx)
		}
	case ae.Local.Set():
		p.Meta.Title, p.Message = views.T(ctx, "error.generic.title"), ae.Local.Text(ctx)
	case coded:
		p.Meta.Title, p.Message = title.Text(ctx), message.Text(ctx)
	case ae.Status == http.StatusNotFound:
		p.Meta.Title, p.Message = views.T(ctx, "error.not_found.title"), views.T(ctx, "error.not_found.message")
	case ae == errForbidden:
		p.Meta.Title = views.T(ctx, "error.forbidden.title")
		p.Message = views.T(ctx, "error.forbidden.message", "Role", views.T(ctx, "role."+string(who(c).Role)))
	case ae.Status == http.StatusUnauthorized:
		p.Meta.Title, p.Message = views.T(ctx, "error.unauthorized.title"), views.T(ctx, "error.unauthorized.message")
	case ae.Status >= 500:
		p.Meta.Title, p.Message = views.T(ctx, "error.internal.title"), views.T(ctx, "error.internal.message")
	case ae.Field != "":
		p.Meta.Title = views.T(ctx, "error.generic.title")
		p.Message = views.FieldErrorMsg(ae.Field, "", nil).Text(ctx)
	default:
		p.Meta.Title, p.Message = views.T(ctx, "error.generic.title"), views.T(ctx, "error.generic.message")
	}
	p.Meta.Path = r.URL.RequestURI()
	if r.Method != http.MethodGet {
		p.Meta.Path = "/" // the language switch must not repeat a POST
	}
	p.Meta.User = userNav(who(c))
	h.errorWayBack(c, &p)
	return render(c, ae.Status, views.Error(p))
}

// errorWayBack puts into an error page the ways back: where the user
// starts (the plans, their account, the account list) and, when the error
// is on a page of an account they may read, that account's navigation and
// overview. An account they may not read is never named.
func (h *Handler) errorWayBack(c echo.Context, p *views.ErrorPage) {
	ctx := c.Request().Context()
	pr := who(c)
	switch {
	case pr.staff():
		p.HomeURL, p.HomeLabel = "/accounts", views.T(ctx, "error.home.accounts")
	case pr.signedIn() && pr.Account != 0:
		p.HomeURL, p.HomeLabel = views.AccountURL(pr.Account, ""), views.T(ctx, "error.home.account")
	default:
		p.HomeURL, p.HomeLabel = "/", views.T(ctx, "error.home")
	}
	if !pr.signedIn() {
		return
	}
	route := c.Path()
	var id int64
	switch {
	case strings.HasPrefix(route, "/accounts/:id"):
		id, _ = strconv.ParseInt(c.Param("id"), 10, 64)
	case strings.HasPrefix(route, "/apps/:sdk_app_id"):
		sdk, err := strconv.ParseInt(c.Param("sdk_app_id"), 10, 64)
		if err != nil {
			return
		}
		app, err := h.store.App(ctx, sdk)
		if err != nil {
			return
		}
		id = app.AccountID
	}
	if id <= 0 {
		return
	}
	a, err := h.store.Account(ctx, id)
	if err != nil || !pr.canRead(a) {
		return
	}
	active := "overview"
	for _, tab := range []string{"apps", "bills", "tokens", "audit"} {
		if strings.HasPrefix(route, "/accounts/:id/"+tab) {
			active = tab
		}
	}
	if strings.HasPrefix(route, "/apps/") {
		active = "apps"
	}
	m := accountMeta(c, a, active, p.Meta.Title)
	p.Meta.Account = m.Account
	if back := views.AccountURL(a.ID, ""); back != p.HomeURL {
		p.BackURL, p.BackLabel = back, views.T(ctx, "error.back.account", "Name", a.Name)
	}
}
