package handlers

import (
	"bytes"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
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
	// The Buy buttons buy for the account, lead a visitor to sign up
	// first, lead staff who may buy to choosing an account, or are not
	// shown to one who may not buy (can).
	buy := views.BuyNone
	switch v := c.QueryParam("account"); {
	case v != "":
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fieldError("account", "account must be an account number, not %q", v).because("account_number", "Value", v)
		}
		a, err := h.readAccount(c, id)
		if err != nil {
			return err
		}
		account = id
		if can(p, actBuy, &a) {
			buy = views.BuyForAccount
		}
	case p.Role == domain.RoleCustomer && can(p, actBuy, nil):
		account, buy = p.Account, views.BuyForAccount
	case !p.signedIn():
		buy = views.BuyAfterSignUp
	case can(p, actBuy, nil):
		buy = views.BuyForStaff
	}
	// The catalogue page is the same for everyone who sees it alike: the
	// same language, the same user in the header (and so the same CSRF
	// token in its sign-out form), the same address, the same day (the R3
	// example). Render it once for each such view.
	now := h.now()
	key := viewKey(c, strconv.FormatInt(account, 10), billing.FormatDate(now))
	body, ok := h.plansCache.get(key)
	h.look("plans", ok)
	if ok {
		return serveShared(c, http.StatusOK, body, 0)
	}
	page := views.NewPlansPage(meta(c, views.T(ctx, "plans.title")), views.Lang(ctx), now, account, buy)
	body, err := renderShared(c, &page.Meta, func() templ.Component { return views.Plans(page) })
	if err != nil {
		return err
	}
	h.plansCache.put(key, body)
	return serveShared(c, http.StatusOK, body, 0)
}

// viewKey names a rendered page as viewers see it alike: the language, the
// role and own account of who is signed in (the header's links), the
// address, and what else the page depends on (extra). What differs from one
// visitor to the next — the CSRF token in its forms, the signed-in e-mail
// in its header — is not in the key: the page is kept with placeholders
// there (renderShared) and each answer puts the visitor's own in
// (serveShared), so that a newcomer without cookies is served the page the
// previous newcomer made.
func viewKey(c echo.Context, extra ...string) string {
	ctx := c.Request().Context()
	p := who(c)
	parts := append([]string{views.LangCode(views.Lang(ctx)), string(p.Role), strconv.FormatInt(p.Account, 10),
		c.Request().URL.RequestURI()}, extra...)
	return strings.Join(parts, "\x00")
}

// The placeholders of a kept page: plain ASCII that templ writes as it is
// and no visitor's text can contain.
const (
	csrfPlaceholder  = "rtcbill-csrf-0c8e4f2a9b7d"
	emailPlaceholder = "rtcbill-email-0c8e4f2a9b7d"
)

// renderShared renders a page to keep for every visitor of its viewKey:
// the CSRF token and the signed-in e-mail are placeholders. The page comes
// cut at them, ready for serveShared.
func renderShared(c echo.Context, m *views.Meta, page func() templ.Component) (*sharedPage, error) {
	if m.User != nil {
		u := *m.User
		u.Email = emailPlaceholder
		m.User = &u
	}
	ctx := views.WithCSRF(c.Request().Context(), csrfPlaceholder)
	var buf bytes.Buffer
	if err := page().Render(ctx, &buf); err != nil {
		return nil, err
	}
	return cutShared(buf.Bytes()), nil
}

// The holes of a kept page: what each viewer's answer puts in.
const (
	holeCSRF   = iota // the viewer's CSRF token
	holeEmail         // the signed-in viewer's e-mail
	holeUnread        // the viewer's badge of unread notifications
)

// sharedPage is a kept page cut at its placeholders: parts[i] comes before
// holes[i], and the last part after the last hole. Cut once when kept,
// each answer writes the parts and the viewer's own values between them,
// instead of searching and copying the whole page once per placeholder (a
// profile of the bill page showed those copies).
type sharedPage struct {
	parts [][]byte
	holes []int
	size  int // the bytes of the parts
}

