package views

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// signedIn is the layout's data of a page seen by a signed-in user.
func signedIn(role string) Meta {
	return Meta{Title: "t", Path: "/accounts/7", User: &UserNav{Email: "sam@example.com", Role: role, AccountID: 7}}
}

func TestHeaderIsOneRowWithAMenu(t *testing.T) {
	for _, l := range pageLangs {
		t.Run("signed in, the sections are in the row and again in the menu/"+l.name, func(t *testing.T) {
			doc := renderPage(t, l.tag, Error(ErrorPage{Meta: signedIn("admin"), Status: 404, Message: "m", HomeURL: "/", HomeLabel: "home"}))
			menu := doc.Find(`details.site-menu`)
			if menu.Length() != 1 || byID(menu, "menu-toggle").Is("summary") != true {
				t.Fatalf("want one <details> menu whose <summary> opens it, got %d", menu.Length())
			}
			// The language switch, the security page and signing out are
			// in the menu; a form that posts, so that it works without
			// JavaScript.
			for _, id := range []string{"lang-en", "lang-zh", "nav-security", "signout-form", "signed-in-as"} {
				if byID(doc, id).Length() == 1 && byID(menu, id).Length() != 1 {
					t.Errorf("%s is outside the menu", id)
				}
			}
			if byID(menu, "lang-en").Length()+byID(menu, "lang-zh").Length() != 1 {
				t.Errorf("the menu holds no language switch")
			}
			if f := byID(menu, "signout-form"); f.AttrOr("method", "") != "post" || f.AttrOr("action", "") != "/signout" {
				t.Errorf("sign-out form: method %q action %q", f.AttrOr("method", ""), f.AttrOr("action", ""))
			}
			// Each section once in the row (for wide screens), once in the
			// menu (for narrow ones), under different test ids.
			for _, name := range []string{"plans", "estimate", "accounts", "users"} {
				row, inMenu := byID(doc, "nav-"+name), byID(menu, "menu-"+name)
				if row.Length() != 1 || inMenu.Length() != 1 {
					t.Errorf("%s: got %d links in the row and %d in the menu, want 1 and 1", name, row.Length(), inMenu.Length())
					continue
				}
				if row.AttrOr("href", "a") != inMenu.AttrOr("href", "b") {
					t.Errorf("%s: row and menu lead to %q and %q", name, row.AttrOr("href", ""), inMenu.AttrOr("href", ""))
				}
				if inMenu.Closest(".menu-narrow-item").Length() != 1 {
					t.Errorf("%s: the menu's copy is not marked for narrow screens only", name)
				}
			}
		})
		t.Run("a visitor's row offers sign-in and sign-up, the menu the language/"+l.name, func(t *testing.T) {
			doc := renderPage(t, l.tag, Error(ErrorPage{Meta: Meta{Title: "t", Path: "/plans"}, Status: 404, HomeURL: "/", HomeLabel: "home"}))
			menu := doc.Find(`details.site-menu`)
			for _, id := range []string{"nav-signin", "nav-signup"} {
				if byID(doc, id).Length() != 1 || byID(menu, id).Length() != 0 {
					t.Errorf("%s: want it once, in the row", id)
				}
			}
			if byID(menu, "lang-en").Length()+byID(menu, "lang-zh").Length() != 1 {
				t.Errorf("the menu holds no language switch")
			}
			if byID(doc, "signout").Length() != 0 || byID(doc, "menu-accounts").Length() != 0 {
				t.Errorf("a visitor is offered signing out or the accounts")
			}
		})
	}
}

func TestSkipLinkLeadsToTheMain(t *testing.T) {
	for _, l := range pageLangs {
		doc := renderPage(t, l.tag, Error(ErrorPage{Meta: signedIn("customer"), Status: 404, HomeURL: "/", HomeLabel: "home"}))
		skip := doc.Find("body > a").First()
		if skip.AttrOr("data-testid", "") != "skip-link" || skip.AttrOr("href", "") != "#main" || strings.TrimSpace(skip.Text()) == "" {
			t.Errorf("%s: the first link of the page is %q to %q, want the skip link to #main", l.name, skip.Text(), skip.AttrOr("href", ""))
		}
		if doc.Find("main#main").Length() != 1 {
			t.Errorf("%s: no <main id=main>", l.name)
		}
	}
}

func TestAccountNavShowsWhatTheUserMayDo(t *testing.T) {
	for _, c := range []struct {
		name          string
		meta          Meta
		tokens, audit bool
	}{
		{"the owner", ownerMeta("x"), true, false},
		{"support", supportMeta("x"), false, true},
	} {
		doc := renderPage(t, pageLangs[0].tag, Error(ErrorPage{Meta: c.meta, HomeURL: "/", HomeLabel: "home"}))
		nav := byID(doc, "account-nav")
		if got := byID(nav, "nav-tokens").Length() == 1; got != c.tokens {
			t.Errorf("%s: tokens link %v, want %v", c.name, got, c.tokens)
		}
		if got := byID(nav, "nav-audit").Length() == 1; got != c.audit {
			t.Errorf("%s: audit link %v, want %v", c.name, got, c.audit)
		}
	}
}

func TestErrorPageOffersTheWayBack(t *testing.T) {
	for _, l := range pageLangs {
		m := supportMeta("forbidden")
		m.User = &UserNav{Email: "sam@example.com", Role: "support"}
		doc := renderPage(t, l.tag, Error(ErrorPage{Meta: m, Status: 403, Message: "no",
			BackURL: "/accounts/7", BackLabel: "back", HomeURL: "/accounts", HomeLabel: "accounts"}))
		if got := byID(doc, "error").AttrOr("data-status", ""); got != "403" {
			t.Errorf("%s: data-status %q, want 403", l.name, got)
		}
		if byID(doc, "account-nav").Length() != 1 || byID(doc, "site-menu").Length() != 1 {
			t.Errorf("%s: the error page lost the header or the account's navigation", l.name)
		}
		for id, want := range map[string]string{"error-back": "/accounts/7", "error-home": "/accounts"} {
			if got := byID(doc, id).AttrOr("href", ""); got != want {
				t.Errorf("%s: %s leads to %q, want %q", l.name, id, got, want)
			}
		}
		var back *goquery.Selection = byID(doc, "error-back")
		if !back.Is(`[role="button"]`) {
			t.Errorf("%s: the way back is not a button", l.name)
		}
	}
}
