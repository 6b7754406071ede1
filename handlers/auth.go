package handlers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// principal is who a request acts for: a signed-in user, the bearer of an
// API token, or nobody (Role "").
type principal struct {
	Role    domain.Role
	UserID  int64
	Email   string
	Account int64 // a customer's one account
	Label   string
}

const principalKey = "rtcbill.principal"

func who(c echo.Context) principal {
	p, _ := c.Get(principalKey).(principal)
	return p
}

// setPrincipal records who acts, for the handlers and the audit trail.
func setPrincipal(c echo.Context, p principal) {
	c.Set(principalKey, p)
	r := c.Request()
	c.SetRequest(r.WithContext(domain.WithActor(r.Context(), domain.Actor{UserID: p.UserID, Label: p.Label})))
}

func (p principal) signedIn() bool { return p.Role != "" }

// staff reports whether p works for the service: support, sales or admin.
func (p principal) staff() bool { return p.signedIn() && p.Role != domain.RoleCustomer }

// canRead: a customer reads their own account, support and admin every
// account, sales the demo accounts.
func (p principal) canRead(a domain.Account) bool {
	switch p.Role {
	case domain.RoleAdmin, domain.RoleSupport:
		return true
	case domain.RoleSales:
		return a.Demo
	case domain.RoleCustomer:
		return a.ID == p.Account
	}
	return false
}

// action is something a principal may do to an account. Each is named
// once, so that the handler that does it and the page that offers it ask
// the same question: can.
type action int

const (
	actRead         action = iota // open the account's pages
	actBuy                        // buy a package
	actCreateApp                  // create an application
	actRecordUsage                // import sessions (a CSV file, the API)
	actLiveRoom                   // let users join and leave a live room
	actManageTokens               // create and revoke API tokens
	actManageAlerts               // change the alert settings, add and delete webhooks
	actReadAudit                  // read the audit trail
	actBackdate                   // record a purchase or an application in the past
	actOpenAccount                // open a new account
)

// can reports whether p may do act to account a. A nil account asks
// whether p may do it to some account (the plans page before an account is
// chosen, the account list's form). Support only reads; sales work on demo
// accounts; a customer on their own; admins on all. Pages show an action
// only where can allows it, and the handler that does it checks the same.
func can(p principal, act action, a *domain.Account) bool {
	if !p.signedIn() || (a != nil && !p.canRead(*a)) {
		return false
	}
	switch act {
	case actRead:
		return true
	case actBuy, actCreateApp, actRecordUsage, actLiveRoom, actManageTokens, actManageAlerts:
		return p.Role != domain.RoleSupport
	case actReadAudit:
		return p.staff()
	case actBackdate:
		return p.Role == domain.RoleAdmin
	case actOpenAccount:
		return p.Role == domain.RoleAdmin || p.Role == domain.RoleSales
	}
	return false
}

// canBackdate: only admins record history in the past.
func (p principal) canBackdate() bool { return can(p, actBackdate, nil) }

// canCreateAccounts: admins open any account, sales demo accounts.
func (p principal) canCreateAccounts() bool { return can(p, actOpenAccount, nil) }

// permissions is what the pages of account a offer p, from can.
func permissions(p principal, a domain.Account) views.Can {
	return views.Can{
		Buy: can(p, actBuy, &a), CreateApp: can(p, actCreateApp, &a), RecordUsage: can(p, actRecordUsage, &a),
		LiveRoom: can(p, actLiveRoom, &a), ManageTokens: can(p, actManageTokens, &a), ReadAudit: can(p, actReadAudit, &a),
		Backdate: can(p, actBackdate, &a), ManageAlerts: can(p, actManageAlerts, &a),
	}
}

var errForbidden = newError(http.StatusForbidden, "forbidden", "you may not do this")

// refuse logs that the principal was refused what exists (a 403, or a 404
// that hides it) and returns err: a run of them is someone probing, or a
// link that shows what it should not.
func (h *Handler) refuse(c echo.Context, err *apiError) error {
	p := who(c)
	label := p.Label
	if label == "" {
		label = "anonymous"
	}
	r := c.Request()
	h.log.Warn("authorization refused", "principal", label, "role", string(p.Role), "user_id", p.UserID,
		"method", r.Method, "path", r.URL.Path, "status", err.Status, "ip", c.RealIP())
	return err
}

