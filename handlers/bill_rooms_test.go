package handlers_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rtcbill/domain"
)

// manyRooms records n rooms in November 2026 for a new account: room k
// (named "room-%03d") has k+1 minutes, so the busiest is the last.
func manyRooms(t *testing.T, env *env, n int) (account, app int64) {
	t.Helper()
	account = env.createAccount(fmt.Sprintf("Rooms %d", n))
	app, _ = env.createApp(account, "2026-10-20T09:00:00+08:00")
	var rows []session
	for k := range n {
		joined := mustInstant("2026-11-03T10:00:00+08:00")
		rows = append(rows, session{ID: fmt.Sprint("s", k), Room: fmt.Sprintf("room-%03d", k), User: "u",
			Joined: joined.Format("2006-01-02T15:04:05Z07:00"), Left: joined.Add(time.Duration(k+1) * time.Minute).Format("2006-01-02T15:04:05Z07:00")})
	}
	env.postSessions(app, rows)
	return account, app
}

// roomsOf reads the room ids of a JSON list of rooms.
func roomsOf(t *testing.T, list []any) []string {
	t.Helper()
	var out []string
	for i := range list {
		out = append(out, strAt(t, list, fmt.Sprintf("%d.room_id", i)))
	}
	return out
}

func TestBillJSONListsTheTopRoomsAndCountsThemAll(t *testing.T) {
	env := newEnv(t)
	account, app := manyRooms(t, env, 25)
	b := env.bill(account, "2026-11")
	wantInt(t, b, "rooms_total", 25)
	rooms := listAt(t, b, "rooms")
	if len(rooms) != 20 {
		t.Fatalf("rooms: got %d, want 20", len(rooms))
	}
	for i := range rooms {
		k := 24 - i
		wantStr(t, rooms, fmt.Sprintf("%d.room_id", i), fmt.Sprintf("room-%03d", k))
		wantInt(t, rooms, fmt.Sprintf("%d.sdk_app_id", i), app)
		wantInt(t, rooms, fmt.Sprintf("%d.seconds", i), int64(60*(k+1)))
		wantInt(t, rooms, fmt.Sprintf("%d.minutes", i), int64(k+1))
		wantInt(t, rooms, fmt.Sprintf("%d.sessions", i), 1)
	}
}

func TestBillRoomsAPIPagesEveryRoomOnce(t *testing.T) {
	env := newEnv(t)
	account, _ := manyRooms(t, env, 25)
	var want []string
	for k := range 25 {
		want = append(want, fmt.Sprintf("room-%03d", k))
	}
	base := fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11/rooms", account)
	follow := func(t *testing.T, first string) []string {
		t.Helper()
		var got []string
		path := first
		for range 100 {
			page := env.call("GET", path, nil, http.StatusOK)
			got = append(got, roomsOf(t, listAt(t, page, "rooms"))...)
			next, ok := page["next_cursor"]
			if !ok {
				t.Fatalf("%s: no next_cursor in the answer", path)
			}
			if next == nil {
				return got
			}
			path = first + "&cursor=" + url.QueryEscape(next.(string))
			if !strings.Contains(first, "?") {
				path = first + "?cursor=" + url.QueryEscape(next.(string))
			}
		}
		t.Fatal("next_cursor never became null")
		return nil
	}
	for _, limit := range []string{"1", "7", "25", "1000"} {
		if got := follow(t, base+"?limit="+limit); !slices.Equal(got, want) {
			t.Errorf("limit %s: got %v, want every room once in (sdk_app_id, room_id) order", limit, got)
		}
	}
	if got := follow(t, base); !slices.Equal(got, want) {
		t.Errorf("default limit: got %v, want every room once", got)
	}
	first := env.call("GET", base+"?limit=10", nil, http.StatusOK)
	cursor := strAt(t, first, "next_cursor")

	t.Run("bad limits and cursors are refused with the field", func(t *testing.T) {
		forged := base64.RawURLEncoding.EncodeToString([]byte("rooms\x00" + fmt.Sprint(account) + "\x002026-11\x00" + "1400000001\x00no-such-room"))
		otherMonth := base64.RawURLEncoding.EncodeToString([]byte("rooms\x00" + fmt.Sprint(account) + "\x002026-10\x00" + "1400000001\x00room-003"))
		for _, tc := range []struct{ query, field string }{
			{"?limit=0", "limit"}, {"?limit=1001", "limit"}, {"?limit=ten", "limit"}, {"?limit=-1", "limit"},
			{"?cursor=%25%25%25", "cursor"}, {"?cursor=bm90IGEgY3Vyc29y", "cursor"}, {"?cursor=" + forged, "cursor"},
			{"?cursor=" + otherMonth, "cursor"}, {"?cursor=" + url.QueryEscape(cursor) + "x", "cursor"},
		} {
			rec := env.do(req{method: "GET", path: base + tc.query})
			e := assertError(t, rec, http.StatusUnprocessableEntity, "validation_failed")
			if e["field"] != tc.field {
				t.Errorf("%s: field %v, want %q", tc.query, e["field"], tc.field)
			}
		}
		other, _ := manyRooms(t, env, 3)
		rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11/rooms?cursor=%s", other, url.QueryEscape(cursor))})
		if e := assertError(t, rec, http.StatusUnprocessableEntity, "validation_failed"); e["field"] != "cursor" {
			t.Errorf("another account's cursor: field %v, want cursor", e["field"])
		}
	})
}

