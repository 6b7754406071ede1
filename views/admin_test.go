package views_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rtcbill/domain"
	"rtcbill/views"
)

const newTokenSecret = "rtcb_abcdefghijklmnopqrstuvwxyz234567abcd"

func navMeta(title string, staff, canWrite bool) views.Meta {
	can := views.Can{ReadAudit: staff}
	if canWrite {
		can.Buy, can.CreateApp, can.RecordUsage, can.LiveRoom, can.ManageTokens = true, true, true, true, true
	}
	return views.Meta{Title: title, Account: &views.AccountNav{ID: 7, Name: "Acme", Can: can}}
}

func sampleTokens() []domain.APIToken {
	return []domain.APIToken{
		{ID: 3, AccountID: 7, Name: "ci", Prefix: "rtcb_abcdef", CreatedAt: cst(2026, 11, 25, 12, 0)},
		{ID: 2, AccountID: 7, Name: "old server", Prefix: "rtcb_zzzzzz", CreatedAt: cst(2026, 10, 1, 9, 30),
			LastUsedAt: cst(2026, 10, 2, 8, 0), RevokedAt: cst(2026, 11, 1, 10, 0)},
	}
}

func TestTokensPageCopiesTheNewTokenAndConfirmsARevocation(t *testing.T) {
	for _, lang := range views.Languages {
		t.Run(views.LangCode(lang), func(t *testing.T) {
			p := views.NewTokensPage(navMeta("tokens", false, true), 7, sampleTokens(), true)
			p.ShowCreated(sampleTokens()[0], newTokenSecret, "http://console.example:8080")
			doc := renderDoc(t, lang, views.Tokens(p))
			// The copy button copies the secret; app.js shows it, so that
			// without JavaScript nobody sees a button that does nothing.
			copyButton := doc.Find(testid("token-copy"))
			target, _ := copyButton.Attr("data-copy")
			if copyButton.Length() != 1 || !copyButton.Is("button[type=button][hidden]") || strings.TrimSpace(doc.Find("#"+target).Text()) != newTokenSecret {
				t.Errorf("copy button: got %d, target %q; want one hidden button copying the secret", copyButton.Length(), target)
			}
			if src, _ := doc.Find(`script[src]`).Attr("src"); src != "/static/app.js" {
				t.Errorf("the page loads %q, want /static/app.js", src)
			}
			// Revoking takes two steps: the button opens a confirmation
			// that names the token, inside a <details>.
			active := doc.Find(testid("token-row")).Eq(0)
			confirm := active.Find("details" + testid("token-revoke-confirm"))
			if confirm.Length() != 1 || confirm.Find("summary"+testid("token-revoke-open")).Length() != 1 {
				t.Fatalf("no confirmation step before revoking")
			}
			if confirm.Find("form "+testid("token-revoke")).Length() != 1 || !strings.Contains(confirm.Find("form").Text(), "ci") {
				t.Errorf("the confirmation %q does not hold the revoke button and the token's name", strings.TrimSpace(confirm.Find("form").Text()))
			}
			if active.Find(`[data-label]`).Length() < 3 {
				t.Errorf("the row's values carry no column names for a phone's cards")
			}
		})
	}
}

func TestTokensPageShowsANewTokenOnce(t *testing.T) {
	for _, lang := range views.Languages {
		t.Run("in "+views.LangCode(lang), func(t *testing.T) {
			p := views.NewTokensPage(navMeta("tokens", false, true), 7, sampleTokens(), true)
			p.ShowCreated(sampleTokens()[0], newTokenSecret, "http://console.example:8080")
			doc := renderDoc(t, lang, views.Tokens(p))

			if got := text(doc, testid("token-secret")); got != newTokenSecret {
				t.Errorf("got secret %q, want %q", got, newTokenSecret)
			}
			want := `curl -H 'Authorization: Bearer ` + newTokenSecret + `' 'http://console.example:8080/api/v1/accounts/7/packages'`
			if got := text(doc, testid("token-curl")); got != want {
				t.Errorf("got curl example %q, want %q", got, want)
			}
			if once := text(doc, testid("token-once")); once == "" || strings.Contains(once, "tokens.") {
				t.Errorf("got note %q, want a sentence saying the token is not shown again", once)
			}
			if n := doc.Find(testid("token-row") + ".just-created").Length(); n != 1 {
				t.Errorf("got %d rows marked as just created, want 1", n)
			}
			if n := doc.Find(testid("create-token")).Length(); n != 1 {
				t.Errorf("got %d create forms, want 1 for someone who may write", n)
			}
		})
	}
}

