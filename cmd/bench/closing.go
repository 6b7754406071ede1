package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/jobs"
)

// healthzRuns is how many times each server start is timed (the median is
// kept): a process start is short and the machine's other work moves it.
const healthzRuns = 3

// benchClose measures the monthly close on databases of n accounts, each
// with an application made in the month just ended (so one bill each to
// store), for each n of sizes:
//
//   - bills a second through store.CloseBatch in batches of 500, as the
//     job queue runs it, against bare INSERTs of the same bills, one
//     transaction per account (CloseBatch commits each account on its
//     own), at the store's synchronous=FULL;
//   - the time from starting a real "rtcbill serve" on the database, with
//     every account still to close, to its first 200 from /healthz,
//     against the same on an empty database.
func benchClose(dir string, bin *binary, sizes []int) ([]result, error) {
	ctx := context.Background()
	path, err := bin.build()
	if err != nil {
		return nil, err
	}
	clock := time.Now() // serve closes by the real clock: so does this
	month := billing.ClosableThrough(clock, billing.DefaultCloseGrace)

	emptyDB := filepath.Join(dir, "close-empty.db")
	s, err := db.Open(ctx, emptyDB)
	if err != nil {
		return nil, err
	}
	s.Close()
	emptyReady, err := timeToHealthz(path, emptyDB)
	if err != nil {
		return nil, err
	}

	var out []result
	for _, n := range sizes {
		seeded := filepath.Join(dir, fmt.Sprintf("close-%d.db", n))
		if err := seedAccounts(ctx, seeded, n, month); err != nil {
			return nil, err
		}
		ready, err := timeToHealthz(path, seeded)
		if err != nil {
			return nil, err
		}
		floorDB := filepath.Join(dir, fmt.Sprintf("close-%d-floor.db", n))
		if err := copyFile(seeded, floorDB); err != nil {
			return nil, err
		}

		s, err := db.Open(ctx, seeded)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		issued := 0
		for after := int64(0); ; {
			last, k, err := s.CloseBatch(ctx, month, after, jobs.CloseBatchSize, clock)
			issued += k
			if err != nil {
				s.Close()
				return nil, err
			}
			if last == 0 {
				break
			}
			after = last
		}
		took := time.Since(start)
		s.Close()
		if issued != n {
			return nil, fmt.Errorf("the close of %d accounts stored %d bills", n, issued)
		}
		rate := float64(issued) / took.Seconds()
		floor, err := bareBills(ctx, seeded, floorDB)
		if err != nil {
			return nil, err
		}
		os.Remove(floorDB)
		out = append(out,
			result{Measure: fmt.Sprintf("monthly close of %d accounts (CloseBatch, batches of %d)", n, jobs.CloseBatchSize), Store: "SQLite",
				Value: round(rate, 0), Unit: "bills/s", Floor: round(floor, 0), Ratio: rate / floor,
				Note: fmt.Sprintf("one bill each, %s; took %s; floor: bare INSERTs of the same bills, one transaction per account, synchronous=FULL",
					month, took.Round(time.Millisecond))},
			result{Measure: fmt.Sprintf("rtcbill serve on %d accounts to close: time to /healthz", n), Store: "SQLite",
				Value: ms(ready), Unit: "ms", Floor: ms(emptyReady), Ratio: float64(ready) / float64(emptyReady),
				Target: "≤ 1 s", Holds: holds(ready <= time.Second),
				Note: fmt.Sprintf("from the process's start to the first 200, median of %d starts; floor: the same on an empty database", healthzRuns)},
		)
	}
	return out, nil
}

// seedAccounts makes a store at path with n accounts, each with an
// application made on the second day of month, in one transaction of
// bare INSERTs.
func seedAccounts(ctx context.Context, path string, n int, month billing.Month) error {
	s, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	s.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	at := month.Start().Add(24 * time.Hour).Unix()
	accounts, err := tx.PrepareContext(ctx, `INSERT INTO accounts (id, name, email, created_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	apps, err := tx.PrepareContext(ctx, `INSERT INTO apps (sdk_app_id, account_id, name, created_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if _, err := accounts.ExecContext(ctx, i, fmt.Sprintf("Account %d", i), fmt.Sprintf("a%d@example.com", i), at); err != nil {
			return err
		}
		if _, err := apps.ExecContext(ctx, 1_400_000_000+i, i, "app", at); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// timeToHealthz starts "rtcbill serve" on a copy of the database at path
// healthzRuns times (each start has the copy's work still to do) and
// returns the median time to its first 200 from /healthz.
func timeToHealthz(bin, path string) (time.Duration, error) {
	var ds []time.Duration
	for i := range healthzRuns {
		run := fmt.Sprintf("%s-serve-%d.db", path[:len(path)-len(".db")], i)
		if err := copyFile(path, run); err != nil {
			return 0, err
		}
		srv, err := startServer(bin, run)
		if err != nil {
			return 0, err
		}
		srv.stop()
		ds = append(ds, srv.ready)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(run + suffix)
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

// bareBills reads the bills the close stored in closed and inserts the
// same rows into floorDB (the database as it was before the close) with
// one prepared INSERT, one transaction per account, at synchronous=FULL,
// and returns bills a second.
func bareBills(ctx context.Context, closed, floorDB string) (float64, error) {
	src, err := sql.Open("sqlite", "file:"+closed+"?_pragma=query_only(1)")
	if err != nil {
		return 0, err
	}
	type bill struct {
		account, issuedAt, overage int64
		month, body                string
	}
	var bills []bill
	rows, err := src.QueryContext(ctx, `SELECT account_id, month, issued_at, overage_minutes, body FROM issued_bills ORDER BY account_id`)
	if err != nil {
		src.Close()
		return 0, err
	}
	for rows.Next() {
		var b bill
		if err := rows.Scan(&b.account, &b.month, &b.issuedAt, &b.overage, &b.body); err != nil {
			rows.Close()
			src.Close()
			return 0, err
		}
		bills = append(bills, b)
	}
	rows.Close()
	src.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}

	raw, err := sql.Open("sqlite", "file:"+floorDB+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	stmt, err := raw.PrepareContext(ctx, `INSERT INTO issued_bills (account_id, month, issued_at, overage_minutes, body) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	start := time.Now()
	for _, b := range bills {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, b.account, b.month, b.issuedAt, b.overage, b.body); err != nil {
			tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(len(bills)) / time.Since(start).Seconds(), nil
}

// copyFile copies the SQLite database at from, closed and checkpointed,
// to to.
func copyFile(from, to string) error {
	if _, err := checkpointedSize(context.Background(), from); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
