// Package handlers holds the HTTP side of rtcbill: the route table, the
// JSON API of ../shared/docs/api.md and, later, the pages. Handlers stay
// thin: parse, validate, call the store, shape the answer.
package handlers

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rtcbill/db"
)

// BodyLimit caps every request body; a larger one gets 413. A full batch of
// db.MaxBatch sessions with long ids stays well below it.
const BodyLimit = "8M"

// Config is what the handlers need from main.
type Config struct {
	Store *db.Store
	// AdminToken is the staff token; empty means no staff token exists.
	AdminToken string
	// Now is the clock; handlers never read time.Now themselves.
	Now    func() time.Time
	Logger *slog.Logger
}

// Handler serves rtcbill.
type Handler struct {
	store *db.Store
	staff []byte
	now   func() time.Time
	log   *slog.Logger
}

// New builds the echo server with the whole route table.
func New(cfg Config) *echo.Echo {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{store: cfg.Store, now: cfg.Now, log: cfg.Logger}
	if cfg.AdminToken != "" {
		h.staff = []byte(cfg.AdminToken)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.handleError
	e.Use(middleware.Recover())
	e.Use(h.logRequests())
	e.Use(middleware.BodyLimit(BodyLimit))

	e.GET("/healthz", h.health)

	api := e.Group("/api/v1")
	api.GET("/plans", h.listPlans)

	auth := api.Group("", h.authenticate)
	auth.POST("/accounts", h.createAccount)
	auth.GET("/accounts", h.searchAccounts)
	auth.GET("/accounts/:id", h.showAccount)
	auth.GET("/accounts/:id/apps", h.listApps)
	auth.POST("/accounts/:id/apps", h.createApp)
	auth.POST("/accounts/:id/purchases", h.purchase)
	auth.GET("/accounts/:id/packages", h.listPackages)
	auth.GET("/accounts/:id/bills/:month", h.showBill) // also :month.csv
	auth.POST("/apps/:sdk_app_id/sessions", h.ingestSessions)
	auth.POST("/apps/:sdk_app_id/rooms/:room_id/join", h.join)
	auth.POST("/apps/:sdk_app_id/rooms/:room_id/leave", h.leave)
	return e
}

func (h *Handler) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("uri", v.URI),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
			}
			if v.Error != nil && v.Status >= 500 {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			h.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}
