package webhooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"rtcbill/webhooks"
)

// The secret and signature of the Standard Webhooks specification's
// example, checked against its Go library.
func TestSignMatchesTheLibrary(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	got, err := webhooks.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	want, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
	if err != nil || got != want {
		t.Errorf("Sign: got %q, want %q (%v)", got, want, err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign: got %q, want the specification's %q", got, want)
	}
}

// The retry schedule: base × 2^(n−1), give or take the jitter.
func TestDelay(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 32 * time.Minute} {
		if got := webhooks.Delay(30*time.Second, 0, n); got != want {
			t.Errorf("Delay after attempt %d: got %s, want %s", n, got, want)
		}
		for range 50 {
			if got := webhooks.Delay(30*time.Second, 5*time.Second, n); got < want-5*time.Second || got > want+5*time.Second {
				t.Fatalf("Delay after attempt %d with jitter: got %s, want %s ± 5s", n, got, want)
			}
		}
	}
}

func TestForbidden(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "127.9.9.9": true, "::1": true, "10.1.1.1": true, "172.31.0.1": true, "192.168.0.1": true,
		"169.254.169.254": true, "100.100.100.200": true, "fd00:ec2::254": true, "fe80::1": true, "0.0.0.0": true,
		"::ffff:10.0.0.1": true, "224.0.0.1": true,
		"203.0.113.5": false, "8.8.8.8": false, "2001:db8::1": false, "172.32.0.1": false,
	} {
		if got := webhooks.Forbidden(netip.MustParseAddr(s)); got != want {
			t.Errorf("Forbidden(%s): got %v, want %v", s, got, want)
		}
	}
}

// At delivery the dialer refuses a forbidden address, whatever name led
// there, unless the host:port is listed.
func TestSenderRefusesAtDialTime(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	port := u.Port()
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ctx := context.Background()
	strict := webhooks.NewSender(nil)
	for _, target := range []string{"https://localhost:" + port + "/h", "https://127.0.0.1:" + port + "/h", "http://127.0.0.1:" + port + "/h"} {
		if res := strict.Send(ctx, target, secret, "evt_x", time.Now(), []byte(`{}`)); res.Delivered() || !strings.HasPrefix(res.Error, "refused") {
			t.Errorf("Send to %s unlisted: got %+v, want refused", target, res)
		}
	}
	listed := webhooks.NewSender(webhooks.ParseAllowList(u.Host))
	if res := listed.Send(ctx, srv.URL+"/h", secret, "evt_x", time.Now(), []byte(`{}`)); !res.Delivered() || res.StatusCode != 200 {
		t.Errorf("Send to %s listed: got %+v, want delivered", srv.URL, res)
	}
	if hits != 1 {
		t.Errorf("the receiver got %d requests, want 1", hits)
	}
}
