package jobs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rtcbill/db"
	"rtcbill/db/dbtest"
	"rtcbill/handlers"
	"rtcbill/webhooks"
)

const e2eStaffToken = "staff-token-of-the-webhooks-test-32+"

// received is one request the test's receiver got.
type received struct {
	header http.Header
	body   []byte
	status int
}

// receiver is a webhook endpoint on 127.0.0.1 that answers 500 to the
// first failures requests of each event, then 204.
type receiver struct {
	mu       sync.Mutex
	failures int
	got      []received
	seen     map[string]int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	id := req.Header.Get("webhook-id")
	r.seen[id]++
	status := http.StatusNoContent
	if r.seen[id] <= r.failures {
		status = http.StatusInternalServerError
	}
	r.got = append(r.got, received{req.Header.Clone(), body, status})
	w.WriteHeader(status)
	if status != http.StatusNoContent {
		fmt.Fprint(w, strings.Repeat("x", 5000)) // more than the log keeps
	}
}

func (r *receiver) requests(id string) []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []received
	for _, g := range r.got {
		if g.header.Get("webhook-id") == id {
			out = append(out, g)
		}
	}
	return out
}

// api sends a staff request to the console and decodes its JSON answer.
func api(t *testing.T, h http.Handler, method, path, body string, want int) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+e2eStaffToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("%s %s: got %d, want %d; %s", method, path, rec.Code, want, rec.Body.String())
	}
	out := map[string]any{}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}

