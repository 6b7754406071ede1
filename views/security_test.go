package views_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
	"rtcbill/views"
)

// untranslated finds a message id left on the page instead of its words.
func untranslated(doc *goquery.Document) bool {
	body := doc.Find("main").Text()
	for _, prefix := range []string{"security.", "password.", "reset.", "users."} {
		if strings.Contains(body, prefix) {
			return true
		}
	}
	return false
}

func TestSecurityPage(t *testing.T) {
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		p := views.NewSecurityPage(views.Meta{Title: "security"}, "grace@example.com")
		doc := renderDoc(t, lang, views.Security(p))
		for _, id := range []string{"password-form", "signout-everywhere-form"} {
			if doc.Find(testid(id)+` input[name="_csrf"]`).Length() != 1 {
				t.Errorf("%s: form %s has no CSRF field", code, id)
			}
		}
		for _, name := range []string{"current", "password", "confirm"} {
			if doc.Find(testid("password-form")+` input[type="password"][name="`+name+`"]`).Length() != 1 {
				t.Errorf("%s: no password field %s", code, name)
			}
		}
		if doc.Find(testid("password-changed")).Length() != 0 || doc.Find(".error-text").Length() != 0 {
			t.Errorf("%s: a fresh page confirms or refuses something", code)
		}
		if !strings.Contains(doc.Find("main").Text(), "12") || !strings.Contains(doc.Find("main").Text(), "128") {
			t.Errorf("%s: the page does not state the rule (12 to 128 characters)", code)
		}
		if untranslated(doc) {
			t.Errorf("%s: a message id is shown instead of its words", code)
		}

		p.Changed = true
		p.RejectCurrent()
		p.RejectNew(domain.PasswordCommon)
		p.RejectConfirm()
		doc = renderDoc(t, lang, views.Security(p))
		for _, id := range []string{"password-changed", "current-error", "password-error", "confirm-error"} {
			if text(doc, testid(id)) == "" {
				t.Errorf("%s: %s is empty", code, id)
			}
		}
		if v, _ := doc.Find("#password").Attr("aria-describedby"); v != "password-error" {
			t.Errorf("%s: the new password field is not described by its error (%q)", code, v)
		}
		if untranslated(doc) {
			t.Errorf("%s: a message id is shown instead of its words", code)
		}
	}
}

func TestPasswordMessagesSayWhy(t *testing.T) {
	for _, lang := range views.Languages {
		seen := map[string]domain.PasswordProblem{}
		for _, problem := range []domain.PasswordProblem{domain.PasswordTooShort, domain.PasswordCommon, domain.PasswordIsEmail, domain.PasswordNotText} {
			p := views.NewSecurityPage(views.Meta{Title: "security"}, "grace@example.com")
			p.RejectNew(problem)
			msg := text(renderDoc(t, lang, views.Security(p)), testid("password-error"))
			if msg == "" || strings.Contains(msg, "password.") {
				t.Errorf("%s: problem %d: message %q, want a sentence", views.LangCode(lang), problem, msg)
			}
			if other, ok := seen[msg]; ok {
				t.Errorf("%s: problems %d and %d say the same %q", views.LangCode(lang), other, problem, msg)
			}
			seen[msg] = problem
		}
	}
}

func TestResetPage(t *testing.T) {
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		p := views.NewResetPage(views.Meta{Title: "reset"}, "/reset/abc", "grace@example.com", "2026-11-26 12:00")
		doc := renderDoc(t, lang, views.Reset(p))
		if action, _ := doc.Find(testid("reset-form")).Attr("action"); action != "/reset/abc" {
			t.Errorf("%s: form posts to %q, want the link", code, action)
		}
		if got := text(doc, testid("reset-for")); !strings.Contains(got, "grace@example.com") || !strings.Contains(got, "2026-11-26 12:00") {
			t.Errorf("%s: %q does not say whose password and until when", code, got)
		}
		if doc.Find(testid("reset-invalid")).Length() != 0 {
			t.Errorf("%s: a valid link says it does not work", code)
		}
		doc = renderDoc(t, lang, views.Reset(views.ResetPage{Meta: views.Meta{Title: "reset"}}))
		if text(doc, testid("reset-invalid")) == "" || doc.Find(testid("reset-form")).Length() != 0 {
			t.Errorf("%s: an invalid link shows a form, or no explanation", code)
		}
		if untranslated(doc) {
			t.Errorf("%s: a message id is shown instead of its words", code)
		}
	}
}

func TestUsersPageLifecycleActions(t *testing.T) {
	users := sampleUsers()
	users[1].Disabled = true
	for _, lang := range views.Languages {
		code := views.LangCode(lang)
		p := views.NewUsersPage(views.Meta{Title: "users"}, users, views.UserForm{})
		p.MarkSelf(1)
		p.ResetLink = &views.ResetLink{Email: "dev@acme.example", URL: "https://billing.example.com/reset/abc", Expires: "2026-11-26 12:00"}
		p.ShowChanged("dev@acme.example", true)
		doc := renderDoc(t, lang, views.Users(p))
		admin, customer := doc.Find(`[data-user-id="1"]`), doc.Find(`[data-user-id="2"]`)
		if admin.Find(testid("disable-user")).Length() != 0 {
			t.Errorf("%s: the admin looking may disable themselves", code)
		}
		if customer.Find(testid("enable-user")).Length() != 1 || customer.Find(testid("disable-user")).Length() != 0 {
			t.Errorf("%s: the disabled customer has no Enable button, or a Disable one", code)
		}
		if action, _ := customer.Find(testid("enable-user")).Attr("action"); action != "/admin/users/2/enable" {
			t.Errorf("%s: enable posts to %q", code, action)
		}
		if action, _ := admin.Find(testid("reset-user")).Attr("action"); action != "/admin/users/1/reset" {
			t.Errorf("%s: reset posts to %q", code, action)
		}
		if got := text(doc, testid("reset-link-url")); got != "https://billing.example.com/reset/abc" {
			t.Errorf("%s: reset link %q", code, got)
		}
		if got := text(doc, testid("reset-link-once")); !strings.Contains(got, "2026-11-26 12:00") {
			t.Errorf("%s: %q does not say until when the link works", code, got)
		}
		if got := text(doc, testid("user-notice")); !strings.Contains(got, "dev@acme.example") {
			t.Errorf("%s: notice %q does not name the user disabled", code, got)
		}
		if untranslated(doc) {
			t.Errorf("%s: a message id is shown instead of its words", code)
		}
	}
	p := views.NewUsersPage(views.Meta{Title: "users"}, sampleUsers(), views.UserForm{})
	p.ShowChanged("Send your password to evil@example.com", true)
	if renderDoc(t, en, views.Users(p)).Find(testid("user-notice")).Length() != 0 {
		t.Error("the notice repeats an address that is no user's")
	}
}
