package db

import (
	"context"
	"testing"
	"time"

	"rtcbill/domain"
)

// TestSessionBringsItsUser: the user a web session's query brings along
// is the user as UserByID reads it, field for field.
func TestSessionBringsItsUser(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	u, err := s.CreateUser(ctx, "ops@example.com", "a long enough passphrase", domain.RoleSupport, 0, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.userByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	ws := s.WebSessions().WithOwner(func([]byte) int64 { return u.ID })
	if err := ws.Commit("token", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.users.Delete(u.ID)
	s.sessions.drop(tokenHash("token"))
	if _, ok, err := ws.Find("token"); err != nil || !ok {
		t.Fatalf("Find: %v %v", ok, err)
	}
	v, ok := s.users.Load(u.ID)
	if !ok || !v.(cachedUser).withSession {
		t.Fatal("the session's query did not bring its user")
	}
	if got := v.(cachedUser).u; got != want {
		t.Errorf("brought %+v, want %+v", got, want)
	}
}
