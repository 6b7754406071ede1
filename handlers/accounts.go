package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

type accountJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
	Status    string `json:"status,omitempty"`
	At        string `json:"at,omitempty"`
}

func toAccountJSON(a domain.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, Email: a.Email, CreatedAt: billing.FormatInstant(a.CreatedAt)}
}

// createAccount answers POST /api/v1/accounts. Staff may pass a past
// created_at for demo histories.
func (h *Handler) createAccount(c echo.Context) error {
	if !who(c).canCreateAccounts() {
		return h.refuse(c, errForbidden)
	}
	var in struct {
		Name      string `json:"name"`
		Email     string `json:"email"`
		CreatedAt string `json:"created_at"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	now := h.now()
	if in.CreatedAt != "" && !who(c).canBackdate() {
		return h.refuse(c, newError(http.StatusForbidden, "forbidden", "only admins may pass created_at"))
	}
	at, err := parseInstant("created_at", in.CreatedAt, now)
	if err != nil {
		return err
	}
	a, err := h.store.CreateAccount(c.Request().Context(), in.Name, in.Email, at, now)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAccountJSON(a))
}

// accountsCursor is the kind of a cursor into a search of accounts.
const accountsCursor = "accounts"

// searchAccounts answers GET /api/v1/accounts?q=&limit=&cursor= for staff:
// a page of the accounts found, oldest first, and the cursor of the next
// page (null after the last).
func (h *Handler) searchAccounts(c echo.Context) error {
	if err := h.requireStaff(c); err != nil {
		return err
	}
	q := c.QueryParam("q")
	if err := checkSearch(q); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var after int64
	if cursor := c.QueryParam("cursor"); cursor != "" {
		f, err := decodeCursor(cursor, accountsCursor, 1)
		if err != nil {
			return err
		}
		// A cursor names an account the search gave; accounts are never
		// removed, so any other is one this server never gave.
		if after, err = strconv.ParseInt(f[0], 10, 64); err != nil || after <= 0 {
			return errBadCursor(cursor)
		}
		if _, err := h.store.Account(ctx, after); errors.Is(err, domain.ErrNotFound) {
			return errBadCursor(cursor)
		} else if err != nil {
			return err
		}
	}
	found, err := h.store.SearchAccounts(ctx, domain.AccountSearch{Query: q, After: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	found, more := trimPage(found, limit)
	out := struct {
		Accounts   []accountJSON `json:"accounts"`
		NextCursor nextCursor    `json:"next_cursor"`
	}{Accounts: []accountJSON{}}
	for _, a := range found {
		out.Accounts = append(out.Accounts, toAccountJSON(a))
	}
	if more {
		out.NextCursor = cursorOf(encodeCursor(accountsCursor, strconv.FormatInt(found[len(found)-1].ID, 10)))
	}
	return c.JSON(http.StatusOK, out)
}

// maxSearch bounds a search, in characters.
const maxSearch = 200

// checkSearch refuses a search longer than maxSearch characters, before
// it reaches the database.
func checkSearch(q string) error {
	if len(q) > maxSearch && utf8.RuneCountInString(q) > maxSearch {
		e := fieldError("q", "q is longer than %d characters", maxSearch)
		e.Local = views.SearchTooLong(maxSearch)
		return e
	}
	return nil
}

// showAccount answers GET /api/v1/accounts/:id?at=: the account and its
// status at that instant (R5).
func (h *Handler) showAccount(c echo.Context) error {
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	at, err := h.atParam(c)
	if err != nil {
		return err
	}
	status, err := h.store.Status(c.Request().Context(), a.ID, at)
	if err != nil {
		return err
	}
	out := toAccountJSON(a)
	out.Status, out.At = string(status), billing.FormatInstant(at)
	return c.JSON(http.StatusOK, out)
}
