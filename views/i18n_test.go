package views_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"rtcbill/views"
)

// Every message exists in both languages: a page never falls back to the
// other language, or to a bare id.
func TestCatalogueBothLanguagesSayEverything(t *testing.T) {
	ids := views.MessageIDs()
	zh, en := ids["zh-CN"], ids["en"]
	if len(zh) == 0 || len(en) == 0 {
		t.Fatalf("got %d zh-CN and %d en messages, want both non-empty", len(zh), len(en))
	}
	for _, id := range zh {
		if !slices.Contains(en, id) {
			t.Errorf("message %q is in zh-CN but not in en", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(zh, id) {
			t.Errorf("message %q is in en but not in zh-CN", id)
		}
	}
}

// Every literal message id a template or view model uses is in the
// catalogue.
func TestCatalogueHasEveryIDTheViewsUse(t *testing.T) {
	known := views.MessageIDs()["en"]
	literal := regexp.MustCompile(`T\(ctx, "([a-z0-9_.]+)"[,)]`)
	files, _ := filepath.Glob("*.templ")
	more, _ := filepath.Glob("../handlers/*.go")
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(known, m[1]) {
				t.Errorf("%s uses message %q, which the catalogue lacks", f, m[1])
			}
		}
	}
}

func TestNegotiateLanguage(t *testing.T) {
	cases := []struct {
		name, cookie, accept, want string
	}{
		{"Chinese by default", "", "", "zh-CN"},
		{"English from Accept-Language", "", "en-US,en;q=0.9", "en"},
		{"Chinese from Accept-Language", "", "zh-TW,zh;q=0.9,en;q=0.5", "zh-CN"},
		{"a language we lack falls back to Chinese", "", "fr-FR", "zh-CN"},
		{"the switch's cookie wins over Accept-Language", "zh-CN", "en-US", "zh-CN"},
		{"the cookie picks English", "en", "zh-CN", "en"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.accept != "" {
				r.Header.Set("Accept-Language", c.accept)
			}
			if c.cookie != "" {
				r.Header.Set("Cookie", views.LangCookie+"="+c.cookie)
			}
			if got := views.LangCode(views.Negotiate(r)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestSafeNextStaysOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/accounts/1": "/accounts/1", "https://evil.example/": "/", "//evil.example": "/", `/\evil.example`: "/", "": "/",
	} {
		if got := views.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q): got %q, want %q", in, got, want)
		}
	}
}
