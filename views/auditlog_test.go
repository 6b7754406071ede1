package views_test

import (
	"strings"
	"testing"

	"golang.org/x/text/language"

	"rtcbill/domain"
	"rtcbill/views"
)

// The audit trail is stored in the store's English and shown in the
// page's words: the actor with their role, and each kind of detail.
func TestAuditTrailInTheReadersWords(t *testing.T) {
	at := cst(2026, 11, 25, 12, 0)
	entries := []domain.AuditEntry{
		{ID: 9, At: at, Actor: "system", Action: domain.AuditAccount, Detail: "Acme, backdated to 2026-08-17T12:00:00+08:00"},
		{ID: 8, At: at, Actor: "command line", Action: domain.AuditApp, Detail: "1400000001 Acme Live, trial RB20260817000001, backdated to 2026-08-17T15:00:00+08:00"},
		{ID: 7, At: at, Actor: "staff token", Action: domain.AuditPurchase, Detail: "standard RB20261101000012 9688.00, backdated to 2026-11-01T09:00:00+08:00"},
		{ID: 6, At: at, Actor: "API token 3 of account 7", Action: domain.AuditApp, Detail: "1400000002 青云课堂"},
		{ID: 5, At: at, Actor: "ops@example.com (admin)", Action: domain.AuditUserDisabled, Detail: "dev@acme.example (customer)"},
		{ID: 4, At: at, Actor: "dev@acme.example (customer)", Action: domain.AuditImport, Detail: "application 1400000001: 2 sessions imported, 1 duplicates skipped, 0 conflicts not stored"},
		{ID: 3, At: at, Actor: "dev@acme.example (customer)", Action: domain.AuditTokenCreated, Detail: "CI 部署 rtcb_abcdef…"},
		{ID: 2, At: at, Actor: "someone else entirely", Action: "something_new", Detail: "as it was written"},
	}
	want := map[string][][2]string{
		"zh-CN": {
			{"系统", "Acme；补记时间 2026-08-17 12:00"},
			{"命令行", "1400000001 Acme Live，附带试用包 RB20260817000001；补记时间 2026-08-17 15:00"},
			{"员工 API 令牌", "标准包 RB20261101000012，9,688.00 元；补记时间 2026-11-01 09:00"},
			{"账户 7 的 API 令牌 3", "1400000002 青云课堂"},
			{"ops@example.com（管理员）", "dev@acme.example（客户）"},
			{"dev@acme.example（客户）", "应用 1400000001：导入 2 条通话记录，跳过 1 条重复记录，0 条矛盾记录未存储"},
			{"dev@acme.example（客户）", "CI 部署 rtcb_abcdef…"},
			{"someone else entirely", "as it was written"},
		},
		"en": {
			{"system", "Acme; backdated to 2026-08-17 12:00"},
			{"command line", "1400000001 Acme Live, with the trial RB20260817000001; backdated to 2026-08-17 15:00"},
			{"staff API token", "Standard RB20261101000012, 9,688.00 CNY; backdated to 2026-11-01 09:00"},
			{"API token 3 of account 7", "1400000002 青云课堂"},
			{"ops@example.com (admin)", "dev@acme.example (customer)"},
			{"dev@acme.example (customer)", "application 1400000001: 2 sessions imported, 1 duplicates skipped, 0 conflicts not stored"},
			{"dev@acme.example (customer)", "CI 部署 rtcb_abcdef…"},
			{"someone else entirely", "as it was written"},
		},
	}
	for _, lang := range []language.Tag{language.MustParse("zh-CN"), language.English} {
		code := views.LangCode(lang)
		doc := renderDoc(t, lang, views.Audit(views.NewAuditPage(navMeta("audit", true, true), 7, 1, entries, false)))
		rows := doc.Find(testid("audit-row"))
		if rows.Length() != len(entries) {
			t.Fatalf("%s: got %d rows, want %d", code, rows.Length(), len(entries))
		}
		for i, w := range want[code] {
			cell := func(id string) string { return strings.Join(strings.Fields(rows.Eq(i).Find(testid(id)).Text()), " ") }
			if got := cell("audit-who"); got != w[0] {
				t.Errorf("%s row %d: who %q, want %q", code, i, got, w[0])
			}
			if got := cell("audit-detail"); got != w[1] {
				t.Errorf("%s row %d: detail %q, want %q", code, i, got, w[1])
			}
		}
	}
}
