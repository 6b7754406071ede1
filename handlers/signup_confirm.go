package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// linkTokenLen is the length of a mailed link's token: 32 random bytes in
// unpadded base64. Anything else is refused before the store is asked.
const linkTokenLen = 43

// confirmPage is the page of the sign-up link in the request, or its "does
// not work" form with 404.
func (h *Handler) confirmPage(c echo.Context) (views.ConfirmSignUpPage, int) {
	ctx := c.Request().Context()
	m := meta(c, views.T(ctx, "mail.confirm.title"))
	token := c.Param("link")
	if len(token) != linkTokenLen {
		return views.ConfirmSignUpPage{Meta: m}, http.StatusNotFound
	}
	r, err := h.store.SignUpRequest(ctx, token, h.now())
	if err != nil {
		return views.ConfirmSignUpPage{Meta: m}, http.StatusNotFound
	}
	return views.ConfirmSignUpPage{Meta: m, Valid: true, Action: "/signup/confirm/" + url.PathEscape(token),
		Email: r.Email, Name: r.Name, Expires: views.DateTime(r.ExpiresAt)}, http.StatusOK
}

// showConfirmSignUp answers GET /signup/confirm/:link, the link a sign-up
// mailed: a button, not the confirmation itself, since mail scanners open
// links on their own. The page sends no Referer: its address is a secret.
func (h *Handler) showConfirmSignUp(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	page, status := h.confirmPage(c)
	return render(c, status, views.ConfirmSignUp(page))
}

// submitConfirmSignUp answers POST /signup/confirm/:link: it opens the
// account and its user, spends the link, signs them in and goes on to the
// plan they came to buy, if any.
func (h *Handler) submitConfirmSignUp(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	ctx := c.Request().Context()
	invalid := views.ConfirmSignUp(views.ConfirmSignUpPage{Meta: meta(c, views.T(ctx, "mail.confirm.title"))})
	token := c.Param("link")
	if len(token) != linkTokenLen {
		return render(c, http.StatusNotFound, invalid)
	}
	u, a, plan, err := h.store.ConfirmSignUp(ctx, token, h.now())
	if errors.Is(err, domain.ErrNotFound) {
		return render(c, http.StatusNotFound, invalid)
	}
	if err != nil {
		return err
	}
	if err := h.signIn(c, u); err != nil {
		return err
	}
	next := views.AccountURL(a.ID, "")
	if plan != "" {
		next = views.AccountURL(a.ID, "/buy/"+plan)
	}
	return c.Redirect(http.StatusSeeOther, next)
}
