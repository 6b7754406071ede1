package billing

import (
	"time"

	"github.com/shopspring/decimal"
)

// BillStatus says whether a bill's month is over (R11).
type BillStatus string

// A bill is an estimate while its month runs, issued once it is over.
const (
	BillEstimate BillStatus = "estimate"
	BillIssued   BillStatus = "issued"
)

// Purchase is a package bought in the bill's month: prepaid, listed for
// reference, never part of the amount due (R11).
type Purchase struct {
	PackageID   int64
	OrderID     string
	Plan        PlanCode
	PurchasedAt time.Time
	Price       decimal.Decimal
}

// AppUsage is one application's share of a month.
type AppUsage struct {
	App     int64
	Seconds int64
}

// DayAppUsage is one application's usage on one CST day (R6: a session
// across midnight puts each part on its own day).
type DayAppUsage struct {
	Day     time.Time // 00:00 CST
	App     int64
	Seconds int64
}

// RoomUsage is one room's share of a month.
type RoomUsage struct {
	App      int64
	Room     string
	Seconds  int64
	Sessions int64
}

// TopRooms is how many rooms a bill lists itself: those with the most
// seconds (ties by application, then room). The others are read a page at
// a time, and the CSV lists them all.
const TopRooms = 20

// Bill is the monthly bill of R11.
type Bill struct {
	Month        Month
	Status       BillStatus
	IssueDate    time.Time // 1st of the next month
	ChargeBy     time.Time // 5th of the next month
	UsageSeconds int64
	UsageMinutes int64
	Deductions   []Deduction
	Overage      int64 // minutes
	OverageFee   decimal.Decimal
	Refused      int64 // minutes
	Expired      []Clearance
	Purchases    []Purchase
	Apps         []AppUsage
	// Rooms are the TopRooms rooms with the most seconds, most first;
	// RoomsTotal counts every room with usage in the month.
	Rooms      []RoomUsage
	RoomsTotal int64
	Days       []DayRating // the month's usage by CST day, for the chart
	// Late lists overage that earlier, already issued months gained from
	// sessions recorded after their bills were issued: an issued bill never
	// changes, so the difference is billed here.
	Late      []LateUsage
	AmountDue decimal.Decimal
}

// LateUsage is one late-usage adjustment line of a bill.
type LateUsage struct {
	Month   Month // the issued month the sessions belong to
	Minutes int64 // overage minutes that month gained since its bill
	Fee     decimal.Decimal
}

// NewLateUsage prices late overage minutes of month as R10 prices overage.
func NewLateUsage(month Month, minutes int64) LateUsage {
	return LateUsage{Month: month, Minutes: minutes, Fee: OverageFee(minutes)}
}

// AddLateUsage puts late-usage lines on the bill; the amount due is the sum
// of every fee line, rounded once (R10).
func (b *Bill) AddLateUsage(late ...LateUsage) {
	b.Late = append(b.Late, late...)
	fees := []decimal.Decimal{b.OverageFee}
	for _, l := range b.Late {
		fees = append(fees, l.Fee)
	}
	b.AmountDue = AmountDue(fees...)
}

// MakeBill implements R11 from a month's rating (R7–R9) and the account's
// packages: usage, deductions, overage and its fee (R10), refused minutes,
// minutes cleared, the paid packages bought in the month, and the amount
// due. The bill is an estimate while now is inside its month, issued on the
// 1st of the next month and charged by the 5th (每月1-5日出上一个自然月的账单).
// The per-application and per-room breakdowns are the caller's to add.
func MakeBill(r MonthRating, pkgs []Package, now time.Time) Bill {
	m := r.Month
	next := m.End()
	b := Bill{
		Month:        m,
		Status:       BillEstimate,
		IssueDate:    next,
		ChargeBy:     next.AddDate(0, 0, 4),
		UsageSeconds: r.UsageSeconds,
		UsageMinutes: r.UsageMinutes(),
		Deductions:   r.Deductions,
		Overage:      r.OverageMinutes(),
		OverageFee:   OverageFee(r.OverageMinutes()),
		Refused:      r.RefusedMinutes(),
		Expired:      r.Cleared,
		Days:         r.Days,
	}
	if !now.Before(next) {
		b.Status = BillIssued
	}
	for _, p := range pkgs {
		if p.Paid() && MonthOf(p.PurchasedAt) == m {
			b.Purchases = append(b.Purchases, Purchase{p.ID, p.OrderID, p.Plan, p.PurchasedAt, p.Price})
		}
	}
	b.AmountDue = AmountDue(b.OverageFee)
	return b
}
