package domain

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Password rules (OWASP ASVS 4.0 V2.1): at least 12 characters, at most
// 128, counted as characters, not bytes, so that a passphrase in Chinese is
// as long as its English translation; not one of the most common passwords.
// Nothing else: no required digits or symbols.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// PasswordProblem says why a password is refused.
type PasswordProblem int

// The reasons, in the order CheckPassword looks for them.
const (
	PasswordOK       PasswordProblem = iota
	PasswordTooShort                 // fewer than MinPasswordLen characters
	PasswordTooLong                  // more than MaxPasswordLen characters
	PasswordNotText                  // not valid UTF-8
	PasswordCommon                   // among the most common, a run or a repetition
	PasswordIsEmail                  // the user's own e-mail address
)

// String says what is wrong in English, for the command line:
// "too short: at least 12 characters".
func (p PasswordProblem) String() string {
	switch p {
	case PasswordTooShort:
		return fmt.Sprintf("too short: at least %d characters", MinPasswordLen)
	case PasswordTooLong:
		return fmt.Sprintf("too long: at most %d characters", MaxPasswordLen)
	case PasswordNotText:
		return "not text (UTF-8)"
	case PasswordCommon:
		return "one of the most common passwords, easy to guess"
	case PasswordIsEmail:
		return "the e-mail address"
	}
	return "fine"
}

// CheckPassword says what is wrong with password for the user with e-mail
// email (empty when unknown), or PasswordOK. The store refuses the same
// passwords; handlers ask it to choose their message.
func CheckPassword(password, email string) PasswordProblem {
	if !utf8.ValidString(password) {
		return PasswordNotText
	}
	p := NormalizePassword(password)
	switch n := utf8.RuneCountInString(p); {
	case n < MinPasswordLen:
		return PasswordTooShort
	case n > MaxPasswordLen:
		return PasswordTooLong
	}
	lower := strings.ToLower(p)
	if commonPassword(lower) {
		return PasswordCommon
	}
	if email != "" && strings.EqualFold(strings.TrimSpace(email), strings.TrimSpace(p)) {
		return PasswordIsEmail
	}
	return PasswordOK
}

// normalizePassword puts a password in Unicode NFKC, so that the same
// passphrase typed with another input method (full-width letters,
// composed or decomposed accents) is the same password.
func NormalizePassword(p string) string { return norm.NFKC.String(p) }

// commonPasswords is a short list of the most common passwords of 12
// characters or more (shorter ones are refused anyway), lower case.
//
//go:embed common-passwords.txt
var commonPasswordsFile string

var commonPasswordSet = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			set[strings.ToLower(line)] = true
		}
	}
	return set
})

// commonPassword reports whether a lower-case password is on the list, is
// one short unit repeated ("abcabcabcabc", "111111111111") or is a run of
// consecutive digits or letters either way ("123456789012", "zyxwvutsrqpo").
func commonPassword(lower string) bool {
	if commonPasswordSet()[lower] {
		return true
	}
	r := []rune(lower)
	for unit := 1; unit <= 4; unit++ {
		repeated := true
		for i := unit; i < len(r); i++ {
			if r[i] != r[i-unit] {
				repeated = false
				break
			}
		}
		if repeated {
			return true
		}
	}
	return run(r, 1) || run(r, -1)
}

// run reports whether every character follows the one before it by step
// in the digits (0 after 9) or in the letters a to z.
func run(r []rune, step int) bool {
	next := func(c rune) rune {
		switch {
		case c >= '0' && c <= '9':
			return '0' + (c-'0'+rune(step)+10)%10
		case c >= 'a' && c <= 'z':
			return 'a' + (c-'a'+rune(step)+26)%26
		}
		return -1
	}
	for i := 1; i < len(r); i++ {
		if r[i] != next(r[i-1]) {
			return false
		}
	}
	return true
}
