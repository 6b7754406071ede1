package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rtcbill/billing"
)

type deductionJSON struct {
	PackageID int64  `json:"package_id"`
	Plan      string `json:"plan"`
	Seconds   int64  `json:"seconds"`
	Minutes   int64  `json:"minutes"`
}

type expiredJSON struct {
	PackageID int64  `json:"package_id"`
	Plan      string `json:"plan"`
	ExpiresOn string `json:"expires_on"`
	Minutes   int64  `json:"minutes"`
}

type purchaseJSON struct {
	PackageID   int64  `json:"package_id"`
	OrderID     string `json:"order_id"`
	Plan        string `json:"plan"`
	PurchasedAt string `json:"purchased_at"`
	Price       string `json:"price"`
}

type appUsageJSON struct {
	SDKAppID int64 `json:"sdk_app_id"`
	Seconds  int64 `json:"seconds"`
	Minutes  int64 `json:"minutes"`
}

type roomUsageJSON struct {
	SDKAppID int64  `json:"sdk_app_id"`
	RoomID   string `json:"room_id"`
	Seconds  int64  `json:"seconds"`
	Minutes  int64  `json:"minutes"`
	Sessions int64  `json:"sessions"`
}

// BillJSON is the bill of api.md.
type BillJSON struct {
	AccountID      int64           `json:"account_id"`
	Month          string          `json:"month"`
	Status         string          `json:"status"`
	IssueDate      string          `json:"issue_date"`
	ChargeBy       string          `json:"charge_by"`
	UsageSeconds   int64           `json:"usage_seconds"`
	UsageMinutes   int64           `json:"usage_minutes"`
	Deductions     []deductionJSON `json:"deductions"`
	OverageMinutes int64           `json:"overage_minutes"`
	OverageFee     string          `json:"overage_fee"`
	RefusedMinutes int64           `json:"refused_minutes"`
	Expired        []expiredJSON   `json:"expired"`
	Purchases      []purchaseJSON  `json:"purchases"`
	Apps           []appUsageJSON  `json:"apps"`
	Rooms          []roomUsageJSON `json:"rooms"`
	RoomsTotal     int64           `json:"rooms_total"`
	LateUsage      []lateUsageJSON `json:"late_usage"`
	AmountDue      string          `json:"amount_due"`
}

// lateUsageJSON is overage an issued month gained after its bill was
// issued, billed on this bill.
type lateUsageJSON struct {
	Month   string `json:"month"`
	Minutes int64  `json:"minutes"`
	Fee     string `json:"fee"`
}

func minutes(seconds int64) int64 { return (seconds + 59) / 60 }

// ToBillJSON shapes a bill for the API and the command line.
func ToBillJSON(accountID int64, b billing.Bill) BillJSON {
	j := BillJSON{
		AccountID: accountID, Month: b.Month.String(), Status: string(b.Status),
		IssueDate: billing.FormatDate(b.IssueDate), ChargeBy: billing.FormatDate(b.ChargeBy),
		UsageSeconds: b.UsageSeconds, UsageMinutes: b.UsageMinutes,
		Deductions: []deductionJSON{}, OverageMinutes: b.Overage, OverageFee: billing.FormatMoney(b.OverageFee),
		RefusedMinutes: b.Refused, Expired: []expiredJSON{}, Purchases: []purchaseJSON{},
		Apps: []appUsageJSON{}, Rooms: []roomUsageJSON{}, RoomsTotal: b.RoomsTotal,
		LateUsage: []lateUsageJSON{}, AmountDue: billing.FormatMoney(b.AmountDue),
	}
	for _, l := range b.Late {
		j.LateUsage = append(j.LateUsage, lateUsageJSON{l.Month.String(), l.Minutes, billing.FormatMoney(l.Fee)})
	}
	for _, d := range b.Deductions {
		j.Deductions = append(j.Deductions, deductionJSON{d.PackageID, string(d.Plan), d.Seconds, d.Minutes})
	}
	for _, x := range b.Expired {
		j.Expired = append(j.Expired, expiredJSON{x.PackageID, string(x.Plan), billing.FormatDate(x.ExpiresOn), x.Minutes})
	}
	for _, p := range b.Purchases {
		j.Purchases = append(j.Purchases, purchaseJSON{p.PackageID, p.OrderID, string(p.Plan),
			billing.FormatInstant(p.PurchasedAt), billing.FormatMoney(p.Price)})
	}
	for _, a := range b.Apps {
		j.Apps = append(j.Apps, appUsageJSON{a.App, a.Seconds, minutes(a.Seconds)})
	}
	for _, r := range b.Rooms {
		j.Rooms = append(j.Rooms, toRoomUsageJSON(r))
	}
	return j
}

func toRoomUsageJSON(r billing.RoomUsage) roomUsageJSON {
	return roomUsageJSON{r.App, r.Room, r.Seconds, minutes(r.Seconds), r.Sessions}
}