// csvRooms reads the room lines of a bill's CSV.
func csvRooms(t *testing.T, body []byte) []string {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range records[1:] {
		if r[2] == "room" {
			out = append(out, r[6])
		}
	}
	if last := records[len(records)-1]; last[2] != "amount_due" {
		t.Errorf("last line: got %v, want amount_due", last)
	}
	return out
}

func TestBillCSVListsEveryRoom(t *testing.T) {
	env := newEnv(t)
	account, _ := manyRooms(t, env, 1234) // more than a batch of the store's
	var want []string
	for k := range 1234 {
		want = append(want, fmt.Sprintf("room-%03d", k))
	}
	slices.Sort(want) // room-100, room-1000, …: by the bytes of the id
	rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11.csv", account)})
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("got %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := csvRooms(t, rec.Body.Bytes()); !slices.Equal(got, want) {
		t.Errorf("the API's CSV: got %d rooms, want all %d once, in (sdk_app_id, room_id) order", len(got), len(want))
	}
	admin := env.signIn("en", domain.RoleAdmin, 0)
	rec = admin.get(fmt.Sprintf("/accounts/%d/bills/2026-11.csv", account))
	if got := csvRooms(t, rec.Body.Bytes()); !slices.Equal(got, want) {
		t.Errorf("the page's CSV: got %d rooms, want all %d", len(got), len(want))
	}
}

