package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestRedirectsStayOnSite(t *testing.T) {
	env := newEnv(t)
	const email, password = "nav@example.com", "nav-password-1"
	id := secCustomer(t, env, "Nav Co", email, password)
	offSite := []string{
		"/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "//evil.example", "/%5Cevil.example",
		"/%5C%5Cevil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
		"%2F%2Fevil.example", "/%E2%80%AE/evil.example", "/%2F%2Fevil.example", "/%2509/evil.example",
	}
	for _, next := range offSite {
		t.Run("/lang?next="+next+" goes to /", func(t *testing.T) {
			c := newAuthzClient(t, env.e)
			rec := c.do("GET", "/lang?to=en&next="+next, nil, nil)
			if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/" {
				t.Errorf("got %d to %q, want 303 to /", rec.Code, loc)
			}
		})
		t.Run("sign-in with next="+next+" goes home", func(t *testing.T) {
			c := newAuthzClient(t, env.e)
			rec := c.post("/signin?next="+next, url.Values{"email": {email}, "password": {password}, "next": {mustUnescape(t, next)}})
			if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != fmt.Sprintf("/accounts/%d", id) {
				t.Errorf("got %d to %q, want 303 to the account", rec.Code, loc)
			}
		})
	}
	for _, next := range []string{"/plans", "/accounts/1/bills?month=2026-11", "/apps/1400000001/rooms/%E6%88%BF"} {
		c := newAuthzClient(t, env.e)
		if rec := c.do("GET", "/lang?to=en&next="+url.QueryEscape(next), nil, nil); rec.Header().Get("Location") != next {
			t.Errorf("/lang?next=%s: got %q, want it kept", next, rec.Header().Get("Location"))
		}
	}
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
