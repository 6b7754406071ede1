package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// TestListsComeAPageAtATime: every list the console pages through gives
// each item once over its pages, in its order.
func TestListsComeAPageAtATime(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	at := cstAt(2023, 5, 1, 9, 0, 0)
	ids, _ := accountsForPaging(t, s)
	owner := ids[0]

	t.Run("applications", func(t *testing.T) {
		var want []int64
		for i := range 7 {
			app, _, err := s.CreateApp(ctx, owner, fmt.Sprint("app ", i), at, testNow)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, app.SDKAppID)
		}
		var got []int64
		for offset := 0; offset < 10; offset += 3 {
			page, err := s.ListApps(ctx, owner, offset, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				got = append(got, a.SDKAppID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of 3: got %v, want %v", got, want)
		}
	})

	t.Run("tokens, newest first, and one by its id", func(t *testing.T) {
		var want []int64
		for i := range 5 {
			tok, _, err := s.CreateAPIToken(ctx, owner, fmt.Sprint("token ", i), testNow)
			if err != nil {
				t.Fatal(err)
			}
			want = append([]int64{tok.ID}, want...)
		}
		var got []int64
		for offset := 0; offset < 6; offset += 2 {
			page, err := s.ListAPITokens(ctx, owner, offset, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range page {
				got = append(got, tok.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of 2: got %v, want %v", got, want)
		}
		if tok, err := s.APIToken(ctx, owner, want[2]); err != nil || tok.Name != "token 2" {
			t.Errorf("APIToken: got %+v, %v, want token 2", tok, err)
		}
		if _, err := s.APIToken(ctx, ids[1], want[2]); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("APIToken of another account: got %v, want ErrNotFound", err)
		}
	})

	t.Run("users, staff first, and one by its e-mail", func(t *testing.T) {
		for i, role := range []domain.Role{domain.RoleCustomer, domain.RoleSupport, domain.RoleAdmin, domain.RoleCustomer, domain.RoleSales} {
			account := int64(0)
			if role == domain.RoleCustomer {
				account = owner
			}
			if _, err := s.CreateUser(ctx, fmt.Sprintf("user%d@example.com", i), "a long enough passphrase", role, account, testNow); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []domain.User
		for offset := 0; offset < 6; offset += 2 {
			page, err := s.ListUsers(ctx, offset, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
		}
		if !slices.EqualFunc(got, all, func(a, b domain.User) bool { return a.ID == b.ID }) || len(got) != 5 {
			t.Errorf("pages of 2: got %v, want %v", got, all)
		}
		if all[3].Role != domain.RoleCustomer || all[2].Role == domain.RoleCustomer {
			t.Errorf("order: got %v, want staff first", all)
		}
		if u, err := s.UserByEmail(ctx, " USER4@example.com "); err != nil || u.Role != domain.RoleSales {
			t.Errorf("UserByEmail: got %+v, %v, want the sales user", u, err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("UserByEmail of no one: got %v, want ErrNotFound", err)
		}
	})
}

// TestEachRoomSessionStreamsTheDay: EachRoomSession gives the sessions of
// RoomSessions one by one, in the order users joined, and stops at fn's
// error.
func TestEachRoomSessionStreamsTheDay(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	a := mustAccount(t, s, cstAt(2023, 5, 1, 9, 0, 0))
	app, _ := mustApp(t, s, a.ID, cstAt(2023, 5, 1, 9, 0, 0))
	day := cstAt(2023, 5, 20, 0, 0, 0)
	var sessions []billing.Session
	for i := range 9 {
		sessions = append(sessions, stay(fmt.Sprint("s", i), "hall", fmt.Sprint("u", i), day.Add(time.Duration(9-i)*time.Hour), time.Hour))
	}
	insertAt(t, s, app.SDKAppID, testNow, sessions...)
	all, err := s.RoomSessions(ctx, app.SDKAppID, "hall", day, day.AddDate(0, 0, 1))
	if err != nil || len(all) != 9 {
		t.Fatalf("RoomSessions: got %d sessions, %v", len(all), err)
	}
	var seen []billing.Session
	stop := errors.New("enough")
	err = s.EachRoomSession(ctx, app.SDKAppID, "hall", day, day.AddDate(0, 0, 1), func(x billing.Session) error {
		seen = append(seen, x)
		if len(seen) == 4 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.EqualFunc(seen, all[:4], func(a, b billing.Session) bool { return a.ID == b.ID }) {
		t.Errorf("EachRoomSession stopped after 4: got %v, %v, want %v and the error", seen, err, all[:4])
	}
	if !all[0].Joined.Before(all[1].Joined) {
		t.Errorf("order: got %v first, then %v, want the earliest first", all[0].Joined, all[1].Joined)
	}
}
