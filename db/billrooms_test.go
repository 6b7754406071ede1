package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// roomsFixture is an account whose application has 25 rooms in September
// 2026: room r00 has 1 minute, r01 2 minutes and so on, except that r20
// to r24 all have 30 minutes (ties, broken by room id).
func roomsFixture(t *testing.T, s *SQLStore) (account, app int64, want []billing.RoomUsage) {
	t.Helper()
	ctx := context.Background()
	now := cstAt(2026, 9, 30, 12, 0, 0)
	a, err := s.CreateAccount(ctx, "Rooms", "rooms@example.com", cstAt(2026, 9, 1, 9, 0, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	ap, _, err := s.CreateApp(ctx, a.ID, "app", cstAt(2026, 9, 1, 9, 0, 0), now)
	if err != nil {
		t.Fatal(err)
	}
	var sessions []billing.Session
	for i := range 25 {
		room := fmt.Sprintf("r%02d", i)
		mins := i + 1
		if i >= 20 {
			mins = 30
		}
		sessions = append(sessions, stay("s-"+room, room, "u", cstAt(2026, 9, 2, 10, 0, 0), time.Duration(mins)*time.Minute))
		want = append(want, billing.RoomUsage{App: ap.SDKAppID, Room: room, Seconds: int64(mins * 60), Sessions: 1})
	}
	insertAt(t, s, ap.SDKAppID, now, sessions...)
	return a.ID, ap.SDKAppID, want
}

// topOf is rooms most seconds first, ties by application then room id, at
// most billing.TopRooms.
func topOf(rooms []billing.RoomUsage) []billing.RoomUsage {
	out := slices.Clone(rooms)
	slices.SortFunc(out, compareTopRooms)
	return out[:min(len(out), billing.TopRooms)]
}

// allPages follows BillRooms a page of size at a time to the end.
func allPages(t *testing.T, s *SQLStore, account int64, month billing.Month, size int, now time.Time) []billing.RoomUsage {
	t.Helper()
	var all []billing.RoomUsage
	var after domain.RoomKey
	for range 1000 {
		page, err := s.BillRooms(context.Background(), account, month, after, size, now)
		if err != nil {
			t.Fatalf("BillRooms after %+v: %v", after, err)
		}
		all = append(all, page...)
		if len(page) < size {
			return all
		}
		last := page[len(page)-1]
		after = domain.RoomKey{App: last.App, Room: last.Room}
	}
	t.Fatal("BillRooms never reached the end")
	return nil
}

func eachRoom(t *testing.T, s *SQLStore, account int64, month billing.Month, now time.Time) []billing.RoomUsage {
	t.Helper()
	var all []billing.RoomUsage
	if err := s.EachBillRoom(context.Background(), account, month, now, func(r billing.RoomUsage) error {
		all = append(all, r)
		return nil
	}); err != nil {
		t.Fatalf("EachBillRoom: %v", err)
	}
	return all
}

func wantRooms(t *testing.T, what string, got, want []billing.RoomUsage) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestBillListsItsTopRoomsAndCountsThemAll(t *testing.T) {
	s, _ := openTestStore(t)
	account, _, rooms := roomsFixture(t, s)
	for _, tc := range []struct {
		name string
		now  time.Time
	}{
		{"an estimate while the month runs", cstAt(2026, 9, 30, 12, 0, 0)},
		{"the stored bill once the month is closed", cstAt(2026, 10, 5, 12, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := billAt(t, s, account, sep2026, tc.now)
			wantRooms(t, "rooms", b.Rooms, topOf(rooms))
			if b.RoomsTotal != 25 {
				t.Errorf("RoomsTotal: got %d, want 25", b.RoomsTotal)
			}
			if b.Rooms[0].Room != "r20" || b.Rooms[4].Room != "r24" || b.Rooms[5].Room != "r19" {
				t.Errorf("order: got %v, want the five 30-minute rooms r20–r24 first, then r19", b.Rooms[:6])
			}
		})
	}
}

func TestBillRoomsPagesThroughEveryRoomOnce(t *testing.T) {
	s, _ := openTestStore(t)
	account, _, rooms := roomsFixture(t, s)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		now  time.Time
	}{
		{"running month", cstAt(2026, 9, 30, 12, 0, 0)},
		{"stored month", cstAt(2026, 10, 5, 12, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 7, 25, 100} {
				wantRooms(t, fmt.Sprintf("pages of %d", size), allPages(t, s, account, sep2026, size, tc.now), rooms)
			}
			wantRooms(t, "EachBillRoom", eachRoom(t, s, account, sep2026, tc.now), rooms)
			_, err := s.BillRooms(ctx, account, sep2026, domain.RoomKey{App: rooms[0].App, Room: "no such room"}, 10, tc.now)
			if !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("BillRooms after a room not in the list: got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestSearchBillRooms(t *testing.T) {
	s, _ := openTestStore(t)
	account, app, rooms := roomsFixture(t, s)
	ctx := context.Background()
	for _, now := range []time.Time{cstAt(2026, 9, 30, 12, 0, 0), cstAt(2026, 10, 5, 12, 0, 0)} {
		all := slices.Clone(rooms)
		slices.SortFunc(all, compareTopRooms)
		for _, tc := range []struct {
			q             string
			offset, limit int
			want          []billing.RoomUsage
		}{
			{"", 0, 10, all[:10]},
			{"", 20, 10, all[20:]},
			{"", 30, 10, []billing.RoomUsage{}},
			{"R1", 0, 100, []billing.RoomUsage{rooms[19], rooms[18], rooms[17], rooms[16], rooms[15], rooms[14], rooms[13], rooms[12], rooms[11], rooms[10]}},
			{"r0", 8, 5, []billing.RoomUsage{rooms[1], rooms[0]}},
			{fmt.Sprint(app), 0, 3, all[:3]},
			{"%", 0, 10, []billing.RoomUsage{}},
		} {
			got, err := s.SearchBillRooms(ctx, account, sep2026, tc.q, tc.offset, tc.limit, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(tc.want) == 0 {
				continue
			}
			wantRooms(t, fmt.Sprintf("at %s, q=%q offset %d limit %d", billing.FormatInstant(now), tc.q, tc.offset, tc.limit), got, tc.want)
		}
	}
}

// TestStoredBillKeepsItsRooms: the rooms of a stored bill are those stored
// with it, in a table beside it: sessions recorded later for the month
// change neither its top rooms, nor their count, nor the list; its body
// holds only the top rooms; the rows never change.
func TestStoredBillKeepsItsRooms(t *testing.T) {
	s, _ := openTestStore(t)
	account, app, rooms := roomsFixture(t, s)
	closed := cstAt(2026, 10, 5, 12, 0, 0)
	before := billAt(t, s, account, sep2026, closed)

	later := cstAt(2026, 10, 6, 12, 0, 0)
	insertAt(t, s, app, later,
		stay("late-1", "zz-late", "u", cstAt(2026, 9, 20, 10, 0, 0), 5*time.Hour),
		stay("late-2", "r00", "v", cstAt(2026, 9, 20, 10, 0, 0), 5*time.Hour))
	after := billAt(t, s, account, sep2026, later)
	wantRooms(t, "top rooms after late sessions", after.Rooms, before.Rooms)
	if after.RoomsTotal != 25 {
		t.Errorf("RoomsTotal after late sessions: got %d, want 25", after.RoomsTotal)
	}
	wantRooms(t, "the list after late sessions", allPages(t, s, account, sep2026, 10, later), rooms)
	wantRooms(t, "the CSV's rooms after late sessions", eachRoom(t, s, account, sep2026, later), rooms)

	var body string
	if err := s.rdq().QueryRow(`SELECT body FROM issued_bills WHERE account_id = ? AND month = ?`, account, sep2026.String()).Scan(&body); err != nil {
		t.Fatal(err)
	}
	var stored billing.Bill
	if err := json.Unmarshal([]byte(body), &stored); err != nil {
		t.Fatal(err)
	}
	if len(stored.Rooms) != billing.TopRooms || stored.RoomsTotal != 25 {
		t.Errorf("stored body: %d rooms and RoomsTotal %d, want %d and 25", len(stored.Rooms), stored.RoomsTotal, billing.TopRooms)
	}
	for _, stmt := range []string{
		`UPDATE issued_bill_rooms SET seconds = 0 WHERE account_id = ?`,
		`DELETE FROM issued_bill_rooms WHERE account_id = ?`,
	} {
		if _, err := s.wq().Exec(stmt, account); err == nil {
			t.Errorf("%s: got no error, want the database to refuse it", stmt)
		}
	}
}

// TestBillStoredWithEveryRoomInItsBody: a bill stored before its rooms had
// a table of their own holds every room in its body and none in the table;
// it reads like the others: its top rooms, their count, the list, the
// search and the CSV from its body.
func TestBillStoredWithEveryRoomInItsBody(t *testing.T) {
	s, _ := openTestStore(t)
	account, app, rooms := roomsFixture(t, s)
	// The body as the release before stored it: every room, most seconds
	// first, and no RoomsTotal.
	old := billAt(t, s, account, sep2026, cstAt(2026, 9, 30, 12, 0, 0))
	old.Status = billing.BillIssued
	old.Rooms = slices.Clone(rooms)
	slices.SortFunc(old.Rooms, compareTopRooms)
	encoded, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &fields); err != nil {
		t.Fatal(err)
	}
	delete(fields, "RoomsTotal")
	if encoded, err = json.Marshal(fields); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wq().Exec(`INSERT INTO issued_bills (account_id, month, issued_at, overage_minutes, body) VALUES (?, ?, ?, ?, ?)`,
		account, sep2026.String(), cstAt(2026, 10, 1, 2, 0, 0).Unix(), old.Overage, string(encoded)); err != nil {
		t.Fatal(err)
	}
	now := cstAt(2026, 10, 6, 12, 0, 0)
	insertAt(t, s, app, now, stay("late-1", "zz-late", "u", cstAt(2026, 9, 20, 10, 0, 0), time.Hour))

	b := billAt(t, s, account, sep2026, now)
	wantRooms(t, "top rooms", b.Rooms, topOf(rooms))
	if b.RoomsTotal != 25 {
		t.Errorf("RoomsTotal: got %d, want 25", b.RoomsTotal)
	}
	wantRooms(t, "the list", allPages(t, s, account, sep2026, 4, now), rooms)
	wantRooms(t, "the CSV's rooms", eachRoom(t, s, account, sep2026, now), rooms)
	got, err := s.SearchBillRooms(context.Background(), account, sep2026, "r2", 1, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	wantRooms(t, "search r2 from the second", got, []billing.RoomUsage{rooms[21], rooms[22], rooms[23]})
	if _, err := s.BillRooms(context.Background(), account, sep2026, domain.RoomKey{App: app, Room: "zz-late"}, 10, now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("BillRooms after a room recorded after the bill: got %v, want ErrNotFound", err)
	}
}
