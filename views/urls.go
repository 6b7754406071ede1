package views

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AccountURL is the path of an account page: AccountURL(7, "/bills").
func AccountURL(id int64, rest string) string { return fmt.Sprintf("/accounts/%d%s", id, rest) }

// RoomURL is the path of a room's page.
func RoomURL(sdkAppID int64, room, rest string) string {
	return fmt.Sprintf("/apps/%d/rooms/%s%s", sdkAppID, url.PathEscape(room), rest)
}

// LangSwitchURL switches to lang and comes back to next.
func LangSwitchURL(lang, next string) string {
	return "/lang?" + url.Values{"to": {lang}, "next": {next}}.Encode()
}

// maxNext bounds a redirect target, in bytes.
const maxNext = 2048

// SafeNext keeps a redirect target on this site: a path that parses with
// no scheme, no host and no user, and holds no control character and no
// backslash (browsers drop tabs and line ends from a URL and read "\" as
// "/", so "/\t/evil.example" and "/\evil.example" lead off-site); anything
// else is "/". The path is checked as written and as decoded.
func SafeNext(next string) string {
	if len(next) > maxNext || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || unsafeInURL(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || unsafeInURL(u.Path) {
		return "/"
	}
	return next
}

// unsafeInURL reports a control, bidirectional or zero-width character,
// invalid UTF-8 or a backslash.
func unsafeInURL(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r == '\\' || unicode.In(r, unicode.Cc, unicode.Cf) {
			return true
		}
	}
	return false
}

func current(on bool) string {
	if on {
		return "page"
	}
	return "false"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
