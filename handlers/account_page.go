package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

// showAccounts answers GET /accounts?q=&buy=: the account list and search,
// and the form to open an account. With ?buy=PLAN (from a Buy button) each
// account leads to buying that plan.
func (h *Handler) showAccounts(c echo.Context) error {
	if p := who(c); !p.staff() {
		return c.Redirect(http.StatusSeeOther, home(p))
	}
	return h.renderAccounts(c, http.StatusOK, views.AccountForm{})
}

// accountsPageSize is how many accounts a page of the list shows.
const accountsPageSize = 50

func (h *Handler) renderAccounts(c echo.Context, status int, form views.AccountForm) error {
	ctx := c.Request().Context()
	q := c.QueryParam("q")
	if err := checkSearch(q); err != nil {
		return err
	}
	n, err := pageParam(c)
	if err != nil {
		return err
	}
	// Sales see demo accounts only: the search keeps to them, so that a
	// page is never emptied of what they may not see.
	found, err := h.store.SearchAccounts(ctx, domain.AccountSearch{Query: q, DemoOnly: who(c).Role == domain.RoleSales,
		Offset: pageOffset(n, accountsPageSize), Limit: accountsPageSize + 1})
	if err != nil {
		return err
	}
	found, more := trimPage(found, accountsPageSize)
	var accounts []domain.Account
	for _, a := range found {
		if who(c).canRead(a) {
			accounts = append(accounts, a)
		}
	}
	buy := c.QueryParam("buy")
	if buy == "" {
		buy = c.FormValue("buy")
	}
	page := views.NewAccountsPage(meta(c, views.T(ctx, "accounts.title")), views.Lang(ctx), q, accounts, buy, form)
	page.CanCreate, page.Demo = who(c).canCreateAccounts(), who(c).Role == domain.RoleSales
	page.Pager = newPager("/accounts", url.Values{"q": {q}, "buy": {buy}}, n, more)
	switch c.QueryParam("demo") {
	case "loaded":
		page.Flash = "accounts.demo.loaded"
	case "already":
		page.Flash = "accounts.demo.already"
	}

	// Support answers "how much is left?" from the list: each account's
	// status and the minutes its packages have left.
	now := h.now()
	for _, a := range accounts {
		st, err := h.store.Standing(ctx, a.ID, now)
		if err != nil {
			return err
		}
		page.ShowStanding(a.ID, st)
	}
	return render(c, status, views.Accounts(page))
}

