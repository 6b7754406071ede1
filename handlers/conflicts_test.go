package handlers_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

// TestSessionConflicts: a row that says something else about a stored
// session is reported, not stored and not counted as a duplicate; the rest of
// the batch is stored; an identical re-send stays a plain duplicate.
func TestSessionConflicts(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	acct := env.createAccount("Conflicts")
	app, _ := env.createApp(acct, "2019-07-01T09:00:00+08:00")
	env.purchase(acct, "starter", "2019-07-01T09:00:00+08:00")

	a := session{ID: "a", Room: "r1", User: "ann", Joined: "2019-07-02T10:00:00+08:00", Left: "2019-07-02T10:10:00+08:00"}
	b := session{Room: "r1", User: "bob", Joined: "2019-07-02T10:00:00+08:00", Left: "2019-07-02T10:20:00+08:00"}
	env.postSessions(app, []session{a, b})

	post := func(rows []session) map[string]any {
		t.Helper()
		return env.call("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), map[string]any{"sessions": rows}, http.StatusCreated)
	}
	conflicting := func(res map[string]any) [][2]any {
		var out [][2]any
		for _, c := range res["conflicting"].([]any) {
			m := c.(map[string]any)
			out = append(out, [2]any{int(intAt(t, m, "index")), m["reason"]})
		}
		return out
	}

	aLonger := a
	aLonger.Left = "2019-07-02T10:40:00+08:00" // the same session_id, another end
	newID := session{ID: "a-again", Room: a.Room, User: a.User, Joined: a.Joined, Left: a.Left}
	bShorter := b
	bShorter.Left = "2019-07-02T10:05:00+08:00" // no session_id, same room, user and joined_at, another end
	fresh := session{ID: "c", Room: "r2", User: "cid", Joined: "2019-07-03T10:00:00+08:00", Left: "2019-07-03T10:30:00+08:00"}
	freshAgain := fresh
	freshAgain.Left = "2019-07-03T10:31:00+08:00" // contradicts row 4 of the same batch

	before := env.counts()
	res := post([]session{a, aLonger, newID, bShorter, fresh, b, freshAgain, fresh})
	wantInt(t, res, "inserted", 1)
	wantInt(t, res, "duplicates", 3) // a, b and the second fresh
	wantInt(t, res, "conflicts", 4)
	want := [][2]any{{1, "session_id_differs"}, {2, "natural_key_taken"}, {3, "natural_key_taken"}, {6, "session_id_differs"}}
	if got := conflicting(res); !reflect.DeepEqual(got, want) {
		t.Errorf("conflicting: got %v, want %v", got, want)
	}
	if got := env.counts()["sessions"]; got != before["sessions"]+1 {
		t.Errorf("sessions: got %d rows, want %d (only the fresh row stored)", got, before["sessions"]+1)
	}
	// July: a 600 s + b 1,200 s + fresh 1,800 s; the conflicting rows add nothing.
	wantInt(t, env.bill(acct, "2019-07"), "usage_seconds", 600+1200+1800)

	t.Run("an identical re-send is a plain duplicate with no conflicts", func(t *testing.T) {
		res := post([]session{a, b, fresh})
		wantInt(t, res, "duplicates", 3)
		wantInt(t, res, "conflicts", 0)
		if got := res["conflicting"]; !reflect.DeepEqual(got, []any{}) {
			t.Errorf("conflicting: got %#v, want []", got)
		}
	})
	t.Run("an all-conflict batch still answers 201 and stores nothing", func(t *testing.T) {
		before := env.counts()
		res := post([]session{aLonger})
		wantInt(t, res, "inserted", 0)
		wantInt(t, res, "conflicts", 1)
		assertUnchanged(t, before, env.counts())
	})
	t.Run("a malformed row still refuses the whole batch", func(t *testing.T) {
		before := env.counts()
		bad := session{ID: "d", Room: "r3", User: "dan", Joined: "2019-07-04T10:00:00+08:00", Left: "2019-07-04T09:00:00+08:00"}
		env.call("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), map[string]any{"sessions": []session{aLonger, {ID: "e", Room: "r3", User: "eve", Joined: "2019-07-04T10:00:00+08:00", Left: "2019-07-04T10:01:00+08:00"}, bad}}, http.StatusUnprocessableEntity)
		assertUnchanged(t, before, env.counts())
	})
}

// TestSubSecondStays: entering a room counts (R6) even for less than a
// second. The order is judged on the instants as sent; each instant drops
// its fraction of a second on its own.
func TestSubSecondStays(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	acct := env.createAccount("Blink")
	app, _ := env.createApp(acct, "2019-07-01T09:00:00+08:00")
	env.purchase(acct, "starter", "2019-07-01T09:00:00+08:00")

	rows := []session{
		{ID: "blink", Room: "r1", User: "u1", Joined: "2019-07-02T10:00:00.2+08:00", Left: "2019-07-02T10:00:00.9+08:00"}, // 0 s
		{ID: "equal", Room: "r1", User: "u2", Joined: "2019-07-02T10:00:05+08:00", Left: "2019-07-02T10:00:05+08:00"},     // 0 s
		{ID: "cross", Room: "r1", User: "u3", Joined: "2019-07-02T10:00:09.9+08:00", Left: "2019-07-02T10:00:10.1+08:00"}, // 10 - 9 = 1 s
		{ID: "long", Room: "r2", User: "u4", Joined: "2019-07-02T11:00:00+08:00", Left: "2019-07-02T11:10:00+08:00"},      // 600 s
	}
	before := env.counts()
	ins, dup := env.postSessions(app, rows)
	if ins != 4 || dup != 0 {
		t.Fatalf("got inserted %d duplicates %d, want 4 and 0: no row of the batch may be lost", ins, dup)
	}
	if got := env.counts()["sessions"]; got != before["sessions"]+4 {
		t.Errorf("sessions: got %d rows, want %d", got, before["sessions"]+4)
	}
	bill := env.bill(acct, "2019-07")
	wantInt(t, bill, "usage_seconds", 0+0+1+600)
	wantInt(t, bill, "usage_minutes", 11) // ceil(601 / 60)
	// Room r1 holds three sessions, 1 s in all.
	for _, r := range bill["rooms"].([]any) {
		m := r.(map[string]any)
		if m["room_id"] == "r1" {
			wantInt(t, m, "seconds", 1)
			wantInt(t, m, "sessions", 3)
		}
	}

	t.Run("left before joined within one second is refused with its index and field", func(t *testing.T) {
		before := env.counts()
		res := env.call("POST", fmt.Sprintf("/api/v1/apps/%d/sessions", app), map[string]any{"sessions": []session{
			{ID: "ok", Room: "r3", User: "u5", Joined: "2019-07-03T10:00:00+08:00", Left: "2019-07-03T10:01:00+08:00"},
			{ID: "back", Room: "r3", User: "u6", Joined: "2019-07-03T10:00:00.7+08:00", Left: "2019-07-03T10:00:00.3+08:00"},
		}}, http.StatusUnprocessableEntity)
		wantInt(t, res, "error.index", 1)
		if got := res["error"].(map[string]any)["field"]; got != "left_at" {
			t.Errorf("field: got %v, want left_at", got)
		}
		assertUnchanged(t, before, env.counts())
	})
}
