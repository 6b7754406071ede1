package views

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rtcbill/billing"
	"rtcbill/domain"
)

// RoomDuration is a length of time counted to the second (R6), printed
// as whole minutes and, when there are any, the seconds left over.
type RoomDuration struct{ Seconds int64 }

// Text prints d in the page language: "40 min", "10 min 30 s", "12 s".
func (d RoomDuration) Text(ctx context.Context) string {
	switch {
	case d.Seconds%60 == 0:
		return T(ctx, "rooms.duration.min", "Min", Int(d.Seconds/60))
	case d.Seconds < 60:
		return T(ctx, "rooms.duration.sec", "Sec", d.Seconds)
	}
	return T(ctx, "rooms.duration.min_sec", "Min", Int(d.Seconds/60), "Sec", d.Seconds%60)
}

// RoomHeader names a room and links its pages.
type RoomHeader struct {
	SDKAppID  string
	AppName   string
	Room      string
	AccountID int64
	AppsURL   string
	CallsURL  string
	LiveURL   string
}

func newRoomHeader(app domain.App, room string) RoomHeader {
	return RoomHeader{
		SDKAppID: strconv.FormatInt(app.SDKAppID, 10), AppName: app.Name, Room: room, AccountID: app.AccountID,
		AppsURL:  AccountURL(app.AccountID, "/apps"),
		CallsURL: RoomURL(app.SDKAppID, room, ""),
		LiveURL:  RoomURL(app.SDKAppID, room, "/live"),
	}
}

// RoomPage is one room's finished sessions on one CST day, grouped into
// calls (R6).
type RoomPage struct {
	Meta Meta
	RoomHeader
	Day string // YYYY-MM-DD, CST
	// PrevURL and NextURL page through days; empty when there is none.
	PrevURL string
	NextURL string
	// DayInput and DayError keep a date that could not be read.
	DayInput string
	DayError LocalMsg
	// Calls are the calls with a session on this page of the day's
	// sessions; CallsTotal counts the day's calls, Sessions its sessions.
	Calls      []RoomCall
	CallsTotal int
	Sessions   int
	// DayTotal is the room's call duration on this day: the sum of every
	// session's seconds that fall on it (R6).
	DayTotal RoomDuration
	// CrossesDay says a session runs past the day's midnights; its calls
	// show it whole, but only the part on this day counts in DayTotal.
	CrossesDay bool
	// Pager leads through the day's sessions, RoomDayPageSize a page.
	Pager Pager
}

// RoomCall is a maximal set of overlapping sessions: it starts when the
// first user enters and ends when the last leaves.
type RoomCall struct {
	N int
	// Shown says which of the call's participants this page lists when it
	// lists only some of them ("participants 201–300 of 5,000"); unset when
	// it lists them all.
	Shown        LocalMsg
	Start        string
	End          string
	Wall         RoomDuration // end − start, what a clock on the wall shows
	Sum          RoomDuration // the sum of the participants' time (R6)
	Participants []RoomParticipant
	Timeline     RoomTimeline
}

// RoomParticipant is one session of a call: one user's stay.
type RoomParticipant struct {
	User   string
	Joined string
	Left   string
	Time   RoomDuration
}

// RoomTimeline is a call drawn to scale: one bar per session on a time
// axis. X positions are percentages of the drawing's width, so the bars
// stretch with the page while the text keeps its size.
type RoomTimeline struct {
	Height int
	AxisY  int // the baseline of the tick labels
	Bars   []RoomBar
	Ticks  []RoomTick
}

// RoomBar is one session's bar with its label above it.
type RoomBar struct {
	X, W    string // percentages
	Y       int
	LabelX  string
	LabelY  int
	Anchor  string // "start" or "end", so the label stays inside
	User    string
	From    string
	To      string
	Time    RoomDuration
	Seconds int64
}

// RoomTick is one labelled time on the axis.
type RoomTick struct {
	X     string
	Label string // HH:MM CST
}

// Geometry of the timeline, in CSS pixels.
const (
	timelineRow    = 32 // one session: label, then bar
	timelineBarTop = 16 // bar offset within its row
	timelineBar    = 12 // bar height
	timelineAxis   = 22 // room for the tick labels below the rows
)

// RoomDayPageSize is how many sessions a page of a room's day lists.
const RoomDayPageSize = 100

