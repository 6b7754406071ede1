package cli

import (
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"rtcbill/db/dbtest"
	"rtcbill/handlers"
)

// TestServeRefusesAShortAdminToken checks that no SQLite file is created:
// a SQLite test whatever RTCBILL_TEST_POSTGRES says.
func TestServeRefusesAShortAdminToken(t *testing.T) {
	path := dbtest.SQLite.New(t)
	t.Setenv("RTCBILL_ADMIN_TOKEN", strings.Repeat("x", 31))
	done := make(chan error, 1)
	go func() {
		done <- Run([]string{"serve", "--addr", "127.0.0.1:0", "--db", path}, io.Discard, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "RTCBILL_ADMIN_TOKEN") || !strings.Contains(err.Error(), "32") {
			t.Errorf("got %v, want an error naming RTCBILL_ADMIN_TOKEN and its 32 characters", err)
		}
		if strings.Contains(err.Error(), strings.Repeat("x", 31)) {
			t.Errorf("the error shows the token: %v", err)
		}
	case <-time.After(5 * time.Second):
		syscall.Kill(os.Getpid(), syscall.SIGINT) // serve stops on it
		<-done
		t.Fatal("serve started with a staff token of 31 characters")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("serve opened the database before refusing the token")
	}
	// main turns the error into exit status 1.
}

func TestServeOptions(t *testing.T) {
	parse := func(t *testing.T, env map[string]string, args ...string) (serveLimits, error) {
		t.Helper()
		for _, k := range []string{"RTCBILL_ADMIN_TOKEN", "RTCBILL_TRUSTED_PROXIES", "RTCBILL_SIGNUPS_PER_ADDRESS", "RTCBILL_MAX_APPS", "RTCBILL_IMPORT_TIMEOUT"} {
			t.Setenv(k, env[k])
		}
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o := addServeOptions(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return o.limits()
	}
	t.Run("the defaults are handlers.DefaultLimits, no trusted proxy", func(t *testing.T) {
		got, err := parse(t, nil)
		if err != nil || got.Limits != handlers.DefaultLimits() || len(got.TrustedProxies) != 0 {
			t.Errorf("got %+v, %v; want the defaults", got, err)
		}
	})
	t.Run("variables, and flags over them", func(t *testing.T) {
		got, err := parse(t, map[string]string{"RTCBILL_SIGNUPS_PER_ADDRESS": "3", "RTCBILL_MAX_APPS": "7", "RTCBILL_IMPORT_TIMEOUT": "30m",
			"RTCBILL_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,2001:db8::/32"}, "--max-apps", "9")
		if err != nil {
			t.Fatal(err)
		}
		if got.Limits.SignUpsPerAddress != 3 || got.Limits.Apps != 9 || got.Limits.ImportTimeout != 30*time.Minute {
			t.Errorf("got %+v", got.Limits)
		}
		want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}
		if len(got.TrustedProxies) != 3 || got.TrustedProxies[0] != want[0] || got.TrustedProxies[1] != want[1] || got.TrustedProxies[2] != want[2] {
			t.Errorf("trusted proxies: got %v, want %v", got.TrustedProxies, want)
		}
	})
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		say  string
	}{
		"a staff token of 31 characters": {map[string]string{"RTCBILL_ADMIN_TOKEN": strings.Repeat("k", 31)}, nil, "RTCBILL_ADMIN_TOKEN"},
		"a count that is not a number":   {map[string]string{"RTCBILL_SIGNUPS_PER_ADDRESS": "ten"}, nil, "RTCBILL_SIGNUPS_PER_ADDRESS"},
		"a count of 0":                   {nil, []string{"--max-apps", "0"}, "--max-apps"},
		"a proxy that is no network":     {map[string]string{"RTCBILL_TRUSTED_PROXIES": "proxy.example"}, nil, "--trusted-proxies"},
		"a timeout that is no duration":  {map[string]string{"RTCBILL_IMPORT_TIMEOUT": "ten minutes"}, nil, "RTCBILL_IMPORT_TIMEOUT"},
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			if _, err := parse(t, tc.env, tc.args...); err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("got %v, want an error naming %s", err, tc.say)
			}
		})
	}
	t.Run("a staff token of 32 characters, or none, is accepted", func(t *testing.T) {
		for _, tok := range []string{"", strings.Repeat("k", 32), strings.Repeat("令", 32)} {
			if _, err := parse(t, map[string]string{"RTCBILL_ADMIN_TOKEN": tok}); err != nil {
				t.Errorf("a token of %d characters: got %v", len([]rune(tok)), err)
			}
		}
	})
}
