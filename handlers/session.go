package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"rtcbill/domain"
)

// Web sessions. A sign-in lasts at most sessionLifetime, and ends sooner
// after IdleTimeout without a request. Every request reads the session, but
// it is written back only when it changes, and the time of the latest
// request is recorded at most once every sessionTouch: a page view costs no
// write to the database (rewriting every session on every request was
// once the console's bottleneck). So an idle session ends between
// IdleTimeout − sessionTouch and IdleTimeout after the last request.
const (
	sessionLifetime    = 12 * time.Hour
	DefaultIdleTimeout = 2 * time.Hour
	sessionTouch       = 5 * time.Minute
)

// What a signed-in session holds besides sessionUserKey.
const (
	sessionEpochKey = "epoch" // the user's session epoch at sign-in (see db.User.SessionEpoch)
	sessionSinceKey = "since" // sign-in, Unix seconds of the handlers' clock
	sessionSeenKey  = "seen"  // latest request recorded, Unix seconds
	sessionCSRFKey  = "csrf"  // the CSRF token of the session's forms
)

// secureCookies reports whether the console's cookies must be Secure: when
// asked to (RTCBILL_SECURE_COOKIES), or when its public address is https.
func secureCookies(cfg Config) bool {
	return cfg.SecureCookies || strings.HasPrefix(strings.ToLower(strings.TrimSpace(cfg.BaseURL)), "https://")
}

// cookieName is the name of one of the console's cookies. Over TLS it
// carries the __Host- prefix: browsers then keep it only if it is Secure,
// for path / and set by this very host, so that neither a sibling
// subdomain nor a plain-HTTP page can plant or overwrite it.
func (h *Handler) cookieName(name string) string {
	if h.secure {
		return "__Host-" + name
	}
	return name
}

// setCookie sets one of the console's cookies: HttpOnly, SameSite=Lax, for
// the whole site, and Secure with its __Host- name over TLS.
func (h *Handler) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: h.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// initSessions sets up the session manager, the cookies and the checks of
// where a request comes from (see csrf.go).
func (h *Handler) initSessions(cfg Config) {
	h.secure = secureCookies(cfg)
	h.idle = cfg.IdleTimeout
	if h.idle <= 0 {
		h.idle = DefaultIdleTimeout
	}
	h.origin = originOf(cfg.BaseURL)
	h.sessions = scs.New()
	h.sessions.Codec = sessionCodec{}
	// The table holds a hash of each token, and whose session it is, read
	// from the session's own data.
	h.sessions.Store = cfg.Store.WebSessions().WithOwner(func(data []byte) int64 { return sessionUserOf(h.sessions.Codec, data) })
	// The absolute lifetime is kept by scs too, on the real clock, so that
	// rows end; no scs IdleTimeout: with one, scs rewrites the session on
	// every request (keepSession does it at most every sessionTouch).
	h.sessions.Lifetime = sessionLifetime
	h.sessions.Cookie.Name = h.cookieName("rtcbill_session")
	h.sessions.Cookie.HttpOnly = true
	h.sessions.Cookie.SameSite = http.SameSiteLaxMode
	h.sessions.Cookie.Secure = h.secure
	h.sessions.Cookie.Path = "/"
}

// loadSession loads the web session named by the cookie and saves it just
// before the response is written (echo's Before hook), so that a handler's
// error page carries the session too.
func (h *Handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		var token string
		if ck, err := r.Cookie(h.sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := h.sessions.Load(r.Context(), token)
		if err != nil {
			return err
		}
		c.SetRequest(r.WithContext(ctx))
		c.Response().Header().Add("Vary", "Cookie")
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Before(func() {
			switch h.sessions.Status(ctx) {
			case scs.Modified:
				tok, expiry, err := h.sessions.Commit(ctx)
				if err != nil {
					h.log.Error("unable to save the web session", "error", err)
					return
				}
				h.sessions.WriteSessionCookie(ctx, c.Response().Writer, tok, expiry)
			case scs.Destroyed:
				h.sessions.WriteSessionCookie(ctx, c.Response().Writer, "", time.Time{})
			}
		})
		return next(c)
	}
}

// startSession signs u in: a new session token (so that no token known
// before, planted or not, is signed in), a new CSRF token, the user's
// current epoch and the clock of the idle and absolute timeouts.
func (h *Handler) startSession(ctx context.Context, u domain.User) error {
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	now := h.now().Unix()
	h.sessions.Put(ctx, sessionUserKey, u.ID)
	h.sessions.Put(ctx, sessionEpochKey, u.SessionEpoch)
	h.sessions.Put(ctx, sessionSinceKey, now)
	h.sessions.Put(ctx, sessionSeenKey, now)
	h.sessions.Put(ctx, sessionCSRFKey, randomToken())
	return nil
}

// renewSession keeps u signed in under a new token, a new CSRF token and
// their new epoch, after a change that ended every other session of theirs.
func (h *Handler) renewSession(ctx context.Context, u domain.User) error {
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, sessionEpochKey, u.SessionEpoch)
	h.sessions.Put(ctx, sessionCSRFKey, randomToken())
	return nil
}

// keepSession reports whether the signed-in session of u may go on: the
// user is not disabled, their sessions were not all ended since it began,
// and neither the absolute nor the idle timeout has passed. It records the
// request's time when the last one recorded is sessionTouch old.
func (h *Handler) keepSession(ctx context.Context, u domain.User) bool {
	now := h.now().Unix()
	since, seen := h.sessions.GetInt64(ctx, sessionSinceKey), h.sessions.GetInt64(ctx, sessionSeenKey)
	switch {
	case u.Disabled, h.sessions.GetInt64(ctx, sessionEpochKey) != u.SessionEpoch,
		now-since >= int64(sessionLifetime/time.Second), now-seen >= int64(h.idle/time.Second):
		return false
	}
	if now-seen >= int64(sessionTouch/time.Second) {
		h.sessions.Put(ctx, sessionSeenKey, now)
	}
	return true
}

// sessionUserOf reads whose session data is: the signed-in user, or 0.
func sessionUserOf(codec scs.Codec, data []byte) int64 {
	_, values, err := codec.Decode(data)
	if err != nil {
		return 0
	}
	id, _ := values[sessionUserKey].(int64)
	return id
}

// randomToken is 32 random bytes, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func escapeQuery(s string) string { return url.QueryEscape(s) }
