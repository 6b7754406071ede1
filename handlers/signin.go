package handlers

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

// home is where a user lands after signing in: a customer's own account,
// staff the account list.
func home(p principal) string {
	if p.Role == domain.RoleCustomer {
		return views.AccountURL(p.Account, "")
	}
	return "/accounts"
}

func (h *Handler) showSignIn(c echo.Context) error {
	if p := who(c); p.signedIn() {
		return c.Redirect(http.StatusSeeOther, home(p))
	}
	ctx := c.Request().Context()
	return render(c, http.StatusOK, views.SignIn(views.SignInPage{
		Meta: meta(c, views.T(ctx, "auth.signin.title")), Next: views.SafeNext(c.QueryParam("next")),
		Reset: c.QueryParam("reset") == "1", Forgot: h.store.SendsMail(),
	}))
}

// submitSignIn checks the e-mail and password. Failures are counted per
// client address and per (address, e-mail) pair (signInLimiter): once
// either has used up its failures, the next attempt is refused with 429
// and Retry-After before the password is even checked. An e-mail that
// cannot be an address (too long, not an address) fails at once, without
// a look at the users.
func (h *Handler) submitSignIn(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	tooLong := len(email) > domain.MaxEmailLen
	if tooLong {
		email = domain.Prefix(email, domain.MaxEmailLen)
	}
	page := views.SignInPage{Meta: meta(c, views.T(ctx, "auth.signin.title")), Email: email, Next: views.SafeNext(c.FormValue("next")),
		Forgot: h.store.SendsMail()}
	now := h.now()
	addr := clientAddress(c)
	if wait := h.signIns.Wait(now, addr, email); wait > 0 {
		page.Error, page.Limited = views.T(ctx, "limits.signin.wait", "Minutes", waitMinutes(wait)), true
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return render(c, http.StatusTooManyRequests, views.SignIn(page))
	}
	status := http.StatusUnauthorized
	password := c.FormValue("password")
	var u domain.User
	_, err := domain.CleanEmail("email", email)
	switch {
	case tooLong:
		status, err = http.StatusUnprocessableEntity, domain.ErrBadCredentials
		page.Error = views.T(ctx, "limits.email_too_long", "Max", domain.MaxEmailLen)
	case err != nil, len(password) > utf8.UTFMax*domain.MaxPasswordLen: // no user has either
		err = domain.ErrBadCredentials
	default:
		u, err = h.store.Authenticate(ctx, email, password)
	}
	if errors.Is(err, domain.ErrBadCredentials) {
		h.signIns.Fail(now, addr, email)
		// What was typed as the e-mail is recorded only if it is one: a
		// password typed into the wrong field must not reach the trail.
		// An e-mail too long to be one is kept as its first MaxEmailLen
		// bytes, which no password is as long as.
		detail := "(not an e-mail address)"
		if a, err := mail.ParseAddress(email); tooLong || (err == nil && a.Address == email) {
			detail = email
		}
		if errors.Is(err, domain.ErrUserDisabled) {
			detail += " (disabled user)"
		}
		if err := h.store.Audit(ctx, now, domain.AuditSignInFailed, 0, detail); err != nil {
			return err
		}
		if page.Error == "" {
			page.Error = views.T(ctx, "auth.signin.bad")
		}
		return render(c, status, views.SignIn(page))
	}
	if err != nil {
		return err
	}
	h.signIns.Succeed(addr, email)
	if err := h.signIn(c, u); err != nil {
		return err
	}
	next := page.Next
	if next == "/" || next == "" {
		next = home(who(c))
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// waitMinutes is a wait in whole minutes, rounded up, for messages.
func waitMinutes(d time.Duration) int64 { return int64((d + time.Minute - 1) / time.Minute) }

// signIn starts a user's session under a new token (no fixation) and
// records it.
func (h *Handler) signIn(c echo.Context, u domain.User) error {
	if err := h.startSession(c.Request().Context(), u); err != nil {
		return err
	}
	setPrincipal(c, principal{Role: u.Role, UserID: u.ID, Email: u.Email, Account: u.AccountID, Label: u.Email + " (" + string(u.Role) + ")"})
	return h.store.Audit(c.Request().Context(), h.now(), domain.AuditSignIn, u.AccountID, "")
}

func (h *Handler) submitSignOut(c echo.Context) error {
	ctx := c.Request().Context()
	if p := who(c); p.signedIn() {
		if err := h.store.Audit(ctx, h.now(), domain.AuditSignOut, p.Account, ""); err != nil {
			return err
		}
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

func (h *Handler) signUpPage(c echo.Context, plan string) views.SignUpPage {
	ctx := c.Request().Context()
	p := views.SignUpPage{Meta: meta(c, views.T(ctx, "auth.signup.title")), MinPassword: domain.MinPasswordLen, MaxPassword: domain.MaxPasswordLen,
		ByMail: h.store.SendsMail()}
	if pl, ok := billing.LookupPlan(plan); ok && pl.Purchasable {
		p.Plan, p.PlanName = plan, views.PlanName(views.Lang(ctx), pl)
	}
	return p
}

func (h *Handler) showSignUp(c echo.Context) error {
	if p := who(c); p.signedIn() {
		return c.Redirect(http.StatusSeeOther, home(p))
	}
	return render(c, http.StatusOK, views.SignUp(h.signUpPage(c, c.QueryParam("plan"))))
}

// submitSignUp opens an account and its customer user, signs them in, and
// goes on to the plan they came to buy, if any. When the console sends
// e-mail, it opens nothing yet: it mails a link that confirms the address
// (or, to an address that has a user, a mail saying so) and answers the
// same page whichever it was (submitSignUpByMail).
func (h *Handler) submitSignUp(c echo.Context) error {
	if p := who(c); p.signedIn() {
		// Signing up while signed in would switch the session to a new
		// customer; send the user home instead.
		return c.Redirect(http.StatusSeeOther, home(p))
	}
	ctx := c.Request().Context()
	page := h.signUpPage(c, c.FormValue("plan"))
	page.Name, page.Email = c.FormValue("name"), strings.TrimSpace(c.FormValue("email"))
	if refused := h.checkSignUpText(c, &page); refused {
		return render(c, http.StatusUnprocessableEntity, views.SignUp(page))
	}
	now := h.now()
	// Every sign-up that gets this far counts, one for an e-mail that
	// already has a user too: the limit bounds how fast e-mails can be
	// tried.
	if wait := h.signUps.Take(now, keyOf("signup", clientAddress(c))); wait > 0 {
		return errRateLimited(c, wait)
	}
	if wait := h.signUpsAll.Take(now, keyOf("signup")); wait > 0 {
		return errRateLimited(c, wait)
	}
	lang := views.LangCode(views.Lang(ctx))
	if h.store.SendsMail() {
		return h.submitSignUpByMail(c, page, lang, now)
	}
	u, a, err := h.store.SignUp(ctx, page.Name, page.Email, c.FormValue("password"), lang, now)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return h.refuseSignUp(c, page, ve)
	case errors.Is(err, domain.ErrEmailTaken):
		// Not "this e-mail has an account": the way on for its owner.
		page.EmailError = views.T(ctx, "limits.signup.email_unavailable")
		return render(c, http.StatusConflict, views.SignUp(page))
	case err != nil:
		return err
	}
	if err := h.signIn(c, u); err != nil {
		return err
	}
	next := views.AccountURL(a.ID, "")
	if page.Plan != "" {
		next = views.AccountURL(a.ID, "/buy/"+page.Plan)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// submitSignUpByMail keeps the sign-up and has its link mailed, or, for
// an address that has a user, a mail saying so; the answer is the same.
func (h *Handler) submitSignUpByMail(c echo.Context, page views.SignUpPage, lang string, now time.Time) error {
	ctx := c.Request().Context()
	err := h.store.RequestSignUp(ctx, page.Name, page.Email, c.FormValue("password"), lang, page.Plan, now)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return h.refuseSignUp(c, page, ve)
	case err != nil:
		return err
	}
	return render(c, http.StatusOK, views.SignUpSent(views.SignUpSentPage{
		Meta: meta(c, views.T(ctx, "mail.signup.sent.title")), Email: page.Email}))
}

// refuseSignUp shows the sign-up form again with why it was refused.
func (h *Handler) refuseSignUp(c echo.Context, page views.SignUpPage, ve *domain.ValidationError) error {
	ctx := c.Request().Context()
	switch ve.Field {
	case "name":
		page.NameError = views.T(ctx, "auth.error.name")
	case "email":
		page.EmailError = views.T(ctx, "auth.error.email")
	default:
		page.PasswordError = views.PasswordMsg(domain.CheckPassword(c.FormValue("password"), page.Email)).Text(ctx)
	}
	return render(c, http.StatusUnprocessableEntity, views.SignUp(page))
}

// checkSignUpText checks the sign-up's name and e-mail before anything
// else is done with them, and sets the page's errors; it reports whether
// either was refused. A refused value is shown back cut to its limit.
func (h *Handler) checkSignUpText(c echo.Context, page *views.SignUpPage) bool {
	ctx := c.Request().Context()
	if _, err := domain.CleanName("name", page.Name); err != nil {
		page.NameError = views.T(ctx, "auth.error.name")
		if why := views.TextProblem(page.Name, false); why.Set() {
			page.NameError = why.Text(ctx)
		}
		page.Name = domain.Prefix(page.Name, utf8.UTFMax*domain.MaxNameLen)
	}
	if _, err := domain.CleanEmail("email", page.Email); err != nil {
		page.EmailError = views.T(ctx, "auth.error.email")
		if why := views.TextProblem(page.Email, true); why.Set() {
			page.EmailError = why.Text(ctx)
		}
		page.Email = domain.Prefix(page.Email, domain.MaxEmailLen)
	}
	return page.NameError != "" || page.EmailError != ""
}
