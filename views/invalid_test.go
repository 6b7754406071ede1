package views_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

// Every message key an error of domain, db or handlers carries is in the
// catalogue, in both languages: a page never shows an error's English.
func TestCatalogueHasEveryErrorKey(t *testing.T) {
	ids := views.MessageIDs()
	keyed := []*regexp.Regexp{
		regexp.MustCompile(`[Bb]ecause\("([a-z0-9_]+)"`),               // domain and handlers
		regexp.MustCompile(`csvError\([^,]+, [^,]+, "([a-z0-9_]+)"`),   // db's CSV import
		regexp.MustCompile(`bad\("[a-z_]+", "([a-z0-9_]+)"`),           // domain.CheckSession
		regexp.MustCompile(`InvalidMsg\("[a-z_]*", "([a-z0-9_]+)"`),    // views
		regexp.MustCompile(`FieldErrorMsg\("[a-z_]*", "([a-z0-9_]+)"`), // views
	}
	var files []string
	for _, dir := range []string{"../domain", "../db", "../handlers", "."} {
		fs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, fs...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range keyed {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				found++
				for _, lang := range []string{"zh-CN", "en"} {
					if !slices.Contains(ids[lang], "invalid."+m[1]) {
						t.Errorf("%s gives an error the key %q: the %s catalogue lacks invalid.%s", f, m[1], lang, m[1])
					}
				}
			}
		}
	}
	if found < 20 {
		t.Errorf("found %d keyed errors: the patterns no longer match the code", found)
	}
}

func TestInvalidMsgSaysItInTheReadersWords(t *testing.T) {
	joined := time.Date(2026, 11, 24, 11, 0, 0, 0, billing.CST)
	left := joined.Add(-time.Hour)
	ve := &domain.ValidationError{Field: "left_at", Key: "left_before_joined", Data: []any{"Left", left, "Joined", joined}}
	for _, c := range []struct {
		lang language.Tag
		msg  views.LocalMsg
		want string
	}{
		{language.MustParse("zh-CN"), views.ValidationMsg(ve), "离开时间 2026-11-24 10:00:00 早于进入时间 2026-11-24 11:00:00。"},
		{language.English, views.ValidationMsg(ve), "The time left, 2026-11-24 10:00:00, is before the time joined, 2026-11-24 11:00:00."},
		{language.MustParse("zh-CN"), views.InvalidMsg("name", "too_long", []any{"Max", 200}), "名称超过 200 个字符。"},
		{language.English, views.InvalidMsg("name", "required", nil), "The name is required."},
		// an SDKAppID is an id: never grouped
		{language.English, views.InvalidMsg("joined_at", "before_app", []any{"At", joined, "SDKAppID", int64(1400000001), "Created", joined}),
			"The time joined, 2026-11-24 11:00:00, is before application 1400000001 was created (2026-11-24 11:00:00)."},
		// an error without a key, or of a field without a label, says no field's name
		{language.MustParse("zh-CN"), views.InvalidMsg("minutes_per_month", "", nil), "该值无效。"},
		{language.MustParse("zh-CN"), views.FieldErrorMsg("month", "month_not_started", []any{"Month", "2030-01"}),
			"2030-01 尚未开始，还没有账单。请检查链接或返回上一页。"},
	} {
		ctx := views.WithLang(context.Background(), c.lang)
		if got := c.msg.Text(ctx); got != c.want {
			t.Errorf("%s: got %q, want %q", views.LangCode(c.lang), got, c.want)
		}
	}
}
