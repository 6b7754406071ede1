package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// showForgot answers GET /forgot: the form that asks for the e-mail of a
// forgotten password. It exists only when the console sends e-mail.
func (h *Handler) showForgot(c echo.Context) error {
	if !h.store.SendsMail() {
		return errNotFound
	}
	if p := who(c); p.signedIn() {
		return c.Redirect(http.StatusSeeOther, "/security")
	}
	ctx := c.Request().Context()
	return render(c, http.StatusOK, views.Forgot(views.ForgotPage{Meta: meta(c, views.T(ctx, "mail.forgot.title"))}))
}

// submitForgot answers POST /forgot: the same page whether the e-mail has
// a user or not; when it has one, enabled, the store mails them a reset
// link that works once for 30 minutes (RequestPasswordReset). Requests
// count against limits of their own, as many as sign-ups': per client
// address and in all.
func (h *Handler) submitForgot(c echo.Context) error {
	if !h.store.SendsMail() {
		return errNotFound
	}
	ctx := c.Request().Context()
	page := views.ForgotPage{Meta: meta(c, views.T(ctx, "mail.forgot.title")), Email: strings.TrimSpace(c.FormValue("email"))}
	if _, err := domain.CleanEmail("email", page.Email); err != nil {
		page.EmailError = views.T(ctx, "auth.error.email")
		if why := views.TextProblem(page.Email, true); why.Set() {
			page.EmailError = why.Text(ctx)
		}
		page.Email = domain.Prefix(page.Email, domain.MaxEmailLen)
		return render(c, http.StatusUnprocessableEntity, views.Forgot(page))
	}
	now := h.now()
	if wait := h.signUps.Take(now, keyOf("forgot", clientAddress(c))); wait > 0 {
		return errRateLimited(c, wait)
	}
	if wait := h.signUpsAll.Take(now, keyOf("forgot")); wait > 0 {
		return errRateLimited(c, wait)
	}
	if err := h.store.RequestPasswordReset(ctx, page.Email, now); err != nil {
		return err
	}
	page.Sent = true
	return render(c, http.StatusOK, views.Forgot(page))
}
