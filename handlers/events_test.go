package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"rtcbill/handlers"
	"rtcbill/webhooks"
)

// wantFieldError checks a 422 validation_failed naming field.
func wantFieldError(t *testing.T, env *env, method, path string, body any, field string) {
	t.Helper()
	rec := env.do(req{method: method, path: path, body: body})
	var out struct {
		Error struct{ Code, Field string }
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code != http.StatusUnprocessableEntity || out.Error.Code != "validation_failed" || out.Error.Field != field {
		t.Errorf("%s %s %v: got %d %s, want 422 validation_failed of %s", method, path, body, rec.Code, rec.Body.String(), field)
	}
}

// TestEventsAPI: the events of an account in the shape of docs/api.md,
// oldest first, paged by after and limit; purchase.completed carries the
// purchase's answer.
func TestEventsAPI(t *testing.T) {
	env := newEnv(t)
	id := env.createAccount("Evented Ltd")
	env.createApp(id, "2018-07-01T10:00:00+08:00") // before trials: no package
	bought := env.purchase(id, "starter", "2026-11-01T10:00:00+08:00")
	env.purchase(id, "standard", "2026-11-02T10:00:00+08:00")

	path := fmt.Sprintf("/api/v1/accounts/%d/events", id)
	rec := env.do(req{method: "GET", path: path})
	var out struct {
		Events []map[string]json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK || len(out.Events) != 2 {
		t.Fatalf("GET %s: got %d %s, want two events", path, rec.Code, rec.Body.String())
	}
	first := out.Events[0]
	if len(first) != 5 {
		t.Errorf("an event has fields %v, want id, type, created_at, account_id, data", first)
	}
	var typ, evtID, created string
	json.Unmarshal(first["type"], &typ)
	json.Unmarshal(first["id"], &evtID)
	json.Unmarshal(first["created_at"], &created)
	if typ != "purchase.completed" || !strings.HasPrefix(evtID, "evt_") || created != "2026-11-25T12:00:00+08:00" || string(first["account_id"]) != fmt.Sprint(id) {
		t.Errorf("first event %s %s %s %s: want purchase.completed, evt_…, created at the time of recording, account %d",
			typ, evtID, created, first["account_id"], id)
	}
	var data map[string]any
	json.Unmarshal(first["data"], &data)
	if fmt.Sprint(data) != fmt.Sprint(jsonRoundTrip(t, bought)) {
		t.Errorf("purchase.completed data %v, want the purchase answer %v", data, bought)
	}

	page := env.call("GET", path+"?after="+evtID+"&limit=1", nil, http.StatusOK)
	if evs := page["events"].([]any); len(evs) != 1 || !strings.Contains(fmt.Sprint(evs[0]), "standard") {
		t.Errorf("after the first, limit 1: got %v, want the second purchase", evs)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=ten"} {
		wantFieldError(t, env, "GET", path+q, nil, "limit")
	}
	wantFieldError(t, env, "GET", path+"?after=evt_nosuchevent", nil, "after")
	empty := env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/events", env.createAccount("Quiet Co")), nil, http.StatusOK)
	if evs, ok := empty["events"].([]any); !ok || len(evs) != 0 {
		t.Errorf("an account without events: got %v, want \"events\": []", empty)
	}
}

// jsonRoundTrip reads a decoded answer as plain JSON values.
func jsonRoundTrip(t *testing.T, v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// TestAlertsAPI: the defaults, a PUT answered with the thresholds highest
// first, [] turning them off, the language of the mails kept unless
// given, and each bad input refused naming its field.
func TestAlertsAPI(t *testing.T) {
	env := newEnv(t)
	path := fmt.Sprintf("/api/v1/accounts/%d/alerts", env.createAccount("Alerted Ltd"))
	check := func(got map[string]any, want string) {
		t.Helper()
		b, _ := json.Marshal(got)
		if string(b) != want {
			t.Errorf("got %s, want %s", b, want)
		}
	}
	check(env.call("GET", path, nil, http.StatusOK), `{"expiring_days":30,"language":"zh-CN","low_balance_pct":[20]}`)
	check(env.call("PUT", path, `{"low_balance_pct":[10,50,25],"expiring_days":14}`, http.StatusOK), `{"expiring_days":14,"language":"zh-CN","low_balance_pct":[50,25,10]}`)
	check(env.call("GET", path, nil, http.StatusOK), `{"expiring_days":14,"language":"zh-CN","low_balance_pct":[50,25,10]}`)
	check(env.call("PUT", path, `{"low_balance_pct":[],"expiring_days":90}`, http.StatusOK), `{"expiring_days":90,"language":"zh-CN","low_balance_pct":[]}`)
	for _, c := range []struct{ body, field string }{
		{`{"low_balance_pct":[0],"expiring_days":30}`, "low_balance_pct"},
		{`{"low_balance_pct":[100],"expiring_days":30}`, "low_balance_pct"},
		{`{"low_balance_pct":[20,20],"expiring_days":30}`, "low_balance_pct"},
		{`{"low_balance_pct":[1,2,3,4,5,6],"expiring_days":30}`, "low_balance_pct"},
		{`{"low_balance_pct":["20"],"expiring_days":30}`, "low_balance_pct"},
		{`{"expiring_days":30}`, "low_balance_pct"},
		{`{"low_balance_pct":[20],"expiring_days":0}`, "expiring_days"},
		{`{"low_balance_pct":[20],"expiring_days":91}`, "expiring_days"},
		{`{"low_balance_pct":[20]}`, "expiring_days"},
		{`{"low_balance_pct":[20],"expiring_days":30,"language":"fr"}`, "language"},
		{`{"low_balance_pct":[20],"expiring_days":30,"language":""}`, "language"},
	} {
		wantFieldError(t, env, "PUT", path, c.body, c.field)
	}
	check(env.call("GET", path, nil, http.StatusOK), `{"expiring_days":90,"language":"zh-CN","low_balance_pct":[]}`)
	// The language of the mails: kept when absent.
	check(env.call("PUT", path, `{"low_balance_pct":[],"expiring_days":90,"language":"EN"}`, http.StatusOK), `{"expiring_days":90,"language":"en","low_balance_pct":[]}`)
	check(env.call("PUT", path, `{"low_balance_pct":[20],"expiring_days":30}`, http.StatusOK), `{"expiring_days":30,"language":"en","low_balance_pct":[20]}`)
}

// TestWebhookAddresses: no SSRF. Only https, or http to a listed
// host:port; loopback, private, link-local and metadata addresses refused
// unless listed; a name that does not resolve is accepted.
func TestWebhookAddresses(t *testing.T) {
	env := authzServer(t, filepath.Join(t.TempDir(), "hooks.db"), func(c *handlers.Config) {
		c.WebhookAllowHosts = webhooks.ParseAllowList("127.0.0.1:8088, hooks.internal:8443")
	})
	path := fmt.Sprintf("/api/v1/accounts/%d/webhooks", env.createAccount("Hooked Ltd"))
	for _, u := range []string{
		"http://example.com/hook",                                // not https, not listed
		"ftp://example.com/hook",                                 // not http at all
		"https://127.0.0.1/hook",                                 // loopback
		"https://127.0.0.1:8089/hook",                            // loopback, another port than the listed
		"https://[::1]/hook",                                     // loopback
		"https://10.0.0.8/hook",                                  // private
		"https://172.16.3.4/hook",                                // private
		"https://192.168.1.1/hook",                               // private
		"https://[fd00::1]/hook",                                 // private
		"https://169.254.169.254/latest",                         // link-local, metadata
		"https://100.100.100.200/latest",                         // Alibaba Cloud's metadata
		"https://0.0.0.0/hook",                                   // unspecified
		"https://[::ffff:127.0.0.1]/hook",                        // loopback, IPv4-mapped
		"https://user:pw@203.0.113.5/hook",                       // credentials
		"/relative/hook",                                         // not absolute
		"",                                                       // missing
		"http://hooks.internal/hook",                             // listed with a port, written without
		"https://localhost./hook#frag",                           // a fragment
		"https://" + strings.Repeat("a", 2000) + ".example.com/", // too long
	} {
		wantFieldError(t, env, "POST", path, map[string]any{"url": u}, "url")
	}
	wantFieldError(t, env, "POST", path, map[string]any{"url": "https://203.0.113.5/hook", "events": []string{"bill.paid"}}, "events")
	for _, u := range []string{
		"https://203.0.113.5/hook",
		"http://127.0.0.1:8088/hook",
		"https://hooks.internal:8443/hook",
		"https://no-such-name.invalid/hook", // does not resolve: checked at each delivery
	} {
		got := env.call("POST", path, map[string]any{"url": u, "events": []string{"bill.issued", "bill.issued"}}, http.StatusCreated)
		if got["url"] != u || fmt.Sprint(got["events"]) != "[bill.issued]" || !strings.HasPrefix(fmt.Sprint(got["secret"]), "whsec_") {
			t.Errorf("POST %s: got %v", u, got)
		}
	}
	list := env.call("GET", path, nil, http.StatusOK)
	if n := len(list["webhooks"].([]any)); n != 4 || strings.Contains(fmt.Sprint(list), "whsec_") {
		t.Errorf("GET %s: got %v, want 4 webhooks without secrets", path, list)
	}
}
