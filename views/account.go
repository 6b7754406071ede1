package views

import (
	"strconv"
	"time"

	"golang.org/x/text/language"

	"rtcbill/billing"
	"rtcbill/domain"
)

// ExpiryWarningDays is how close to its expiry a package with minutes left
// is flagged on the overview.
const ExpiryWarningDays = 30

// AccountPage is an account's overview: status, packages, entitlements.
type AccountPage struct {
	Meta      Meta
	AccountID int64
	Name      string
	Email     string
	Created   string
	AsOf      string
	// Status is active, trial or closed (R5).
	Status string
	// TrialLeft and TrialUntil describe the trial while Status is trial.
	TrialLeft    string
	TrialUntil   string
	BuyURL       string
	AppsURL      string
	HasApps      bool
	Packages     []PackageRow
	Entitlements []EntitlementRow
	Warnings     []ExpiryWarning
	// Can is what the user may do to the account (from Meta).
	Can Can
	// Banner is the status banner's variant: new (never had an
	// application nor a package: the first application brings the trial),
	// trial, active, overage (active with every package used: minutes are
	// billed at the overage rate) or closed.
	Banner string
	// TrialExpiry is when a trial granted today would expire (R3, R4).
	TrialExpiry string
	// MinutesLeft is what the valid packages have left between them.
	MinutesLeft string
	// OverageRate is CNY per 1,000 minutes beyond the packages.
	OverageRate string
	// Month is the running month's estimate (ShowMonth), when known.
	Month *MonthSoFar
}

// MonthSoFar is the running month as its estimated bill has it, and the
// usage dashboard around it.
type MonthSoFar struct {
	Month        string // YYYY-MM
	UsageMinutes string
	// CoveredMinutes is what the packages drew this month, each package's
	// seconds rounded up on their own (R8), as the bill shows them.
	CoveredMinutes string
	OverageMinutes string
	RefusedMinutes string
	HasRefused     bool
	AmountDue      string
	BillURL        string
	// Rooms are the month's DashboardRooms busiest rooms; RoomsTotal
	// counts every room with calls, and RoomsURL lists them all.
	Rooms      []DashboardRoom
	RoomsTotal string
	MoreRooms  bool
	RoomsURL   string
	// Chart is the last DashboardDays days (ShowDays).
	Chart *UsageChart
}

// ShowMonth adds the running month's estimate b to the overview: its
// figures and its busiest rooms, their applications named by names.
func (p *AccountPage) ShowMonth(b billing.Bill, names map[int64]string) {
	m := &MonthSoFar{
		Month: b.Month.String(), UsageMinutes: Int(b.UsageMinutes), OverageMinutes: Int(b.Overage),
		RefusedMinutes: Int(b.Refused), HasRefused: b.Refused > 0,
		AmountDue: Money(b.AmountDue), BillURL: BillURL(p.AccountID, b.Month, ""),
		RoomsTotal: Int(b.RoomsTotal), RoomsURL: BillURL(p.AccountID, b.Month, "/rooms"),
	}
	var covered int64
	for _, d := range b.Deductions {
		covered += d.Minutes
	}
	m.CoveredMinutes = Int(covered)
	for _, r := range b.Rooms[:min(len(b.Rooms), DashboardRooms)] {
		m.Rooms = append(m.Rooms, DashboardRoom{
			RoomID: r.Room, URL: RoomURL(r.App, r.Room, ""), SDKAppID: strconv.FormatInt(r.App, 10), AppName: names[r.App],
			Minutes: Minutes(r.Seconds), Sessions: Int(r.Sessions),
		})
	}
	m.MoreRooms = b.RoomsTotal > int64(len(m.Rooms))
	p.Month = m
}

// ShowDays adds the chart of the DashboardDays days up to today's to the
// running month (after ShowMonth), from the usage per day and application.
func (p *AccountPage) ShowDays(today time.Time, usage []billing.DayAppUsage, names map[int64]string) {
	if p.Month == nil {
		return
	}
	c := NewUsageChart(today, usage, names)
	p.Month.Chart = &c
}

// PackageRow is one package on the overview.
type PackageRow struct {
	ID          int64
	OrderID     string
	OrderURL    string
	Plan        string
	Bought      string
	ValidFrom   string
	ExpiresOn   string
	Included    string
	Used        string
	Remaining   string
	Cleared     string
	State       string // upcoming, valid, exhausted, expired
	UsedPercent int
}

