package views_test

import (
	"strings"
	"testing"

	"rtcbill/views"
)

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