// RoomDay gathers a room's day from its finished sessions, given one by one
// by Add in the order users joined (as Store.EachRoomSession gives them):
// the day's figures count every session and call, but only the sessions
// of one page are kept, with the whole figures of their calls. A room's
// day is never held whole.
type RoomDay struct {
	day, next  time.Time
	from, to   int // the page's sessions, by their index in the day
	sessions   int
	total      int64
	crossesDay bool
	calls      []*dayCall // those with a session on the page
	cur        *dayCall
	n          int // calls so far
}

// dayCall is a call as the sessions come: its figures so far, and the
// page's sessions of it.
type dayCall struct {
	n          int
	start, end time.Time
	sum        int64
	size       int // participants
	first      int // the index in the call of the first session kept
	kept       []billing.Session
}

// NewRoomDay gathers the CST day starting at day, keeping page (from 1)
// of its sessions, RoomDayPageSize a page; page 0 keeps them all.
func NewRoomDay(day time.Time, page int) *RoomDay {
	day = billing.DayStart(day)
	d := &RoomDay{day: day, next: billing.NextDayStart(day), to: math.MaxInt}
	if page > 0 {
		d.from, d.to = (page-1)*RoomDayPageSize, page*RoomDayPageSize
	}
	return d
}

// Add takes the next session of the day. A call is a maximal set of
// sessions that overlap, as GroupCalls has it.
func (d *RoomDay) Add(s billing.Session) error {
	for _, piece := range billing.SplitSession(nil, s, d.day, d.next) {
		d.total += piece.Seconds
	}
	if s.Joined.Before(d.day) || s.Left.After(d.next) {
		d.crossesDay = true
	}
	if d.cur == nil || !s.Joined.Before(d.cur.end) {
		d.n++
		d.cur = &dayCall{n: d.n, start: s.Joined, end: s.Left}
	}
	c := d.cur
	c.end = later(c.end, s.Left)
	c.sum += s.Seconds()
	if d.sessions >= d.from && d.sessions < d.to {
		if len(c.kept) == 0 {
			c.first = c.size
			d.calls = append(d.calls, c)
		}
		c.kept = append(c.kept, s)
	}
	c.size++
	d.sessions++
	return nil
}

// More says a page of sessions follows the kept one.
func (d *RoomDay) More() bool { return d.sessions > d.to }

// NewRoomPage groups sessions (as Store.RoomSessions returns them for the
// CST day starting at day) into calls, all on one page. today is the CST
// day of now.
func NewRoomPage(meta Meta, app domain.App, room string, day time.Time, now time.Time, sessions []billing.Session) RoomPage {
	d := NewRoomDay(day, 0)
	for _, s := range slices.SortedStableFunc(slices.Values(sessions), func(a, b billing.Session) int { return a.Joined.Compare(b.Joined) }) {
		d.Add(s)
	}
	return NewRoomDayPage(meta, app, room, now, d)
}

// NewRoomDayPage is the page of a room's day that d gathered. today is
// the CST day of now.
func NewRoomDayPage(meta Meta, app domain.App, room string, now time.Time, d *RoomDay) RoomPage {
	day, next := d.day, d.next
	p := RoomPage{Meta: meta, RoomHeader: newRoomHeader(app, room), Day: Date(day), Sessions: d.sessions,
		CallsTotal: d.n, DayTotal: RoomDuration{d.total}, CrossesDay: d.crossesDay}
	dayURL := func(t time.Time) string {
		return RoomURL(app.SDKAppID, room, "?"+url.Values{"day": {Date(t)}}.Encode())
	}
	if day.After(billing.MinInstant) {
		p.PrevURL = dayURL(day.AddDate(0, 0, -1))
	}
	if next.Before(billing.NextDayStart(now)) {
		p.NextURL = dayURL(next)
	}
	for _, c := range d.calls {
		rc := callOf(c.n, day, c.start, c.end, c.sum, c.kept)
		if len(c.kept) < c.size {
			rc.Shown = msg("rooms.call.shown", "From", Int(int64(c.first+1)), "To", Int(int64(c.first+len(c.kept))), "Of", Int(int64(c.size)))
		}
		p.Calls = append(p.Calls, rc)
	}
	if d.to != math.MaxInt {
		page := d.to / RoomDayPageSize
		pageURL := func(n int) string {
			q := url.Values{"day": {Date(day)}}
			if n > 1 {
				q.Set("page", strconv.Itoa(n))
			}
			return RoomURL(app.SDKAppID, room, "?"+q.Encode())
		}
		p.Pager = Pager{Page: page}
		if page > 1 {
			p.Pager.PrevURL = pageURL(page - 1)
		}
		if d.More() {
			p.Pager.NextURL = pageURL(page + 1)
		}
	}
	return p
}