// EntitlementRow is a feature the account holds and until when (R12).
type EntitlementRow struct {
	Feature string // demo_source, group_support, whiteboard_sdk, dedicated_support
	Until   string
	// ApplyWithOrder is the order whose detail page is shown to apply.
	ApplyWithOrder string
	OrderURL       string
}

// ExpiryWarning flags a package that expires soon with minutes left (R9).
type ExpiryWarning struct {
	OrderID   string
	Plan      string
	ExpiresOn string
	Remaining string
	DaysLeft  int
}

// NewAccountPage builds the overview from the account's standing at now.
func NewAccountPage(meta Meta, lang language.Tag, a domain.Account, st domain.Standing, hasApps bool, now time.Time) AccountPage {
	p := AccountPage{
		Meta: meta, AccountID: a.ID, Name: a.Name, Email: a.Email, Created: Date(a.CreatedAt),
		AsOf: DateTime(now), Status: string(st.Status), HasApps: hasApps,
		BuyURL: "/plans?account=" + itoa(a.ID), AppsURL: AccountURL(a.ID, "/apps"),
		TrialExpiry: Date(billing.ValidityOf(now).ExpiresOn()), OverageRate: Money(billing.OveragePricePer1000()),
	}
	if meta.Account != nil {
		p.Can = meta.Account.Can
	}
	var left int64
	orders := map[int64]string{}
	for _, ps := range st.Packages {
		orders[ps.ID] = ps.OrderID
		b := ps.Balance
		p.Packages = append(p.Packages, PackageRow{
			ID: ps.ID, OrderID: ps.OrderID, OrderURL: AccountURL(a.ID, "/orders/"+itoa(ps.ID)),
			Plan: PlanNameByCode(lang, ps.Plan), Bought: Date(ps.PurchasedAt),
			ValidFrom: Date(ps.Validity.From), ExpiresOn: Date(ps.Validity.ExpiresOn()),
			Included: Int(ps.Included), Used: Int(b.UsedMinutes), Remaining: Int(b.RemainingMinutes),
			Cleared: Int(b.ClearedMinutes), State: string(ps.State), UsedPercent: Percent(b.UsedMinutes, ps.Included),
		})
		if ps.State == billing.StateValid {
			left += b.RemainingMinutes
		}
		if ps.Plan == billing.Trial && ps.State == billing.StateValid {
			p.TrialLeft, p.TrialUntil = Int(b.RemainingMinutes), Date(ps.Validity.ExpiresOn())
		}
		if ps.State == billing.StateValid && b.RemainingMinutes > 0 {
			if days := int(ps.Validity.Until.Sub(now).Hours() / 24); days < ExpiryWarningDays {
				p.Warnings = append(p.Warnings, ExpiryWarning{ps.OrderID, PlanNameByCode(lang, ps.Plan),
					Date(ps.Validity.ExpiresOn()), Int(b.RemainingMinutes), days + 1})
			}
		}
	}
	p.MinutesLeft = Int(left)
	switch {
	case st.Status == billing.StatusActive && left == 0:
		p.Banner = "overage"
	case st.Status == billing.StatusClosed && !hasApps && len(st.Packages) == 0:
		p.Banner = "new"
	default:
		p.Banner = string(st.Status)
	}
	for _, e := range st.Entitlements {
		row := EntitlementRow{Feature: string(e.Feature), Until: Date(e.ExpiresOn)}
		if e.Feature == billing.FeatureGroupSupport || e.Feature == billing.FeatureDedicatedSupport {
			row.ApplyWithOrder, row.OrderURL = orders[e.PackageID], AccountURL(a.ID, "/orders/"+itoa(e.PackageID))
		}
		p.Entitlements = append(p.Entitlements, row)
	}
	return p
}

// BuyPage confirms a purchase before it is made.
type BuyPage struct {
	Meta      Meta
	AccountID int64
	Plan      string
	PlanCode  string
	Price     string
	Minutes   string
	ValidFrom string
	ExpiresOn string
	Features  []string // entitlement ids the plan brings
	// Token is the one-time token the confirm form carries: a double click,
	// a resubmit or the back button buys once.
	Token     string
	ActionURL string
	CancelURL string
	Error     string
	// CanBackdate shows admins a field to record the purchase in the past;
	// PurchasedAt is what they typed (YYYY-MM-DDTHH:MM, CST).
	CanBackdate      bool
	PurchasedAt      string
	PurchasedAtError string
}

