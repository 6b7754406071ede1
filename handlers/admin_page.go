package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// showTokens answers GET /accounts/:id/tokens: the account's API tokens,
// read-only for support. ?revoked=ID confirms a revocation after its
// redirect.
func (h *Handler) showTokens(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	revoked, _ := strconv.ParseInt(c.QueryParam("revoked"), 10, 64)
	// The token just revoked is looked up: it may be on another page.
	var gone []domain.APIToken
	if revoked > 0 {
		t, err := h.store.APIToken(c.Request().Context(), a.ID, revoked)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err == nil {
			gone = append(gone, t)
		}
	}
	return h.renderTokens(c, a, http.StatusOK, func(p *views.TokensPage) {
		if revoked > 0 {
			p.ShowRevoked(revoked, gone...)
		}
	})
}

// tokensPageSize is how many tokens a page of the list shows.
const tokensPageSize = 50

// renderTokens shows a page (?page=) of the account's tokens, newest first.
func (h *Handler) renderTokens(c echo.Context, a domain.Account, status int, edit func(*views.TokensPage)) error {
	ctx := c.Request().Context()
	n, err := pageParam(c)
	if err != nil {
		return err
	}
	tokens, err := h.store.ListAPITokens(ctx, a.ID, pageOffset(n, tokensPageSize), tokensPageSize+1)
	if err != nil {
		return err
	}
	tokens, more := trimPage(tokens, tokensPageSize)
	page := views.NewTokensPage(accountMeta(c, a, "tokens", views.T(ctx, "tokens.title")), a.ID, tokens, can(who(c), actManageTokens, &a))
	page.Pager = newPager(views.AccountURL(a.ID, "/tokens"), nil, n, more)
	edit(&page)
	return render(c, status, views.Tokens(page))
}