func TestTokensPageWithoutANewTokenShowsNoSecret(t *testing.T) {
	for _, lang := range views.Languages {
		t.Run("in "+views.LangCode(lang), func(t *testing.T) {
			doc := renderDoc(t, lang, views.Tokens(views.NewTokensPage(navMeta("tokens", false, true), 7, sampleTokens(), true)))
			html, _ := doc.Html()
			for _, sel := range []string{"token-created", "token-secret", "token-curl"} {
				if doc.Find(testid(sel)).Length() != 0 {
					t.Errorf("found %s on a page that created no token", sel)
				}
			}
			if strings.Contains(html, "Bearer") {
				t.Error("the page shows a curl call with a token, though none was just created")
			}
			rows := doc.Find(testid("token-row"))
			if rows.Length() != 2 {
				t.Fatalf("got %d token rows, want 2", rows.Length())
			}
			active, revoked := rows.Eq(0), rows.Eq(1)
			if got := strings.TrimSpace(active.Find(testid("token-prefix")).Text()); got != "rtcb_abcdef…" {
				t.Errorf("got prefix %q, want rtcb_abcdef…", got)
			}
			if active.Find(testid("token-revoke")).Length() != 1 {
				t.Error("the active token has no revoke button")
			}
			if action, _ := active.Find(testid("token-revoke-form")).Attr("action"); action != "/accounts/7/tokens/3/revoke" {
				t.Errorf("got revoke action %q", action)
			}
			if active.Find(`input[name="_csrf"]`).Length() != 1 {
				t.Error("the revoke form carries no CSRF field")
			}
			if revoked.Find(testid("token-revoke")).Length() != 0 {
				t.Error("a revoked token still has a revoke button")
			}
			if got := strings.TrimSpace(revoked.Find(testid("token-state")).Text()); !strings.Contains(got, "2026-11-01 10:00") {
				t.Errorf("got state %q, want it revoked at 2026-11-01 10:00", got)
			}
			if got := strings.TrimSpace(revoked.Find(testid("token-last-used")).Text()); got != "2026-10-02 08:00" {
				t.Errorf("got last used %q, want 2026-10-02 08:00", got)
			}
		})
	}
}

func TestTokensPageIsReadOnlyForSupport(t *testing.T) {
	doc := renderDoc(t, en, views.Tokens(views.NewTokensPage(navMeta("tokens", true, false), 7, sampleTokens(), false)))
	if n := doc.Find("form[method=post]").Not(testid("signout-form")).Length(); n != 0 {
		t.Errorf("got %d forms that post, want none for read-only staff", n)
	}
	if doc.Find(testid("tokens-read-only")).Length() != 1 {
		t.Error("the page does not say it is read-only")
	}
	if doc.Find(testid("token-row")).Length() != 2 {
		t.Error("read-only staff do not see the list")
	}
}

func TestTokensPageNameErrorKeepsTheInput(t *testing.T) {
	for _, lang := range views.Languages {
		p := views.NewTokensPage(navMeta("tokens", false, true), 7, nil, true)
		p.RejectName("   ")
		doc := renderDoc(t, lang, views.Tokens(p))
		if msg := text(doc, testid("name-error")); msg == "" || strings.Contains(msg, "tokens.") {
			t.Errorf("%s: got name error %q, want a sentence", views.LangCode(lang), msg)
		}
		if v, _ := doc.Find("#token-name").Attr("aria-invalid"); v != "true" {
			t.Errorf("%s: the name field is not marked invalid", views.LangCode(lang))
		}
		if doc.Find(testid("tokens-empty")).Length() != 1 {
			t.Errorf("%s: an account without tokens does not say so", views.LangCode(lang))
		}
	}
}

