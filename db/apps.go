package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// firstSDKAppID - 1 is the base of SDKAppIDs: they look like the service's.
const sdkAppIDBase = 1_400_000_000

// CreateApp records an application. The first one an account creates
// brings the trial when R4 says so, in the same transaction. "First" is
// the first recorded: a later application backdated before it changes
// nothing.
func (s *SQLStore) CreateApp(ctx context.Context, accountID int64, name string, at, now time.Time) (domain.App, bool, error) {
	name, err := checkName("name", name)
	if err != nil {
		return domain.App{}, false, err
	}
	if err := domain.CheckInstant("created_at", at, now); err != nil {
		return domain.App{}, false, err
	}
	app := domain.App{AccountID: accountID, Name: name, CreatedAt: at.Truncate(time.Second)}
	granted := false
	err = s.inTx(ctx, func(tx dbq) error {
		if err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if _, err := accountByID(ctx, tx, accountID); err != nil {
			return err
		}
		var existing int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM apps WHERE account_id = ?`, accountID).Scan(&existing); err != nil {
			return fmt.Errorf("store: unable to count apps: %w", err)
		}
		if err := lockKey(ctx, tx, lockApps); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(sdk_app_id), ?) + 1 FROM apps`, sdkAppIDBase).Scan(&app.SDKAppID); err != nil {
			return fmt.Errorf("store: unable to allocate an SDKAppID: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO apps (sdk_app_id, account_id, name, created_at) VALUES (?, ?, ?, ?)`,
			app.SDKAppID, accountID, app.Name, unix(app.CreatedAt)); err != nil {
			return fmt.Errorf("store: unable to create app: %w", err)
		}
		if err := bumpVersion(ctx, tx, accountID); err != nil {
			return err
		}
		detail := fmt.Sprintf("%d %s", app.SDKAppID, app.Name)
		if existing == 0 && billing.GrantsTrial(app.CreatedAt) {
			plan, _ := billing.LookupPlan(string(billing.Trial))
			before, _, err := usageNow(ctx, tx, accountID, now)
			if err != nil {
				return err
			}
			trial, err := insertPackage(ctx, tx, accountID, plan, app.CreatedAt, "", now)
			if err != nil {
				return err
			}
			if err := packageEvents(ctx, tx, accountID, before, trial, now); err != nil {
				return err
			}
			granted = true
			detail += ", trial " + trial.OrderID
		}
		return audit(ctx, tx, now, domain.AuditApp, accountID, detail+backdated(app.CreatedAt, now))
	})
	if err == nil {
		s.forgetClosed(accountID) // it may open an earlier month
	}
	return app, granted, err
}

// App fetches one application; ErrNotFound when there is none.
func (s *SQLStore) App(ctx context.Context, sdkAppID int64) (domain.App, error) {
	return appByID(ctx, s.rq, sdkAppID)
}

func appByID(ctx context.Context, q querier, sdkAppID int64) (domain.App, error) {
	var a domain.App
	var created int64
	err := q.QueryRowContext(ctx, `SELECT sdk_app_id, account_id, name, created_at FROM apps WHERE sdk_app_id = ?`, sdkAppID).
		Scan(&a.SDKAppID, &a.AccountID, &a.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.App{}, fmt.Errorf("store: app %d: %w", sdkAppID, domain.ErrNotFound)
	}
	if err != nil {
		return domain.App{}, fmt.Errorf("store: unable to fetch app %d: %w", sdkAppID, err)
	}
	a.CreatedAt = fromUnix(created)
	return a, nil
}

// Apps lists an account's applications, oldest first.
func (s *SQLStore) Apps(ctx context.Context, accountID int64) ([]domain.App, error) {
	return scanApps(s.rq.QueryContext(ctx, `SELECT sdk_app_id, account_id, name, created_at FROM apps WHERE account_id = ? ORDER BY sdk_app_id`, accountID))
}

// ListApps is a page of an account's applications, oldest first: skipping
// offset, at most limit.
func (s *SQLStore) ListApps(ctx context.Context, accountID int64, offset, limit int) ([]domain.App, error) {
	return scanApps(s.rq.QueryContext(ctx, `SELECT sdk_app_id, account_id, name, created_at FROM apps WHERE account_id = ?
		ORDER BY sdk_app_id LIMIT ? OFFSET ?`, accountID, limit, offset))
}

func scanApps(rows *sql.Rows, err error) ([]domain.App, error) {
	if err != nil {
		return nil, fmt.Errorf("store: unable to list apps: %w", err)
	}
	defer rows.Close()
	out := []domain.App{}
	for rows.Next() {
		var a domain.App
		var created int64
		if err := rows.Scan(&a.SDKAppID, &a.AccountID, &a.Name, &created); err != nil {
			return nil, fmt.Errorf("store: unable to read app: %w", err)
		}
		a.CreatedAt = fromUnix(created)
		out = append(out, a)
	}
	return out, rows.Err()
}