// csvText makes a text cell safe to open in a spreadsheet, which reads a
// cell starting with = + - @ (or their full-width forms), a tab or a
// carriage return as a formula: such a cell gets a leading '. Only text
// cells pass through it; numbers are the console's own and never start so.
func csvText(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// BillCSV is a bill as CSV with the rooms j lists (see WriteBillCSV).
func BillCSV(j BillJSON) []byte {
	var buf bytes.Buffer
	WriteBillCSV(&buf, j, func(fn func(billing.RoomUsage) error) error {
		for _, r := range j.Rooms {
			if err := fn(billing.RoomUsage{App: r.SDKAppID, Room: r.RoomID, Seconds: r.Seconds, Sessions: r.Sessions}); err != nil {
				return err
			}
		}
		return nil
	})
	return buf.Bytes()
}

// WriteBillCSV writes a bill as CSV to out: one line per figure of R11,
// the same figures as the JSON, and a line for each room that eachRoom
// yields (every room of the month, not only the JSON's busiest), written
// as they come. Text cells (the line, the plan, the room id) are escaped
// by csvText.
func WriteBillCSV(out io.Writer, j BillJSON, eachRoom func(func(billing.RoomUsage) error) error) error {
	w := csv.NewWriter(out)
	acct := strconv.FormatInt(j.AccountID, 10)
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	row := func(line, pkg, plan, app, room, seconds, mins, amount string) error {
		return w.Write([]string{acct, j.Month, csvText(line), pkg, csvText(plan), app, csvText(room), seconds, mins, amount})
	}
	w.Write([]string{"account_id", "month", "line", "package_id", "plan", "sdk_app_id", "room_id", "seconds", "minutes", "amount_cny"})
	row("status:"+j.Status, "", "", "", "", "", "", "")
	row("usage", "", "", "", "", i64(j.UsageSeconds), i64(j.UsageMinutes), "")
	for _, d := range j.Deductions {
		row("deduction", i64(d.PackageID), d.Plan, "", "", i64(d.Seconds), i64(d.Minutes), "")
	}
	row("overage", "", "", "", "", "", i64(j.OverageMinutes), j.OverageFee)
	row("refused", "", "", "", "", "", i64(j.RefusedMinutes), "")
	for _, l := range j.LateUsage {
		row("late_usage:"+l.Month, "", "", "", "", "", i64(l.Minutes), l.Fee)
	}
	for _, x := range j.Expired {
		row("expired", i64(x.PackageID), x.Plan, "", "", "", i64(x.Minutes), "")
	}
	for _, p := range j.Purchases {
		row("purchase", i64(p.PackageID), p.Plan, "", "", "", "", p.Price)
	}
	for _, a := range j.Apps {
		row("app", "", "", i64(a.SDKAppID), "", i64(a.Seconds), i64(a.Minutes), "")
	}
	if err := eachRoom(func(r billing.RoomUsage) error {
		return row("room", "", "", i64(r.App), r.Room, i64(r.Seconds), i64(minutes(r.Seconds)), "")
	}); err != nil {
		return err
	}
	row("amount_due", "", "", "", "", "", "", j.AmountDue)
	w.Flush()
	return w.Error()
}

// streamBillCSV answers with account's bill b as CSV, every room of the
// month read from the store as it is written out: the answer is streamed,
// never built whole, so a month of 10⁵ rooms costs no more memory than one
// of ten. A failure once the answer has begun (a client gone) can only cut
// it short, the status being sent: it is logged.
func (h *Handler) streamBillCSV(c echo.Context, account int64, b billing.Bill, now time.Time) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="rtcbill-%d-%s.csv"`, account, b.Month))
	res.WriteHeader(http.StatusOK)
	ctx := c.Request().Context()
	err := WriteBillCSV(res, ToBillJSON(account, b), func(fn func(billing.RoomUsage) error) error {
		return h.store.EachBillRoom(ctx, account, b.Month, now, fn)
	})
	if err != nil {
		h.log.Warn("the bill's CSV was cut short", "account", account, "month", b.Month.String(), "error", err)
	}
	return nil
}

// showBill answers GET /api/v1/accounts/:id/bills/:month and
// .../:month.csv (echo cannot route a suffix after a parameter, so the
// handler reads it).
func (h *Handler) showBill(c echo.Context) error {
	id, err := h.accountParam(c)
	if err != nil {
		return err
	}
	param, asCSV := strings.CutSuffix(c.Param("month"), ".csv")
	now := h.now()
	month, err := billMonth(param, now)
	if err != nil {
		return err
	}
	bill, err := h.store.Bill(c.Request().Context(), id, month, now)
	if err != nil {
		return err
	}
	if asCSV {
		return h.streamBillCSV(c, id, bill, now)
	}
	return c.JSON(http.StatusOK, ToBillJSON(id, bill))
}
