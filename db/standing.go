package db

import (
	"context"
	"slices"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// Standing rates the account up to at, counting calls still in progress as
// if they ended at at. ErrNotFound when there is no such account.
func (s *SQLStore) Standing(ctx context.Context, accountID int64, at time.Time) (domain.Standing, error) {
	var st domain.Standing
	err := s.readTx(ctx, func(tx querier) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		st, err = standing(ctx, tx, accountID, at, true)
		return err
	})
	return st, err
}

// Status is the account's service status at at (R5).
func (s *SQLStore) Status(ctx context.Context, accountID int64, at time.Time) (billing.Status, error) {
	var status billing.Status
	err := s.readTx(ctx, func(tx querier) error {
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		st, err := standing(ctx, tx, accountID, at, false)
		status = st.Status
		return err
	})
	return status, err
}

// standing computes an account's standing at at. Without full, an active
// account is answered from its packages alone.
func standing(ctx context.Context, q querier, accountID int64, at time.Time, full bool) (domain.Standing, error) {
	st := domain.Standing{At: at}
	pkgs, err := packagesOf(ctx, q, accountID)
	if err != nil {
		return st, err
	}
	since := billing.ActiveSince(pkgs)
	if !full && !since.IsZero() && !at.Before(since) {
		st.Status = billing.StatusActive
		return st, nil
	}
	rating, err := rateAt(ctx, q, accountID, pkgs, at)
	if err != nil {
		return st, err
	}
	st.Status = billing.StatusAt(at, pkgs, rating.Balances)
	for _, p := range pkgs {
		b := rating.Balances[p.ID]
		st.Packages = append(st.Packages, domain.PackageStanding{Package: p, Validity: p.Validity(), Balance: b, State: billing.StateAt(at, p, b)})
	}
	st.Entitlements = billing.Entitlements(at, pkgs)
	return st, nil
}

// rateAt rates the account's packages pkgs up to at, counting calls still
// in progress as if they ended at at: the rating of the balances.
func rateAt(ctx context.Context, q querier, accountID int64, pkgs []billing.Package, at time.Time) (billing.Rating, error) {
	var pieces []billing.Piece
	if len(pkgs) > 0 {
		from := earliestValidity(pkgs)
		var err error
		if pieces, err = loadPieces(ctx, q, accountID, from, at, billing.ActiveSince(pkgs)); err != nil {
			return billing.Rating{}, err
		}
		if pieces, err = livePieces(ctx, q, pieces, accountID, from, at); err != nil {
			return billing.Rating{}, err
		}
	}
	return billing.Rate(pkgs, pieces, at), nil
}

// PackageHistory is the account's package packageID month by month as of
// now (billing.PackageHistory), from the rating of its balances. Bills
// whose close grace has passed are stored first, as a read of the bills
// would store them, and the history's months read them: what it says of a
// month is what that month's bill says. ErrNotFound when there is no such
// account, or the package is not one of its.
func (s *SQLStore) PackageHistory(ctx context.Context, accountID, packageID int64, now time.Time) ([]billing.PackageMonth, error) {
	if _, err := s.closeAccount(ctx, accountID, billing.ClosableThrough(now, s.closeGrace), now); err != nil {
		return nil, err
	}
	var out []billing.PackageMonth
	err := s.readTx(ctx, func(tx querier) error {
		pkgs, err := packagesOf(ctx, tx, accountID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(pkgs, func(p billing.Package) bool { return p.ID == packageID })
		if i < 0 {
			return domain.ErrNotFound
		}
		p := pkgs[i]
		rating, err := rateAt(ctx, tx, accountID, pkgs, now)
		if err != nil {
			return err
		}
		stored := map[billing.Month]billing.Bill{}
		last := billing.MonthOf(now)
		if end := billing.MonthOf(p.Validity().ExpiresOn()); end.Before(last) {
			last = end
		}
		for m := billing.MonthOf(p.Validity().From); !last.Before(m); m = m.Next() {
			key := issuedKey{accountID, m}
			b, ok := s.issued.get(key)
			if !ok {
				if b, ok, err = issuedBill(ctx, tx, accountID, m); err != nil {
					return err
				}
				if ok {
					s.issued.put(key, b)
				}
			}
			if ok {
				stored[m] = b
			}
		}
		out = billing.PackageHistory(p, rating, stored, now)
		return nil
	})
	return out, err
}

// earliestValidity is where rating an account must start: before it, no
// package can be drawn from.
func earliestValidity(pkgs []billing.Package) time.Time {
	var from time.Time
	for _, p := range pkgs {
		if v := p.Validity().From; from.IsZero() || v.Before(from) {
			from = v
		}
	}
	return from
}
