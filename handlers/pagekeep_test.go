package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"rtcbill/domain"
	"rtcbill/handlers"
)

// looks counts the hits and misses of each page cache.
type looks struct {
	mu   sync.Mutex
	hits map[string]int
	miss map[string]int
}

func (l *looks) hook(cache string, hit bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if hit {
		l.hits[cache]++
	} else {
		l.miss[cache]++
	}
}

func (l *looks) get(cache string) (hits, misses int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hits[cache], l.miss[cache]
}

func keptEnv(t *testing.T) (*env, *looks) {
	l := &looks{hits: map[string]int{}, miss: map[string]int{}}
	env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) {
		handlers.SetPageHook(cfg, l.hook)
	})
	return env, l
}

// TestNewVisitorsShareThePlansPage: the plans page a first-time visitor
// (no cookie) gets is the one the previous newcomer made, with its own
// CSRF token put in: the cache is not keyed by anything a visitor brings.
func TestNewVisitorsShareThePlansPage(t *testing.T) {
	env, l := keptEnv(t)
	var tokens []string
	for i := range 5 {
		v := env.visitor("zh-CN")
		rec := v.get("/")
		if rec.Code != http.StatusOK {
			t.Fatalf("visitor %d: got %d", i, rec.Code)
		}
		body := rec.Body.String()
		if strings.Contains(body, "rtcbill-csrf-") || strings.Contains(body, "rtcbill-email-") {
			t.Fatalf("visitor %d: a placeholder reached the page", i)
		}
		tokens = append(tokens, v.token)
	}
	if hits, misses := l.get("plans"); misses != 1 || hits != 4 {
		t.Errorf("plans page cache: got %d misses and %d hits for 5 new visitors, want 1 and 4", misses, hits)
	}
	t.Run("signed-in users each see their own e-mail and token in the kept page", func(t *testing.T) {
		a := env.signIn("en", domain.RoleSupport, 0)
		b := env.signIn("en", domain.RoleSupport, 0)
		ra, rb := a.get("/"), b.get("/")
		emailA, emailB := headerEmail(t, ra.Body.String()), headerEmail(t, rb.Body.String())
		if emailA == emailB || !strings.HasPrefix(emailA, "support") || !strings.HasPrefix(emailB, "support") {
			t.Errorf("header e-mails: got %q and %q, want each user's own", emailA, emailB)
		}
		if a.token == "" || a.token == b.token {
			t.Errorf("CSRF tokens: got %q and %q, want each session's own", a.token, b.token)
		}
		// b's sign-out form works with b's token: the kept page carried it.
		if rec := b.post("/signout", url.Values{}); rec.Code != http.StatusSeeOther {
			t.Errorf("sign-out with the token of the kept page: got %d, want 303", rec.Code)
		}
	})
}

// headerEmail finds the signed-in e-mail the header shows.
func headerEmail(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, "@example.com")
	if i < 0 {
		t.Fatal("no e-mail in the page")
	}
	j := strings.LastIndexAny(body[:i], "> ") + 1
	return body[j : i+len("@example.com")]
}

// TestBillPagesKeptPerAccount: a session batch of one account leaves the
// kept bill pages of another account kept, and changes its own.
func TestBillPagesKeptPerAccount(t *testing.T) {
	env, l := keptEnv(t)
	var accounts, apps [2]int64
	for i := range 2 {
		accounts[i] = env.createAccount(fmt.Sprintf("Account %d", i))
		apps[i], _ = env.createApp(accounts[i], "2026-10-01T09:00:00+08:00")
	}
	row := func(id string, minutes int) []session {
		return []session{{ID: id, Room: "r", User: "u" + id, Joined: "2026-11-02T10:00:00+08:00",
			Left: fmt.Sprintf("2026-11-02T10:%02d:00+08:00", minutes)}}
	}
	env.postSessions(apps[0], row("a1", 10))
	staff := env.signIn("zh-CN", domain.RoleSupport, 0)
	page := fmt.Sprintf("/accounts/%d/bills/2026-11", accounts[0])
	view := func() string {
		t.Helper()
		rec := staff.get(page)
		if rec.Code != http.StatusOK {
			t.Fatalf("bill page: got %d", rec.Code)
		}
		return rec.Body.String()
	}
	view()
	view()
	if hits, misses := l.get("bill"); misses != 1 || hits != 1 {
		t.Fatalf("first two views: got %d misses, %d hits; want 1 and 1", misses, hits)
	}
	env.postSessions(apps[1], row("b1", 20)) // the other account
	view()
	if hits, _ := l.get("bill"); hits != 2 {
		t.Errorf("after another account's batch: got %d hits, want 2 (its write must not throw this page away)", hits)
	}
	env.postSessions(apps[0], row("a2", 30)) // this account: 10 + 30 minutes
	body := view()
	if _, misses := l.get("bill"); misses != 2 {
		t.Errorf("after the account's own batch: got %d misses, want 2", misses)
	}
	if !strings.Contains(body, "40") {
		t.Errorf("the bill page after the batch does not show 40 minutes")
	}
}
