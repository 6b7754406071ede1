package handlers

import (
	"net/http"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rtcbill/views"
)

// loadSession loads the web session named by the cookie and saves it just
// before the response is written (echo's Before hook), so that a handler's
// error page carries the session too.
func (h *Handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		var token string
		if ck, err := r.Cookie(h.sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := h.sessions.Load(r.Context(), token)
		if err != nil {
			return err
		}
		c.SetRequest(r.WithContext(ctx))
		c.Response().Header().Add("Vary", "Cookie")
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Before(func() {
			switch h.sessions.Status(ctx) {
			case scs.Modified:
				tok, expiry, err := h.sessions.Commit(ctx)
				if err != nil {
					h.log.Error("unable to save the web session", "error", err)
					return
				}
				h.sessions.WriteSessionCookie(ctx, c.Response().Writer, tok, expiry)
			case scs.Destroyed:
				h.sessions.WriteSessionCookie(ctx, c.Response().Writer, "", time.Time{})
			}
		})
		return next(c)
	}
}

// csrf checks the token of every form that posts (echo's CSRF middleware:
// Sec-Fetch-Site for browsers that send it, else the double-submit cookie).
func csrf(secure bool) echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     "rtcbill_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secure,
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return newError(http.StatusForbidden, "csrf", "the form has expired or did not come from this site: reload the page and try again")
		},
	})
}

// csrfToViews hands the CSRF token to the templates' forms.
func csrfToViews(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if token, ok := c.Get("csrf").(string); ok {
			r := c.Request()
			c.SetRequest(r.WithContext(views.WithCSRF(r.Context(), token)))
		}
		return next(c)
	}
}

func escapeQuery(s string) string { return url.QueryEscape(s) }