// NewBuyPage builds the confirmation of buying plan now (R3 gives the dates).
func NewBuyPage(meta Meta, lang language.Tag, accountID int64, plan billing.Plan, now time.Time, token string) BuyPage {
	v := billing.ValidityOf(now)
	p := BuyPage{
		Meta: meta, AccountID: accountID, Plan: PlanName(lang, plan), PlanCode: string(plan.Code),
		Price: Money(plan.Price), Minutes: Int(plan.IncludedMinutes),
		ValidFrom: Date(v.From), ExpiresOn: Date(v.ExpiresOn()), Token: token,
		ActionURL: AccountURL(accountID, "/buy/"+string(plan.Code)), CancelURL: "/plans?account=" + itoa(accountID),
	}
	for _, f := range billing.AllFeatures {
		if plan.Features.Has(f) {
			p.Features = append(p.Features, string(f))
		}
	}
	return p
}

// OrderPage is a package's order detail: what a customer shows to apply for
// the official group or 1V1 support (R12).
type OrderPage struct {
	Meta         Meta
	AccountID    int64
	AccountName  string
	Just         bool // shown right after the purchase
	OrderID      string
	Plan         string
	PlanCode     string
	Price        string
	Minutes      string
	PurchasedAt  string
	ValidFrom    string
	ExpiresOn    string
	Features     []string
	GroupSupport bool
	Dedicated    bool
	AccountURL   string
	// History is the package month by month, oldest first (ShowHistory);
	// HistoryLate shows the column of minutes recorded after a month's
	// bill, when some month has any.
	History     []HistoryRow
	HistoryLate bool
	// ExpiresThisMonth is the package's expiry date when it falls in the
	// running month with minutes left to clear; "" otherwise.
	ExpiresThisMonth string
	// Forecast is the account's, as the packages answer of the API has it
	// (ShowForecast).
	Forecast ForecastView
}

// HistoryRow is one month of a package's history.
type HistoryRow struct {
	Month     string // YYYY-MM
	BillURL   string
	Drawn     string
	Cleared   string
	Late      string // signed: +300, −300; "" when 0
	Remaining string
	// Running is the month holding now: its figures are so far.
	Running bool
}

// ShowHistory puts the package's months (billing.PackageHistory) into the
// order page.
func (o *OrderPage) ShowHistory(h []billing.PackageMonth, expiresOn time.Time) {
	for _, m := range h {
		row := HistoryRow{
			Month: m.Month.String(), BillURL: BillURL(o.AccountID, m.Month, ""),
			Drawn: Int(m.Drawn), Cleared: Int(m.Cleared), Late: Signed(m.Late), Remaining: Int(m.Remaining),
			Running: m.Running,
		}
		o.HistoryLate = o.HistoryLate || m.Late != 0
		if m.Running && m.Remaining > 0 && billing.MonthOf(expiresOn) == m.Month {
			o.ExpiresThisMonth = Date(expiresOn)
		}
		o.History = append(o.History, row)
	}
}

// ForecastView is the account's forecast as the order page says it.
type ForecastView struct {
	// Kind is which sentence says it: none (no usage in the 30 days),
	// slow (under a minute a day), lasts (the packages do not run out
	// before they expire), runs_out (on RunsOutOn) or used_up (no valid
	// package has minutes left).
	Kind      string
	PerDay    string
	RunsOutOn string
	// Then is what follows when they run out: refused (no paid package:
	// R5 refuses what is not covered, never bills it), overage (Overage
	// minutes by Until, the next expiry) or no_overage (none by Until);
	// once they are used up, all (every minute is overage, no expiry
	// bounds it) instead of no_overage.
	Then    string
	Overage string
	Until   string
}

// ShowForecast puts the account's forecast into the order page: f from
// billing.ForecastFrom, ok false when there was no usage in the 30 days,
// active R5's status now.
func (o *OrderPage) ShowForecast(f billing.Forecast, ok, active bool) {
	v := ForecastView{Kind: "none"}
	switch {
	case !ok:
	case f.MinutesPerDay == 0:
		v.Kind = "slow"
	case f.RunsOutOn.IsZero():
		v.Kind, v.PerDay = "lasts", Int(f.MinutesPerDay)
	default:
		v.Kind, v.PerDay, v.RunsOutOn = "runs_out", Int(f.MinutesPerDay), Date(f.RunsOutOn)
		if f.UsedUp {
			v.Kind = "used_up"
		}
		switch {
		case !active:
			v.Then = "refused"
		case f.OverageUntilNextExpiry > 0:
			v.Then, v.Overage, v.Until = "overage", Int(f.OverageUntilNextExpiry), Date(f.NextExpiresOn)
		case f.UsedUp:
			v.Then = "all"
		default:
			v.Then, v.Until = "no_overage", Date(f.NextExpiresOn)
		}
	}
	o.Forecast = v
}

