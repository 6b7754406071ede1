package handlers

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// principal is who a request acts for.
type principal struct {
	staff bool
	// account is the one account a customer's token reaches.
	account int64
}

const principalKey = "rtcbill.principal"

// authenticate reads "Authorization: Bearer <token>". The staff token is
// compared in constant time; without RTCBILL_ADMIN_TOKEN there is none.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rtcbill"`)
			return newError(http.StatusUnauthorized, "unauthorized", "a bearer token is required: Authorization: Bearer <token>")
		}
		if h.staff != nil && subtle.ConstantTimeCompare([]byte(token), h.staff) == 1 {
			c.Set(principalKey, principal{staff: true})
			return next(c)
		}
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rtcbill", error="invalid_token"`)
		return newError(http.StatusUnauthorized, "unauthorized", "the bearer token is not valid")
	}
}

func who(c echo.Context) principal {
	p, _ := c.Get(principalKey).(principal)
	return p
}

// canSee reports whether the request may act on account id. Anything else
// answers 404, so that a customer cannot learn which accounts exist.
func (p principal) canSee(id int64) bool { return p.staff || p.account == id }

func requireStaff(c echo.Context) error {
	if !who(c).staff {
		return newError(http.StatusForbidden, "forbidden", "only staff may do this")
	}
	return nil
}
