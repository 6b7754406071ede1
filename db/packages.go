package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rtcbill/billing"

	"rtcbill/domain"
)

const maxIdempotencyKeyLen = 255

// Purchase buys a package of plan at instant at. With an idempotency key,
// the same key on the same account returns the package it bought the
// first time (created false) and buys nothing; the same key with another
// plan is ErrIdempotencyConflict.
func (s *SQLStore) Purchase(ctx context.Context, accountID int64, planCode string, at time.Time, key string, now time.Time) (billing.Package, bool, error) {
	planCode = strings.TrimSpace(planCode)
	plan, ok := billing.LookupPlan(planCode)
	switch {
	case planCode == "":
		return billing.Package{}, false, domain.Invalid("plan", "is required: one of starter, standard, enterprise, premium")
	case !ok:
		return billing.Package{}, false, domain.Invalid("plan", "unknown plan %q: one of starter, standard, enterprise, premium", planCode)
	case !plan.Purchasable:
		return billing.Package{}, false, domain.Invalid("plan", "the trial is granted with the first application and cannot be bought")
	}
	if len(key) > maxIdempotencyKeyLen {
		return billing.Package{}, false, domain.Invalid("Idempotency-Key", "is longer than %d bytes", maxIdempotencyKeyLen)
	}
	if err := domain.CheckInstant("purchased_at", at, now); err != nil {
		return billing.Package{}, false, err
	}
	var pkg billing.Package
	created := false
	err := s.inTx(ctx, func(tx dbq) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		if key != "" {
			prev, err := scanPackage(tx.QueryRowContext(ctx, `SELECT `+packageColumns+` FROM packages WHERE account_id = ? AND idempotency_key = ?`, accountID, key))
			if err == nil {
				if prev.Plan != plan.Code {
					return fmt.Errorf("store: key %q bought %s, not %s: %w", key, prev.Plan, plan.Code, domain.ErrIdempotencyConflict)
				}
				pkg = prev
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: unable to look up idempotency key: %w", err)
			}
		}
		before, _, err := usageNow(ctx, tx, accountID, now)
		if err != nil {
			return err
		}
		if pkg, err = insertPackage(ctx, tx, accountID, plan, at.Truncate(time.Second), key, now); err != nil {
			return err
		}
		created = true
		if _, err := emitEvent(ctx, tx, accountID, domain.EventPurchase, now, purchaseOf(pkg), fmt.Sprintf("%s:%d", domain.EventPurchase, pkg.ID)); err != nil {
			return err
		}
		if err := packageEvents(ctx, tx, accountID, before, pkg, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, domain.AuditPurchase, accountID,
			fmt.Sprintf("%s %s %s", pkg.Plan, pkg.OrderID, billing.FormatMoney(pkg.Price))+backdated(pkg.PurchasedAt, now))
	})
	if err == nil && created {
		s.forgetClosed(accountID) // a backdated package may open an earlier month
	}
	return pkg, created, err
}

// insertPackage records a package. Its order id carries the CST purchase
// date and the package id: RB20190801000002.
func insertPackage(ctx context.Context, tx dbq, accountID int64, plan billing.Plan, at time.Time, key string, now time.Time) (billing.Package, error) {
	p := billing.Package{Plan: plan.Code, PurchasedAt: at, Included: plan.IncludedMinutes, Price: plan.Price}
	if err := lockKey(ctx, tx, lockPackages); err != nil {
		return p, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM packages`).Scan(&p.ID); err != nil {
		return p, fmt.Errorf("store: unable to allocate a package id: %w", err)
	}
	p.OrderID = fmt.Sprintf("RB%s%06d", at.In(billing.CST).Format("20060102"), p.ID)
	var k any
	if key != "" {
		k = key
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO packages (id, account_id, order_id, plan, purchased_at, included_minutes, price, idempotency_key, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, accountID, p.OrderID, string(p.Plan), unix(at), p.Included, p.Price.StringFixed(2), k, unix(now))
	if err != nil {
		return p, fmt.Errorf("store: unable to record package: %w", err)
	}
	if err := recordPackageAlerts(ctx, tx, accountID, p); err != nil {
		return p, err
	}
	return p, bumpVersion(ctx, tx, accountID)
}

const packageColumns = `id, order_id, plan, purchased_at, included_minutes, price`

type scanner interface{ Scan(dest ...any) error }

func scanPackage(row scanner) (billing.Package, error) {
	var p billing.Package
	var plan, price string
	var at int64
	if err := row.Scan(&p.ID, &p.OrderID, &plan, &at, &p.Included, &price); err != nil {
		return p, err
	}
	d, err := decimal.NewFromString(price)
	if err != nil {
		return p, fmt.Errorf("store: package %d has price %q: %w", p.ID, price, err)
	}
	p.Plan, p.PurchasedAt, p.Price = billing.PlanCode(plan), fromUnix(at), d
	return p, nil
}

// Packages lists an account's packages in purchase order.
func (s *SQLStore) Packages(ctx context.Context, accountID int64) ([]billing.Package, error) {
	return packagesOf(ctx, s.rq, accountID)
}

func packagesOf(ctx context.Context, q querier, accountID int64) ([]billing.Package, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+packageColumns+` FROM packages WHERE account_id = ? ORDER BY purchased_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list packages: %w", err)
	}
	defer rows.Close()
	var out []billing.Package
	for rows.Next() {
		p, err := scanPackage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read package: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
