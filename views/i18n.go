// Package views renders rtcbill's pages with templ. Each page takes one
// view model shaped like the screen; the builders in this package turn
// domain values into those models, and format.go formats every figure.
// Every word a user reads comes from the message catalogue in locales/.
package views

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Languages the console speaks; the first is the default (the pricing page
// is Chinese).
var Languages = []language.Tag{language.MustParse("zh-CN"), language.English}

// LangCookie remembers the language chosen with the switch.
const LangCookie = "rtcbill_lang"

var (
	bundle, messageIDs = mustBundle()
	matcher            = language.NewMatcher(Languages)
)

// mustBundle loads every locales/NAME.LANG.json file. Each page keeps its
// messages in a file of its own, one per language.
func mustBundle() (*i18n.Bundle, map[string][]string) {
	b := i18n.NewBundle(Languages[0])
	ids := map[string][]string{}
	files, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		mf, err := b.LoadMessageFileFS(localeFiles, f)
		if err != nil {
			panic(fmt.Sprintf("views: message file %s: %v", f, err))
		}
		for _, m := range mf.Messages {
			ids[mf.Tag.String()] = append(ids[mf.Tag.String()], m.ID)
		}
	}
	return b, ids
}

// MessageIDs lists the catalogue's message ids per language, for tests
// that check both languages say everything.
func MessageIDs() map[string][]string { return messageIDs }

// Negotiate picks the page language: the cookie set by the language switch
// (named with the __Host- prefix when the console is reached over TLS),
// then Accept-Language, then Chinese.
func Negotiate(r *http.Request) language.Tag {
	var prefs []string
	for _, name := range []string{"__Host-" + LangCookie, LangCookie} {
		if c, err := r.Cookie(name); err == nil {
			prefs = append(prefs, c.Value)
			break
		}
	}
	prefs = append(prefs, r.Header.Get("Accept-Language"))
	// MatchStrings falls back to the first language when nothing matches.
	_, i := language.MatchStrings(matcher, prefs...)
	return Languages[i]
}

// LangCode is how a language is written in cookies, links and lang="".
func LangCode(t language.Tag) string {
	if t == language.English {
		return "en"
	}
	return "zh-CN"
}

// ParseLang reads a code from the language switch; ok is false for a
// language the console does not speak.
func ParseLang(code string) (language.Tag, bool) {
	for _, t := range Languages {
		if strings.EqualFold(code, LangCode(t)) {
			return t, true
		}
	}
	return language.Und, false
}

type ctxKey struct{}

type locale struct {
	tag language.Tag
	loc *i18n.Localizer
}

// plainMessages caches messages without template data, per language: a
// page asks for the same few hundred strings on every render, and the
// catalogue never changes while the process runs.
var plainMessages sync.Map // [2]string{lang, id} → string

// dataMessages caches messages with data as skeletons with markers.
var dataMessages sync.Map // lang, id and the names → skeleton

// WithLang puts the page language into ctx for the templates.
func WithLang(ctx context.Context, tag language.Tag) context.Context {
	return context.WithValue(ctx, ctxKey{}, locale{tag, i18n.NewLocalizer(bundle, LangCode(tag))})
}

func localeOf(ctx context.Context) locale {
	if l, ok := ctx.Value(ctxKey{}).(locale); ok {
		return l
	}
	return locale{Languages[0], i18n.NewLocalizer(bundle, LangCode(Languages[0]))}
}

// Lang is the page language in ctx.
func Lang(ctx context.Context) language.Tag { return localeOf(ctx).tag }

// T translates message id into the page language, with optional template
// data given as name, value pairs: T(ctx, "bill.title", "Month", "2019-08").
// A missing message shows its id, so a gap is visible rather than blank.
func T(ctx context.Context, id string, pairs ...any) string {
	if len(pairs) == 0 {
		l := localeOf(ctx)
		key := [2]string{LangCode(l.tag), id}
		if s, ok := plainMessages.Load(key); ok {
			return s.(string)
		}
		s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
		if err != nil {
			return id
		}
		plainMessages.Store(key, s)
		return s
	}
	// Messages with data are localized once with a marker for each value
	// (they only use {{.Name}}), and the values are put in the markers'
	// places afterwards: text/template is not run on every render.
	l := localeOf(ctx)
	var names strings.Builder
	names.WriteString(LangCode(l.tag) + "\x00" + id)
	for i := 0; i+1 < len(pairs); i += 2 {
		names.WriteString("\x00" + fmt.Sprint(pairs[i]))
	}
	key := names.String()
	skeleton, ok := dataMessages.Load(key)
	if !ok {
		data := make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			name := fmt.Sprint(pairs[i])
			data[name] = "\x01" + name + "\x01"
		}
		s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		if err != nil {
			return id
		}
		skeleton, _ = dataMessages.LoadOrStore(key, s)
	}
	out := skeleton.(string)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = strings.ReplaceAll(out, "\x01"+fmt.Sprint(pairs[i])+"\x01", fmt.Sprint(pairs[i+1]))
	}
	return out
}
