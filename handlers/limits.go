package handlers

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rtcbill/domain"
	"rtcbill/views"
)

// Limits are the console's rate limits and quotas (docs/security.md lists
// each with its flag). A zero field takes DefaultLimits' value. Rate limits
// count per server process.
type Limits struct {
	// SignUpsPerAddress is how many sign-ups a client address may try in
	// an hour, those with an e-mail that already has a user included.
	SignUpsPerAddress int
	// SignUpsPerHour is how many the whole console takes in an hour.
	SignUpsPerHour int
	// EstimatesPerMinute is how many estimator requests (page and API) a
	// client address may make in a minute, as a token bucket.
	EstimatesPerMinute int
	// EstimateConcurrency is how many estimator requests run at once; one
	// more is refused rather than queued.
	EstimateConcurrency int
	// Apps, Tokens and LiveSessions are per-account quotas: applications,
	// API tokens not revoked, users in rooms at once.
	Apps, Tokens, LiveSessions int
	// ImportTimeout is how long a CSV upload may take to arrive and be
	// imported; the account's import lock expires after it too, should a
	// server stop in the middle of an import.
	ImportTimeout time.Duration
}

// DefaultLimits are generous for people and tight for scripts.
func DefaultLimits() Limits {
	return Limits{
		SignUpsPerAddress:   10,
		SignUpsPerHour:      300,
		EstimatesPerMinute:  60,
		EstimateConcurrency: 4,
		Apps:                100,
		Tokens:              50,
		LiveSessions:        1000,
		ImportTimeout:       10 * time.Minute,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.SignUpsPerAddress, d.SignUpsPerAddress)
	set(&l.SignUpsPerHour, d.SignUpsPerHour)
	set(&l.EstimatesPerMinute, d.EstimatesPerMinute)
	set(&l.EstimateConcurrency, d.EstimateConcurrency)
	set(&l.Apps, d.Apps)
	set(&l.Tokens, d.Tokens)
	set(&l.LiveSessions, d.LiveSessions)
	if l.ImportTimeout <= 0 {
		l.ImportTimeout = d.ImportTimeout
	}
	return l
}

// Server timeouts: headers must arrive within ServerReadHeaderTimeout and
// a whole request within ServerReadTimeout; an answer must be written
// within ServerWriteTimeout of the request's headers; an idle keep-alive
// connection closes after ServerIdleTimeout. Routes that take uploads
// extend their own deadlines (see extendDeadlines).
const (
	ServerReadHeaderTimeout = 10 * time.Second
	ServerReadTimeout       = 60 * time.Second
	ServerWriteTimeout      = 60 * time.Second
	ServerIdleTimeout       = 120 * time.Second
	ServerMaxHeaderBytes    = 64 << 10
)

// Timeouts sets the server's timeouts and header limit.
func Timeouts(s *http.Server) {
	s.ReadHeaderTimeout = ServerReadHeaderTimeout
	s.ReadTimeout = ServerReadTimeout
	s.WriteTimeout = ServerWriteTimeout
	s.IdleTimeout = ServerIdleTimeout
	s.MaxHeaderBytes = ServerMaxHeaderBytes
}

// extendDeadlines gives the routes named in longer (method and path as
// registered) that long to read the request and write the answer, from
// now. It runs before any middleware reads the body (the CSRF check reads
// a form's). A writer that cannot extend (a test's recorder) keeps its own.
func extendDeadlines(longer map[string]time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if d, ok := longer[c.Request().Method+" "+c.Path()]; ok {
				rc := http.NewResponseController(c.Response().Writer)
				deadline := time.Now().Add(d)
				_ = rc.SetReadDeadline(deadline)
				_ = rc.SetWriteDeadline(deadline)
			}
			return next(c)
		}
	}
}

// ipExtractor reads the client's address: the connection's, or, when the
// connection comes from one of trusted (the reverse proxies in front of
// the console), the nearest address in X-Forwarded-For that is not a
// trusted proxy. With no trusted proxy the header is never read, so it
// cannot be forged to dodge a limit.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(netipToNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// addrURL is http:// and a listen address, localhost for one that names
// no host (":8080", "0.0.0.0:8080"); serve's default address without one.
func addrURL(addr string) string {
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func netipToNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// liveQuota refuses a join when the account already has
// Limits.LiveSessions users in rooms: 422 quota_exceeded for the API, the
// live room's form with the reason for a page.
func (h *Handler) liveQuota(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, a, err := h.pageAppFor(c, actLiveRoom)
		if err != nil {
			return err
		}
		err = h.store.CheckQuota(c.Request().Context(), a.ID, domain.QuotaLiveSessions, h.limits.LiveSessions)
		var qe *domain.QuotaError
		if errors.As(err, &qe) && !isAPI(c) {
			user := strings.TrimSpace(c.FormValue("user_id"))
			return h.renderLive(c, http.StatusUnprocessableEntity, func(p *views.LivePage) {
				p.UserID, p.UserError = domain.Prefix(user, utf8.UTFMax*domain.MaxIdentifierLen), views.QuotaMsg(qe.Quota, qe.Limit)
			})
		}
		if err != nil {
			return err
		}
		return next(c)
	}
}

// limitEstimates bounds the estimator, whose answers take a search:
// EstimatesPerMinute per client address and EstimateConcurrency at once.
func (h *Handler) limitEstimates(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if wait := h.estimates.Take(h.now(), keyOf("estimate", clientAddress(c))); wait > 0 {
			return errRateLimited(c, wait)
		}
		select {
		case h.estimating <- struct{}{}:
			defer func() { <-h.estimating }()
		default:
			return errRateLimited(c, time.Second)
		}
		return next(c)
	}
}