func auditEntries(n int) []domain.AuditEntry {
	out := make([]domain.AuditEntry, n)
	for i := range out {
		out[i] = domain.AuditEntry{ID: int64(n - i), At: cst(2026, 11, 25, 12, 0), Actor: "ops@example.com (admin)",
			Action: domain.AuditPurchase, AccountID: 7, Detail: "starter"}
	}
	return out
}

func TestAuditPageRowsAndPaging(t *testing.T) {
	entries := []domain.AuditEntry{
		{ID: 3, At: cst(2026, 11, 25, 12, 30).Add(7 * time.Second), Actor: "ops@example.com (admin)", Action: domain.AuditTokenRevoked, AccountID: 7, Detail: "ci rtcb_abcdef…"},
		{ID: 2, At: cst(2026, 11, 25, 12, 0), Actor: "dev@acme.example (customer)", Action: domain.AuditSignIn, AccountID: 7},
		{ID: 1, At: cst(2026, 11, 24, 9, 0), Actor: "system", Action: "something_new", AccountID: 7},
	}
	words := map[string][2]string{"zh-CN": {"吊销 API 令牌", "登录"}, "en": {"API token revoked", "Signed in"}}
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		t.Run("page 2 of 3 in "+code, func(t *testing.T) {
			doc := renderDoc(t, lang, views.Audit(views.NewAuditPage(navMeta("audit", true, true), 7, 2, entries, true)))
			rows := doc.Find(testid("audit-row"))
			if rows.Length() != 3 {
				t.Fatalf("got %d rows, want 3", rows.Length())
			}
			cell := func(i int, id string) string { return strings.TrimSpace(rows.Eq(i).Find(testid(id)).Text()) }
			// To the second: two lines of one minute are told apart.
			if got := cell(0, "audit-when"); got != "2026-11-25 12:30:07" {
				t.Errorf("got when %q, want 2026-11-25 12:30:07", got)
			}
			if got, want := cell(0, "audit-who"), map[string]string{"zh-CN": "ops@example.com（管理员）", "en": "ops@example.com (admin)"}[code]; got != want {
				t.Errorf("got who %q, want %q", got, want)
			}
			if got := cell(0, "audit-action"); got != words[code][0] {
				t.Errorf("got action %q, want %q", got, words[code][0])
			}
			if got := strings.Join(strings.Fields(cell(0, "audit-detail")), " "); got != "ci rtcb_abcdef…" {
				t.Errorf("got detail %q", got)
			}
			if got := strings.TrimSpace(rows.Eq(0).Find(testid("audit-detail") + " code").Text()); got != "rtcb_abcdef…" {
				t.Errorf("got the token's prefix %q, want it as code", got)
			}
			if got := cell(1, "audit-action"); got != words[code][1] {
				t.Errorf("got action %q, want %q", got, words[code][1])
			}
			if got := cell(2, "audit-action"); got != "something_new" {
				t.Errorf("an action the catalogue lacks: got %q, want its name", got)
			}
			if href, _ := doc.Find(testid("audit-newer")).Attr("href"); href != "/accounts/7/audit" {
				t.Errorf("got newer link %q, want /accounts/7/audit", href)
			}
			if href, _ := doc.Find(testid("audit-older")).Attr("href"); href != "/accounts/7/audit?page=3" {
				t.Errorf("got older link %q, want /accounts/7/audit?page=3", href)
			}
		})
		t.Run("the only page has no pager in "+code, func(t *testing.T) {
			doc := renderDoc(t, lang, views.Audit(views.NewAuditPage(navMeta("audit", true, true), 7, 1, auditEntries(domain.AuditPageSize), false)))
			if n := doc.Find(testid("audit-row")).Length(); n != domain.AuditPageSize {
				t.Errorf("got %d rows, want %d", n, domain.AuditPageSize)
			}
			if doc.Find(testid("audit-pager")).Length() != 0 {
				t.Error("a single page shows paging links")
			}
		})
		t.Run("the first of several pages links only to older ones in "+code, func(t *testing.T) {
			doc := renderDoc(t, lang, views.Audit(views.NewAuditPage(navMeta("audit", true, true), 7, 1, auditEntries(domain.AuditPageSize), true)))
			if doc.Find(testid("audit-newer")).Length() != 0 {
				t.Error("the newest page links to newer lines")
			}
			if href, _ := doc.Find(testid("audit-older")).Attr("href"); href != "/accounts/7/audit?page=2" {
				t.Errorf("got older link %q, want /accounts/7/audit?page=2", href)
			}
		})
	}
}

