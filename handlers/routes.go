// Package handlers holds the HTTP side of rtcbill: the route table, the
// JSON API of docs/api.md and the console's pages. Handlers stay
// thin: parse, validate, call the store, shape the answer.
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rtcbill/db"
	"rtcbill/static"
	"rtcbill/webhooks"
)

// BodyLimit caps every request body; a larger one gets 413. A full batch of
// db.MaxBatch sessions with long ids stays well below it.
const BodyLimit = "8M"

// Config is what the handlers need from main.
type Config struct {
	Store db.Store
	// AdminToken is the staff token; empty means no staff token exists.
	AdminToken string
	// SecureCookies marks the console's cookies Secure, with the __Host-
	// prefix: set it when the console is reached over TLS. An https BaseURL
	// does the same.
	SecureCookies bool
	// IdleTimeout ends a sign-in after this long without a request
	// (DefaultIdleTimeout when zero); a sign-in lasts 12 hours at most.
	IdleTimeout time.Duration
	// Now is the clock; handlers never read time.Now themselves.
	Now    func() time.Time
	Logger *slog.Logger
	// Limits are the rate limits and quotas; zero fields take the defaults.
	Limits Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	// BaseURL is the console's public address ("https://billing.example.com"),
	// for the examples its pages show.
	BaseURL string
	// Addr is the address the server listens on: without a BaseURL the
	// examples name http://Addr (localhost when Addr names no host).
	Addr string
	// Context bounds the handlers' background work (sweeping the rate
	// limiters); without one, none runs and the limiters stay bounded by
	// their size alone.
	Context context.Context
	// WebhookAllowHosts are the host:port pairs (as written in URLs) that
	// webhooks may reach over plain http and at any address
	// (RTCBILL_WEBHOOK_ALLOW_HOSTS).
	WebhookAllowHosts webhooks.AllowList
	// pageHook, for tests, hears each look into a page cache.
	pageHook func(cache string, hit bool)
}

