package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

// showPlans answers GET / and /plans: the five packages side by side.
// ?account=ID makes the Buy buttons buy for that account.
func (h *Handler) showPlans(c echo.Context) error {
	ctx := c.Request().Context()
	p := who(c)
	var account int64
	if v := c.QueryParam("account"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fieldError("account", "account must be an account number, not %q", v)
		}
		if _, err := h.readAccount(c, id); err != nil {
			return err
		}
		account = id
	} else if p.Role == domain.RoleCustomer {
		account = p.Account
	}
	buy := views.BuyForStaff
	switch {
	case account != 0:
		buy = views.BuyForAccount
	case !p.signedIn():
		buy = views.BuyAfterSignUp
	}
	// The catalogue page is the same for everyone who sees it alike: the
	// same language, the same user in the header (and so the same CSRF
	// token in its sign-out form), the same address, the same day (the R3
	// example). Render it once for each such view.
	now := h.now()
	key := viewKey(c, strconv.FormatInt(account, 10), billing.FormatDate(now))
	if body, ok := h.plansCache.get(key); ok {
		return c.HTMLBlob(http.StatusOK, body)
	}
	page := views.NewPlansPage(meta(c, views.T(ctx, "plans.title")), views.Lang(ctx), now, account, buy)
	body, err := renderBytes(c, views.Plans(page))
	if err != nil {
		return err
	}
	h.plansCache.put(key, body)
	return c.HTMLBlob(http.StatusOK, body)
}

// viewKey names a rendered page as its viewer sees it: the language, who is
// signed in (the header), the CSRF token in the page's forms, the address,
// and what else the page depends on (extra).
func viewKey(c echo.Context, extra ...string) string {
	ctx := c.Request().Context()
	p := who(c)
	parts := append([]string{views.LangCode(views.Lang(ctx)), p.Email, string(p.Role), views.CSRFToken(ctx),
		c.Request().URL.RequestURI()}, extra...)
	return strings.Join(parts, "\x00")
}

// pageCache keeps rendered pages by key, at most pageCacheBytes of them;
// when full it starts afresh, so memory stays bounded whatever the pages.
type pageCache struct {
	mu    sync.Mutex
	m     map[string][]byte
	bytes int
}

const pageCacheBytes = 8 << 20

func (pc *pageCache) get(key string) ([]byte, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	b, ok := pc.m[key]
	return b, ok
}

func (pc *pageCache) put(key string, body []byte) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.m == nil || pc.bytes+len(key)+len(body) > pageCacheBytes {
		pc.m, pc.bytes = make(map[string][]byte), 0
	}
	if _, ok := pc.m[key]; !ok {
		pc.bytes += len(key) + len(body)
	}
	pc.m[key] = body
}
