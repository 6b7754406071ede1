package views

import (
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/language"

	"rtcbill/billing"
)

// PlansPage is the comparison of the five packages (R1).
type PlansPage struct {
	Meta  Meta
	Plans []PlanRow
	// Today and TodayExpiry make R3 concrete: bought today, valid until.
	Today       string
	TodayExpiry string
	// OveragePer1000 and OveragePerMinute are the postpaid rate.
	OveragePer1000   string
	OveragePerMinute string
	// AccountID, when set, makes the Buy buttons buy for that account.
	AccountID int64
	// CanBuy is false when no package shows a Buy button.
	CanBuy bool
}

// PlanRow is one package as the comparison shows it.
type PlanRow struct {
	Code             string
	Name             string
	OtherName        string // the name in the other language
	OtherLang        string // that language, for lang=""
	IncludedMinutes  string
	Price            string
	PricePerMinute   string // empty for the trial
	Purchasable      bool
	DemoSource       bool
	GroupSupport     bool
	WhiteboardSDK    bool
	DedicatedSupport bool
	// BuyURL is where its Buy button leads; empty, there is none (the
	// trial, or a user who may not buy).
	BuyURL string
	// Recommended marks the package most customers should start with.
	Recommended bool
}

// RecommendedPlan is the package the comparison recommends: the first
// with the whiteboard SDK, at less than half the Starter's price a minute.
const RecommendedPlan = billing.Standard

// PlanName is a plan's name in the page language.
func PlanName(lang language.Tag, p billing.Plan) string {
	if lang == language.English {
		return p.NameEn
	}
	return p.NameZh
}

// PlanNameByCode is PlanName for a plan code; unknown codes print as they are.
func PlanNameByCode(lang language.Tag, code billing.PlanCode) string {
	p, ok := billing.LookupPlan(string(code))
	if !ok {
		return string(code)
	}
	return PlanName(lang, p)
}

// BuyFor says where a Buy button leads.
type BuyFor int

// Where the Buy buttons lead: straight to an account's confirmation, to
// sign-up and then the confirmation, or (staff) to choosing an account;
// or nowhere: BuyNone shows no Buy buttons (a user who may not buy).
const (
	BuyForAccount BuyFor = iota
	BuyAfterSignUp
	BuyForStaff
	BuyNone
)

// NewPlansPage builds the comparison for now; accountID is the account the
// Buy buttons buy for, with BuyForAccount.
func NewPlansPage(meta Meta, lang language.Tag, now time.Time, accountID int64, buy BuyFor) PlansPage {
	p := PlansPage{
		Meta:             meta,
		Today:            Date(now),
		TodayExpiry:      Date(billing.ValidityOf(now).ExpiresOn()),
		OveragePer1000:   Money(billing.OveragePricePer1000()),
		OveragePerMinute: billing.OveragePricePer1000().Shift(-3).String(),
		AccountID:        accountID,
	}
	other := language.English
	if lang == language.English {
		other = Languages[0]
	}
	for _, pl := range billing.Plans() {
		row := PlanRow{
			Code: string(pl.Code), Name: PlanName(lang, pl), OtherName: PlanName(other, pl), OtherLang: LangCode(other),
			IncludedMinutes: Int(pl.IncludedMinutes), Price: Money(pl.Price), Purchasable: pl.Purchasable,
			DemoSource: pl.Features.DemoSource, GroupSupport: pl.Features.GroupSupport,
			WhiteboardSDK: pl.Features.WhiteboardSDK, DedicatedSupport: pl.Features.DedicatedSupport,
			Recommended: pl.Code == RecommendedPlan,
		}
		if pl.Purchasable {
			row.PricePerMinute = pl.Price.Div(decimal.NewFromInt(pl.IncludedMinutes)).StringFixed(4)
			switch buy {
			case BuyForAccount:
				row.BuyURL = AccountURL(accountID, "/buy/"+row.Code)
			case BuyAfterSignUp:
				row.BuyURL = "/signup?plan=" + row.Code
			case BuyForStaff:
				row.BuyURL = "/accounts?buy=" + row.Code
			}
			p.CanBuy = p.CanBuy || row.BuyURL != ""
		}
		p.Plans = append(p.Plans, row)
	}
	return p
}
