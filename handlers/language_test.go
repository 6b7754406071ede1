package handlers_test

// Every word in the reader's language: every page, error page and form
// answer, as each role, in Chinese and in English, is read as a person
// reads it, and text of the other language fails the test. What may stay
// as it is: names and ids as they were recorded (accounts, applications,
// tokens, e-mails, rooms, order ids), code and literals (<code>, <kbd>,
// <samp>, <pre>), text marked with its own lang="" (the language switch,
// a plan's name in the other language), and in Chinese the few
// abbreviations and names of langAllowed. Nobody sees a rule id (R5) or a
// field name (minutes_per_month) outside code.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rtcbill/domain"
)

// langAllowed are the ASCII words a Chinese page may show: the brand, the
// service's and the web's abbreviations, units, keys, and the term of the
// original pricing page ("Demo 源码").
var langAllowed = []string{
	"rtcbill",                              // the brand
	"SDK", "SDKAppID", "API", "ID", "Demo", // the pricing page's and the service's terms
	"CSV", "PDF", "JSON", "RFC", "UTC", "MB", "HTTP", "HTTPS", // formats and units
	"Ctrl", // the print shortcut, Ctrl+P
	"curl", // the program the token page's example runs
}

var (
	ruleID    = regexp.MustCompile(`\bR(?:[1-9]|1[0-2])\b`)
	fieldName = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`)
	asciiWord = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*(?:[@._'’/-][A-Za-z0-9]+)*`)
	hanText   = regexp.MustCompile(`[\p{Han}\x{3000}-\x{303F}\x{FF01}-\x{FF5E}]+`)
)

// readableText is the text of an HTML page as a reader meets it: the
// title, the text of the body and the words of attributes that browsers
// show or read out (title, placeholder, aria-label, alt, a button's value),
// without code, literals, form values and text in another lang="".
func readableText(body []byte, pageLang string) (string, error) {
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var walk func(n *html.Node, lang string)
	walk = func(n *html.Node, lang string) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "template", "noscript", "code", "kbd", "samp", "pre", "textarea":
				return
			}
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			if l, ok := attr["lang"]; ok {
				lang = l
			}
			if lang != pageLang {
				return
			}
			for _, k := range []string{"title", "placeholder", "aria-label", "alt"} {
				if v, ok := attr[k]; ok {
					b.WriteString("\n" + v + "\n")
				}
			}
			if n.Data == "input" && (attr["type"] == "submit" || attr["type"] == "button") {
				b.WriteString("\n" + attr["value"] + "\n")
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, lang)
		}
		if n.Type == html.ElementNode {
			b.WriteString("\n")
		}
	}
	walk(root, pageLang)
	return b.String(), nil
}

// langProblems lists what in text is not in the page's language (zh-CN or
// en), once each; names are taken out first.
func langProblems(pageLang, text string, names []string) []string {
	for _, n := range names {
		if strings.TrimSpace(n) != "" {
			text = strings.ReplaceAll(text, n, " ")
		}
	}
	var out []string
	add := func(what string) {
		if !slices.Contains(out, what) {
			out = append(out, what)
		}
	}
	for _, m := range ruleID.FindAllString(text, -1) {
		add("rule id " + m)
	}
	for _, m := range fieldName.FindAllString(text, -1) {
		add("field name " + m)
	}
	if pageLang == "en" {
		for _, m := range hanText.FindAllString(text, -1) {
			add("Chinese " + m)
		}
		return out
	}
	for _, m := range asciiWord.FindAllString(text, -1) {
		switch {
		case strings.ContainsAny(m, "0123456789@."), len(m) == 1, slices.Contains(langAllowed, m):
			// an id, an e-mail, a domain or a file, a letter (users A, B
			// and C; Ctrl+P), an allowed word
		case ruleID.MatchString(m), fieldName.MatchString(m):
		default:
			add("English " + m)
		}
	}
	return out
}

// One term for one thing: Beijing time is 北京时间, the overage rate is
// 25.00 (never 25), and an amount has two decimals (an exact fee may stand
// beside it, labelled).
var (
	otherTimeTerm = regexp.MustCompile(`中国标准时间`)
	bareRate      = regexp.MustCompile(`(?:^|[^.\d])25 (?:元/千分钟|CNY per 1,000)`)
	exactFee      = regexp.MustCompile(`(?:精确值 |exact: )[\d,]+\.\d+`)
	longAmount    = regexp.MustCompile(`\d\.\d{3,} ?(?:元|CNY)( a minute| per|/)?`)
)

// termProblems lists the terms of text that are written another way.
func termProblems(text string) []string {
	var out []string
	text = exactFee.ReplaceAllString(text, "")
	for _, re := range []*regexp.Regexp{otherTimeTerm, bareRate, longAmount} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			if len(m) > 1 && m[1] != "" {
				continue // a price per minute, not an amount
			}
			out = append(out, fmt.Sprintf("%q", strings.TrimSpace(m[0])))
		}
	}
	return out
}