// RejectDay keeps a ?day= that is not a date and says so.
func (p *RoomPage) RejectDay(input string) {
	p.DayInput, p.DayError = input, msg("rooms.error.day")
}

// GroupCalls splits sessions into calls: a call is a maximal set of
// sessions that overlap, directly or through others. Sessions that only
// touch ([10:00, 10:10) and [10:10, 10:20)) are two calls. Each call is
// in the order users joined.
func GroupCalls(sessions []billing.Session) [][]billing.Session {
	sorted := slices.Clone(sessions)
	slices.SortStableFunc(sorted, func(a, b billing.Session) int { return a.Joined.Compare(b.Joined) })
	var calls [][]billing.Session
	var end time.Time
	for _, s := range sorted {
		if len(calls) == 0 || !s.Joined.Before(end) {
			calls = append(calls, nil)
			end = s.Left
		}
		calls[len(calls)-1] = append(calls[len(calls)-1], s)
		if s.Left.After(end) {
			end = s.Left
		}
	}
	return calls
}

// newRoomCall is call n of day made of sessions, in the order users joined.
func newRoomCall(n int, day time.Time, sessions []billing.Session) RoomCall {
	start, end := sessions[0].Joined, sessions[0].Left
	var sum int64
	for _, s := range sessions {
		end = later(end, s.Left)
		sum += s.Seconds()
	}
	return callOf(n, day, start, end, sum, sessions)
}

