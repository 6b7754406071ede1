package views

import (
	"strconv"
	"time"

	"golang.org/x/text/language"

	"rtcbill/billing"
)

// BillsPage lists an account's monthly bills (R11), newest first.
type BillsPage struct {
	Meta        Meta
	AccountID   int64
	AccountName string
	Rows        []BillListRow
	AppsURL     string
}

// BillListRow is one month in the list.
type BillListRow struct {
	Month string // YYYY-MM
	URL   string
	// Status is estimate or issued; StatusID is its message id.
	Status         string
	StatusID       string
	UsageMinutes   string
	OverageMinutes string
	AmountDue      string
	CSVURL         string
	// Stage is estimate, issued or charged (past its charge date: AsOf);
	// StageID is its message id, and StageNote the date it waits for or
	// passed.
	Stage     string
	StageID   string
	StageNote LocalMsg

	issueDate, chargeBy time.Time
}

// NewBillsPage builds the list from the store's bills, newest first.
func NewBillsPage(meta Meta, accountID int64, accountName string, bills []billing.Bill) BillsPage {
	p := BillsPage{Meta: meta, AccountID: accountID, AccountName: accountName, AppsURL: AccountURL(accountID, "/apps")}
	for _, b := range bills {
		p.Rows = append(p.Rows, BillListRow{
			Month: b.Month.String(), URL: BillURL(accountID, b.Month, ""),
			Status: string(b.Status), StatusID: billStatusID(b.Status),
			UsageMinutes: Int(b.UsageMinutes), OverageMinutes: Int(b.Overage),
			AmountDue: Money(b.AmountDue), CSVURL: BillURL(accountID, b.Month, ".csv"),
			Stage: string(b.Status), StageID: billStatusID(b.Status), issueDate: b.IssueDate, chargeBy: b.ChargeBy,
		})
	}
	return p
}

// BillURL is the path of a bill page; suffix ".csv" is its download.
func BillURL(accountID int64, m billing.Month, suffix string) string {
	return AccountURL(accountID, "/bills/"+m.String()+suffix)
}

func billStatusID(s billing.BillStatus) string {
	if s == billing.BillIssued {
		return "bills.status.issued"
	}
	return "bills.status.estimate"
}

// BillPage is one monthly bill with every figure of R11.
type BillPage struct {
	// Late holds the late-usage lines this bill carries.
	Late        []BillLateRow
	Meta        Meta
	AccountID   int64
	AccountName string
	Month       string
	// Status is estimate or issued; StatusID is its message id.
	Status    string
	StatusID  string
	Issued    bool
	IssueDate string
	ChargeBy  string
	// Number names the bill (BillNumber); AccountEmail is the customer's,
	// for the printed bill's customer block (Describe).
	Number       string
	AccountEmail string

	UsageMinutes string
	UsageSeconds string
	Deductions   []BillDeductionRow
	// DeductedMinutes is the sum of the deductions.
	DeductedMinutes string

	OverageMinutes string
	OverageFee     string
	// OverageFeeExact is the fee exact to a finer unit than the fen
	// (25.025, R10), when OverageFee rounds it; "" otherwise.
	OverageFeeExact string
	OverageRate     string // CNY per 1,000 minutes
	RefusedMinutes  string
	HasRefused      bool

	Expired   []BillExpiredRow
	Purchases []BillPurchaseRow
	AmountDue string

	Apps []BillAppRow
	// Rooms are the billing.TopRooms busiest rooms; RoomsTotal counts them
	// all, and RoomsURL lists them all, a page at a time.
	Rooms      []BillRoomRow
	RoomsTotal string
	MoreRooms  bool
	RoomsURL   string
	Chart      BillChart
	// HasUsage is false for a month without calls: no chart then.
	HasUsage bool

	CSVURL   string
	BillsURL string
}

// BillDeductionRow is what one package covered (R7, R8).
type BillDeductionRow struct {
	PackageID string
	OrderID   string // the package's order (Describe); PackageID until then
	OrderURL  string
	Plan      string
	Seconds   string
	Minutes   string
}

// BillExpiredRow is what one package lost at its expiry (R9).
type BillExpiredRow struct {
	PackageID string
	OrderID   string // the package's order (Describe); PackageID until then
	OrderURL  string
	Plan      string
	ExpiresOn string
	Minutes   string
}

// BillPurchaseRow is a package bought in the month: prepaid, for reference.
type BillPurchaseRow struct {
	OrderID     string
	OrderURL    string
	Plan        string
	PurchasedAt string
	Price       string
}

