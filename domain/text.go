package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxEmailLen bounds an e-mail address, in bytes: the longest path SMTP
// carries (RFC 5321) less its angle brackets.
const MaxEmailLen = 254

// CheckText refuses v as the value of field when it is longer than
// maxRunes characters, is not valid UTF-8, or holds a control, bidirectional
// or zero-width character (Unicode categories Cc and Cf), which would let a
// name look like another or reorder the text around it. The length is
// checked first, on the byte count where that settles it, so that a huge
// input is refused before anything else is done with it. It returns nil or
// a *ValidationError naming field.
func CheckText(field, v string, maxRunes int) error {
	if len(v) > maxRunes*utf8.UTFMax {
		return Invalid(field, "is longer than %d characters", maxRunes).Because("too_long", "Max", maxRunes)
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "is not valid UTF-8").Because("not_utf8")
	}
	if utf8.RuneCountInString(v) > maxRunes {
		return Invalid(field, "is longer than %d characters", maxRunes).Because("too_long", "Max", maxRunes)
	}
	for _, r := range v {
		if unicode.In(r, unicode.Cc, unicode.Cf) {
			return Invalid(field, "holds the control or invisible character %U", r).Because("invisible", "Char", fmt.Sprintf("%U", r))
		}
	}
	return nil
}

// CheckID checks a session, room or user id as CheckText does, at the ids'
// length limit, MaxIdentifierLen characters. Whether an id may be empty is
// the caller's rule.
func CheckID(field, v string) error { return CheckText(field, v, MaxIdentifierLen) }

// CleanName trims a name, checks it with CheckText (at most MaxNameLen
// characters) and returns it in Unicode normalization form C, so that one
// name typed two ways is stored one way.
func CleanName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := CheckText(field, name, MaxNameLen); err != nil {
		return "", err
	}
	if name == "" {
		return "", Invalid(field, "is required").Because("required")
	}
	name = norm.NFC.String(name)
	// Composition only shortens, but a few characters decompose under NFC.
	if utf8.RuneCountInString(name) > MaxNameLen {
		return "", Invalid(field, "is longer than %d characters", MaxNameLen).Because("too_long", "Max", MaxNameLen)
	}
	return name, nil
}

// CleanEmail trims an e-mail address and checks it: at most MaxEmailLen
// bytes (checked first), no control or invisible character, and an address
// alone, without a display name.
func CleanEmail(field, email string) (string, error) {
	email = strings.TrimSpace(email)
	if len(email) > MaxEmailLen {
		return "", Invalid(field, "is longer than %d bytes", MaxEmailLen).Because("too_long_bytes", "Max", MaxEmailLen)
	}
	if err := CheckText(field, email, MaxEmailLen); err != nil {
		return "", err
	}
	if email == "" {
		return "", Invalid(field, "is required").Because("required")
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", Invalid(field, "%q is not an e-mail address", email).Because("not_email", "Value", email)
	}
	return email, nil
}

// Prefix returns at most the first max bytes of s, cut at a character
// boundary: what the audit trail keeps of an input too long to keep whole.
func Prefix(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// HasControlChars reports whether v holds a character CheckText refuses
// for its category (Cc or Cf), so that a form can say so.
func HasControlChars(v string) bool {
	for _, r := range v {
		if unicode.In(r, unicode.Cc, unicode.Cf) {
			return true
		}
	}
	return false
}
