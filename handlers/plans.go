package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
)

type planJSON struct {
	Code            string           `json:"code"`
	NameZh          string           `json:"name_zh"`
	NameEn          string           `json:"name_en"`
	IncludedMinutes int64            `json:"included_minutes"`
	Price           string           `json:"price"`
	Purchasable     bool             `json:"purchasable"`
	Features        billing.Features `json:"features"`
}

type plansJSON struct {
	Plans   []planJSON `json:"plans"`
	Overage struct {
		PricePer1000Minutes string `json:"price_per_1000_minutes"`
	} `json:"overage"`
}

// listPlans answers GET /api/v1/plans: the catalog (R1), no auth needed.
func (h *Handler) listPlans(c echo.Context) error {
	var out plansJSON
	for _, p := range billing.Plans() {
		out.Plans = append(out.Plans, planJSON{string(p.Code), p.NameZh, p.NameEn, p.IncludedMinutes,
			billing.FormatMoney(p.Price), p.Purchasable, p.Features})
	}
	out.Overage.PricePer1000Minutes = billing.FormatMoney(billing.OveragePricePer1000())
	return c.JSON(http.StatusOK, out)
}

// health answers GET /healthz: 200 when the database answers.
func (h *Handler) health(c echo.Context) error {
	if err := h.store.Ping(c.Request().Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
