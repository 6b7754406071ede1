package domain

import (
	"time"

	"rtcbill/billing"
)

// PackageStanding is a package with its balance and state at an instant.
type PackageStanding struct {
	billing.Package
	Validity billing.Validity
	Balance  billing.Balance
	State    billing.PackageState
}

// Standing is an account at an instant: its status (R5), its packages with
// what they have used and have left, and its entitlements (R12).
type Standing struct {
	At           time.Time
	Status       billing.Status
	Packages     []PackageStanding
	Entitlements []billing.Entitlement
}
