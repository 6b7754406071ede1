package views

import (
	"rtcbill/billing"
)

// BillRoomsPage is every room of a monthly bill, a page at a time, the
// busiest first, with a search by room id or SDKAppID.
type BillRoomsPage struct {
	Meta  Meta
	Month string
	// Issued says the rooms are those stored with the issued bill.
	Issued    bool
	IssueDate string
	Total     string // rooms with calls in the month
	// Query is the search; Action is where its form goes (this page).
	Query  string
	Action string
	Rows   []BillRoomRow
	Pager  Pager
	// BillURL leads back to the bill, CSVURL to every room as CSV.
	BillURL string
	CSVURL  string
}

// NewBillRoomsPage shows rooms, a page of the rooms of account accountID's
// bill b found for query q; pager links the pages around it.
func NewBillRoomsPage(meta Meta, accountID int64, b billing.Bill, q string, rooms []billing.RoomUsage, pager Pager) BillRoomsPage {
	return BillRoomsPage{
		Meta: meta, Month: b.Month.String(), Issued: b.Status == billing.BillIssued, IssueDate: Date(b.IssueDate),
		Total: Int(b.RoomsTotal), Query: q, Action: BillURL(accountID, b.Month, "/rooms"),
		Rows: newBillRoomRows(rooms), Pager: pager,
		BillURL: BillURL(accountID, b.Month, ""), CSVURL: BillURL(accountID, b.Month, ".csv"),
	}
}
