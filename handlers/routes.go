// Package handlers holds the HTTP side of rtcbill: the route table, the
// JSON API of ../shared/docs/api.md and, later, the pages. Handlers stay
// thin: parse, validate, call the store, shape the answer.
package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rtcbill/db"
	"rtcbill/static"
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
	e.GET("/static/*", echo.WrapHandler(staticFiles()))

	// The pages. Until sign-in exists they are open to whoever reaches the
	// listen address, which is loopback by default.
	pages := e.Group("", withLang)
	pages.GET("/", h.showPlans)
	pages.GET("/plans", h.showPlans)
	pages.GET("/lang", switchLang)
	pages.GET("/accounts", h.showAccounts)
	pages.POST("/accounts", h.submitAccount)
	pages.GET("/accounts/:id", h.showAccountPage)
	pages.GET("/accounts/:id/buy/:plan", h.showBuy)
	pages.POST("/accounts/:id/buy/:plan", h.submitBuy)
	pages.GET("/accounts/:id/orders/:package", h.showOrder)
	pages.GET("/accounts/:id/apps", h.showAppsPage)
	pages.POST("/accounts/:id/apps", h.submitApp)
	pages.GET("/accounts/:id/bills", h.showBillsPage)
	pages.GET("/accounts/:id/bills/:month", h.showBillPage) // also :month.csv
	pages.GET("/apps/:sdk_app_id/rooms/:room_id", h.showRoomPage)
	pages.GET("/apps/:sdk_app_id/rooms/:room_id/live", h.showLivePage)
	pages.POST("/apps/:sdk_app_id/rooms/:room_id/live/join", h.submitLiveJoin)
	pages.POST("/apps/:sdk_app_id/rooms/:room_id/live/leave", h.submitLiveLeave)

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

// staticFiles serves the embedded files. Vendored files carry their version
// in their name and never change; the project's own CSS may change with a
// release, so it is cached for an hour.
func staticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/vendor/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		files.ServeHTTP(w, r)
	})
}