// NewOrderPage builds the order detail of package p.
func NewOrderPage(meta Meta, lang language.Tag, a domain.Account, p billing.Package, just bool) OrderPage {
	plan, _ := billing.LookupPlan(string(p.Plan))
	v := p.Validity()
	o := OrderPage{
		Meta: meta, AccountID: a.ID, AccountName: a.Name, Just: just, OrderID: p.OrderID,
		Plan: PlanNameByCode(lang, p.Plan), PlanCode: string(p.Plan), Price: Money(p.Price), Minutes: Int(p.Included),
		PurchasedAt: DateTime(p.PurchasedAt), ValidFrom: Date(v.From), ExpiresOn: Date(v.ExpiresOn()),
		GroupSupport: plan.Features.GroupSupport, Dedicated: plan.Features.DedicatedSupport,
		AccountURL: AccountURL(a.ID, ""),
	}
	for _, f := range billing.AllFeatures {
		if plan.Features.Has(f) {
			o.Features = append(o.Features, string(f))
		}
	}
	return o
}

// AccountsPage lists and searches accounts and opens a new one.
type AccountsPage struct {
	Meta     Meta
	Query    string
	Accounts []AccountRow
	// BuyPlan, when set, means the visitor came from a Buy button: each
	// account links to buying that plan.
	BuyPlan     string
	BuyPlanName string
	Form        AccountForm
	// CanCreate shows the form to open an account; Demo says it opens a
	// demo account (sales).
	CanCreate bool
	Demo      bool
	// Flash is a message id to show once, e.g. after loading the demo.
	Flash string
	// Pager links the pages of accounts found around this one.
	Pager Pager
}

// AccountRow is one account in the list.
type AccountRow struct {
	ID      int64
	Name    string
	Email   string
	Created string
	URL     string
	// Status is active, trial, closed (R5) or new (no package yet), and
	// MinutesLeft what the valid packages have left: support answers "how
	// much is left?" from the list. Empty until ShowStanding.
	Status      string
	MinutesLeft string
}

// StatusID is the message id of the row's status.
func (r AccountRow) StatusID() string {
	if r.Status == "new" {
		return "accounts.status.new"
	}
	return "account.status." + r.Status + ".title"
}

// ShowStanding puts account id's status and minutes left, from its
// standing st, into its row.
func (p *AccountsPage) ShowStanding(id int64, st domain.Standing) {
	for i := range p.Accounts {
		if p.Accounts[i].ID != id {
			continue
		}
		var left int64
		for _, ps := range st.Packages {
			if ps.State == billing.StateValid {
				left += ps.Balance.RemainingMinutes
			}
		}
		p.Accounts[i].Status, p.Accounts[i].MinutesLeft = string(st.Status), Int(left)
		if len(st.Packages) == 0 {
			p.Accounts[i].Status = "new"
		}
	}
}

// AccountForm is the new-account form with what was typed and what was wrong.
type AccountForm struct {
	Name       string
	Email      string
	NameError  string
	EmailError string
}

// NewAccountsPage builds the account list.
func NewAccountsPage(meta Meta, lang language.Tag, q string, accounts []domain.Account, buyPlan string, form AccountForm) AccountsPage {
	p := AccountsPage{Meta: meta, Query: q, Form: form}
	if plan, ok := billing.LookupPlan(buyPlan); ok && plan.Purchasable {
		p.BuyPlan, p.BuyPlanName = buyPlan, PlanName(lang, plan)
	}
	for _, a := range accounts {
		url := AccountURL(a.ID, "")
		if p.BuyPlan != "" {
			url = AccountURL(a.ID, "/buy/"+p.BuyPlan)
		}
		p.Accounts = append(p.Accounts, AccountRow{ID: a.ID, Name: a.Name, Email: a.Email, Created: Date(a.CreatedAt), URL: url})
	}
	return p
}
