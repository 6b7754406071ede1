package handlers

import (
	"bytes"
	"net/http"
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
		return fieldError("to", "unknown language %q: zh-CN or en", c.QueryParam("to"))
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
	p := views.ErrorPage{Status: ae.Status, Message: ae.Message}
	switch {
	case ae.Code == "rate_limited":
		p.Meta.Title = views.T(ctx, "limits.rate_limited.title")
		p.Message = views.T(ctx, "limits.rate_limited.message", "Seconds", c.Response().Header().Get("Retry-After"))
		if ae.Local.Set() {
			p.Message = ae.Local.Text(ctx)
		}
	case ae.Local.Set():
		p.Meta.Title, p.Message = views.T(ctx, "error.generic.title"), ae.Local.Text(ctx)
	case ae.Status == http.StatusNotFound:
		p.Meta.Title, p.Message = views.T(ctx, "error.not_found.title"), views.T(ctx, "error.not_found.message")
	case ae.Status >= 500:
		p.Meta.Title, p.Message = views.T(ctx, "error.internal.title"), views.T(ctx, "error.internal.message")
	default:
		p.Meta.Title = views.T(ctx, "error.generic.title")
		if ae.Field != "" {
			p.Message = views.T(ctx, "error.generic.field", "Field", ae.Field, "Detail", ae.Message)
		}
	}
	p.Meta.Path = r.URL.RequestURI()
	p.Meta.User = userNav(who(c))
	return render(c, ae.Status, views.Error(p))
}
