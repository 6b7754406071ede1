package handlers_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rtcbill/domain"
)

// upload posts a CSV file (nil: no file part) to an application's import
// form, with the visitor's cookies and CSRF token.
func (v *visitor) upload(sdkAppID int64, name string, file []byte) *httptest.ResponseRecorder {
	v.env.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", v.csrf())
	if file != nil {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(file)
	}
	mw.Close()
	hr := httptest.NewRequest("POST", fmt.Sprintf("/apps/%d/import", sdkAppID), &body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	if v.lang != "" {
		hr.Header.Set("Accept-Language", v.lang)
	}
	for _, c := range v.cookies {
		hr.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	v.env.e.ServeHTTP(rec, hr)
	return rec
}

const uploadCSV = "session_id,room_id,user_id,joined_at,left_at\n" +
	"a,r1,alice,2026-11-02T10:00:00+08:00,2026-11-02T10:10:00+08:00\n" +
	"b,r1,bob,2026-11-02T10:00:00+08:00,2026-11-02T10:20:00+08:00\n"

func TestPageImportCSV(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Importer")
	app, _ := env.createApp(account, "2026-11-01T09:00:00+08:00")
	other := env.createAccount("Other")

	t.Run("the application page offers the upload form to those who may change it", func(t *testing.T) {
		owner := env.signIn("en", domain.RoleCustomer, account)
		rec := owner.get(fmt.Sprintf("/accounts/%d/apps", account))
		d := doc(t, rec)
		form := d.Find(`[data-testid="import-form"]`)
		if form.Length() != 1 {
			t.Fatalf("got %d import forms, want 1", form.Length())
		}
		if a, _ := form.Attr("action"); a != fmt.Sprintf("/apps/%d/import", app) {
			t.Errorf("got action %q, want /apps/%d/import", a, app)
		}
		if e, _ := form.Attr("enctype"); e != "multipart/form-data" {
			t.Errorf("got enctype %q, want multipart/form-data", e)
		}
		if form.Find(`input[name="_csrf"]`).Length() != 1 || form.Find(`label[for="import-`+fmt.Sprint(app)+`"]`).Length() != 1 {
			t.Error("the form lacks its CSRF field or the file input's label")
		}
		support := env.signIn("en", domain.RoleSupport, 0)
		if n := doc(t, support.get(fmt.Sprintf("/accounts/%d/apps", account))).Find(`[data-testid="import-form"]`).Length(); n != 0 {
			t.Errorf("support sees %d import forms, want none", n)
		}
	})

	for _, c := range []struct{ lang, says string }{
		{"en", "Application %d: 2 sessions imported, 0 duplicates skipped."},
		{"zh-CN", "应用 %d：已导入 0 条通话记录，跳过 2 条重复记录。"}, // the same file again
	} {
		t.Run("a file is imported and counted/"+c.lang, func(t *testing.T) {
			owner := env.signIn(c.lang, domain.RoleCustomer, account)
			rec := owner.upload(app, "s.csv", []byte(uploadCSV))
			if rec.Code != http.StatusOK {
				t.Fatalf("got %d, want 200", rec.Code)
			}
			got := strings.TrimSpace(doc(t, rec).Find(`[data-testid="import-done"]`).Text())
			if want := fmt.Sprintf(c.says, app); got != want {
				t.Errorf("got flash %q, want %q", got, want)
			}
			if n := env.counts()["sessions"]; n != 2 {
				t.Errorf("got %d sessions stored, want 2", n)
			}
		})
	}

	t.Run("a bad line is refused with its line and field and nothing is stored", func(t *testing.T) {
		owner := env.signIn("en", domain.RoleCustomer, account)
		before := env.counts()
		bad := uploadCSV + "c,r2,carol,2026-11-03T10:00:00+08:00,2026-11-03T09:00:00+08:00\n"
		rec := owner.upload(app, "s.csv", []byte(strings.Replace(bad, "a,r1", "a2,r1", 1)))
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", rec.Code)
		}
		got := strings.Join(strings.Fields(doc(t, rec).Find(`[data-testid="import-error"]`).Text()), " ")
		if !strings.Contains(got, "Line 4, time left: The time left, 2026-11-03 09:00:00, is before the time joined, 2026-11-03 10:00:00.") {
			t.Errorf("got %q, want it to name line 4 and the time left, in English", got)
		}
		assertUnchanged(t, before, env.counts())
	})

	t.Run("a wrong header is refused on line 1", func(t *testing.T) {
		zh := env.signIn("zh-CN", domain.RoleCustomer, account)
		rec := zh.upload(app, "s.csv", []byte("session_id;room_id\n"))
		got := strings.Join(strings.Fields(doc(t, rec).Find(`[data-testid="import-error"]`).Text()), " ")
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(got, "第 1 行，表头：") {
			t.Errorf("got %d %q, want 422 naming line 1 and the header", rec.Code, got)
		}
	})

	t.Run("a form sent without a file asks for one", func(t *testing.T) {
		owner := env.signIn("en", domain.RoleCustomer, account)
		rec := owner.upload(app, "", nil)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", rec.Code)
		}
		if got := doc(t, rec).Find(`[data-testid="import-error"]`).Text(); !strings.Contains(got, "Choose a CSV file") {
			t.Errorf("got %q, want it to ask for a file", got)
		}
	})

	t.Run("support cannot import (403), another customer cannot see the app (404), a file over the body limit is 413", func(t *testing.T) {
		support := env.signIn("en", domain.RoleSupport, 0)
		if rec := support.upload(app, "s.csv", []byte(uploadCSV)); rec.Code != http.StatusForbidden {
			t.Errorf("support: got %d, want 403", rec.Code)
		}
		stranger := env.signIn("en", domain.RoleCustomer, other)
		if rec := stranger.upload(app, "s.csv", []byte(uploadCSV)); rec.Code != http.StatusNotFound {
			t.Errorf("stranger: got %d, want 404", rec.Code)
		}
		owner := env.signIn("en", domain.RoleCustomer, account)
		big := bytes.Repeat([]byte("x"), 9<<20)
		if rec := owner.upload(app, "s.csv", big); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: got %d, want 413", rec.Code)
		}
	})
}