// Every action domain/audit.go defines is put into words in both languages.
func TestEveryAuditActionHasAMessage(t *testing.T) {
	src, err := os.ReadFile("../domain/audit.go")
	if err != nil {
		t.Fatal(err)
	}
	defined := regexp.MustCompile(`(?m)^\s+Audit\w+\s*=\s*"(\w+)"`).FindAllStringSubmatch(string(src), -1)
	if len(defined) == 0 {
		t.Fatal("found no audit actions in domain/audit.go")
	}
	for _, m := range defined {
		if !slices.Contains(views.AuditActions(), m[1]) {
			t.Errorf("action %q of domain/audit.go is not in views.AuditActions", m[1])
		}
	}
	for _, lang := range views.Languages {
		ctx := views.WithLang(context.Background(), lang)
		for _, a := range views.AuditActions() {
			if id := "audit.action." + a; views.T(ctx, id) == id {
				t.Errorf("%s lacks message %s", views.LangCode(lang), id)
			}
		}
	}
}

func sampleUsers() []domain.User {
	return []domain.User{
		{ID: 1, Email: "ops@example.com", Role: domain.RoleAdmin, CreatedAt: cst(2026, 11, 1, 9, 0)},
		{ID: 2, Email: "dev@acme.example", Role: domain.RoleCustomer, AccountID: 7, CreatedAt: cst(2026, 11, 2, 9, 0)},
	}
}

func TestUsersPageListsUsers(t *testing.T) {
	roles := map[string][2]string{"zh-CN": {"管理员", "客户"}, "en": {"admin", "customer"}}
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		p := views.NewUsersPage(views.Meta{Title: "users"}, sampleUsers(), views.UserForm{})
		p.ShowAdded("dev@acme.example")
		doc := renderDoc(t, lang, views.Users(p))
		rows := doc.Find(testid("user-row"))
		if rows.Length() != 2 {
			t.Fatalf("%s: got %d user rows, want 2", code, rows.Length())
		}
		for i, want := range roles[code] {
			if got := strings.TrimSpace(rows.Eq(i).Find(testid("user-role")).Text()); got != want {
				t.Errorf("%s: row %d role: got %q, want %q", code, i, got, want)
			}
		}
		if rows.Eq(0).Find(testid("user-account")+" a").Length() != 0 {
			t.Errorf("%s: staff have an account link", code)
		}
		if href, _ := rows.Eq(1).Find(testid("user-account") + " a").Attr("href"); href != "/accounts/7" {
			t.Errorf("%s: got the customer's account link %q, want /accounts/7", code, href)
		}
		if got := text(doc, testid("user-added")); !strings.Contains(got, "dev@acme.example") {
			t.Errorf("%s: got flash %q, want it to name the user added", code, got)
		}
		if got := doc.Find("#user-role option").Length(); got != 4 {
			t.Errorf("%s: got %d roles to choose from, want 4", code, got)
		}
		if v, _ := doc.Find("#user-role option[selected]").Attr("value"); v != "customer" {
			t.Errorf("%s: got %q preselected, want customer", code, v)
		}
	}
}

func TestUsersPageFlashNeverEchoesAnUnknownAddress(t *testing.T) {
	p := views.NewUsersPage(views.Meta{Title: "users"}, sampleUsers(), views.UserForm{})
	p.ShowAdded("Send your password to evil@example.com")
	doc := renderDoc(t, en, views.Users(p))
	if doc.Find(testid("user-added")).Length() != 0 {
		t.Error("the flash repeats an address that is no user's")
	}
}

