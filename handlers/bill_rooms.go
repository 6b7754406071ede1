package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

// roomsCursor is the kind of a cursor into a bill's rooms; it also names
// the account and the month, so that it leads nowhere else.
const roomsCursor = "rooms"

func encodeRoomsCursor(account int64, month billing.Month, r billing.RoomUsage) string {
	return encodeCursor(roomsCursor, strconv.FormatInt(account, 10), month.String(), strconv.FormatInt(r.App, 10), r.Room)
}

// roomsAfter reads ?cursor= of account's rooms of month: the zero RoomKey
// when there is none.
func roomsAfter(cursor string, account int64, month billing.Month) (domain.RoomKey, error) {
	if cursor == "" {
		return domain.RoomKey{}, nil
	}
	f, err := decodeCursor(cursor, roomsCursor, 4)
	if err != nil {
		return domain.RoomKey{}, err
	}
	app, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || app <= 0 || f[0] != strconv.FormatInt(account, 10) || f[1] != month.String() {
		return domain.RoomKey{}, errBadCursor(cursor)
	}
	return domain.RoomKey{App: app, Room: f[3]}, nil
}

// showBillRooms answers GET /api/v1/accounts/:id/bills/:month/rooms
// ?limit=N&cursor=C: a page of the bill's rooms in (sdk_app_id, room_id)
// order and the cursor of the next page, null after the last. A stored
// bill's rooms are those stored with it.
func (h *Handler) showBillRooms(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	now := h.now()
	month, err := billMonth(c.Param("month"), now)
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	cursor := c.QueryParam("cursor")
	after, err := roomsAfter(cursor, id, month)
	if err != nil {
		return err
	}
	rooms, err := h.store.BillRooms(c.Request().Context(), id, month, after, limit+1, now)
	if errors.Is(err, domain.ErrNotFound) && after != (domain.RoomKey{}) {
		return errBadCursor(cursor)
	}
	if err != nil {
		return err
	}
	rooms, more := trimPage(rooms, limit)
	out := struct {
		Rooms      []roomUsageJSON `json:"rooms"`
		NextCursor nextCursor      `json:"next_cursor"`
	}{Rooms: []roomUsageJSON{}}
	for _, r := range rooms {
		out.Rooms = append(out.Rooms, toRoomUsageJSON(r))
	}
	if more {
		out.NextCursor = cursorOf(encodeRoomsCursor(id, month, rooms[len(rooms)-1]))
	}
	return c.JSON(http.StatusOK, out)
}

// billRoomsPageSize is how many rooms a page of a bill's room list shows.
const billRoomsPageSize = 50

// showBillRoomsPage answers GET /accounts/:id/bills/:month/rooms?q=&page=:
// a page of the bill's rooms, the busiest first, those whose room id or
// SDKAppID holds q when it is given.
func (h *Handler) showBillRoomsPage(c echo.Context) error {
	now := h.now()
	month, err := billMonth(c.Param("month"), now)
	if err != nil {
		return err
	}
	a, err := h.pageAccount(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if err := checkSearch(q); err != nil {
		return err
	}
	n, err := pageParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	bill, err := h.store.Bill(ctx, a.ID, month, now)
	if err != nil {
		return err
	}
	rooms, err := h.store.SearchBillRooms(ctx, a.ID, month, q, pageOffset(n, billRoomsPageSize), billRoomsPageSize+1, now)
	if err != nil {
		return err
	}
	rooms, more := trimPage(rooms, billRoomsPageSize)
	m := accountMeta(c, a, "bills", views.T(ctx, "bills.rooms_page.title", "Month", month.String()))
	pager := newPager(views.BillURL(a.ID, month, "/rooms"), url.Values{"q": {q}}, n, more)
	return render(c, http.StatusOK, views.BillRooms(views.NewBillRoomsPage(m, a.ID, bill, q, rooms, pager)))
}
