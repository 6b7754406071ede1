package handlers

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/views"
)

// Lists never come whole: the API answers ?limit= items at a time with a
// cursor to the next, the pages show a page of a fixed size with links to
// the pages around it, so that no answer grows with the data.

// The API's page sizes (api.md, "Bills at scale").
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// limitParam reads ?limit=: 1 to maxLimit, defaultLimit when absent.
func limitParam(c echo.Context) (int, error) {
	q := c.QueryParam("limit")
	if q == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > maxLimit {
		return 0, fieldError("limit", "limit must be a whole number from 1 to %d, not %q", maxLimit, q)
	}
	return n, nil
}

// A cursor names the last item of a page: its kind and the fields of its
// key, joined by NULs (no key holds one: ids refuse control characters),
// in unpadded URL-safe base64. It means nothing to the client, which only
// sends it back.

func encodeCursor(kind string, fields ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + strings.Join(fields, "\x00")))
}

// errBadCursor is the answer to a cursor this server did not give.
func errBadCursor(cursor string) error {
	return fieldError("cursor", "cursor %q is not one this list gave", cursor)
}

// decodeCursor reads a cursor of kind with n fields; errBadCursor for any
// other.
func decodeCursor(cursor, kind string, n int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, errBadCursor(cursor)
	}
	fields := strings.SplitN(string(raw), "\x00", n+1)
	if len(fields) != n+1 || fields[0] != kind {
		return nil, errBadCursor(cursor)
	}
	return fields[1:], nil
}

// nextCursor is the "next_cursor" of an answer: null at the end.
type nextCursor *string

func cursorOf(s string) nextCursor { return &s }

// maxPage bounds ?page= far beyond any real list, so that offsets cannot
// overflow.
const maxPage = 1_000_000

// pageParam reads a page's ?page=: a whole number from 1, 1 when absent.
func pageParam(c echo.Context) (int, error) {
	q := c.QueryParam("page")
	if q == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > maxPage {
		return 0, fieldError("page", "page must be a whole number from 1 to %d, not %q", maxPage, q).because("page_number", "Value", q)
	}
	return n, nil
}

// pageOffset is the offset of page (from 1) of pages of size.
func pageOffset(page, size int) int { return (page - 1) * size }

// newPager links page (from 1) of a list to the pages before and after it
// (more says there is one after), at path with query, whose "page" it sets.
func newPager(path string, query url.Values, page int, more bool) views.Pager {
	at := func(n int) string {
		q := url.Values{}
		for k, v := range query {
			if k != "page" && len(v) > 0 && v[0] != "" {
				q[k] = v[:1]
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	p := views.Pager{Page: page}
	if page > 1 {
		p.PrevURL = at(page - 1)
	}
	if more {
		p.NextURL = at(page + 1)
	}
	return p
}

// trimPage cuts a page read with one item more than size to size, and
// says whether there was more.
func trimPage[T any](items []T, size int) ([]T, bool) {
	if len(items) > size {
		return items[:size], true
	}
	return items, false
}