// TestWebhookDeliveryEndToEnd: a receiver on 127.0.0.1, allowed through
// RTCBILL_WEBHOOK_ALLOW_HOSTS, gets the low balance a batch causes,
// signed by Standard Webhooks (checked with its Go library), after two
// 500s retried 1 s and 2 s later; a retry asked for by hand delivers the
// same event again under the same id (at least once); a rejected batch
// makes no event and no delivery.
func TestWebhookDeliveryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a job queue for several seconds; skipped with -short")
	}
	ctx := context.Background()
	rcv := &receiver{failures: 2, seen: map[string]int{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	t.Setenv("RTCBILL_WEBHOOK_ALLOW_HOSTS", "203.0.113.7:443, "+u.Host)
	allow := webhooks.ParseAllowList(os.Getenv("RTCBILL_WEBHOOK_ALLOW_HOSTS"))

	store, err := db.Open(ctx, dbtest.Default().New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := handlers.New(handlers.Config{Store: store, AdminToken: e2eStaffToken, Now: time.Now, Logger: logger, WebhookAllowHosts: allow})

	now := time.Now()
	acct := api(t, e, "POST", "/api/v1/accounts", `{"name":"Hooked Ltd","email":"ops@hooked.example"}`, 201)
	id := int64(acct["id"].(float64))
	base := fmt.Sprintf("/api/v1/accounts/%d", id)
	app := api(t, e, "POST", base+"/apps", fmt.Sprintf(`{"name":"Hooked","created_at":%q}`, now.Add(-48*time.Hour).Format(time.RFC3339)), 201)
	if app["trial_granted"] != true {
		t.Fatalf("no trial: %v", app)
	}
	sdk := int64(app["sdk_app_id"].(float64))

	api(t, e, "POST", base+"/webhooks", `{"url":"http://127.0.0.2:9/not-listed"}`, 422)
	hook := api(t, e, "POST", base+"/webhooks", fmt.Sprintf(`{"url":%q,"events":["package.low_balance"]}`, srv.URL+"/hooks/rtcbill"), 201)
	secret, _ := hook["secret"].(string)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if !strings.HasPrefix(secret, "whsec_") || err != nil || len(key) < 24 || len(key) > 64 {
		t.Fatalf("secret %q: want whsec_ and the base64 of 24 to 64 bytes", secret)
	}
	hookPath := fmt.Sprintf("%s/webhooks/%d", base, int64(hook["id"].(float64)))
	if list := api(t, e, "GET", base+"/webhooks", "", 200); strings.Contains(fmt.Sprint(list), "whsec_") {
		t.Errorf("the webhook list shows a secret: %v", list)
	}

	sched, err := Start(ctx, Config{Store: store, Logger: logger, Now: time.Now, Every: time.Second, PollInterval: 100 * time.Millisecond,
		DispatchEvery: 200 * time.Millisecond, WebhookAllowHosts: allow, WebhookRetryBase: time.Second, WebhookRetryJitter: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Stop(context.Background()) })

	// 850 of the trial's 1,000 minutes: 150 left, at or below 20 %.
	joined := now.Add(-40 * time.Hour).Truncate(time.Second)
	batch := func(sid string, d time.Duration) string {
		return fmt.Sprintf(`{"sessions":[{"session_id":%q,"room_id":"r","user_id":"u","joined_at":%q,"left_at":%q}]}`,
			sid, joined.Format(time.RFC3339), joined.Add(d).Format(time.RFC3339))
	}
	api(t, e, "POST", fmt.Sprintf("/api/v1/apps/%d/sessions", sdk), batch("s1", 850*time.Minute), 201)
	api(t, e, "POST", fmt.Sprintf("/api/v1/apps/%d/sessions", sdk), batch("s2", -time.Minute), 422)
	events := api(t, e, "GET", base+"/events", "", 200)["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("events: got %v, want the one low balance", events)
	}
	event := events[0].(map[string]any)
	eventID := event["id"].(string)
	if event["type"] != "package.low_balance" || !strings.HasPrefix(eventID, "evt_") {
		t.Fatalf("event %v: want a package.low_balance with an evt_ id", event)
	}

	wait := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waited a minute for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait("three attempts", func() bool { return len(rcv.requests(eventID)) >= 3 })
	got := rcv.requests(eventID)
	verifier, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	var stamps []int64
	for i, g := range got {
		if err := verifier.Verify(g.body, g.header); err != nil {
			t.Errorf("attempt %d: the Standard Webhooks library refuses the signature: %v", i+1, err)
		}
		if ct := g.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("attempt %d: Content-Type %q", i+1, ct)
		}
		var body map[string]any
		if err := json.Unmarshal(g.body, &body); err != nil || fmt.Sprint(body) != fmt.Sprint(event) {
			t.Errorf("attempt %d: body %s, want the event as the API gives it %v", i+1, g.body, event)
		}
		var ts int64
		fmt.Sscan(g.header.Get("webhook-timestamp"), &ts)
		stamps = append(stamps, ts)
	}
	if got[0].status != 500 || got[1].status != 500 || got[2].status != 204 {
		t.Errorf("statuses %d %d %d, want 500 500 204", got[0].status, got[1].status, got[2].status)
	}
	// Retried base × 2^(n−1) after attempt n: 1 s, then 2 s.
	if len(stamps) >= 3 && (stamps[1]-stamps[0] < 1 || stamps[2]-stamps[1] < 2) {
		t.Errorf("timestamps %v: want the second 1 s or more after the first and the third 2 s or more after it", stamps)
	}

	var log []any
	wait("the log's third line", func() bool {
		log = api(t, e, "GET", hookPath+"/deliveries", "", 200)["deliveries"].([]any)
		return len(log) == 3
	})
	newest, oldest := log[0].(map[string]any), log[2].(map[string]any)
	if newest["attempt"] != 3.0 || newest["status_code"] != 204.0 || newest["error"] != nil || newest["next_attempt_at"] != nil || newest["event_id"] != eventID {
		t.Errorf("newest line %v: want attempt 3, 204, no error, no next attempt", newest)
	}
	if oldest["attempt"] != 1.0 || oldest["status_code"] != 500.0 || oldest["error"] != "HTTP 500" || oldest["next_attempt_at"] == nil {
		t.Errorf("oldest line %v: want attempt 1, 500, an error and a next attempt", oldest)
	}

	lines, err := store.WebhookAttempts(ctx, id, int64(hook["id"].(float64)), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if len(l.Response) > webhooks.MaxResponseStored {
			t.Errorf("attempt %d keeps %d bytes of the answer, more than 1 KB", l.Attempt, len(l.Response))
		}
	}

	// At least once: delivered again by hand, under the same id.
	api(t, e, "POST", hookPath+"/deliveries/"+eventID+"/retry", "", 202)
	wait("the redelivery", func() bool { return len(rcv.requests(eventID)) >= 4 })
	if again := rcv.requests(eventID)[3]; again.header.Get("webhook-id") != eventID || verifier.Verify(again.body, again.header) != nil {
		t.Errorf("the redelivery: id %q, want %q, signed", again.header.Get("webhook-id"), eventID)
	}
	if n := len(api(t, e, "GET", base+"/events", "", 200)["events"].([]any)); n != 1 {
		t.Errorf("the account has %d events, want still 1: the rejected batch makes none", n)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(rcv.requests(eventID)); n != 4 {
		t.Errorf("the receiver got %d requests, want 4", n)
	}
	api(t, e, "DELETE", hookPath, "", 204)
	api(t, e, "GET", hookPath+"/deliveries", "", 404)
}
