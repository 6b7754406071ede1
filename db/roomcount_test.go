package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rtcbill/billing"
)

// TestRoomCountsKeptWithTheSums: the count of a month's rooms a bill
// shows is kept as sessions are stored (usage_monthly_rooms), not counted
// at each bill; it must agree with the rooms stored, whatever the batches
// hold — rooms new and known, a session across a month's end (a room of
// both months), duplicates, another account's rooms.
func TestRoomCountsKeptWithTheSums(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	created := cstAt(2023, 3, 1, 9, 0, 0)
	acct := mustAccount(t, s, created)
	app, _ := mustApp(t, s, acct.ID, created)
	mustPurchase(t, s, acct.ID, "starter", created)
	other := mustAccount(t, s, created)
	otherApp, _ := mustApp(t, s, other.ID, created)

	batch := func(app int64, from, n, rooms int, day time.Time) {
		t.Helper()
		var ss []billing.Session
		for i := from; i < from+n; i++ {
			j := day.Add(time.Duration(i%600) * time.Minute)
			ss = append(ss, billing.Session{ID: fmt.Sprintf("s%d", i), Room: fmt.Sprintf("room-%d", i%rooms),
				User: fmt.Sprintf("u%d", i), Joined: j, Left: j.Add(90 * time.Second)})
		}
		if _, err := s.InsertSessions(ctx, app, ss, testNow); err != nil {
			t.Fatal(err)
		}
	}
	batch(app.SDKAppID, 0, 500, 300, cstAt(2023, 4, 3, 8, 0, 0))
	batch(app.SDKAppID, 500, 500, 450, cstAt(2023, 4, 4, 8, 0, 0)) // 150 rooms new
	batch(app.SDKAppID, 0, 500, 300, cstAt(2023, 4, 3, 8, 0, 0))   // all duplicates
	batch(otherApp.SDKAppID, 0, 200, 1000, cstAt(2023, 4, 3, 8, 0, 0))
	// Across April's end: room-x is a room of April and of May.
	if _, err := s.InsertSessions(ctx, app.SDKAppID, []billing.Session{
		{ID: "x", Room: "room-x", User: "ux", Joined: cstAt(2023, 4, 30, 23, 50, 0), Left: cstAt(2023, 5, 1, 0, 10, 0)},
	}, testNow); err != nil {
		t.Fatal(err)
	}
	batch(app.SDKAppID, 2000, 100, 100, cstAt(2023, 5, 2, 8, 0, 0)) // room-0…99: new to May

	for _, c := range []struct {
		account int64
		month   billing.Month
		want    int64
	}{
		{acct.ID, billing.Month{Year: 2023, Month: time.April}, 451},
		{acct.ID, billing.Month{Year: 2023, Month: time.May}, 101},
		{other.ID, billing.Month{Year: 2023, Month: time.April}, 200},
	} {
		var counted int64
		if err := s.rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM usage_room_monthly WHERE account_id = ? AND month = ?`,
			c.account, c.month.String()).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		_, total, err := topRooms(ctx, s.rq, c.account, c.month)
		if err != nil {
			t.Fatal(err)
		}
		if counted != c.want || total != c.want {
			t.Errorf("account %d, %s: rooms kept %d, rooms stored %d, want %d", c.account, c.month, total, counted, c.want)
		}
	}
}

// TestTopRoomsKeptWithTheSums: the busiest rooms a bill shows are kept as
// sessions are stored (usage_top_rooms); they must be the 20 first rooms
// of every room stored, most seconds first, then by SDKAppID and room id,
// with their sessions — after batches that raise rooms into them, tie
// them, and add stays of no seconds.
func TestTopRoomsKeptWithTheSums(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	created := cstAt(2023, 3, 1, 9, 0, 0)
	acct := mustAccount(t, s, created)
	app, _ := mustApp(t, s, acct.ID, created)
	app2, _ := mustApp(t, s, acct.ID, created)
	month := billing.Month{Year: 2023, Month: time.April}
	id := 0
	add := func(app int64, room string, seconds int) {
		t.Helper()
		id++
		j := cstAt(2023, 4, 3, 8, 0, 0).Add(time.Duration(id) * time.Minute)
		if _, err := s.InsertSessions(ctx, app, []billing.Session{{ID: fmt.Sprintf("t%d", id), Room: room, User: "u",
			Joined: j, Left: j.Add(time.Duration(seconds) * time.Second)}}, testNow); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string) {
		t.Helper()
		want, err := scanRooms(s.rq.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM usage_room_monthly
			WHERE account_id = ? AND month = ? ORDER BY seconds DESC, sdk_app_id, room_id LIMIT 20`, acct.ID, month.String()))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := topRooms(ctx, s.rq, acct.ID, month)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: busiest rooms kept\n%v\nwant\n%v", step, got, want)
		}
	}
	for i := range 30 {
		add(app.SDKAppID, fmt.Sprintf("r%02d", i), 60+i)
	}
	check("30 rooms")
	add(app.SDKAppID, "r00", 200) // the quietest room becomes the busiest
	check("a room raised to the top")
	add(app2.SDKAppID, "r05", 79) // ties room r19 of the first app at 79 s
	add(app.SDKAppID, "Z", 79)    // and "Z" sorts before "r19"
	check("ties")
	add(app.SDKAppID, "r29", 0) // a stay of no seconds: one more session
	check("a stay of no seconds")
	var ss []billing.Session
	for i := range 500 { // one batch raising many rooms at once
		j := cstAt(2023, 4, 5, 8, 0, 0).Add(time.Duration(i) * time.Second)
		ss = append(ss, billing.Session{ID: fmt.Sprintf("b%d", i), Room: fmt.Sprintf("r%02d", i%40), User: fmt.Sprintf("u%d", i),
			Joined: j, Left: j.Add(time.Duration(i%97) * time.Second)})
	}
	if _, err := s.InsertSessions(ctx, app.SDKAppID, ss, testNow); err != nil {
		t.Fatal(err)
	}
	check("a batch of 500")
}
