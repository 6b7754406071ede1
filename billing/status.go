package billing

import "time"

// Status is an account's service status at an instant (R5).
type Status string

// The three statuses of R5.
const (
	StatusActive Status = "active"
	StatusTrial  Status = "trial"
	StatusClosed Status = "closed"
)

// StatusAt implements R5. balances must come from a Rate run up to t, so
// that they say what each package can still cover at t.
//   - active: a paid package was bought at or before t (its validity starts
//     at 00:00 of that day, before the purchase). Active stays active.
//   - trial: not active, and a trial valid at t has capacity left.
//   - closed (停服): otherwise.
func StatusAt(t time.Time, pkgs []Package, balances map[int64]Balance) Status {
	if since := ActiveSince(pkgs); !since.IsZero() && !t.Before(since) {
		return StatusActive
	}
	for _, p := range pkgs {
		if p.Plan == Trial && !t.Before(p.PurchasedAt) && p.Validity().Contains(t) && balances[p.ID].CapacitySeconds > 0 {
			return StatusTrial
		}
	}
	return StatusClosed
}

// PackageState is a package's state at an instant, as the API names it.
type PackageState string

// The states of a package.
const (
	StateUpcoming  PackageState = "upcoming"
	StateValid     PackageState = "valid"
	StateExhausted PackageState = "exhausted"
	StateExpired   PackageState = "expired"
)

// StateAt tells a package's state at t from its validity (R3) and its
// balance from a Rate run up to t.
func StateAt(t time.Time, p Package, b Balance) PackageState {
	v := p.Validity()
	switch {
	case t.Before(v.From):
		return StateUpcoming
	case !t.Before(v.Until):
		return StateExpired
	case b.CapacitySeconds <= 0:
		return StateExhausted
	}
	return StateValid
}
