package db

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"rtcbill/domain"
)

// accountsForPaging opens 13 accounts, every third a demo account, and
// returns their ids and the demo ones'.
func accountsForPaging(t *testing.T, s *SQLStore) (ids, demoIDs []int64) {
	t.Helper()
	ctx := context.Background()
	at := cstAt(2023, 5, 1, 9, 0, 0)
	for i := range 13 {
		create := s.CreateAccount
		if i%3 == 0 {
			create = s.CreateDemoAccount
		}
		a, err := create(ctx, fmt.Sprintf("Paged %02d", i), fmt.Sprintf("paged%d@example.com", i), at, testNow)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
		if a.Demo {
			demoIDs = append(demoIDs, a.ID)
		}
	}
	return ids, demoIDs
}

// TestSearchAccountsPages: a search comes a page at a time, by offset or
// after a cursor, and keeps to demo accounts when asked.
func TestSearchAccountsPages(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	ids, demoIDs := accountsForPaging(t, s)
	idsOf := func(q domain.AccountSearch) []int64 {
		t.Helper()
		found, err := s.SearchAccounts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, a := range found {
			out = append(out, a.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    domain.AccountSearch
		want []int64
	}{
		{"first page", domain.AccountSearch{Query: "paged", Limit: 5}, ids[:5]},
		{"third page", domain.AccountSearch{Query: "PAGED", Offset: 10, Limit: 5}, ids[10:]},
		{"after a cursor", domain.AccountSearch{Query: "paged", After: ids[4], Limit: 3}, ids[5:8]},
		{"past the end", domain.AccountSearch{Query: "paged", Offset: 13, Limit: 5}, nil},
		{"demo accounts", domain.AccountSearch{DemoOnly: true, Limit: 100}, demoIDs},
		{"demo accounts after a cursor", domain.AccountSearch{DemoOnly: true, After: demoIDs[1], Limit: 100}, demoIDs[2:]},
		{"one by its name", domain.AccountSearch{Query: "Paged 07", Limit: 5}, ids[7:8]},
	} {
		if got := idsOf(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
