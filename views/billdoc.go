package views

import (
	"fmt"
	"strconv"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// BillNumber names account accountID's bill of month m: RBB, the month
// (YYYYMM) and the account (six digits and up), as an order is RB, its day
// and its package. A month has one bill per account (R11), so the number
// is the bill's for good.
func BillNumber(accountID int64, m billing.Month) string {
	return fmt.Sprintf("RBB%04d%02d%06d", m.Year, int(m.Month), accountID)
}

// AsOf says, at now, where each month of the list stands: its estimate
// while it runs, issued until its charge date, then past it.
func (p *BillsPage) AsOf(now time.Time) {
	for i := range p.Rows {
		r := &p.Rows[i]
		switch {
		case r.Status != string(billing.BillIssued):
			r.StageNote = msg("bills.stage.note.estimate", "Date", Date(r.issueDate))
		case !now.Before(billing.NextDayStart(r.chargeBy)):
			r.Stage, r.StageID = "charged", "bills.stage.charged"
			r.StageNote = msg("bills.stage.note.charged", "Date", Date(r.chargeBy))
		default:
			r.StageNote = msg("bills.stage.note.issued", "Date", Date(r.chargeBy))
		}
	}
}

// Describe names what the bill lists by id: the customer (its e-mail, for
// the printed bill), each application by its name beside its SDKAppID, and
// each package by its order ID.
func (p *BillPage) Describe(a domain.Account, apps []domain.App, pkgs []billing.Package) {
	p.AccountEmail = a.Email
	names := map[string]string{}
	for _, app := range apps {
		names[strconv.FormatInt(app.SDKAppID, 10)] = app.Name
	}
	for i := range p.Apps {
		p.Apps[i].Name = names[p.Apps[i].SDKAppID]
	}
	orders := map[string]string{}
	for _, pk := range pkgs {
		orders[strconv.FormatInt(pk.ID, 10)] = pk.OrderID
	}
	for i := range p.Deductions {
		if o := orders[p.Deductions[i].PackageID]; o != "" {
			p.Deductions[i].OrderID = o
		}
	}
	for i := range p.Expired {
		if o := orders[p.Expired[i].PackageID]; o != "" {
			p.Expired[i].OrderID = o
		}
	}
}