// submitAccount answers POST /accounts: opens an account now and goes to
// it (or on to buying the plan the visitor came for).
func (h *Handler) submitAccount(c echo.Context) error {
	p := who(c)
	if !p.canCreateAccounts() {
		return h.refuse(c, errForbidden)
	}
	ctx := c.Request().Context()
	form := views.AccountForm{Name: c.FormValue("name"), Email: c.FormValue("email")}
	now := h.now()
	create := h.store.CreateAccount
	if p.Role == domain.RoleSales {
		create = h.store.CreateDemoAccount // sales work on demo accounts only
	}
	a, err := create(ctx, form.Name, form.Email, now, now)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		switch ve.Field {
		case "name":
			form.NameError = views.T(ctx, "accounts.error.name")
			if why := views.TextProblem(form.Name, false); why.Set() {
				form.NameError = why.Text(ctx)
			}
			form.Name = domain.Prefix(form.Name, 4*domain.MaxNameLen)
		default:
			form.EmailError = views.T(ctx, "accounts.error.email")
			if why := views.TextProblem(strings.TrimSpace(form.Email), true); why.Set() {
				form.EmailError = why.Text(ctx)
			}
			form.Email = domain.Prefix(form.Email, domain.MaxEmailLen)
		}
		return h.renderAccounts(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	next := views.AccountURL(a.ID, "")
	if plan, ok := billing.LookupPlan(c.FormValue("buy")); ok && plan.Purchasable {
		next = views.AccountURL(a.ID, "/buy/"+string(plan.Code))
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// showAccountPage answers GET /accounts/:id: status, packages, entitlements.
func (h *Handler) showAccountPage(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.now()
	st, err := h.store.Standing(ctx, a.ID, now)
	if err != nil {
		return err
	}
	apps, err := h.store.ListApps(ctx, a.ID, 0, 1)
	if err != nil {
		return err
	}
	if who(c).staff() {
		if err := h.store.Audit(ctx, now, domain.AuditAccountOpened, a.ID, ""); err != nil {
			return err
		}
	}
	page := views.NewAccountPage(accountMeta(c, a, "overview", a.Name), views.Lang(ctx), a, st, len(apps) > 0, now)
	if page.Banner != "new" {
		u, err := h.overviewUsage(c, a.ID, now)
		if err != nil {
			return err
		}
		page.ShowMonth(u.bill, u.names)
		page.ShowDays(now, u.days, u.names)
	}
	return render(c, http.StatusOK, views.Account(page))
}

// overviewUsage is what the overview's usage dashboard is made of: the
// running month's bill (its figures and busiest rooms), the usage per day
// and application of the views.DashboardDays days up to today's (from the
// daily sums: one row per day and application, whatever the sessions),
// and the names of the account's applications.
type overviewUsage struct {
	bill  billing.Bill
	days  []billing.DayAppUsage
	names map[int64]string
}

// size is about what u takes in memory, for the bound on usageKept.
func (u overviewUsage) size() int {
	n := 1024 + 32*len(u.days) + 64*len(u.bill.Rooms) + 48*len(u.bill.Days)
	for _, name := range u.names {
		n += 32 + len(name)
	}
	return n
}

// overviewUsage reads the dashboard's figures of account as of now, or
// takes them from usageKept: they change only when the data they are made
// of does (the account's sessions, packages and applications, which move
// its version on), when the day changes (the 30 days, the month) or when
// a month's close grace passes (its bill is then stored). The version is
// read first, so figures kept under it are never older than it.
func (h *Handler) overviewUsage(c echo.Context, account int64, now time.Time) (overviewUsage, error) {
	ctx := c.Request().Context()
	version, err := h.store.AccountVersion(ctx, account)
	if err != nil {
		return overviewUsage{}, err
	}
	today := billing.DayStart(now)
	key := fmt.Sprintf("%d/%d/%s/%s", account, version, billing.FormatDate(today), billing.ClosableThrough(now, h.store.CloseGrace()))
	u, ok := h.usageKept.get(key)
	h.look("overview-usage", ok)
	if ok {
		return u, nil
	}
	if u.bill, err = h.store.Bill(ctx, account, billing.MonthOf(now), now); err != nil {
		return u, err
	}
	first := today.AddDate(0, 0, -(views.DashboardDays - 1))
	if u.days, err = h.store.DailyUsage(ctx, account, first, today.AddDate(0, 0, 1)); err != nil {
		return u, err
	}
	apps, err := h.store.Apps(ctx, account)
	if err != nil {
		return u, err
	}
	u.names = make(map[int64]string, len(apps))
	for _, app := range apps {
		u.names[app.SDKAppID] = app.Name
	}
	h.usageKept.put(key, u)
	return u, nil
}

// buyPlan reads :plan; only purchasable plans have a purchase page.
func buyPlan(c echo.Context) (billing.Plan, error) {
	plan, ok := billing.LookupPlan(c.Param("plan"))
	if !ok || !plan.Purchasable {
		return billing.Plan{}, errNotFound
	}
	return plan, nil
}

func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var tokenPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// showBuy answers GET /accounts/:id/buy/:plan: the confirmation, with the
// dates R3 gives a purchase today and a fresh one-time token.
func (h *Handler) showBuy(c echo.Context) error {
	a, err := h.pageAccountFor(c, actBuy)
	if err != nil {
		return err
	}
	plan, err := buyPlan(c)
	if err != nil {
		return err
	}
	return h.renderBuy(c, http.StatusOK, a, plan, newToken(), "")
}

func (h *Handler) renderBuy(c echo.Context, status int, a domain.Account, plan billing.Plan, token, problem string) error {
	ctx := c.Request().Context()
	lang := views.Lang(ctx)
	page := views.NewBuyPage(accountMeta(c, a, "overview", views.T(ctx, "buy.title", "Plan", views.PlanName(lang, plan))),
		lang, a.ID, plan, h.now(), token)
	page.Error = problem
	page.CanBackdate = who(c).canBackdate()
	page.PurchasedAt = c.FormValue("purchased_at")
	return render(c, status, views.Buy(page))
}

// submitBuy answers POST /accounts/:id/buy/:plan. The form's one-time token
// is the purchase's idempotency key: a double click, a resubmit or the back
// button lands on the same order and buys once.
func (h *Handler) submitBuy(c echo.Context) error {
	a, err := h.pageAccountFor(c, actBuy)
	if err != nil {
		return err
	}
	plan, err := buyPlan(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	token := c.FormValue("token")
	if !tokenPattern.MatchString(token) {
		return h.renderBuy(c, http.StatusUnprocessableEntity, a, plan, newToken(), views.T(ctx, "buy.token_missing"))
	}
	now := h.now()
	at := now
	if v := strings.TrimSpace(c.FormValue("purchased_at")); v != "" && who(c).canBackdate() {
		// An admin records a purchase in the past (a demo history); the
		// field is a CST wall-clock time.
		t, err := time.ParseInLocation("2006-01-02T15:04", v, billing.CST)
		if err == nil {
			err = domain.CheckInstant("purchased_at", t, now)
		}
		if err != nil {
			return h.renderBuy(c, http.StatusUnprocessableEntity, a, plan, token, views.T(ctx, "buy.backdate_error"))
		}
		at = t
	}
	pkg, _, err := h.store.Purchase(ctx, a.ID, string(plan.Code), at, "web-"+token, now)
	if errors.Is(err, domain.ErrIdempotencyConflict) {
		return h.renderBuy(c, http.StatusConflict, a, plan, newToken(), views.T(ctx, "buy.token_missing"))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.AccountURL(a.ID, fmt.Sprintf("/orders/%d?new=1", pkg.ID)))
}

// showOrder answers GET /accounts/:id/orders/:package: the order detail,
// the package month by month and the account's forecast, the one the
// packages answer of the API gives.
func (h *Handler) showOrder(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("package"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	pkgs, err := h.store.Packages(ctx, a.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(pkgs, func(p billing.Package) bool { return p.ID == id })
	if i < 0 {
		return errNotFound
	}
	p, now := pkgs[i], h.now()
	history, err := h.store.PackageHistory(ctx, a.ID, p.ID, now)
	if err != nil {
		return err
	}
	st, err := h.store.Standing(ctx, a.ID, now)
	if err != nil {
		return err
	}
	f, ok, err := h.accountForecast(ctx, a.ID, st, now)
	if err != nil {
		return err
	}
	page := views.NewOrderPage(accountMeta(c, a, "overview", views.T(ctx, "order.title")), views.Lang(ctx), a, p, c.QueryParam("new") == "1")
	page.ShowHistory(history, p.Validity().ExpiresOn())
	page.ShowForecast(f, ok, st.Status == billing.StatusActive)
	return render(c, http.StatusOK, views.Order(page))
}