// submitToken answers POST /accounts/:id/tokens: it creates a token and
// shows it in clear in this answer, the only time it is ever shown. There
// is no redirect: the secret must not travel in a URL, and the answer is
// not to be cached.
func (h *Handler) submitToken(c echo.Context) error {
	a, err := h.pageAccountFor(c, actManageTokens)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	ctx := c.Request().Context()
	_, err = domain.CleanName("name", name)
	if err == nil {
		err = h.store.CheckQuota(ctx, a.ID, domain.QuotaTokens, h.limits.Tokens)
	}
	var t domain.APIToken
	var secret string
	if err == nil {
		t, secret, err = h.store.CreateAPIToken(ctx, a.ID, name, h.now())
	}
	var ve *domain.ValidationError
	var qe *domain.QuotaError
	switch {
	case errors.As(err, &ve) && ve.Field == "name":
		return h.renderTokens(c, a, http.StatusUnprocessableEntity, func(p *views.TokensPage) {
			p.RejectName(name)
			if why := views.TextProblem(name, false); why.Set() {
				p.NameError = why
			}
		})
	case errors.As(err, &qe):
		return h.renderTokens(c, a, http.StatusUnprocessableEntity, func(p *views.TokensPage) {
			p.Name, p.NameError = name, views.QuotaMsg(qe.Quota, qe.Limit)
		})
	case err != nil:
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	// The example names the console by its configured address, never by
	// the request's Host header, which the client chooses.
	return h.renderTokens(c, a, http.StatusCreated, func(p *views.TokensPage) { p.ShowCreated(t, secret, h.baseURL) })
}

// submitRevokeToken answers POST /accounts/:id/tokens/:token/revoke and
// returns to the list. Revoking a token already revoked (a double click)
// lands there too; a token of another account is 404.
func (h *Handler) submitRevokeToken(c echo.Context) error {
	a, err := h.pageAccountFor(c, actManageTokens)
	if err != nil {
		return err
	}
	id, err := pathID(c, "token")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = h.store.RevokeAPIToken(ctx, a.ID, id, h.now())
	if errors.Is(err, domain.ErrNotFound) {
		t, lerr := h.store.APIToken(ctx, a.ID, id)
		if lerr != nil && !errors.Is(lerr, domain.ErrNotFound) {
			return lerr
		}
		if lerr == nil && !t.RevokedAt.IsZero() {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.AccountURL(a.ID, fmt.Sprintf("/tokens?revoked=%d", id)))
}

// maxAuditPage bounds ?page= far beyond any real trail, so the offset
// cannot overflow.
const maxAuditPage = 1_000_000

// showAudit answers GET /accounts/:id/audit?page=N (staff only): one page
// of the account's audit trail, newest first.
func (h *Handler) showAudit(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	page := 1
	if q := c.QueryParam("page"); q != "" {
		if page, err = strconv.Atoi(q); err != nil || page < 1 || page > maxAuditPage {
			return fieldError("page", "page must be a whole number from 1, not %q", q).because("page_number", "Value", q)
		}
	}
	ctx := c.Request().Context()
	entries, more, err := h.store.AuditLog(ctx, a.ID, page)
	if err != nil {
		return err
	}
	p := views.NewAuditPage(accountMeta(c, a, "audit", views.T(ctx, "audit.title")), a.ID, page, entries, more)
	return render(c, http.StatusOK, views.Audit(p))
}

// showUsers answers GET /admin/users (admins only): every user and the
// form that adds one. ?added=EMAIL confirms an addition after its redirect,
// ?disabled=EMAIL and ?enabled=EMAIL a change of state.
func (h *Handler) showUsers(c echo.Context) error {
	// The users the redirect names are looked up: they may be on another
	// page than the one shown.
	var known []domain.User
	for _, email := range []string{c.QueryParam("added"), c.QueryParam("disabled"), c.QueryParam("enabled")} {
		if email == "" {
			continue
		}
		u, err := h.store.UserByEmail(c.Request().Context(), email)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err == nil {
			known = append(known, u)
		}
	}
	return h.renderUsersWith(c, http.StatusOK, views.UserForm{}, func(p *views.UsersPage) {
		p.ShowAdded(c.QueryParam("added"), known...)
		p.ShowChanged(c.QueryParam("disabled"), true, known...)
		p.ShowChanged(c.QueryParam("enabled"), false, known...)
	})
}

// usersPageSize is how many users a page of the list shows.
const usersPageSize = 50

func (h *Handler) renderUsers(c echo.Context, status int, form views.UserForm, added string) error {
	return h.renderUsersWith(c, status, form, func(p *views.UsersPage) { p.ShowAdded(added) })
}

// renderUsersWith renders a page (?page=) of the users after edit has set
// what this answer adds to the list (a confirmation, a reset link).
func (h *Handler) renderUsersWith(c echo.Context, status int, form views.UserForm, edit func(*views.UsersPage)) error {
	ctx := c.Request().Context()
	n, err := pageParam(c)
	if err != nil {
		return err
	}
	users, err := h.store.ListUsers(ctx, pageOffset(n, usersPageSize), usersPageSize+1)
	if err != nil {
		return err
	}
	users, more := trimPage(users, usersPageSize)
	page := views.NewUsersPage(meta(c, views.T(ctx, "users.title")), users, form)
	page.MarkSelf(who(c).UserID)
	page.Pager = newPager("/admin/users", nil, n, more)
	edit(&page)
	return render(c, status, views.Users(page))
}

// submitUser answers POST /admin/users: it adds a user and returns to the
// list. A refused form comes back with its input, never the password.
func (h *Handler) submitUser(c echo.Context) error {
	form := views.UserForm{
		Email:   strings.TrimSpace(c.FormValue("email")),
		Role:    c.FormValue("role"),
		Account: strings.TrimSpace(c.FormValue("account")),
	}
	if _, err := domain.CleanEmail("email", form.Email); err != nil {
		why := views.TextProblem(form.Email, true)
		form.Email = domain.Prefix(form.Email, domain.MaxEmailLen)
		form.RejectEmail()
		if why.Set() {
			form.EmailError = why
		}
		return h.renderUsers(c, http.StatusUnprocessableEntity, form, "")
	}
	password := c.FormValue("password")
	role, roleOK := domain.ParseRole(form.Role)
	var account int64
	switch {
	case !roleOK:
		form.RejectRole()
	case form.Account != "" && role != domain.RoleCustomer:
		form.RejectAccount(form.Role, false)
	case form.Account == "" && role == domain.RoleCustomer:
		form.RejectAccount(form.Role, true)
	case form.Account != "":
		n, err := strconv.ParseInt(form.Account, 10, 64)
		if err != nil || n <= 0 {
			form.RejectAccount(form.Role, false)
		}
		account = n
	}
	if form.RoleError.Set() || form.AccountError.Set() {
		return h.renderUsers(c, http.StatusUnprocessableEntity, form, "")
	}
	u, err := h.store.CreateUser(c.Request().Context(), form.Email, password, role, account, h.now())
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		switch ve.Field {
		case "email":
			form.RejectEmail()
		case "password":
			form.RejectPassword(domain.CheckPassword(password, form.Email))
		default:
			form.RejectAccount(form.Role, account == 0)
		}
		return h.renderUsers(c, http.StatusUnprocessableEntity, form, "")
	case errors.Is(err, domain.ErrEmailTaken):
		form.RejectTakenEmail()
		return h.renderUsers(c, http.StatusConflict, form, "")
	case errors.Is(err, domain.ErrNotFound):
		form.RejectAccount(form.Role, false)
		return h.renderUsers(c, http.StatusUnprocessableEntity, form, "")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?added="+url.QueryEscape(u.Email))
}