// checkLanguage fails the test for text of rec's page that is not in lang.
func (f *pageFixture) checkLanguage(t *testing.T, what, lang string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if got := rec.Header().Get("Content-Language"); got != lang {
		t.Errorf("%s: Content-Language %q, want %q", what, got, lang)
	}
	text, err := readableText(rec.Body.Bytes(), lang)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if p := langProblems(lang, text, f.names); len(p) > 0 {
		t.Errorf("%s in %s shows %s", what, lang, strings.Join(p, "; "))
	}
	if p := termProblems(text); len(p) > 0 {
		t.Errorf("%s in %s writes %s: one term for one thing (北京时间, 25.00 a thousand minutes, amounts to the fen)", what, lang, strings.Join(p, ", "))
	}
}

func TestLangProblems(t *testing.T) {
	names := []string{"Qingyun Meet", "寻人科技"}
	for _, c := range []struct {
		name, lang, text string
		want             []string
	}{
		{"Chinese with ids, names and allowed words", "zh-CN", "Qingyun Meet 的 SDKAppID 1400000001，房间 meet-0008，用户 A，ops@example.com，Ctrl+P，1V1", nil},
		{"an English detail in Chinese", "zh-CN", "参数 month 的值无效（month 2030-01 has not started yet）",
			[]string{"English has", "English not", "English started", "English yet"}},
		{"a rule id and a field name", "zh-CN", "需要的功能（R12）：minutes_per_month", []string{"rule id R12", "field name minutes_per_month"}},
		{"Chinese in English", "en", "the service stops (停服) for 寻人科技", []string{"Chinese 停服"}},
		{"a rule id in English", "en", "refused, not billed (R5)", []string{"rule id R5"}},
		{"English with names", "en", "Bills of Qingyun Meet, 1400000001", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := langProblems(c.lang, c.text, names)
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("got %q, want %q among them", got, w)
				}
			}
			if c.want == nil && got != nil {
				t.Errorf("got %q, want nothing", got)
			}
		})
	}
}

func TestTermProblems(t *testing.T) {
	for _, c := range []struct {
		text string
		bad  bool
	}{
		{"时间均为北京时间（UTC+8）", false},
		{"日期（中国标准时间）", true},
		{"超出部分按 25.00 元/千分钟月结后付费", false},
		{"超出部分按 25 元/千分钟月结后付费", true},
		{"billed at 25 CNY per 1,000 minutes", true},
		{"费用 387.43 元 （精确值 387.425 元）", false},
		{"费用 387.425 元", true},
		{"Overage fee 25.025 CNY", true},
		{"0.0738 元/分钟, 0.025 CNY a minute", false},
	} {
		if got := termProblems(c.text); (len(got) > 0) != c.bad {
			t.Errorf("%q: got %q, want a problem: %v", c.text, got, c.bad)
		}
	}
}

func TestReadableTextLeavesOutCodeAndOtherLanguages(t *testing.T) {
	page := `<html lang="zh-CN"><head><title>账单 · rtcbill</title><style>p{}</style></head><body>
		<p title="提示">套餐包 <small lang="en">Starter</small></p>
		<pre><code>curl -H "Authorization: Bearer x"</code></pre>
		<input name="q" value="typed"><input type="submit" value="搜索">
		<a lang="en" href="/lang?to=en">English</a></body></html>`
	got, err := readableText([]byte(page), "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"账单", "提示", "套餐包", "搜索"} {
		if !strings.Contains(got, want) {
			t.Errorf("got %q, want %q in it", got, want)
		}
	}
	for _, not := range []string{"Starter", "curl", "typed", "English", "p{}"} {
		if strings.Contains(got, not) {
			t.Errorf("got %q, want no %q in it", got, not)
		}
	}
}

// TestEveryPageSpeaksItsLanguage opens every page as each role in both
// languages, and every form's answers and error pages, and finds no text
// of the other language, no rule id and no field name.
func TestEveryPageSpeaksItsLanguage(t *testing.T) {
	f := newPageFixture(t, newEnv(t))
	for _, lang := range pageLangs {
		for _, role := range roles {
			t.Run(lang+"/"+roleName(role), func(t *testing.T) {
				v := f.visitorAs(role, lang)
				for _, p := range f.pagesFor(role) {
					rec := v.get(p.Path)
					want := p.Status
					if want == 0 {
						want = http.StatusOK
					}
					if rec.Code != want {
						t.Errorf("%s (GET %s): got status %d, want %d", p.Name, p.Path, rec.Code, want)
						continue
					}
					f.checkLanguage(t, p.Name+" (GET "+p.Path+")", lang, rec)
				}
			})
		}
		for _, a := range f.answers() {
			t.Run(lang+"/"+roleName(a.role)+"/"+a.name, func(t *testing.T) {
				v := f.visitorAs(a.role, lang)
				rec := a.do(v)
				if rec.Code != a.status {
					t.Fatalf("%s: got status %d, want %d; body %.300s", a.name, rec.Code, a.status, rec.Body.String())
				}
				f.checkLanguage(t, a.name, lang, rec)
			})
		}
	}
}

