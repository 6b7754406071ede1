package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
)

type packageJSON struct {
	ID               int64  `json:"id"`
	OrderID          string `json:"order_id"`
	Plan             string `json:"plan"`
	PurchasedAt      string `json:"purchased_at"`
	ValidFrom        string `json:"valid_from"`
	ExpiresOn        string `json:"expires_on"`
	IncludedMinutes  int64  `json:"included_minutes"`
	Price            string `json:"price"`
	UsedMinutes      *int64 `json:"used_minutes,omitempty"`
	RemainingMinutes *int64 `json:"remaining_minutes,omitempty"`
	ExpiredMinutes   *int64 `json:"expired_minutes,omitempty"`
	State            string `json:"state,omitempty"`
}

func toPackageJSON(p billing.Package) packageJSON {
	v := p.Validity()
	return packageJSON{
		ID: p.ID, OrderID: p.OrderID, Plan: string(p.Plan),
		PurchasedAt: billing.FormatInstant(p.PurchasedAt),
		ValidFrom:   billing.FormatDate(v.From), ExpiresOn: billing.FormatDate(v.ExpiresOn()),
		IncludedMinutes: p.Included, Price: billing.FormatMoney(p.Price),
	}
}

// purchase answers POST /api/v1/accounts/:id/purchases. A customer buys
// "now"; staff may pass a past purchased_at. With an Idempotency-Key, a
// repeat answers 200 with the package of the first request.
func (h *Handler) purchase(c echo.Context) error {
	id, err := h.accountParamFor(c, actBuy)
	if err != nil {
		return err
	}
	var in struct {
		Plan        string `json:"plan"`
		PurchasedAt string `json:"purchased_at"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.PurchasedAt != "" && !who(c).canBackdate() {
		return h.refuse(c, newError(http.StatusForbidden, "forbidden", "a customer's purchase is always now: only staff may pass purchased_at"))
	}
	now := h.now()
	at, err := parseInstant("purchased_at", in.PurchasedAt, now)
	if err != nil {
		return err
	}
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	pkg, created, err := h.store.Purchase(c.Request().Context(), id, in.Plan, at, key, now)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, toPackageJSON(pkg))
}

// listPackages answers GET /api/v1/accounts/:id/packages?at=: every
// package with what it used, has left and lost at expiry, as of at.
func (h *Handler) listPackages(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	at, err := h.atParam(c)
	if err != nil {
		return err
	}
	st, err := h.store.Standing(c.Request().Context(), id, at)
	if err != nil {
		return err
	}
	out := struct {
		Status   string        `json:"status"`
		At       string        `json:"at"`
		Packages []packageJSON `json:"packages"`
		Forecast *forecastJSON `json:"forecast"`
	}{Status: string(st.Status), At: billing.FormatInstant(at), Packages: []packageJSON{}}
	for _, ps := range st.Packages {
		out.Packages = append(out.Packages, toStandingJSON(ps))
	}
	if out.Forecast, err = h.forecast(c.Request().Context(), id, st, at); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func toStandingJSON(ps domain.PackageStanding) packageJSON {
	j := toPackageJSON(ps.Package)
	used, remaining, cleared := ps.Balance.UsedMinutes, ps.Balance.RemainingMinutes, ps.Balance.ClearedMinutes
	j.UsedMinutes, j.RemainingMinutes, j.ExpiredMinutes = &used, &remaining, &cleared
	j.State = string(ps.State)
	return j
}

// forecastJSON is the packages answer's forecast (see billing.ForecastFrom).
type forecastJSON struct {
	BasedOnDays   int     `json:"based_on_days"`
	MinutesPerDay int64   `json:"minutes_per_day"`
	RunsOutOn     *string `json:"runs_out_on"`
	Overage       int64   `json:"overage_minutes_until_next_expiry"`
}

// forecast is the packages answer's forecast at at: nil without usage in
// the 30 whole CST days before at's day.
func (h *Handler) forecast(ctx context.Context, accountID int64, st domain.Standing, at time.Time) (*forecastJSON, error) {
	f, ok, err := h.accountForecast(ctx, accountID, st, at)
	if err != nil || !ok {
		return nil, err
	}
	out := &forecastJSON{BasedOnDays: f.BasedOnDays, MinutesPerDay: f.MinutesPerDay, Overage: f.OverageUntilNextExpiry}
	if !f.RunsOutOn.IsZero() {
		d := billing.FormatDate(f.RunsOutOn)
		out.RunsOutOn = &d
	}
	return out, nil
}

// accountForecast is where the account's packages are heading at at
// (billing.ForecastFrom), from the usage of the 30 whole CST days before
// at's day and the balances of st, its standing at at; ok is false without
// usage then. The packages answer and the order page both say it.
func (h *Handler) accountForecast(ctx context.Context, accountID int64, st domain.Standing, at time.Time) (billing.Forecast, bool, error) {
	today := billing.DayStart(at)
	seconds, err := h.store.UsageSeconds(ctx, accountID, today.AddDate(0, 0, -billing.ForecastDays), today)
	if err != nil {
		return billing.Forecast{}, false, err
	}
	pkgs := make([]billing.Package, 0, len(st.Packages))
	remaining := map[int64]int64{}
	for _, ps := range st.Packages {
		pkgs = append(pkgs, ps.Package)
		remaining[ps.ID] = ps.Balance.RemainingMinutes
	}
	f, ok := billing.ForecastFrom(at, pkgs, remaining, st.Status == billing.StatusActive, seconds)
	return f, ok, nil
}
