package views

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
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

// SafeNext keeps a redirect target on this site: a path, never a host.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	return next
}

func current(on bool) string {
	if on {
		return "page"
	}
	return "false"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
