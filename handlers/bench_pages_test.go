package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"rtcbill/domain"
)

// BenchmarkPages renders pages through the whole stack (session, sign-in,
// CSRF, language, templ), as a signed-in support user.
func BenchmarkPages(b *testing.B) {
	env := newEnv(b)
	acct := env.createAccount("Bench")
	app, _ := env.createApp(acct, "2019-07-01T10:00:00+08:00")
	env.purchase(acct, "starter", "2019-08-01T09:00:00+08:00")
	var rows []session
	for i := range 500 {
		rows = append(rows, session{ID: fmt.Sprint("s", i), Room: fmt.Sprint("r", i%20), User: fmt.Sprint("u", i),
			Joined: fmt.Sprintf("2019-08-%02dT10:00:00+08:00", 1+i%28), Left: fmt.Sprintf("2019-08-%02dT11:00:00+08:00", 1+i%28)})
	}
	env.postSessions(app, rows)
	v := env.signIn("zh-CN", domain.RoleSupport, 0)
	for _, p := range []struct{ name, path string }{
		{"plans", "/plans"},
		{"bill", fmt.Sprintf("/accounts/%d/bills/2019-08", acct)},
		{"account", fmt.Sprintf("/accounts/%d", acct)},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				hr := httptest.NewRequest("GET", p.path, nil)
				hr.Header.Set("Accept-Language", "zh-CN")
				for _, c := range v.cookies {
					hr.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				env.e.ServeHTTP(rec, hr)
				if rec.Code != http.StatusOK {
					b.Fatalf("got %d", rec.Code)
				}
			}
		})
	}
}
