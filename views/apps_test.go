package views

// These tests sit inside the package, so that their helpers cannot clash
// with those of the views_test files other pages keep beside them.

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"golang.org/x/text/language"

	"rtcbill/domain"
)

// pageLangs are the two languages every page test runs in.
var pageLangs = []struct {
	name string
	tag  language.Tag
}{{"zh-CN", Languages[0]}, {"en", language.English}}

// atCST is an instant given on the CST wall clock.
func atCST(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s+"+08:00")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// renderPage renders c in lang and parses it.
func renderPage(t *testing.T, lang language.Tag, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(WithLang(context.Background(), lang), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	// A message id that the catalogue lacks prints as itself.
	if m := regexp.MustCompile(`\b(apps|rooms)\.[a-z_]+\.?[a-z_.]*`).FindString(buf.String()); m != "" && !strings.HasPrefix(m, "apps.css") {
		t.Errorf("the page shows the message id %q: the catalogue lacks it", m)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// testFinder is a document or a selection.
type testFinder interface {
	Find(string) *goquery.Selection
}

// byID finds the elements with data-testid id.
func byID(s testFinder, id string) *goquery.Selection {
	return s.Find(`[data-testid="` + id + `"]`)
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// ownerMeta is the layout's data of account 7's page as its owner sees it:
// every action offered.
func ownerMeta(title string) Meta {
	return Meta{Title: title, Account: &AccountNav{ID: 7, Name: "Acme", Can: Can{
		Buy: true, CreateApp: true, RecordUsage: true, LiveRoom: true, ManageTokens: true}}}
}

// supportMeta is the same page as support sees it: nothing to do but read.
func supportMeta(title string) Meta {
	return Meta{Title: title, Account: &AccountNav{ID: 7, Name: "Acme", Can: Can{ReadAudit: true}}}
}

func TestAppsPage(t *testing.T) {
	now := atCST(t, "2026-11-25T12:00:00")
	first := domain.App{SDKAppID: 1400000001, AccountID: 7, Name: "Classroom", CreatedAt: atCST(t, "2026-11-25T11:59:00")}

	for _, l := range pageLangs {
		t.Run("R4 the first application says it brought the trial/"+l.name, func(t *testing.T) {
			apps := []domain.App{first}
			p := NewAppsPage(ownerMeta("apps"), 7, apps, now)
			p.ShowCreated(first.SDKAppID, true, apps)
			doc := renderPage(t, l.tag, Apps(p))
			created := squash(byID(doc, "app-created").Text())
			if !strings.Contains(created, "1400000001") {
				t.Errorf("confirmation %q does not name SDKAppID 1400000001", created)
			}
			trial := squash(byID(doc, "trial-granted").Text())
			// R3: created 2026-11-25, valid to the last day of November 2027.
			for _, want := range []string{"1,000", "2027-11-30"} {
				if !strings.Contains(trial, want) {
					t.Errorf("trial message %q lacks %q", trial, want)
				}
			}
			if got := byID(doc, "app").Length(); got != 1 {
				t.Errorf("got %d application cards, want 1", got)
			}
			if got := byID(doc, "trial-offer").Length(); got != 0 {
				t.Errorf("the trial is still offered after it was granted")
			}
			// Every input has its label.
			doc.Find("input:not([type=hidden])").Each(func(_ int, in *goquery.Selection) {
				id, _ := in.Attr("id")
				if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
					t.Errorf("input %q has no label", id)
				}
			})
		})

		t.Run("a later application brings no trial/"+l.name, func(t *testing.T) {
			second := domain.App{SDKAppID: 1400000002, AccountID: 7, Name: "Webinar", CreatedAt: now}
			apps := []domain.App{first, second}
			p := NewAppsPage(ownerMeta(""), 7, apps, now)
			p.ShowCreated(second.SDKAppID, false, apps)
			doc := renderPage(t, l.tag, Apps(p))
			if !strings.Contains(byID(doc, "app-created").Text(), "1400000002") {
				t.Errorf("the confirmation does not name 1400000002")
			}
			if byID(doc, "trial-granted").Length() != 0 {
				t.Errorf("a second application claims the trial")
			}
		})

		t.Run("R4 no application yet: the first brings the trial/"+l.name, func(t *testing.T) {
			doc := renderPage(t, l.tag, Apps(NewAppsPage(ownerMeta(""), 7, nil, now)))
			offer := squash(byID(doc, "trial-offer").Text())
			for _, want := range []string{"1,000", "2027-11-30"} {
				if !strings.Contains(offer, want) {
					t.Errorf("offer %q lacks %q", offer, want)
				}
			}
			if byID(doc, "apps-empty").Length() != 1 {
				t.Errorf("the empty list is not explained")
			}
		})

		t.Run("an empty name is refused next to the field, input kept/"+l.name, func(t *testing.T) {
			p := NewAppsPage(ownerMeta(""), 7, nil, now)
			p.RejectName("   ")
			doc := renderPage(t, l.tag, Apps(p))
			if byID(doc, "name-error").Text() == "" {
				t.Fatalf("no error next to the name field")
			}
			in := doc.Find("#app-name")
			if v, _ := in.Attr("value"); v != "   " {
				t.Errorf("name input holds %q, want the input kept", v)
			}
			if v, _ := in.Attr("aria-invalid"); v != "true" {
				t.Errorf("name input aria-invalid = %q, want true", v)
			}
		})

		t.Run("support is offered neither the create form nor the import/"+l.name, func(t *testing.T) {
			doc := renderPage(t, l.tag, Apps(NewAppsPage(supportMeta("apps"), 7, []domain.App{first}, now)))
			for _, id := range []string{"create-app", "import-form", "trial-offer"} {
				if byID(doc, id).Length() != 0 {
					t.Errorf("support sees %s", id)
				}
			}
			if byID(doc, "apps-read-only").Length() != 1 {
				t.Errorf("support is not told the page is read-only for them")
			}
			if byID(doc, "open-room").Length() != 1 {
				t.Errorf("support cannot open a room to read its calls")
			}
		})

		t.Run("an empty room id is refused in that application's form/"+l.name, func(t *testing.T) {
			p := NewAppsPage(ownerMeta(""), 7, []domain.App{first}, now)
			p.RejectRoom(first.SDKAppID, " ", CheckRoomID(" "))
			doc := renderPage(t, l.tag, Apps(p))
			if byID(doc, "room-error").Length() != 1 {
				t.Errorf("no error next to the room field")
			}
		})
	}
}

func TestAppsAndRoomsCataloguesMatch(t *testing.T) {
	ids := MessageIDs()
	mine := func(lang string) []string {
		var out []string
		for _, id := range ids[lang] {
			if strings.HasPrefix(id, "apps.") || strings.HasPrefix(id, "rooms.") {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	zh, en := mine("zh-CN"), mine("en")
	if len(zh) == 0 || !slices.Equal(zh, en) {
		t.Errorf("apps and rooms messages differ between languages:\nzh-CN %v\nen    %v", zh, en)
	}
	// Ids the view models hand to the templates (msg("…")) exist too.
	for _, id := range []string{
		"apps.error.name_required", "apps.error.name_too_long", "apps.error.name_invalid",
		"apps.error.room_required", "apps.error.room_too_long", "rooms.error.day",
		"rooms.live.joined", "rooms.live.left", "rooms.live.left_plain", "rooms.live.error.already_in",
		"rooms.live.error.not_in_room", "rooms.live.error.user_required", "rooms.live.error.user_too_long",
		"rooms.live.error.user_invalid", "rooms.duration.min", "rooms.duration.min_sec", "rooms.duration.sec",
	} {
		if !slices.Contains(en, id) {
			t.Errorf("message %q is missing", id)
		}
	}
}
