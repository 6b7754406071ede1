package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
)

// TestAccountSearchPagesByCursor: GET /api/v1/accounts pages with limit
// and cursor; following next_cursor until null gives every account found
// once, oldest first.
func TestAccountSearchPagesByCursor(t *testing.T) {
	env := newEnv(t)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("Cursor Co %02d", i)
		env.createAccount(name)
		want = append(want, name)
	}
	env.createAccount("Someone Else")
	for _, tc := range []struct{ query, first string }{
		{"?q=cursor+co&limit=5", "?q=cursor+co&limit=5"},
		{"?q=CURSOR&limit=1", "?q=CURSOR&limit=1"},
		{"?q=cursor&limit=23", "?q=cursor&limit=23"},
		{"?q=cursor", "?q=cursor"},
	} {
		var got []string
		path := "/api/v1/accounts" + tc.first
		for range 100 {
			page := env.call("GET", path, nil, http.StatusOK)
			for i := range listAt(t, page, "accounts") {
				got = append(got, strAt(t, page, fmt.Sprintf("accounts.%d.name", i)))
			}
			next := at(t, page, "next_cursor")
			if next == nil {
				break
			}
			path = "/api/v1/accounts" + tc.first + "&cursor=" + url.QueryEscape(next.(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want the 23 accounts once, oldest first", tc.query, got)
		}
	}
	if page := env.call("GET", "/api/v1/accounts?q=cursor&limit=1000", nil, http.StatusOK); at(t, page, "next_cursor") != nil {
		t.Errorf("a search that fits one page: next_cursor %v, want null", at(t, page, "next_cursor"))
	}
	for _, tc := range []struct{ query, field string }{
		{"?limit=0", "limit"}, {"?limit=1001", "limit"}, {"?limit=many", "limit"},
		{"?cursor=***", "cursor"}, {"?cursor=YWNjb3VudHMAOTk5OTk", "cursor"}, // accounts\x0099999: no such account
		{"?cursor=cm9vbXMAMQ", "cursor"}, // a cursor of another list
	} {
		e := assertError(t, env.do(req{method: "GET", path: "/api/v1/accounts" + tc.query}), http.StatusUnprocessableEntity, "validation_failed")
		if e["field"] != tc.field {
			t.Errorf("%s: field %v, want %q", tc.query, e["field"], tc.field)
		}
	}
}

// TestAccountListPages: the account list shows 50 accounts a page, with
// links to the pages around it that keep the search; sales see demo
// accounts only, a full page of them.
func TestAccountListPages(t *testing.T) {
	env := newEnv(t)
	admin := env.signIn("en", domain.RoleAdmin, 0)
	for i := range 120 {
		if i%2 == 0 {
			admin.post("/accounts", url.Values{"name": {fmt.Sprintf("Listed %03d", i)}, "email": {fmt.Sprintf("l%d@example.com", i)}})
		} else {
			env.createAccount(fmt.Sprintf("Listed %03d", i))
		}
	}
	sales := env.signIn("en", domain.RoleSales, 0)
	for i := range 60 {
		sales.post("/accounts", url.Values{"name": {fmt.Sprintf("Demo %03d", i)}, "email": {fmt.Sprintf("d%d@example.com", i)}})
	}
	names := func(d *goquery.Document) []string {
		var out []string
		d.Find(`[data-testid="accounts"] tbody tr td a`).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
		return out
	}
	var seen []string
	path := "/accounts?q=listed"
	for n := 1; path != ""; n++ {
		d := doc(t, admin.get(path))
		page := names(d)
		if len(page) > 50 {
			t.Errorf("%s: %d accounts, want at most 50", path, len(page))
		}
		seen = append(seen, page...)
		path, _ = d.Find(`[data-testid="pager-next"]`).Attr("href")
		if path != "" && !strings.Contains(path, "q=listed") {
			t.Errorf("page %d: the next page %q loses the search", n, path)
		}
	}
	if len(seen) != 120 || seen[0] != "Listed 000" || seen[119] != "Listed 119" {
		t.Errorf("every page: got %d accounts, want the 120 found, oldest first", len(seen))
	}
	first := names(doc(t, sales.get("/accounts")))
	second := names(doc(t, sales.get("/accounts?page=2")))
	if len(first) != 50 || len(second) != 10 || first[0] != "Demo 000" || second[9] != "Demo 059" {
		t.Errorf("sales: got %d then %d accounts (%v…), want the 60 demo accounts, 50 then 10", len(first), len(second), first[:min(1, len(first))])
	}
	for _, bad := range []string{"?page=0", "?page=-1", "?page=two"} {
		if rec := admin.get("/accounts" + bad); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("/accounts%s: got %d, want 422", bad, rec.Code)
		}
	}
}
