package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/views"
)

// showBillsPage answers GET /accounts/:id/bills: every monthly bill of the
// account as of now, newest first (R11).
func (h *Handler) showBillsPage(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	bills, err := h.store.Bills(ctx, a.ID, h.now())
	if err != nil {
		return err
	}
	m := accountMeta(c, a, "bills", views.T(ctx, "bills.title"))
	page := views.NewBillsPage(m, a.ID, a.Name, bills)
	page.AsOf(h.now())
	return render(c, http.StatusOK, views.Bills(page))
}

// showBillPage answers GET /accounts/:id/bills/:month with the bill page
// and /accounts/:id/bills/:month.csv with the same CSV as the API (echo
// cannot route a suffix after a parameter, so the handler reads it).
func (h *Handler) showBillPage(c echo.Context) error {
	now := h.now()
	param, asCSV := strings.CutSuffix(c.Param("month"), ".csv")
	month, err := billMonth(param, now)
	if err != nil {
		return err
	}
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A bill page changes only when the data it is made of does (the
	// account's sessions, packages and applications, which move its
	// version on), when a month ends or its close grace passes:
	// keep each rendered page under a key naming all of that and how the
	// viewer sees it. Another account's writes leave it kept.
	var key string
	if !asCSV {
		version, err := h.store.AccountVersion(ctx, a.ID)
		if err != nil {
			return err
		}
		key = viewKey(c, strconv.FormatInt(version, 10), billing.MonthOf(now).String(),
			billing.ClosableThrough(now, h.store.CloseGrace()).String())
		body, ok := h.billPages.get(key)
		h.look("bill", ok)
		if ok {
			return serveShared(c, http.StatusOK, body, a.ID)
		}
	}
	bill, err := h.store.Bill(ctx, a.ID, month, now)
	if err != nil {
		return err
	}
	if asCSV {
		return h.streamBillCSV(c, a.ID, bill, now)
	}
	m := accountMeta(c, a, "bills", views.T(ctx, "bills.bill.title", "Month", month.String()))
	m.Account.Unread = views.UnreadPlaceholder // each viewer's own, put in by serveShared
	// The bill names its applications and packages (their versions are
	// the account's, in the key).
	apps, err := h.store.Apps(ctx, a.ID)
	if err != nil {
		return err
	}
	pkgs, err := h.store.Packages(ctx, a.ID)
	if err != nil {
		return err
	}
	body, err := renderShared(c, &m, func() templ.Component {
		page := views.NewBillPage(m, views.Lang(ctx), a.ID, a.Name, bill)
		page.Describe(a, apps, pkgs)
		return views.Bill(page)
	})
	if err != nil {
		return err
	}
	h.billPages.put(key, body)
	return serveShared(c, http.StatusOK, body, a.ID)
}

// billMonth reads a bill's month as showBill does: YYYY-MM, already begun
// at now, and not before 2015.
func billMonth(param string, now time.Time) (billing.Month, error) {
	month, err := billing.ParseMonth(param)
	if err != nil {
		return billing.Month{}, fieldError("month", "month must be YYYY-MM, not %q", param).because("month_format", "Value", param)
	}
	if billing.MonthOf(now).Before(month) {
		return billing.Month{}, fieldError("month", "month %s has not started yet", month).because("month_not_started", "Month", month)
	}
	if month.Start().Before(billing.MinInstant) {
		return billing.Month{}, fieldError("month", "month %s is before 2015-01", month).because("month_before_2015", "Month", month)
	}
	return month, nil
}
