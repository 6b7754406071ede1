package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"rtcbill/views"
)

// Cross-site request forgery. Every form that posts carries a token, and
// every unsafe request of the pages must present it (the _csrf field or
// the X-CSRF-Token header):
//
//   - a signed-in user's token is random, kept in their session and made
//     anew at each sign-in: a token from another session, or from before
//     the sign-in, is refused;
//   - a visitor's token is HMAC-SHA256(key, nonce), where the nonce is a
//     random cookie (rtcbill_csrf) and the key is random per database
//     (the settings table, so that several servers agree). A visitor costs
//     no database write, and a cookie planted with a matching form field is
//     refused: without the key nobody can make the token of a nonce.
//
// Browsers that send Sec-Fetch-Site need no token for a same-origin
// request (and are refused for a cross-site one); and an Origin header,
// when sent, must be the console's own (sameOrigin).

// csrfKeyName names the HMAC key of visitors' tokens in the settings table.
const csrfKeyName = "csrf_hmac_key"

// csrfCookieMaxAge keeps a visitor's nonce a day, like a form left open.
const csrfCookieMaxAge = 24 * 3600

var errCSRF = &apiError{Status: http.StatusForbidden, Code: "csrf",
	Message: "the form has expired or did not come from this site: reload the page and try again",
	Local:   views.LocalMsg{ID: "error.csrf.message"}}

// csrfSecret is the HMAC key, read from the database at its first use and
// kept; an error is retried at the next request.
type csrfSecret struct {
	mu  sync.Mutex
	key []byte
}

func (h *Handler) csrfKey(c echo.Context) ([]byte, error) {
	h.csrfSecret.mu.Lock()
	defer h.csrfSecret.mu.Unlock()
	if h.csrfSecret.key == nil {
		key, err := h.store.Secret(c.Request().Context(), csrfKeyName)
		if err != nil {
			return nil, err
		}
		h.csrfSecret.key = key
	}
	return h.csrfSecret.key, nil
}

// validNonce accepts what randomToken makes: 43 base64url characters.
func validNonce(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// csrfToken is the token the request's forms carry and its unsafe methods
// must present: the session's for a signed-in user, the HMAC of the nonce
// cookie (set here when missing) for a visitor.
func (h *Handler) csrfToken(c echo.Context) (string, error) {
	ctx := c.Request().Context()
	if who(c).UserID != 0 {
		token := h.sessions.GetString(ctx, sessionCSRFKey)
		if token == "" {
			token = randomToken()
			h.sessions.Put(ctx, sessionCSRFKey, token)
		}
		return token, nil
	}
	var nonce string
	if ck, err := c.Cookie(h.cookieName("rtcbill_csrf")); err == nil && validNonce(ck.Value) {
		nonce = ck.Value
	} else {
		nonce = randomToken()
		h.setCookie(c, "rtcbill_csrf", nonce, csrfCookieMaxAge)
	}
	key, err := h.csrfKey(c)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("rtcbill csrf v1\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// csrf checks the token of every unsafe request and hands the token to the
// templates' forms.
func (h *Handler) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, err := h.csrfToken(c)
		if err != nil {
			return err
		}
		r := c.Request()
		c.Response().Header().Add("Vary", "Cookie")
		if !safeMethod(r.Method) && !csrfAllowed(c, token) {
			return errCSRF
		}
		c.SetRequest(r.WithContext(views.WithCSRF(r.Context(), token)))
		return next(c)
	}
}

// csrfAllowed: a browser's word that the request is its own page's
// (Sec-Fetch-Site: same-origin, or none for one the user typed), else the
// right token.
func csrfAllowed(c echo.Context, want string) bool {
	r := c.Request()
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "cross-site":
		return false
	}
	for _, got := range []string{r.Header.Get("X-CSRF-Token"), c.FormValue("_csrf")} {
		if got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

// originOf is scheme://host[:port] of the console's public address, as a
// browser writes it in Origin (no default port, lower case), or "" when no
// address is configured.
func originOf(base string) string {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := strings.ToLower(u.Host)
	if (u.Scheme == "https" && strings.HasSuffix(host, ":443")) || (u.Scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return strings.ToLower(u.Scheme) + "://" + host
}

// sameOrigin refuses an unsafe request whose Origin header, when a browser
// sends one, is not the console's: its configured address (--base-url), or
// without one, any scheme on the host the request was sent to. "null" (a
// sandboxed frame, a privacy-minded redirect) is nobody's and is refused.
// The JSON API does not pass here: its bearer tokens are not sent by
// browsers on their own.
func (h *Handler) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if origin := r.Header.Get("Origin"); origin != "" && !safeMethod(r.Method) && !h.ownOrigin(r, origin) {
			return errCSRF
		}
		return next(c)
	}
}

func (h *Handler) ownOrigin(r *http.Request, origin string) bool {
	if h.origin != "" {
		return strings.EqualFold(origin, h.origin)
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}
