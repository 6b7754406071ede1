package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
	"rtcbill/domain"
	"rtcbill/views"
)

// roomParam reads :room_id. Echo leaves a parameter escaped when the path
// needed its raw form (a room id holding "/" or "%"), so undo that here.
func roomParam(c echo.Context) string {
	room := c.Param("room_id")
	if c.Request().URL.RawPath != "" {
		if u, err := url.PathUnescape(room); err == nil {
			room = u
		}
	}
	return room
}

// showRoomPage answers GET /apps/:sdk_app_id/rooms/:room_id?day=YYYY-MM-DD
// &page=N: the room's finished sessions on that CST day, grouped into calls
// (R6), views.RoomDayPageSize sessions a page. Without ?day= it shows the
// day of the room's latest session, or today.
func (h *Handler) showRoomPage(c echo.Context) error {
	app, a, err := h.pageApp(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	room, now := roomParam(c), h.now()
	status := http.StatusOK
	var day time.Time
	input := strings.TrimSpace(c.QueryParam("day"))
	if input != "" {
		if day, err = time.ParseInLocation(time.DateOnly, input, billing.CST); err != nil {
			status, day = http.StatusUnprocessableEntity, time.Time{}
		}
	}
	if day.IsZero() {
		if day, err = h.store.LastRoomDay(ctx, app.SDKAppID, room); err != nil {
			return err
		}
		if day.IsZero() {
			day = billing.DayStart(now)
		}
	}
	page, err := pageParam(c)
	if err != nil {
		return err
	}
	// The day's sessions are read one by one: the page counts them all and
	// keeps views.RoomDayPageSize of them.
	d := views.NewRoomDay(day, page)
	if err := h.store.EachRoomSession(ctx, app.SDKAppID, room, day, billing.NextDayStart(day), d.Add); err != nil {
		return err
	}
	m := accountMeta(c, a, "apps", views.T(ctx, "rooms.title", "Room", room))
	p := views.NewRoomDayPage(m, app, room, now, d)
	if status != http.StatusOK {
		p.RejectDay(input)
	}
	return render(c, status, views.Room(p))
}

// showLivePage answers GET .../rooms/:room_id/live: who is in the room now.
// ?joined=USER or ?left=USER&seconds=N confirm a join or a leave after its
// redirect.
func (h *Handler) showLivePage(c echo.Context) error {
	return h.renderLive(c, http.StatusOK, func(p *views.LivePage) {
		p.ShowJoined(c.QueryParam("joined"))
		seconds, err := strconv.ParseInt(c.QueryParam("seconds"), 10, 64)
		if err != nil || seconds < 0 {
			seconds = -1
		}
		p.ShowLeft(c.QueryParam("left"), seconds)
	})
}

// submitLiveJoin answers POST .../live/join: the user enters the room now.
// A closed account is refused (R5, 403); a user already in the room is a
// conflict (409).
func (h *Handler) submitLiveJoin(c echo.Context) error {
	app, _, err := h.pageAppFor(c, actLiveRoom)
	if err != nil {
		return err
	}
	room, user := roomParam(c), strings.TrimSpace(c.FormValue("user_id"))
	_, err = h.store.Join(c.Request().Context(), app.SDKAppID, room, user, h.now())
	var ve *domain.ValidationError
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, views.RoomURL(app.SDKAppID, room, "/live?"+url.Values{"joined": {user}}.Encode()))
	case errors.Is(err, domain.ErrServiceClosed):
		return h.renderLive(c, http.StatusForbidden, func(p *views.LivePage) { p.RefuseClosed(user) })
	case errors.Is(err, domain.ErrAlreadyJoined):
		return h.renderLive(c, http.StatusConflict, func(p *views.LivePage) { p.RefuseAlreadyIn(user) })
	case errors.As(err, &ve):
		return h.renderLive(c, http.StatusUnprocessableEntity, func(p *views.LivePage) { p.RejectUser(user) })
	}
	return err
}

// submitLiveLeave answers POST .../live/leave: the user's session ends now
// and is stored; the page then says how long it lasted.
func (h *Handler) submitLiveLeave(c echo.Context) error {
	app, _, err := h.pageAppFor(c, actLiveRoom)
	if err != nil {
		return err
	}
	room, user := roomParam(c), c.FormValue("user_id")
	s, err := h.store.Leave(c.Request().Context(), app.SDKAppID, room, user, h.now())
	var ve *domain.ValidationError
	switch {
	case err == nil:
		q := url.Values{"left": {user}, "seconds": {strconv.FormatInt(s.Seconds(), 10)}}
		return c.Redirect(http.StatusSeeOther, views.RoomURL(app.SDKAppID, room, "/live?"+q.Encode()))
	case errors.Is(err, domain.ErrNotInRoom):
		return h.renderLive(c, http.StatusConflict, func(p *views.LivePage) { p.RefuseLeave(user) })
	case errors.As(err, &ve): // a user id no one can have: no one by that id is in the room
		return h.renderLive(c, http.StatusUnprocessableEntity, func(p *views.LivePage) { p.RefuseLeave(user) })
	}
	return err
}

// renderLive shows the live room with status; edit adds what the request
// has to say.
func (h *Handler) renderLive(c echo.Context, status int, edit func(*views.LivePage)) error {
	app, a, err := h.pageApp(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	room := roomParam(c)
	live, err := h.store.LiveSessions(ctx, app.SDKAppID, room)
	if err != nil {
		return err
	}
	m := accountMeta(c, a, "apps", views.T(ctx, "rooms.live.title", "Room", room))
	p := views.NewLivePage(m, app, room, live, h.now())
	edit(&p)
	return render(c, status, views.LiveRoom(p))
}