// BillLateRow is a late-usage line: overage an issued month gained after
// its bill was issued, billed on this bill.
type BillLateRow struct {
	Month    string
	URL      string
	Minutes  string
	Fee      string
	FeeExact string // as OverageFeeExact
}

// BillAppRow is one application's usage in the month.
type BillAppRow struct {
	SDKAppID string
	Name     string // the application's name (Describe)
	Minutes  string
	Seconds  string
}

// BillRoomRow is one room's usage in the month.
type BillRoomRow struct {
	SDKAppID string
	RoomID   string
	URL      string
	Minutes  string
	Seconds  string
	Sessions string
}

// NewBillPage builds the bill page of account accountID from b, with plan
// names in lang.
func NewBillPage(meta Meta, lang language.Tag, accountID int64, accountName string, b billing.Bill) BillPage {
	p := BillPage{
		Meta: meta, AccountID: accountID, AccountName: accountName, Month: b.Month.String(),
		Status: string(b.Status), StatusID: billStatusID(b.Status), Issued: b.Status == billing.BillIssued, Number: BillNumber(accountID, b.Month),
		IssueDate: Date(b.IssueDate), ChargeBy: Date(b.ChargeBy),
		UsageMinutes: Int(b.UsageMinutes), UsageSeconds: Int(b.UsageSeconds),
		OverageMinutes: Int(b.Overage), OverageFee: Money(b.OverageFee), OverageFeeExact: MoneyExact(b.OverageFee), OverageRate: Money(billing.OveragePricePer1000()),
		RefusedMinutes: Int(b.Refused), HasRefused: b.Refused > 0,
		AmountDue: Money(b.AmountDue),
		Chart:     NewBillChart(b.Month, b.Days), HasUsage: b.UsageSeconds > 0,
		CSVURL: BillURL(accountID, b.Month, ".csv"), BillsURL: AccountURL(accountID, "/bills"),
	}
	for _, l := range b.Late {
		p.Late = append(p.Late, BillLateRow{Month: l.Month.String(), URL: BillURL(accountID, l.Month, ""), Minutes: Int(l.Minutes), Fee: Money(l.Fee), FeeExact: MoneyExact(l.Fee)})
	}
	orderURL := func(pkg int64) string { return AccountURL(accountID, "/orders/"+strconv.FormatInt(pkg, 10)) }
	var deducted int64
	for _, d := range b.Deductions {
		deducted += d.Minutes
		p.Deductions = append(p.Deductions, BillDeductionRow{
			PackageID: strconv.FormatInt(d.PackageID, 10), OrderID: "#" + strconv.FormatInt(d.PackageID, 10), OrderURL: orderURL(d.PackageID),
			Plan: PlanNameByCode(lang, d.Plan), Seconds: Int(d.Seconds), Minutes: Int(d.Minutes),
		})
	}
	p.DeductedMinutes = Int(deducted)
	for _, x := range b.Expired {
		p.Expired = append(p.Expired, BillExpiredRow{
			PackageID: strconv.FormatInt(x.PackageID, 10), OrderID: "#" + strconv.FormatInt(x.PackageID, 10), OrderURL: orderURL(x.PackageID),
			Plan: PlanNameByCode(lang, x.Plan), ExpiresOn: Date(x.ExpiresOn), Minutes: Int(x.Minutes),
		})
	}
	for _, pu := range b.Purchases {
		p.Purchases = append(p.Purchases, BillPurchaseRow{
			OrderID: pu.OrderID, OrderURL: orderURL(pu.PackageID), Plan: PlanNameByCode(lang, pu.Plan),
			PurchasedAt: DateTime(pu.PurchasedAt), Price: Money(pu.Price),
		})
	}
	for _, a := range b.Apps {
		p.Apps = append(p.Apps, BillAppRow{
			SDKAppID: strconv.FormatInt(a.App, 10), Minutes: Minutes(a.Seconds), Seconds: Int(a.Seconds),
		})
	}
	p.Rooms = newBillRoomRows(b.Rooms)
	p.RoomsTotal, p.MoreRooms = Int(b.RoomsTotal), b.RoomsTotal > int64(len(b.Rooms))
	p.RoomsURL = BillURL(accountID, b.Month, "/rooms")
	return p
}

func newBillRoomRows(rooms []billing.RoomUsage) []BillRoomRow {
	var out []BillRoomRow
	for _, r := range rooms {
		out = append(out, BillRoomRow{
			SDKAppID: strconv.FormatInt(r.App, 10), RoomID: r.Room, URL: RoomURL(r.App, r.Room, ""),
			Minutes: Minutes(r.Seconds), Seconds: Int(r.Seconds), Sessions: Int(r.Sessions),
		})
	}
	return out
}