// readAccount fetches account id if the caller may read it. Any other
// account answers 404, so that nobody learns which accounts exist.
func (h *Handler) readAccount(c echo.Context, id int64) (domain.Account, error) {
	a, err := h.store.Account(c.Request().Context(), id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Account{}, errNotFound
	}
	if err == nil && !who(c).canRead(a) {
		return domain.Account{}, h.refuse(c, errNotFound)
	}
	return a, err
}

// accountFor is readAccount for doing act: one who may read the account
// but not do act to it gets 403.
func (h *Handler) accountFor(c echo.Context, id int64, act action) (domain.Account, error) {
	a, err := h.readAccount(c, id)
	if err == nil && !can(who(c), act, &a) {
		return domain.Account{}, h.refuse(c, errForbidden)
	}
	return a, err
}

// authenticateAPI reads "Authorization: Bearer <token>": the staff token
// (compared in constant time; without RTCBILL_ADMIN_TOKEN there is none)
// acts as an admin; a customer's token reaches that customer's account.
func (h *Handler) authenticateAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rtcbill"`)
			return newError(http.StatusUnauthorized, "unauthorized", "a bearer token is required: Authorization: Bearer <token>")
		}
		if h.staff != nil && subtle.ConstantTimeCompare([]byte(token), h.staff) == 1 {
			setPrincipal(c, principal{Role: domain.RoleAdmin, Label: "staff token"})
			return next(c)
		}
		ctx := c.Request().Context()
		tokenID, account, err := h.store.AccountForToken(ctx, token)
		if errors.Is(err, domain.ErrNotFound) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rtcbill", error="invalid_token"`)
			return newError(http.StatusUnauthorized, "unauthorized", "the bearer token is not valid")
		}
		if err != nil {
			return err
		}
		if err := h.store.TouchAPIToken(ctx, tokenID, h.now()); err != nil {
			h.log.Warn("unable to record a token's use", "error", err)
		}
		setPrincipal(c, principal{Role: domain.RoleCustomer, Account: account, Label: fmt.Sprintf("API token %d of account %d", tokenID, account)})
		return next(c)
	}
}

func (h *Handler) requireStaff(c echo.Context) error {
	if !who(c).staff() {
		return h.refuse(c, newError(http.StatusForbidden, "forbidden", "only staff may do this"))
	}
	return nil
}

// sessionUserKey holds the signed-in user's id in the web session.
const sessionUserKey = "user_id"

// identify reads the signed-in user from the web session, each request
// anew, so a changed role or a removed user takes effect at once. A session
// that may not go on (keepSession: a disabled user, all sessions ended, a
// timeout) is destroyed and the request goes on as a visitor's.
func (h *Handler) identify(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if id := h.sessions.GetInt64(ctx, sessionUserKey); id != 0 {
			u, err := h.store.UserByID(ctx, id)
			switch {
			case errors.Is(err, domain.ErrNotFound):
				h.sessions.Remove(ctx, sessionUserKey)
			case err != nil:
				return err
			case !h.keepSession(ctx, u):
				if err := h.sessions.Destroy(ctx); err != nil {
					return err
				}
			default:
				setPrincipal(c, principal{Role: u.Role, UserID: u.ID, Email: u.Email, Account: u.AccountID,
					Label: fmt.Sprintf("%s (%s)", u.Email, u.Role)})
			}
		}
		return next(c)
	}
}

// signedIn sends visitors to the sign-in page and back here afterwards.
func signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !who(c).signedIn() {
			if c.Request().Method != http.MethodGet {
				return newError(http.StatusUnauthorized, "unauthorized", "sign in first")
			}
			return c.Redirect(http.StatusSeeOther, "/signin?next="+escapeQuery(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// staffOnly lets support, sales and admins through; customers get 404.
func (h *Handler) staffOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !who(c).staff() {
			return h.refuse(c, errNotFound)
		}
		return next(c)
	}
}

// adminOnly lets admins through; others get 404.
func (h *Handler) adminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if who(c).Role != domain.RoleAdmin {
			return h.refuse(c, errNotFound)
		}
		return next(c)
	}
}

// userNav is the header's view of who is signed in.
func userNav(p principal) *views.UserNav {
	if !p.signedIn() || p.UserID == 0 {
		return nil
	}
	return &views.UserNav{Email: p.Email, Role: string(p.Role), AccountID: p.Account}
}
