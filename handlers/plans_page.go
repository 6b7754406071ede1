package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rtcbill/db"
	"rtcbill/views"
)

// showPlans answers GET / and /plans: the five packages side by side.
// ?account=ID makes the Buy buttons buy for that account.
func (h *Handler) showPlans(c echo.Context) error {
	ctx := c.Request().Context()
	p := who(c)
	var account int64
	if v := c.QueryParam("account"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fieldError("account", "account must be an account number, not %q", v)
		}
		if _, err := h.readAccount(c, id); err != nil {
			return err
		}
		account = id
	} else if p.Role == db.RoleCustomer {
		account = p.Account
	}
	buy := views.BuyForStaff
	switch {
	case account != 0:
		buy = views.BuyForAccount
	case !p.signedIn():
		buy = views.BuyAfterSignUp
	}
	page := views.NewPlansPage(meta(c, views.T(ctx, "plans.title")), views.Lang(ctx), h.now(), account, buy)
	return render(c, http.StatusOK, views.Plans(page))
}
