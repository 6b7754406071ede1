package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
)

func pageDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestAlertsPages: a customer sets alerts with the form (no script), reads
// the notifications the navigation counts as unread, marks them read, adds
// a webhook whose secret is shown once and deletes it.
func TestAlertsPages(t *testing.T) {
	env := authzServer(t, filepath.Join(t.TempDir(), "alerts.db"), nil)
	ctx := context.Background()
	id := env.createAccount("Paged Ltd")
	env.purchase(id, "starter", "2026-11-01T10:00:00+08:00")
	if _, err := env.store.CreateUser(ctx, "paged@example.com", authzPassword, domain.RoleCustomer, id, fixedNow); err != nil {
		t.Fatal(err)
	}
	c := newAuthzClient(t, env.e)
	if rec := c.signIn("paged@example.com", authzPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", rec.Code)
	}
	base := fmt.Sprintf("/accounts/%d", id)

	t.Run("the form refuses a bad threshold and keeps what was typed", func(t *testing.T) {
		rec := c.post(base+"/alerts", url.Values{"low_balance_pct": {"50, 150"}, "expiring_days": {"30"}})
		doc := pageDoc(t, rec.Body.String())
		if rec.Code != http.StatusUnprocessableEntity || doc.Find(`[data-testid="pcts-error"]`).Length() != 1 {
			t.Errorf("POST alerts 50, 150: got %d, want 422 with the thresholds' error", rec.Code)
		}
		if v, _ := doc.Find(`[data-testid="alerts-pcts"]`).Attr("value"); v != "50, 150" {
			t.Errorf("the form keeps %q, want what was typed", v)
		}
	})
	t.Run("saved, thresholds highest first", func(t *testing.T) {
		rec := c.post(base+"/alerts", url.Values{"low_balance_pct": {"10, 50"}, "expiring_days": {"14"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST alerts: got %d, want 303", rec.Code)
		}
		for lang, saved := range map[string]string{"en": "saved", "zh-CN": "已保存"} {
			rec := c.do("GET", base+"/alerts?saved=1", nil, func(r *http.Request) { r.Header.Set("Accept-Language", lang) })
			doc := pageDoc(t, rec.Body.String())
			if v, _ := doc.Find(`[data-testid="alerts-pcts"]`).Attr("value"); v != "50, 10" {
				t.Errorf("%s: thresholds %q, want 50, 10", lang, v)
			}
			if !strings.Contains(doc.Find(`[data-testid="alerts-saved"]`).Text(), saved) {
				t.Errorf("%s: no confirmation with %q", lang, saved)
			}
		}
	})
	t.Run("notifications: counted unread, then read", func(t *testing.T) {
		doc := pageDoc(t, c.do("GET", base+"/notifications", nil, nil).Body.String())
		if got := doc.Find(`[data-testid="nav-unread"]`).Text(); got != "1" {
			t.Errorf("unread in the navigation: %q, want 1 (the purchase)", got)
		}
		if doc.Find(`[data-testid="notification"][data-type="purchase.completed"][data-unread="true"]`).Length() != 1 {
			t.Error("the purchase is not listed as unread")
		}
		for range 2 { // the bill page is kept for every viewer: each sees their own count
			bill := pageDoc(t, c.do("GET", base+"/bills/2026-11", nil, nil).Body.String())
			if got := bill.Find(`[data-testid="nav-unread"]`).Text(); got != "1" {
				t.Errorf("unread on the bill page: %q, want 1", got)
			}
		}
		upTo, _ := doc.Find(`input[name="up_to"]`).Attr("value")
		if rec := c.post(base+"/notifications/read", url.Values{"up_to": {upTo}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("mark read: %d", rec.Code)
		}
		for _, page := range []string{"/bills", "/bills/2026-11"} {
			doc = pageDoc(t, c.do("GET", base+page, nil, nil).Body.String())
			if doc.Find(`[data-testid="nav-unread"]`).Length() != 0 || strings.Contains(doc.Text(), "rtcbill-unread") {
				t.Errorf("%s: the navigation still counts unread notifications", page)
			}
		}
	})
	t.Run("webhooks: the secret once, then only the list", func(t *testing.T) {
		rec := c.post(base+"/webhooks", url.Values{"url": {"https://10.0.0.1/hook"}})
		if doc := pageDoc(t, rec.Body.String()); rec.Code != http.StatusUnprocessableEntity || doc.Find(`[data-testid="url-error"]`).Length() != 1 {
			t.Errorf("a private address: got %d, want 422 with the address's error", rec.Code)
		}
		rec = c.post(base+"/webhooks", url.Values{"url": {"https://203.0.113.9/hook"}, "events": {"bill.issued", "package.expiring"}})
		doc := pageDoc(t, rec.Body.String())
		secret := doc.Find(`[data-testid="webhook-secret"]`).Text()
		if rec.Code != http.StatusCreated || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("add: got %d, secret %q", rec.Code, secret)
		}
		list := c.do("GET", base+"/webhooks", nil, nil).Body.String()
		if strings.Contains(list, secret) || !strings.Contains(list, "https://203.0.113.9/hook") {
			t.Error("the list shows the secret, or not the webhook")
		}
		hookID, _ := pageDoc(t, list).Find(`[data-testid="webhook-row"]`).Attr("data-webhook-id")
		if rec := c.do("GET", base+"/webhooks/"+hookID, nil, nil); rec.Code != http.StatusOK ||
			pageDoc(t, rec.Body.String()).Find(`[data-testid="delivery-log-empty"]`).Length() != 1 {
			t.Errorf("the delivery log: got %d, want an empty log", rec.Code)
		}
		if rec := c.post(base+"/webhooks/"+hookID+"/delete", url.Values{}); rec.Code != http.StatusSeeOther {
			t.Errorf("delete: got %d, want 303", rec.Code)
		}
		if strings.Contains(c.do("GET", base+"/webhooks", nil, nil).Body.String(), "https://203.0.113.9/hook") {
			t.Error("the deleted webhook is still listed")
		}
	})
}