// Handler serves rtcbill.
type Handler struct {
	store    db.Store
	staff    []byte
	now      func() time.Time
	log      *slog.Logger
	sessions *scs.SessionManager
	// secure, origin, idle and csrfSecret: see initSessions and csrf.go.
	secure     bool
	origin     string
	idle       time.Duration
	csrfSecret csrfSecret
	// signIns counts failed sign-ins per address and per (address, e-mail).
	signIns *signInLimiter
	// signUps counts sign-ups per address, signUpsAll in all.
	signUps, signUpsAll *window
	// estimates counts estimator requests per address; estimating holds
	// a token per estimate running.
	estimates  *buckets
	estimating chan struct{}
	limits     Limits
	baseURL    string
	// plansCache keeps the rendered catalogue page (see showPlans).
	plansCache pageCache
	// billPages keeps rendered bill pages (see showBillPage).
	billPages pageCache
	// estimatePages keeps rendered estimator answers (see showEstimate).
	estimatePages pageCache
	// usageKept keeps the overview's usage figures (see overviewUsage).
	usageKept usageCache
	pageHook  func(cache string, hit bool)
	// webhookHosts: see Config.WebhookAllowHosts.
	webhookHosts webhooks.AllowList
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// New builds the echo server with the whole route table.
func New(cfg Config) *echo.Echo {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	lim := cfg.Limits.withDefaults()
	h := &Handler{store: cfg.Store, now: cfg.Now, log: cfg.Logger, signIns: newSignInLimiter(),
		signUps: newWindow(lim.SignUpsPerAddress, time.Hour), signUpsAll: newWindow(lim.SignUpsPerHour, time.Hour),
		estimates: newBuckets(lim.EstimatesPerMinute), estimating: make(chan struct{}, lim.EstimateConcurrency),
		limits: lim, baseURL: cfg.BaseURL, pageHook: cfg.pageHook, webhookHosts: cfg.WebhookAllowHosts}
	if h.baseURL == "" {
		h.baseURL = addrURL(cfg.Addr)
	}
	if cfg.Context != nil {
		go h.sweepLimits(cfg.Context, time.Minute)
	}
	if cfg.AdminToken != "" {
		h.staff = []byte(cfg.AdminToken)
	}
	h.initSessions(cfg)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.handleError
	// The client's address is the connection's, unless it comes from a
	// trusted proxy: X-Forwarded-For cannot be forged to dodge a limit.
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(middleware.Recover())
	// Uploads may take longer than the server's timeouts (Timeouts).
	e.Use(extendDeadlines(map[string]time.Duration{"POST /apps/:sdk_app_id/import": lim.ImportTimeout}))
	e.Use(h.logRequests())
	e.Use(middleware.BodyLimit(BodyLimit))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "strict-origin-when-cross-origin",
		ContentSecurityPolicy: contentSecurityPolicy,
	}))

	e.GET("/healthz", h.health)
	e.GET("/static/*", echo.WrapHandler(staticFiles()))

	// The pages: a web session, the signed-in user, the language, no
	// unsafe request from another origin, and a CSRF token on every form.
	pages := e.Group("", h.loadSession, h.identify, withLang, h.sameOrigin, h.csrf)
	pages.GET("/", h.showPlans)
	pages.GET("/plans", h.showPlans)
	pages.GET("/estimate", h.showEstimate, h.limitEstimates)
	pages.GET("/lang", h.switchLang)
	pages.GET("/signin", h.showSignIn)
	pages.POST("/signin", h.submitSignIn)
	pages.GET("/signup", h.showSignUp)
	pages.POST("/signup", h.submitSignUp)
	pages.POST("/signout", h.submitSignOut)
	pages.GET("/reset/:link", h.showReset)
	pages.POST("/reset/:link", h.submitReset)
	pages.GET("/forgot", h.showForgot)
	pages.POST("/forgot", h.submitForgot)
	pages.GET("/signup/confirm/:link", h.showConfirmSignUp)
	pages.POST("/signup/confirm/:link", h.submitConfirmSignUp)

	// Not an echo group with middleware: echo would send every unknown
	// path through it, and a visitor would be asked to sign in where the
	// answer is 404 (see guarded).
	member := guarded{pages, []echo.MiddlewareFunc{signedIn, h.withNotifications}}
	member.GET("/accounts", h.showAccounts)
	member.POST("/accounts", h.submitAccount)
	member.GET("/accounts/:id", h.showAccountPage)
	member.GET("/accounts/:id/buy/:plan", h.showBuy)
	member.POST("/accounts/:id/buy/:plan", h.submitBuy)
	member.GET("/accounts/:id/orders/:package", h.showOrder)
	member.GET("/accounts/:id/apps", h.showAppsPage)
	member.POST("/accounts/:id/apps", h.submitApp)
	member.GET("/accounts/:id/bills", h.showBillsPage)
	member.GET("/accounts/:id/bills/:month", h.showBillPage) // also :month.csv
	member.GET("/accounts/:id/bills/:month/rooms", h.showBillRoomsPage)
	member.GET("/accounts/:id/tokens", h.showTokens)
	member.POST("/accounts/:id/tokens", h.submitToken)
	member.POST("/accounts/:id/tokens/:token/revoke", h.submitRevokeToken)
	member.GET("/accounts/:id/audit", h.showAudit, h.staffOnly)
	member.GET("/accounts/:id/notifications", h.showNotifications)
	member.POST("/accounts/:id/notifications/read", h.submitNotificationsRead)
	member.GET("/accounts/:id/alerts", h.showAlertsPage)
	member.POST("/accounts/:id/alerts", h.submitAlerts)
	member.GET("/accounts/:id/webhooks", h.showWebhooksPage)
	member.POST("/accounts/:id/webhooks", h.submitWebhook)
	member.GET("/accounts/:id/webhooks/:webhook_id", h.showWebhooksPage)
	member.POST("/accounts/:id/webhooks/:webhook_id/delete", h.submitDeleteWebhook)
	member.POST("/accounts/:id/webhooks/:webhook_id/deliveries/:event_id/retry", h.submitRetryDelivery)
	member.GET("/apps/:sdk_app_id/rooms/:room_id", h.showRoomPage)
	member.GET("/apps/:sdk_app_id/rooms/:room_id/live", h.showLivePage)
	member.POST("/apps/:sdk_app_id/rooms/:room_id/live/join", h.submitLiveJoin, h.liveQuota)
	member.POST("/apps/:sdk_app_id/rooms/:room_id/live/leave", h.submitLiveLeave)
	member.GET("/admin/users", h.showUsers, h.adminOnly)
	member.POST("/admin/users", h.submitUser, h.adminOnly)
	member.POST("/admin/demo", h.submitDemo, h.adminOnly)
	member.POST("/admin/users/:user/disable", h.submitDisableUser, h.adminOnly)
	member.POST("/admin/users/:user/enable", h.submitEnableUser, h.adminOnly)
	member.POST("/admin/users/:user/reset", h.submitResetUser, h.adminOnly)
	member.GET("/security", h.showSecurity)
	member.POST("/security/password", h.submitPassword)
	member.POST("/security/signout-everywhere", h.submitSignOutEverywhere)
	member.POST("/security/language", h.submitMailLang)
	member.POST("/apps/:sdk_app_id/import", h.submitImport)

	api := e.Group("/api/v1")
	// An unknown path of the API is a JSON 404 for everyone, without the
	// pages' session and language.
	api.RouteNotFound("/*", func(echo.Context) error { return errNotFound })
	api.GET("/plans", h.listPlans)
	api.GET("/estimate", h.estimateAPI, h.limitEstimates)
	api.GET("/openapi.json", h.showOpenAPI)

	auth := guarded{api, []echo.MiddlewareFunc{h.authenticateAPI}}
	auth.POST("/accounts", h.createAccount)
	auth.GET("/accounts", h.searchAccounts)
	auth.GET("/accounts/:id", h.showAccount)
	auth.GET("/accounts/:id/apps", h.listApps)
	auth.POST("/accounts/:id/apps", h.createApp)
	auth.POST("/accounts/:id/purchases", h.purchase)
	auth.GET("/accounts/:id/packages", h.listPackages)
	auth.GET("/accounts/:id/bills/:month", h.showBill) // also :month.csv
	auth.GET("/accounts/:id/bills/:month/rooms", h.showBillRooms)
	auth.POST("/apps/:sdk_app_id/sessions", h.ingestSessions)
	auth.POST("/apps/:sdk_app_id/rooms/:room_id/join", h.join, h.liveQuota)
	auth.POST("/apps/:sdk_app_id/rooms/:room_id/leave", h.leave)
	auth.GET("/accounts/:id/events", h.listEvents)
	auth.GET("/accounts/:id/alerts", h.showAlerts)
	auth.PUT("/accounts/:id/alerts", h.putAlerts)
	auth.POST("/accounts/:id/webhooks", h.createWebhook)
	auth.GET("/accounts/:id/webhooks", h.listWebhooks)
	auth.DELETE("/accounts/:id/webhooks/:webhook_id", h.deleteWebhook)
	auth.GET("/accounts/:id/webhooks/:webhook_id/deliveries", h.listDeliveries)
	auth.POST("/accounts/:id/webhooks/:webhook_id/deliveries/:event_id/retry", h.retryDelivery)
	return e
}

// guarded registers routes behind middleware of their own, like an echo
// group with middleware but without its catch-all: echo routes every
// unknown path below such a group through the group's middleware, so that
// an unknown URL would ask a visitor to sign in, or an API client for a
// token, where the answer is 404 for everyone.
type guarded struct {
	g  *echo.Group
	mw []echo.MiddlewareFunc
}

// GET registers a GET route behind the guard's middleware, then mw.
func (r guarded) GET(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.g.GET(path, h, append(slices.Clone(r.mw), mw...)...)
}

// POST registers a POST route behind the guard's middleware, then mw.
func (r guarded) POST(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.g.POST(path, h, append(slices.Clone(r.mw), mw...)...)
}

// PUT registers a PUT route behind the guard's middleware, then mw.
func (r guarded) PUT(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.g.PUT(path, h, append(slices.Clone(r.mw), mw...)...)
}

// DELETE registers a DELETE route behind the guard's middleware, then mw.
func (r guarded) DELETE(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.g.DELETE(path, h, append(slices.Clone(r.mw), mw...)...)
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
				slog.String("method", v.Method), slog.String("uri", redactURI(v.URI)),
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
