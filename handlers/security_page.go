package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// showSecurity answers GET /security: the signed-in user's password and
// sessions, and the language of their mails when the console sends
// e-mail. ?changed=1 confirms a new password after its redirect, ?lang=1
// a new language.
func (h *Handler) showSecurity(c echo.Context) error {
	p, err := h.securityPage(c)
	if err != nil {
		return err
	}
	p.Changed = c.QueryParam("changed") == "1"
	p.LangSaved = c.QueryParam("lang") == "1"
	return render(c, http.StatusOK, views.Security(p))
}

func (h *Handler) securityPage(c echo.Context) (views.SecurityPage, error) {
	ctx := c.Request().Context()
	p := views.NewSecurityPage(meta(c, views.T(ctx, "security.title")), who(c).Email)
	if h.store.SendsMail() {
		u, err := h.store.UserByID(ctx, who(c).UserID)
		if err != nil {
			return p, err
		}
		p.MailLang = u.Lang
	}
	return p, nil
}

// submitMailLang answers POST /security/language: the language of the
// user's own mails (a confirmation, a password reset).
func (h *Handler) submitMailLang(c echo.Context) error {
	if !h.store.SendsMail() {
		return errNotFound
	}
	if _, err := h.store.SetUserLang(c.Request().Context(), who(c).UserID, c.FormValue("lang")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/security?lang=1")
}

// submitPassword answers POST /security/password: the current password
// and the new one twice. It ends every other session of the user; this
// one goes on under a new token and a new CSRF token. Wrong current
// passwords count as failed sign-ins (the same limiter), so that a
// session left open does not let anyone try passwords at will.
func (h *Handler) submitPassword(c echo.Context) error {
	ctx := c.Request().Context()
	p := who(c)
	page, err := h.securityPage(c)
	if err != nil {
		return err
	}
	current, next, confirm := c.FormValue("current"), c.FormValue("password"), c.FormValue("confirm")
	now := h.now()
	addr := clientAddress(c)
	if wait := h.signIns.Wait(now, addr, p.Email); wait > 0 {
		return errRateLimited(c, wait)
	}
	switch {
	case next != confirm:
		page.RejectConfirm()
	case domain.CheckPassword(next, p.Email) != domain.PasswordOK:
		page.RejectNew(domain.CheckPassword(next, p.Email))
	}
	if page.NewError.Set() || page.ConfirmError.Set() {
		return render(c, http.StatusUnprocessableEntity, views.Security(page))
	}
	u, err := h.store.ChangePassword(ctx, p.UserID, current, next, now)
	var ve *domain.ValidationError
	switch {
	case errors.Is(err, domain.ErrBadCredentials):
		h.signIns.Fail(now, addr, p.Email)
		page.RejectCurrent()
		return render(c, http.StatusUnprocessableEntity, views.Security(page))
	case errors.As(err, &ve):
		page.RejectNew(domain.CheckPassword(next, p.Email))
		return render(c, http.StatusUnprocessableEntity, views.Security(page))
	case err != nil:
		return err
	}
	if err := h.renewSession(ctx, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/security?changed=1")
}

// submitSignOutEverywhere answers POST /security/signout-everywhere: every
// session of the user ends, this one included.
func (h *Handler) submitSignOutEverywhere(c echo.Context) error {
	ctx := c.Request().Context()
	if _, err := h.store.EndSessions(ctx, who(c).UserID, h.now()); err != nil {
		return err
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// resetPage is the page of the reset link in the request, or its "no
// longer works" form with 404.
func (h *Handler) resetPage(c echo.Context) (views.ResetPage, int) {
	ctx := c.Request().Context()
	m := meta(c, views.T(ctx, "reset.title"))
	token := c.Param("link")
	u, expires, err := h.store.PasswordResetUser(ctx, token, h.now())
	if err != nil || u.Disabled {
		return views.ResetPage{Meta: m, Forgot: h.store.SendsMail()}, http.StatusNotFound
	}
	return views.NewResetPage(m, "/reset/"+url.PathEscape(token), u.Email, views.DateTime(expires)), http.StatusOK
}

// showReset answers GET /reset/:link, the link an admin passed on. The
// page sends no Referer anywhere: its address is a secret.
func (h *Handler) showReset(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	page, status := h.resetPage(c)
	return render(c, status, views.Reset(page))
}

// submitReset answers POST /reset/:link: it sets the new password, spends
// the link, ends every session of the user and sends them to sign in.
func (h *Handler) submitReset(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	page, status := h.resetPage(c)
	if status != http.StatusOK {
		return render(c, status, views.Reset(page))
	}
	password := c.FormValue("password")
	switch {
	case password != c.FormValue("confirm"):
		page.RejectConfirm()
	case domain.CheckPassword(password, page.Email) != domain.PasswordOK:
		page.RejectPassword(domain.CheckPassword(password, page.Email))
	}
	if page.PasswordError.Set() || page.ConfirmError.Set() {
		return render(c, http.StatusUnprocessableEntity, views.Reset(page))
	}
	ctx := c.Request().Context()
	u, err := h.store.ResetPassword(ctx, c.Param("link"), password, h.now())
	var ve *domain.ValidationError
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return render(c, http.StatusNotFound, views.Reset(views.ResetPage{Meta: page.Meta, Forgot: h.store.SendsMail()}))
	case errors.As(err, &ve):
		page.RejectPassword(domain.CheckPassword(password, page.Email))
		return render(c, http.StatusUnprocessableEntity, views.Reset(page))
	case err != nil:
		return err
	}
	if who(c).UserID == u.ID {
		if err := h.sessions.Destroy(ctx); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/signin?reset=1")
}

// redactURI hides the token of a reset or sign-up link in the request
// log, where the link is requested and where the language switch returns
// to it: the link is a secret until it is used.
func redactURI(uri string) string {
	switch {
	case strings.HasPrefix(uri, "/reset/"):
		return "/reset/[redacted]"
	case strings.HasPrefix(uri, "/signup/confirm/"):
		return "/signup/confirm/[redacted]"
	case strings.HasPrefix(uri, "/lang?") && (strings.Contains(strings.ToLower(uri), "reset") || strings.Contains(strings.ToLower(uri), "confirm")):
		return "/lang?[redacted]"
	}
	return uri
}
