package domain_test

import (
	"errors"
	"strings"
	"testing"

	"rtcbill/domain"
)

func TestCheckTextRefusesControlAndInvisibleCharacters(t *testing.T) {
	refused := map[string]string{
		"a NUL":                            "ab\x00c",
		"a tab":                            "a\tb",
		"a line feed":                      "a\nb",
		"DEL":                              "a\x7fb",
		"a C1 control":                     "a\u0085b",
		"right-to-left override (bidi)":    "invoice\u202Efdp.exe",
		"left-to-right isolate (bidi)":     "a\u2066b",
		"zero-width space":                 "pay\u200Bpal",
		"zero-width joiner":                "a\u200Db",
		"byte order mark":                  "\uFEFFname",
		"soft hyphen":                      "pay\u00ADpal",
		"invalid UTF-8":                    "a\xffb",
		"201 characters":                   strings.Repeat("名", 201),
		"7 MB, refused on its byte length": strings.Repeat("a", 7<<20),
	}
	for name, v := range refused {
		t.Run("refuses "+name, func(t *testing.T) {
			err := domain.CheckText("name", v, domain.MaxNameLen)
			var ve *domain.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if ve.Field != "name" {
				t.Errorf("field: got %q, want name", ve.Field)
			}
		})
	}
	for _, v := range []string{"", "Qingyun Meet", "青云会议", strings.Repeat("名", 200), "Café (NFC)", "emoji 🎉"} {
		if err := domain.CheckText("name", v, domain.MaxNameLen); err != nil {
			t.Errorf("CheckText(%q): got %v, want nil", v, err)
		}
	}
}

func TestCleanNameIsNFC(t *testing.T) {
	got, err := domain.CleanName("name", "  Cafe\u0301 Co  ")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Caf\u00e9 Co"; got != want {
		t.Errorf("got %q, want %q (trimmed, NFC)", got, want)
	}
	if _, err := domain.CleanName("name", "   "); err == nil {
		t.Error("a blank name: got nil, want an error")
	}
}

func TestCleanEmailLimits(t *testing.T) {
	local := strings.Repeat("a", 64)
	host := strings.Repeat("d", 63) + "." + strings.Repeat("e", 63) + "." + strings.Repeat("f", 53) + ".example" // 189 bytes
	at254 := local[:254-len(host)-1] + "@" + host
	if len(at254) != 254 {
		t.Fatalf("test address is %d bytes, want 254", len(at254))
	}
	if _, err := domain.CleanEmail("email", at254); err != nil {
		t.Errorf("an address of 254 bytes: got %v, want nil", err)
	}
	for name, v := range map[string]string{
		"255 bytes":          "a" + at254,
		"7 MB":               strings.Repeat("a", 7<<20) + "@example.com",
		"a zero-width space": "ops\u200B@example.com",
		"a display name":     "Ops <ops@example.com>",
		"a line feed":        "ops@example.com\nBcc: x@example.com",
	} {
		if _, err := domain.CleanEmail("email", v); err == nil {
			t.Errorf("%s: got nil, want an error", name)
		}
	}
}

func TestPrefixCutsAtACharacterBoundary(t *testing.T) {
	s := strings.Repeat("é", 200) // 400 bytes
	p := domain.Prefix(s, 253)
	if len(p) != 252 || p != strings.Repeat("é", 126) {
		t.Errorf("got %d bytes, want 252: the first 126 characters", len(p))
	}
	if domain.Prefix("short", 254) != "short" {
		t.Error("a short string must come back whole")
	}
}
