package db

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// dialect is what differs between the two databases the store runs on.
// The store's SQL is written once, in the subset both understand, with
// SQLite's placeholders (? and ?N); on PostgreSQL each query is rewritten
// once to $N placeholders and remembered.
type dialect struct {
	name     string // "sqlite" or "postgres"
	rebinds  sync.Map
	postgres bool
}

func sqliteDialect() *dialect   { return &dialect{name: "sqlite"} }
func postgresDialect() *dialect { return &dialect{name: "postgres", postgres: true} }

// Advisory lock keys of PostgreSQL beside the accounts' own (lockAccount):
// negative, so that no account id meets them.
const (
	lockApps     = -1 // numbering applications (SDKAppIDs count up)
	lockPackages = -2 // numbering packages (order ids carry the number)
)

// lockAccount serializes the writes of one account for the rest of the
// transaction: on PostgreSQL with a transaction-level advisory lock; on
// SQLite the single writer already runs one transaction at a time.
func lockAccount(ctx context.Context, tx dbq, accountID int64) error {
	return lockKey(ctx, tx, accountID)
}

func lockKey(ctx context.Context, tx dbq, key int64) error {
	if !tx.d.postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, key); err != nil {
		return fmt.Errorf("store: unable to lock %d: %w", key, err)
	}
	return nil
}

// bind returns query as the database expects it.
func (d *dialect) bind(query string) string {
	if d == nil || !d.postgres {
		return query
	}
	if q, ok := d.rebinds.Load(query); ok {
		return q.(string)
	}
	q := rebindDollar(query)
	d.rebinds.Store(query, q)
	return q
}

// rebindDollar rewrites ? and ?N placeholders to PostgreSQL's $N, leaving
// string literals, quoted identifiers and comments alone. A bare ? takes the
// number after the highest one used so far, as SQLite numbers them.
func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				num, _ := strconv.Atoi(q[i+1 : j])
				n = max(n, num)
				b.WriteString("$" + q[i+1:j])
				i = j - 1
			} else {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
