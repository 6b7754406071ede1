package cli

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestIdleTimeoutFlag(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		args      []string
		want      time.Duration
		err       string
	}{
		{"the default", "", nil, 2 * time.Hour, ""},
		{"from the environment", "45m", nil, 45 * time.Minute, ""},
		{"the flag over the environment", "45m", []string{"--idle-timeout", "1h"}, time.Hour, ""},
		{"not a duration", "two hours", nil, 0, "is not a duration"},
		{"longer than a sign-in lasts", "", []string{"--idle-timeout", "13h"}, 0, "from 10m to 12h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("RTCBILL_IDLE_TIMEOUT", tc.env)
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			get := idleTimeoutFlag(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := get()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, %v; want an error saying %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestBaseURLFromTheEnvironment(t *testing.T) {
	for env, want := range map[string]string{
		"":                              "",
		"https://billing.example.com/":  "https://billing.example.com",
		"http://127.0.0.1:8080":         "http://127.0.0.1:8080",
		"billing.example.com":           "error",
		"https://billing.example.com/x": "error",
	} {
		got, err := baseURL(env)
		if (err != nil) != (want == "error") || (err == nil && got != want) {
			t.Errorf("RTCBILL_BASE_URL=%q: got %q, %v; want %q", env, got, err, want)
		}
	}
}