// TestStoredBillKeepsItsRoomsThroughTheAPI: once November's bill is
// stored, a session recorded later in a new room of November changes
// neither its top rooms, nor rooms_total, nor the list, nor the CSV.
func TestStoredBillKeepsItsRoomsThroughTheAPI(t *testing.T) {
	env := newEnv(t)
	account, app := manyRooms(t, env, 25)
	env.clock.Advance(30 * 24 * time.Hour) // 2026-12-25: November is stored at its first read
	before := env.bill(account, "2026-11")
	env.postSessions(app, []session{{ID: "late", Room: "late-room", User: "u",
		Joined: "2026-11-20T10:00:00+08:00", Left: "2026-11-20T20:00:00+08:00"}})
	after := env.bill(account, "2026-11")
	wantInt(t, after, "rooms_total", 25)
	if got, want := roomsOf(t, listAt(t, after, "rooms")), roomsOf(t, listAt(t, before, "rooms")); !slices.Equal(got, want) {
		t.Errorf("top rooms after a late session: got %v, want %v", got, want)
	}
	list := env.call("GET", fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11/rooms?limit=1000", account), nil, http.StatusOK)
	if got := roomsOf(t, listAt(t, list, "rooms")); len(got) != 25 || slices.Contains(got, "late-room") {
		t.Errorf("the list after a late session: got %v, want the 25 stored rooms", got)
	}
	rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11.csv", account)})
	if got := csvRooms(t, rec.Body.Bytes()); len(got) != 25 || slices.Contains(got, "late-room") {
		t.Errorf("the CSV after a late session: got %v, want the 25 stored rooms", got)
	}
}

func TestBillPageLinksEveryRoomAPageAtATime(t *testing.T) {
	env := newEnv(t)
	account, _ := manyRooms(t, env, 120)
	for _, lang := range []string{"zh-CN", "en"} {
		support := env.signIn(lang, domain.RoleSupport, 0)
		t.Run(lang, func(t *testing.T) {
			bill := doc(t, support.get(fmt.Sprintf("/accounts/%d/bills/2026-11", account)))
			if n := bill.Find(`[data-testid="rooms"] [data-testid="room-row"]`).Length(); n != 20 {
				t.Errorf("the bill's rooms: got %d rows, want the top 20", n)
			}
			if first := bill.Find(`[data-testid="room-id"]`).First().Text(); first != "room-119" {
				t.Errorf("the busiest room first: got %q, want room-119", first)
			}
			if top := bill.Find(`[data-testid="rooms-top"]`).Text(); !strings.Contains(top, "120") {
				t.Errorf("the note on the top rooms: got %q, want it to count 120 rooms", top)
			}
			link, _ := bill.Find(`[data-testid="all-rooms"]`).Attr("href")
			if link != fmt.Sprintf("/accounts/%d/bills/2026-11/rooms", account) {
				t.Fatalf("the link to every room: got %q", link)
			}

			var seen []string
			path := link
			for page := 1; path != ""; page++ {
				rec := support.get(path)
				if rec.Code != http.StatusOK {
					t.Fatalf("%s: got %d, want 200", path, rec.Code)
				}
				d := doc(t, rec)
				if m := messageID.FindString(d.Find("body").Text()); m != "" {
					t.Errorf("%s shows the message id %q", path, m)
				}
				d.Find(`[data-testid="room-id"]`).Each(func(_ int, s *goquery.Selection) { seen = append(seen, s.Text()) })
				if got := d.Find(`[data-testid="pager-page"]`).Text(); !strings.Contains(got, fmt.Sprint(page)) {
					t.Errorf("%s: the pager says %q, want page %d", path, got, page)
				}
				path, _ = d.Find(`[data-testid="pager-next"]`).Attr("href")
			}
			if len(seen) != 120 || seen[0] != "room-119" || seen[119] != "room-000" {
				t.Errorf("every page: got %d rooms from %v, want all 120, the busiest first", len(seen), seen[:min(3, len(seen))])
			}
			slices.Sort(seen)
			if len(slices.Compact(seen)) != 120 {
				t.Errorf("every page: a room shows twice")
			}

			d := doc(t, support.get(link+"?q=ROOM-11"))
			var found []string
			d.Find(`[data-testid="room-id"]`).Each(func(_ int, s *goquery.Selection) { found = append(found, s.Text()) })
			if want := []string{"room-119", "room-118", "room-117", "room-116", "room-115", "room-114", "room-113", "room-112", "room-111", "room-110"}; !slices.Equal(found, want) {
				t.Errorf("search ROOM-11: got %v, want %v", found, want)
			}
			if v, _ := d.Find(`#rooms-q`).Attr("value"); v != "ROOM-11" {
				t.Errorf("the search box: got %q, want the query kept", v)
			}
			if d := doc(t, support.get(link+"?q=nothing-like-it")); d.Find(`[data-testid="rooms-none"]`).Length() != 1 {
				t.Errorf("a search that finds nothing says so")
			}
			if href, _ := doc(t, support.get(link+"?q=room&page=2")).Find(`[data-testid="pager-prev"]`).Attr("href"); href != link+"?q=room" {
				t.Errorf("the pager keeps the search: got %q", href)
			}
		})
	}
	admin := env.signIn("en", domain.RoleAdmin, 0)
	for _, bad := range []string{"?page=0", "?page=x", "?page=1000001"} {
		if rec := admin.get(fmt.Sprintf("/accounts/%d/bills/2026-11/rooms%s", account, bad)); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: got %d, want 422", bad, rec.Code)
		}
	}
	if rec := admin.get(fmt.Sprintf("/accounts/%d/bills/2026-11/rooms?page=99", account)); rec.Code != http.StatusOK ||
		doc(t, rec).Find(`[data-testid="rooms-empty"]`).Length() != 1 {
		t.Errorf("a page past the end: got %d, want 200 and no rooms", rec.Code)
	}
}
