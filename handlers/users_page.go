package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"rtcbill/views"
)

// submitDisableUser answers POST /admin/users/:user/disable: the user can
// no longer sign in and every session of theirs ends. An admin cannot
// disable themselves (another admin can), so that the console is never
// left without one by a slip.
func (h *Handler) submitDisableUser(c echo.Context) error {
	id, err := pathID(c, "user")
	if err != nil {
		return err
	}
	if id == who(c).UserID {
		return h.renderUsersWith(c, http.StatusUnprocessableEntity, views.UserForm{}, func(p *views.UsersPage) {
			p.Notice = views.LocalMsg{ID: "users.error.self"}
		})
	}
	return h.setDisabled(c, id, true)
}

// submitEnableUser answers POST /admin/users/:user/enable.
func (h *Handler) submitEnableUser(c echo.Context) error {
	id, err := pathID(c, "user")
	if err != nil {
		return err
	}
	return h.setDisabled(c, id, false)
}

func (h *Handler) setDisabled(c echo.Context, id int64, disabled bool) error {
	u, err := h.store.SetUserDisabled(c.Request().Context(), id, disabled, h.now())
	if err != nil {
		return err
	}
	param := "enabled"
	if disabled {
		param = "disabled"
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?"+param+"="+url.QueryEscape(u.Email))
}

// submitResetUser answers POST /admin/users/:user/reset: it makes a
// one-time link with which the user sets a new password, valid for
// db.ResetLinkTTL, and shows it in this answer only (no redirect: the link
// must not travel in a URL of ours, nor be cached). There is no e-mail:
// the admin passes the link on.
func (h *Handler) submitResetUser(c echo.Context) error {
	id, err := pathID(c, "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := h.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	token, expires, err := h.store.CreatePasswordReset(ctx, id, h.now())
	if err != nil {
		return err
	}
	link := &views.ResetLink{Email: u.Email, URL: h.baseURL + "/reset/" + token, Expires: views.DateTime(expires)}
	return h.renderUsersWith(c, http.StatusCreated, views.UserForm{}, func(p *views.UsersPage) { p.ResetLink = link })
}