func TestUsersPageFormErrorKeepsInputButNotThePassword(t *testing.T) {
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		form := views.UserForm{Email: "ops@example.com", Role: "support", Account: ""}
		form.RejectTakenEmail()
		form.RejectPassword(domain.PasswordTooShort)
		doc := renderDoc(t, lang, views.Users(views.NewUsersPage(views.Meta{Title: "users"}, sampleUsers(), form)))
		for _, id := range []string{"email-error", "password-error"} {
			if msg := text(doc, testid(id)); msg == "" || strings.Contains(msg, "users.") {
				t.Errorf("%s: got %s %q, want a sentence", code, id, msg)
			}
		}
		if msg := text(doc, testid("password-error")); !strings.Contains(msg, "12") {
			t.Errorf("%s: got %q, want the minimum length stated", code, msg)
		}
		if doc.Find(testid("role-error")).Length() != 0 || doc.Find(testid("account-error")).Length() != 0 {
			t.Errorf("%s: fields without a problem show an error", code)
		}
		if v, _ := doc.Find("#user-email").Attr("value"); v != "ops@example.com" {
			t.Errorf("%s: got e-mail %q, want the input kept", code, v)
		}
		if v, ok := doc.Find("#user-password").Attr("value"); ok && v != "" {
			t.Errorf("%s: the password field was refilled with %q", code, v)
		}
		if v, _ := doc.Find("#user-role option[selected]").Attr("value"); v != "support" {
			t.Errorf("%s: got role %q selected, want support kept", code, v)
		}
		if v, _ := doc.Find("#user-email").Attr("aria-invalid"); v != "true" {
			t.Errorf("%s: the e-mail field is not marked invalid", code)
		}
		if doc.Find(testid("user-form")+` input[name="_csrf"]`).Length() != 1 {
			t.Errorf("%s: the form carries no CSRF field", code)
		}
	}
}

func TestUsersFormAccountErrors(t *testing.T) {
	cases := []struct {
		name, role, account string
		missing             bool
		want                string
	}{
		{"a customer needs an account", "customer", "", true, "enter its ID"},
		{"staff have none", "sales", "3", false, "leave the account ID empty"},
		{"an account that does not exist", "customer", "99", false, "no account 99"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := views.UserForm{Email: "a@example.com", Role: c.role, Account: c.account}
			form.RejectAccount(c.role, c.missing)
			doc := renderDoc(t, en, views.Users(views.NewUsersPage(views.Meta{Title: "users"}, nil, form)))
			if got := text(doc, testid("account-error")); !strings.Contains(got, c.want) {
				t.Errorf("got %q, want it to say %q", got, c.want)
			}
			if v, _ := doc.Find("#user-account").Attr("value"); v != c.account {
				t.Errorf("got account %q, want %q kept", v, c.account)
			}
		})
	}
}

func TestAccountNavLinksTokensAndAudit(t *testing.T) {
	cases := []struct {
		name            string
		staff, canWrite bool
		tokens, audit   bool
	}{
		{"a customer sees tokens, not the audit trail", false, true, true, false},
		{"support sees the audit trail only", true, false, false, true},
		{"an admin sees both", true, true, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := renderDoc(t, en, views.Audit(views.NewAuditPage(navMeta("x", c.staff, c.canWrite), 7, 1, nil, false)))
			has := func(id string) bool { return doc.Find(testid(id)).Length() == 1 }
			if has("nav-tokens") != c.tokens {
				t.Errorf("tokens link shown: got %v, want %v", has("nav-tokens"), c.tokens)
			}
			if has("nav-audit") != c.audit {
				t.Errorf("audit link shown: got %v, want %v", has("nav-audit"), c.audit)
			}
			if c.tokens {
				if href, _ := doc.Find(testid("nav-tokens")).Attr("href"); href != "/accounts/7/tokens" {
					t.Errorf("got tokens link %q", href)
				}
			}
		})
	}
}
