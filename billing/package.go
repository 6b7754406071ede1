package billing

import (
	"time"

	"github.com/shopspring/decimal"
)

// Package is a bought (or, for the trial, granted) package of minutes.
type Package struct {
	ID          int64
	OrderID     string
	Plan        PlanCode
	PurchasedAt time.Time
	Included    int64 // minutes
	Price       decimal.Decimal
}

// Validity of the package (R3).
func (p Package) Validity() Validity { return ValidityOf(p.PurchasedAt) }

// Paid reports whether the package was bought, not granted (R4, R5).
func (p Package) Paid() bool { return p.Plan != Trial }

// ActiveSince is the instant from which an account holding pkgs is active
// (R5): the purchase of its first paid package. Zero when it never was.
func ActiveSince(pkgs []Package) time.Time {
	var first time.Time
	for _, p := range pkgs {
		if p.Paid() && (first.IsZero() || p.PurchasedAt.Before(first)) {
			first = p.PurchasedAt
		}
	}
	return first
}