// sharedMarks are the placeholders cutShared looks for, by hole.
var sharedMarks = [...][]byte{
	holeCSRF:   []byte(csrfPlaceholder),
	holeEmail:  []byte(emailPlaceholder),
	holeUnread: views.UnreadBadge(views.UnreadPlaceholder),
}

// cutShared cuts body at every placeholder.
func cutShared(body []byte) *sharedPage {
	p := &sharedPage{size: len(body)}
	for {
		at, hole := -1, 0
		for h, mark := range sharedMarks {
			if i := bytes.Index(body, mark); i >= 0 && (at < 0 || i < at) {
				at, hole = i, h
			}
		}
		if at < 0 {
			p.parts = append(p.parts, body)
			return p
		}
		p.parts = append(p.parts, body[:at])
		p.holes = append(p.holes, hole)
		p.size -= len(sharedMarks[hole])
		body = body[at+len(sharedMarks[hole]):]
	}
}

// len is about the bytes of the page as served: what the cache counts.
func (p *sharedPage) len() int { return p.size + 32*len(p.holes) }

// serveShared answers with a kept page, the visitor's own CSRF token,
// e-mail and, on an account's pages (accountID not 0), unread badge put
// in.
func serveShared(c echo.Context, status int, p *sharedPage, accountID int64) error {
	ctx := c.Request().Context()
	var fill [len(sharedMarks)][]byte
	fill[holeCSRF] = []byte(html.EscapeString(views.CSRFToken(ctx)))
	fill[holeEmail] = []byte(html.EscapeString(who(c).Email))
	if accountID != 0 {
		fill[holeUnread] = views.UnreadBadge(unreadOf(c, accountID))
	}
	size := p.size
	for _, h := range p.holes {
		size += len(fill[h])
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	w.Header().Set(echo.HeaderContentLength, strconv.Itoa(size))
	w.WriteHeader(status)
	for i, part := range p.parts {
		if _, err := w.Write(part); err != nil {
			return err
		}
		if i < len(p.holes) {
			if _, err := w.Write(fill[p.holes[i]]); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageCache keeps rendered pages by key, at most pageCacheBytes of them;
// when full it starts afresh, so memory stays bounded whatever the pages.
type pageCache struct {
	mu    sync.Mutex
	m     map[string]*sharedPage
	bytes int
}

const pageCacheBytes = 8 << 20

func (pc *pageCache) get(key string) (*sharedPage, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	b, ok := pc.m[key]
	return b, ok
}

func (pc *pageCache) put(key string, page *sharedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.m == nil || pc.bytes+len(key)+page.len() > pageCacheBytes {
		pc.m, pc.bytes = make(map[string]*sharedPage), 0
	}
	if _, ok := pc.m[key]; !ok {
		pc.bytes += len(key) + page.len()
	}
	pc.m[key] = page
}

// usageCache keeps the overview's usage figures by key (overviewUsage), at
// most usageCacheBytes of them, as pageCache keeps pages.
type usageCache struct {
	mu    sync.Mutex
	m     map[string]overviewUsage
	bytes int
}

const usageCacheBytes = 8 << 20

func (uc *usageCache) get(key string) (overviewUsage, bool) {
	uc.mu.Lock()
	defer uc.mu.Unlock()
	u, ok := uc.m[key]
	return u, ok
}

func (uc *usageCache) put(key string, u overviewUsage) {
	uc.mu.Lock()
	defer uc.mu.Unlock()
	n := len(key) + u.size()
	if uc.m == nil || uc.bytes+n > usageCacheBytes {
		uc.m, uc.bytes = make(map[string]overviewUsage), 0
	}
	if _, ok := uc.m[key]; !ok {
		uc.bytes += n
	}
	uc.m[key] = u
}

// look reports a look into the page cache name to the tests' hook.
func (h *Handler) look(name string, hit bool) {
	if h.pageHook != nil {
		h.pageHook(name, hit)
	}
}