// pageAnswer is a page that answers a form, or an error page that no link
// leads to.
type pageAnswer struct {
	name   string
	role   domain.Role
	status int
	do     func(v *visitor) *httptest.ResponseRecorder
}

// answers lists the forms' answers and errors that only a request shows.
func (f *pageFixture) answers() []pageAnswer {
	acct := func(path string) string { return fmt.Sprintf("/accounts/%d%s", f.account, path) }
	live := fmt.Sprintf("/apps/%d/rooms/%s/live", f.app, f.room)
	post := func(path string, form url.Values) func(v *visitor) *httptest.ResponseRecorder {
		return func(v *visitor) *httptest.ResponseRecorder { return v.post(path, form) }
	}
	get := func(path string) func(v *visitor) *httptest.ResponseRecorder {
		return func(v *visitor) *httptest.ResponseRecorder { return v.get(path) }
	}
	importCSV := func(csv string) func(v *visitor) *httptest.ResponseRecorder {
		return func(v *visitor) *httptest.ResponseRecorder {
			if csv == "" {
				return v.upload(f.app, "", nil)
			}
			return v.upload(f.app, "sessions.csv", []byte(csv))
		}
	}
	header := strings.Join(domain.CSVColumns, ",") + "\n"
	return []pageAnswer{
		{"sign-in refused", "", http.StatusUnauthorized, post("/signin", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password!"}})},
		{"sign-up refused", "", http.StatusUnprocessableEntity, post("/signup", url.Values{"name": {""}, "email": {"not an e-mail"}, "password": {"short"}})},
		{"sign-up with a taken e-mail", "", http.StatusConflict, post("/signup", url.Values{"name": {"Acme"}, "email": {f.emails[domain.RoleSupport]}, "password": {fixturePassword}})},
		{"form from elsewhere (CSRF)", "", http.StatusForbidden, func(v *visitor) *httptest.ResponseRecorder {
			v.csrf()
			return v.do("POST", "/signin", url.Values{"_csrf": {"forged"}, "email": {"a@example.com"}, "password": {"x"}})
		}},
		{"a visitor's post", "", http.StatusUnauthorized, post(acct("/apps"), url.Values{"name": {"x"}})},
		{"support may not buy", domain.RoleSupport, http.StatusForbidden, post(acct("/buy/standard"), url.Values{})},
		{"support may not create an application", domain.RoleSupport, http.StatusForbidden, post(acct("/apps"), url.Values{"name": {"x"}})},
		{"bought", domain.RoleCustomer, http.StatusOK, func(v *visitor) *httptest.ResponseRecorder {
			token := v.buyToken(f.account, "starter")
			rec := v.post(acct("/buy/starter"), url.Values{"token": {token}})
			if rec.Code != http.StatusSeeOther {
				return rec
			}
			return v.get(rec.Header().Get("Location"))
		}},
		{"application name refused", domain.RoleCustomer, http.StatusUnprocessableEntity, post(acct("/apps"), url.Values{"name": {"   "}})},
		{"application created", domain.RoleCustomer, http.StatusOK, func(v *visitor) *httptest.ResponseRecorder {
			rec := v.post(acct("/apps"), url.Values{"name": {"语言测试"}})
			if rec.Code != http.StatusSeeOther {
				return rec
			}
			return v.get(rec.Header().Get("Location"))
		}},
		{"import without a file", domain.RoleCustomer, http.StatusUnprocessableEntity, importCSV("")},
		{"import with a bad header", domain.RoleCustomer, http.StatusUnprocessableEntity, importCSV("a,b,c\n")},
		{"import with a bad instant", domain.RoleCustomer, http.StatusUnprocessableEntity, importCSV(header + "s1,r1,u1,yesterday,2026-11-24T10:00:00+08:00\n")},
		{"import of a session in the future", domain.RoleCustomer, http.StatusUnprocessableEntity, importCSV(header + "s1,r1,u1,2026-11-25T11:00:00+08:00,2026-11-26T10:00:00+08:00\n")},
		{"import of a session ending before it began", domain.RoleCustomer, http.StatusUnprocessableEntity, importCSV(header + "s1,r1,u1,2026-11-24T11:00:00+08:00,2026-11-24T10:00:00+08:00\n")},
		{"import with a missing field", domain.RoleCustomer, http.StatusUnprocessableEntity, importCSV(header + "s1,r1,u1,2026-11-24T10:00:00+08:00\n")},
		{"import done", domain.RoleCustomer, http.StatusOK, importCSV(header + "lang-1,r1,u1,2026-11-24T10:00:00+08:00,2026-11-24T10:05:00+08:00\n")},
		{"token name refused", domain.RoleCustomer, http.StatusUnprocessableEntity, post(acct("/tokens"), url.Values{"name": {""}})},
		{"token created", domain.RoleCustomer, http.StatusCreated, post(acct("/tokens"), url.Values{"name": {"语言测试"}})},
		{"joined the live room", domain.RoleCustomer, http.StatusOK, func(v *visitor) *httptest.ResponseRecorder {
			rec := v.post(live+"/join", url.Values{"user_id": {"alice" + v.lang}})
			if rec.Code != http.StatusSeeOther {
				return rec
			}
			return v.get(rec.Header().Get("Location"))
		}},
		{"joined twice", domain.RoleCustomer, http.StatusConflict, func(v *visitor) *httptest.ResponseRecorder {
			v.post(live+"/join", url.Values{"user_id": {"bob" + v.lang}})
			return v.post(live+"/join", url.Values{"user_id": {"bob" + v.lang}})
		}},
		{"left the live room", domain.RoleCustomer, http.StatusOK, func(v *visitor) *httptest.ResponseRecorder {
			v.post(live+"/join", url.Values{"user_id": {"carol" + v.lang}})
			rec := v.post(live+"/leave", url.Values{"user_id": {"carol" + v.lang}})
			if rec.Code != http.StatusSeeOther {
				return rec
			}
			return v.get(rec.Header().Get("Location"))
		}},
		{"leave without joining", domain.RoleCustomer, http.StatusConflict, post(live+"/leave", url.Values{"user_id": {"nobody"}})},
		{"join with a bad user id", domain.RoleCustomer, http.StatusUnprocessableEntity, post(live+"/join", url.Values{"user_id": {"a\u200bb"}})},
		{"closed account may not join", domain.RoleAdmin, http.StatusForbidden, func(v *visitor) *httptest.ResponseRecorder {
			apps, _ := f.store.Apps(context.Background(), f.closed)
			return v.post(fmt.Sprintf("/apps/%d/rooms/r1/live/join", apps[0].SDKAppID), url.Values{"user_id": {"alice"}})
		}},
		{"password change refused", domain.RoleCustomer, http.StatusUnprocessableEntity, post("/security/password", url.Values{"current": {"wrong"}, "new": {"short"}, "confirm": {"other"}})},
		{"user form refused", domain.RoleAdmin, http.StatusUnprocessableEntity, post("/admin/users", url.Values{"email": {"not an e-mail"}, "role": {"customer"}, "account": {"x"}})},
		{"user added", domain.RoleAdmin, http.StatusOK, func(v *visitor) *httptest.ResponseRecorder {
			rec := v.post("/admin/users", url.Values{"email": {"new-" + v.lang + "@rtcbill.example"}, "role": {"support"}, "password": {fixturePassword}})
			if rec.Code != http.StatusSeeOther {
				return rec
			}
			return v.get(rec.Header().Get("Location"))
		}},
		{"demo loaded already", domain.RoleAdmin, http.StatusOK, func(v *visitor) *httptest.ResponseRecorder {
			rec := v.post("/admin/demo", url.Values{})
			if rec.Code != http.StatusSeeOther {
				return rec
			}
			return v.get(rec.Header().Get("Location"))
		}},
		{"search too long", domain.RoleSupport, http.StatusUnprocessableEntity, get("/accounts?q=" + strings.Repeat("x", 300))},
		{"no account found", domain.RoleSupport, http.StatusOK, get("/accounts?q=nobody-at-all")},
		{"another customer's account", domain.RoleCustomer, http.StatusNotFound, get(fmt.Sprintf("/accounts/%d", f.closed))},
		{"sign-in limited", "", http.StatusTooManyRequests, func(v *visitor) *httptest.ResponseRecorder {
			// From an address of its own, so that the limit holds back no
			// other sign-in of the test.
			var rec *httptest.ResponseRecorder
			for range 12 {
				rec = v.from("198.51.100.7:4321", "/signin", url.Values{"email": {"limited@example.com"}, "password": {"wrong password!"}})
			}
			return rec
		}},
	}
}

// from posts form as the visitor from another address.
func (v *visitor) from(addr, path string, form url.Values) *httptest.ResponseRecorder {
	v.env.t.Helper()
	form.Set("_csrf", v.csrf())
	hr := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	hr.RemoteAddr = addr
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr.Header.Set("Accept-Language", v.lang)
	for _, c := range v.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	v.env.e.ServeHTTP(rec, hr)
	return rec
}
