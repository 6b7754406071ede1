package handlers_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rtcbill/domain"
)

func TestBillCSVEscapesFormulas(t *testing.T) {
	env := newEnv(t)
	account := env.createAccount("Sheet Co")
	app, _ := env.createApp(account, "2026-11-01T09:00:00+08:00")
	rooms := []string{`=HYPERLINK("http://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "＝1", "＋1", "－1", "＠x", "plain", "1e3"}
	var rows []session
	for i, r := range rooms {
		rows = append(rows, session{ID: fmt.Sprint("s", i), Room: r, User: "u",
			Joined: "2026-11-02T10:00:00+08:00", Left: "2026-11-02T10:10:00+08:00"})
	}
	env.postSessions(app, rows)

	check := func(t *testing.T, body []byte) {
		t.Helper()
		records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, rec := range records[1:] {
			for i, cell := range rec {
				if cell == "" {
					continue
				}
				switch first := []rune(cell)[0]; first {
				case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
					t.Errorf("column %s holds %q: a spreadsheet reads it as a formula", records[0][i], cell)
				}
			}
			if rec[2] == "room" {
				seen[rec[6]] = true
			}
		}
		for _, r := range rooms {
			want := r
			if strings.ContainsRune("=+-@＝＋－＠", []rune(r)[0]) {
				want = "'" + r
			}
			if !seen[want] {
				t.Errorf("room %q: want the cell %q", r, want)
			}
		}
	}
	t.Run("the API's CSV", func(t *testing.T) {
		rec := env.do(req{method: "GET", path: fmt.Sprintf("/api/v1/accounts/%d/bills/2026-11.csv", account)})
		if rec.Code != http.StatusOK {
			t.Fatalf("got %d", rec.Code)
		}
		check(t, rec.Body.Bytes())
	})
	t.Run("the page's CSV", func(t *testing.T) {
		owner := env.signIn("en", domain.RoleCustomer, account)
		rec := owner.get(fmt.Sprintf("/accounts/%d/bills/2026-11.csv", account))
		if rec.Code != http.StatusOK {
			t.Fatalf("got %d", rec.Code)
		}
		check(t, rec.Body.Bytes())
	})
}
