package db

import (
	"context"
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
	var pieces []billing.Piece
	if len(pkgs) > 0 {
		from := earliestValidity(pkgs)
		if pieces, err = loadPieces(ctx, q, accountID, from, at, since); err != nil {
			return st, err
		}
		if pieces, err = livePieces(ctx, q, pieces, accountID, from, at); err != nil {
			return st, err
		}
	}
	rating := billing.Rate(pkgs, pieces, at)
	st.Status = billing.StatusAt(at, pkgs, rating.Balances)
	for _, p := range pkgs {
		b := rating.Balances[p.ID]
		st.Packages = append(st.Packages, domain.PackageStanding{Package: p, Validity: p.Validity(), Balance: b, State: billing.StateAt(at, p, b)})
	}
	st.Entitlements = billing.Entitlements(at, pkgs)
	return st, nil
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