// callOf is call n of day, from start to end with sum seconds in all,
// listing sessions (all of its sessions, or those of one page).
func callOf(n int, day, start, end time.Time, sum int64, sessions []billing.Session) RoomCall {
	c := RoomCall{N: n}
	for _, s := range sessions {
		c.Participants = append(c.Participants, RoomParticipant{
			User: s.User, Joined: clockOn(day, s.Joined), Left: clockOn(day, s.Left), Time: RoomDuration{s.Seconds()},
		})
	}
	c.Start, c.End = clockOn(day, start), clockOn(day, end)
	c.Wall = RoomDuration{int64(end.Sub(start) / time.Second)}
	c.Sum = RoomDuration{sum}
	c.Timeline = newRoomTimeline(start, end, sessions)
	return c
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// clockOn prints t's CST time of day, with its date when t is not on day.
func clockOn(day, t time.Time) string {
	if billing.DayStart(t).Equal(day) {
		return Clock(t)
	}
	return Date(t) + " " + Clock(t)
}

func newRoomTimeline(start, end time.Time, sessions []billing.Session) RoomTimeline {
	span := end.Sub(start)
	pos := func(t time.Time) float64 {
		if span <= 0 {
			return 0
		}
		return float64(t.Sub(start)) / float64(span) * 100
	}
	tl := RoomTimeline{Height: len(sessions)*timelineRow + timelineAxis, AxisY: len(sessions)*timelineRow + 16}
	for i, s := range sessions {
		x, w := pos(s.Joined), pos(s.Left)-pos(s.Joined)
		w = max(w, 0.5) // a stay of seconds in a long call stays visible
		b := RoomBar{
			X: pct(x), W: pct(w), Y: i*timelineRow + timelineBarTop, LabelY: i*timelineRow + 12,
			User: s.User, From: Clock(s.Joined), To: Clock(s.Left), Time: RoomDuration{s.Seconds()}, Seconds: s.Seconds(),
			Anchor: "start", LabelX: pct(x),
		}
		if x > 50 {
			b.Anchor, b.LabelX = "end", pct(min(x+w, 100))
		}
		tl.Bars = append(tl.Bars, b)
	}
	for _, t := range timelineTicks(start, end) {
		tl.Ticks = append(tl.Ticks, RoomTick{X: pct(pos(t)), Label: t.In(billing.CST).Format("15:04")})
	}
	return tl
}

// tickSteps are the spacings the axis may use, in minutes.
var tickSteps = []int{1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440}

// timelineTicks picks round CST times within [start, end], at most six;
// a call too short for two of them is labelled at its start and end.
func timelineTicks(start, end time.Time) []time.Time {
	span := end.Sub(start)
	step := time.Duration(tickSteps[len(tickSteps)-1]) * time.Minute
	for _, m := range tickSteps {
		if d := time.Duration(m) * time.Minute; span/d <= 5 {
			step = d
			break
		}
	}
	// Round to the step counted from the CST midnight, so ticks fall on
	// 10:00, 10:05, … rather than on the call's own start.
	origin := billing.DayStart(start)
	first := origin.Add((start.Sub(origin) + step - 1) / step * step)
	var ticks []time.Time
	for t := first; !t.After(end); t = t.Add(step) {
		ticks = append(ticks, t)
	}
	if len(ticks) < 2 {
		return []time.Time{start, end}
	}
	return ticks
}

func pct(x float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", x), "0"), ".") + "%"
}

// LivePage is who is in a room now, with the forms that make users join
// and leave (R5, R6).
type LivePage struct {
	Meta Meta
	RoomHeader
	Now         string // CST, to the minute; Users' times are of this day unless dated
	JoinAction  string
	LeaveAction string
	Users       []LiveUser
	// UserID and UserError are the join form's input and its error.
	UserID    string
	UserError LocalMsg
	// Notice confirms a join or a leave; Problem says why one was refused.
	Notice  LocalMsg
	Problem LocalMsg
	// Closed says the account's service is closed (停服, R5): the join was
	// refused, and buying a package (PlansURL) re-activates it.
	Closed      bool
	PlansURL    string
	AccountURL  string
	BillsURL    string
	RefreshPath string
}

// can is what the user may do to the room's account.
func (p LivePage) can() Can {
	if p.Meta.Account == nil {
		return Can{}
	}
	return p.Meta.Account.Can
}

// LiveUser is one user in the room now.
type LiveUser struct {
	User   string
	Joined string
	SoFar  RoomDuration
}

// NewLivePage shows live, the room's present users, at now.
func NewLivePage(meta Meta, app domain.App, room string, live []domain.LiveSession, now time.Time) LivePage {
	h := newRoomHeader(app, room)
	// A page re-rendered after a refused POST must switch language back to
	// the live page itself, not to the form's target.
	meta.Path = h.LiveURL
	p := LivePage{
		Meta: meta, RoomHeader: h, Now: DateTime(now),
		JoinAction:  RoomURL(app.SDKAppID, room, "/live/join"),
		LeaveAction: RoomURL(app.SDKAppID, room, "/live/leave"),
		PlansURL:    "/plans?account=" + strconv.FormatInt(app.AccountID, 10),
		AccountURL:  AccountURL(app.AccountID, ""),
		BillsURL:    AccountURL(app.AccountID, "/bills"),
		RefreshPath: h.LiveURL,
	}
	for _, l := range live {
		p.Users = append(p.Users, LiveUser{
			User: l.User, Joined: clockOn(billing.DayStart(now), l.Joined), SoFar: RoomDuration{max(0, int64(now.Sub(l.Joined)/time.Second))},
		})
	}
	return p
}

// ShowJoined confirms that user entered the room (after the redirect).
func (p *LivePage) ShowJoined(user string) {
	if user != "" {
		p.Notice = msg("rooms.live.joined", "User", user)
	}
}

// ShowLeft confirms that user left after seconds (after the redirect);
// seconds < 0 when unknown.
func (p *LivePage) ShowLeft(user string, seconds int64) {
	switch {
	case user == "":
	case seconds < 0:
		p.Notice = msg("rooms.live.left_plain", "User", user)
	default:
		p.Notice = msg("rooms.live.left", "User", user, "Duration", RoomDuration{seconds})
	}
}

// RefuseClosed shows that the join of user was refused: the service is
// closed (R5).
func (p *LivePage) RefuseClosed(user string) {
	p.UserID, p.Closed = user, true
}

// RefuseAlreadyIn keeps user in the join form: they are in the room.
func (p *LivePage) RefuseAlreadyIn(user string) {
	p.UserID, p.UserError = user, msg("rooms.live.error.already_in", "User", user)
}

// RejectUser keeps a user id the store refused and says why.
func (p *LivePage) RejectUser(user string) {
	p.UserID = user
	switch {
	case strings.TrimSpace(user) == "":
		p.UserError = msg("rooms.live.error.user_required")
	case !utf8.ValidString(user) || utf8.RuneCountInString(user) > roomIDMaxRunes:
		p.UserError = msg("rooms.live.error.user_too_long", "Max", roomIDMaxRunes)
	default:
		p.UserError = msg("rooms.live.error.user_invalid")
	}
}

// RefuseLeave says that user could not leave: they are not in the room.
func (p *LivePage) RefuseLeave(user string) {
	p.Problem = msg("rooms.live.error.not_in_room", "User", user)
}
