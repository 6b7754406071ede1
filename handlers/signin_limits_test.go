package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"rtcbill/domain"
)

// from sets a request's client address.
func from(ip string) func(*http.Request) {
	return func(r *http.Request) { r.RemoteAddr = ip + ":40000" }
}

// form posts with the client's CSRF token from address ip.
func (c *authzClient) postFrom(ip, path string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.csrf())
	return c.do("POST", path, f, from(ip))
}

// auditDetails lists the details of the audit trail's lines of action.
func auditDetails(t *testing.T, env *env, action string) []string {
	t.Helper()
	rows, err := env.ro.Query(`SELECT detail FROM audit_log WHERE action = ? ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// A 5 MB e-mail on sign-in gets 422, and the audit trail keeps its first
// 254 bytes only.
func TestSignInWithAHugeEmail(t *testing.T) {
	env := newEnv(t)
	c := newAuthzClient(t, env.e)
	email := strings.Repeat("b", 5<<20) + "@example.com" // 5 MB
	rec := c.post("/signin", url.Values{"email": {email}, "password": {"whatever-1234"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422", rec.Code)
	}
	details := auditDetails(t, env, domain.AuditSignInFailed)
	if len(details) == 0 {
		t.Fatal("the failed sign-in is not in the audit trail")
	}
	last := details[len(details)-1]
	if last != email[:domain.MaxEmailLen] {
		t.Errorf("audit detail: got %d bytes, want the e-mail's first %d", len(last), domain.MaxEmailLen)
	}
}

func TestSignInLimiterMemoryIsBounded(t *testing.T) {
	env := newEnv(t)
	c := newAuthzClient(t, env.e)
	token := c.csrf()
	long := strings.Repeat("x", 4096) // each e-mail 4 KB: held whole, 10,000 of them are 40 MB
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	start := time.Now()
	const failures = 10_000
	for i := range failures {
		rec := c.do("POST", "/signin", url.Values{"_csrf": {token}, "email": {fmt.Sprintf("%d%s@example.com", i, long)}, "password": {"wrong-guess-1"}},
			from(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)))
		if rec.Code == http.StatusTooManyRequests || rec.Code == http.StatusSeeOther {
			t.Fatalf("failure %d: got %d, want a failed sign-in", i, rec.Code)
		}
		c.responses = nil
		if time.Since(start) > time.Minute {
			t.Fatalf("%d failed sign-ins took a minute: each should be refused at once", i)
		}
	}
	after := heap()
	grew := int64(after) - int64(before)
	t.Logf("%d distinct failed sign-ins in %s; heap %d → %d bytes", failures, time.Since(start).Round(time.Millisecond), before, after)
	if grew > 6<<20 {
		t.Errorf("the heap grew by %.1f MB after %d distinct failures, want at most 6 MB", float64(grew)/(1<<20), failures)
	}
}

func TestSignInLockoutOnlyPerAddressAndEmail(t *testing.T) {
	const email, password = "vic@example.com", "vic-password-1"
	env := newEnv(t)
	id := secCustomer(t, env, "Vic Co", email, password)
	home := fmt.Sprintf("/accounts/%d", id)
	try := func(c *authzClient, ip, pw string) *httptest.ResponseRecorder {
		return c.postFrom(ip, "/signin", url.Values{"email": {email}, "password": {pw}})
	}

	t.Run("failures from other addresses never lock the owner out", func(t *testing.T) {
		attacker := newAuthzClient(t, env.e)
		for i := 1; i <= 40; i++ {
			try(attacker, fmt.Sprintf("198.51.100.%d", i), "wrong-guess-1")
		}
		owner := newAuthzClient(t, env.e)
		if rec := try(owner, "203.0.113.50", password); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != home {
			t.Errorf("the owner from their own address: got %d to %q, want 303 to %s", rec.Code, rec.Header().Get("Location"), home)
		}
	})

	t.Run("five failures of one address and e-mail answer 429 with a Retry-After that grows", func(t *testing.T) {
		c := newAuthzClient(t, env.e)
		const ip = "198.51.100.200"
		for i := 1; i <= 5; i++ {
			if rec := try(c, ip, fmt.Sprintf("wrong-guess-%d", i)); rec.Code != http.StatusUnauthorized {
				t.Fatalf("failure %d: got %d, want 401", i, rec.Code)
			}
		}
		rec := try(c, ip, password)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" {
			t.Fatalf("6th attempt, right password: got %d Retry-After %q, want 429 and 60", rec.Code, rec.Header().Get("Retry-After"))
		}
		if !strings.Contains(rec.Body.String(), "Too many failed sign-ins") {
			t.Errorf("the 429 page does not say why; body %.300s", authzSnippet(rec))
		}
		env.clock.Advance(time.Minute)
		if rec := try(c, ip, "wrong-guess-6"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("a minute later, another failure: got %d, want 401", rec.Code)
		}
		if rec := try(c, ip, password); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "120" {
			t.Errorf("after the 6th failure: got %d Retry-After %q, want 429 and 120", rec.Code, rec.Header().Get("Retry-After"))
		}
		other := newAuthzClient(t, env.e)
		if rec := try(other, "198.51.100.201", password); rec.Code != http.StatusSeeOther {
			t.Errorf("the owner from another address meanwhile: got %d, want 303", rec.Code)
		}
		env.clock.Advance(2 * time.Minute)
		if rec := try(c, ip, password); rec.Code != http.StatusSeeOther {
			t.Errorf("after the wait, the right password: got %d, want 303", rec.Code)
		}
	})
}
