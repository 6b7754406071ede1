package views_test

import (
	"os/exec"
	"strings"
	"testing"

	"rtcbill/views"
)

// The token page's curl example is pasted into shells: every argument is
// quoted so that the shell reads back exactly what was meant.
func TestShellQuoteSurvivesAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	for _, s := range []string{"plain", "it's", `"double" $HOME $(id) ;|&<>` + "`id`", "'; rm -rf ~; '", "a\nb", "", `\'`} {
		out, err := exec.Command(sh, "-c", "printf %s "+views.ShellQuote(s)).Output()
		if err != nil {
			t.Fatalf("sh -c printf %%s %s: %v", views.ShellQuote(s), err)
		}
		if string(out) != s {
			t.Errorf("ShellQuote(%q) read back by sh as %q", s, out)
		}
	}
}

func TestTextProblemNamesTheSharedReasons(t *testing.T) {
	if got := views.TextProblem(strings.Repeat("a", 255), true).ID; got != "limits.email_too_long" {
		t.Errorf("an e-mail of 255 bytes: got %q, want limits.email_too_long", got)
	}
	if got := views.TextProblem("pay\u200bpal", false).ID; got != "limits.invisible_chars" {
		t.Errorf("a zero-width space: got %q, want limits.invisible_chars", got)
	}
	if views.TextProblem("Qingyun Meet", false).Set() {
		t.Error("a plain name: got a problem, want none")
	}
}
