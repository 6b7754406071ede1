package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"rtcbill/domain"
	"rtcbill/handlers"
)

func TestRefusedAuthorizationIsLogged(t *testing.T) {
	var logs bytes.Buffer
	env := authzServer(t, filepath.Join(t.TempDir(), "rtcbill.db"), func(cfg *handlers.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	a := env.createAccount("Mine Co")
	b := env.createAccount("Theirs Co")
	customer := env.signIn("en", domain.RoleCustomer, a)
	support := env.signIn("en", domain.RoleSupport, 0)
	cases := []struct {
		name   string
		do     func() int
		status int
	}{
		{"a customer reading another account's page (404)", func() int { return customer.get(fmt.Sprintf("/accounts/%d/bills", b)).Code }, 404},
		{"a customer opening the users page (404)", func() int { return customer.get("/admin/users").Code }, 404},
		{"support creating an application (403)", func() int {
			return support.post(fmt.Sprintf("/accounts/%d/apps", a), url.Values{"name": {"nope"}}).Code
		}, 403},
		{"a customer's API token on another account (404)", func() int {
			_, secret, err := env.store.CreateAPIToken(context.Background(), a, "ci", fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			return env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d", b), token: withToken(secret)}).Code
		}, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is logged with the principal", func(t *testing.T) {
			logs.Reset()
			if got := tc.do(); got != tc.status {
				t.Fatalf("got %d, want %d", got, tc.status)
			}
			line := logs.String()
			if !strings.Contains(line, "authorization refused") || !strings.Contains(line, "principal=") ||
				!strings.Contains(line, fmt.Sprintf("status=%d", tc.status)) {
				t.Errorf("log: got %q, want an \"authorization refused\" line naming the principal", line)
			}
			if strings.Contains(line, "principal=anonymous") {
				t.Errorf("log names no principal: %q", line)
			}
		})
	}
	t.Run("a 404 for what does not exist is not a refusal", func(t *testing.T) {
		logs.Reset()
		if got := customer.get("/accounts/999999").Code; got != 404 {
			t.Fatalf("got %d, want 404", got)
		}
		if strings.Contains(logs.String(), "authorization refused") {
			t.Errorf("logged a refusal for an account that does not exist: %q", logs.String())
		}
	})
}
