package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rtcbill/billing"
	"rtcbill/domain"
)

// The rooms of a bill. A bill lists its billing.TopRooms busiest rooms and
// counts them all (RoomsTotal); the whole list is read from the store a
// page at a time, from where the bill's figures come: a stored bill's
// rooms as they stood when it was stored (issued_bill_rooms, written with
// it), any other month's running sums (usage_room_monthly). Bills stored
// before issued_bill_rooms existed hold every room in their body instead.

// roomSource is where the rooms of one bill are read.
type roomSource struct {
	table string // issued_bill_rooms or usage_room_monthly, when legacy is nil
	// legacy holds every room of a bill stored with all of them in its
	// body (and none in issued_bill_rooms), in (App, Room) order.
	legacy []billing.RoomUsage
}

// roomSource finds where account's rooms of month are, storing the bill
// first when its close grace has passed, as Bill does.
func (s *SQLStore) roomSource(ctx context.Context, accountID int64, month billing.Month, now time.Time) (roomSource, error) {
	if billing.ClosableThrough(now, s.closeGrace).Before(month) {
		return roomSource{table: "usage_room_monthly"}, nil
	}
	if _, err := s.closeAccount(ctx, accountID, month, now); err != nil {
		return roomSource{}, err
	}
	var src roomSource
	err := s.readTx(ctx, func(tx querier) error {
		var rows int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM issued_bill_rooms
			WHERE account_id = ? AND month = ? LIMIT 1) AS one`, accountID, month.String()).Scan(&rows); err != nil {
			return fmt.Errorf("store: unable to read the rooms of the bill of %s: %w", month, err)
		}
		if rows > 0 {
			src.table = "issued_bill_rooms"
			return nil
		}
		// A bill with no room rows: one stored before they existed, with
		// every room in its body, or one without rooms at all (an empty
		// body's list). A month before the account's first application
		// has no stored bill and is computed, like its bill.
		b, ok, err := issuedBody(ctx, tx, accountID, month)
		switch {
		case err != nil:
			return err
		case !ok:
			src.table = "usage_room_monthly"
		default:
			src.legacy = slices.Clone(b.Rooms)
			if src.legacy == nil {
				src.legacy = []billing.RoomUsage{}
			}
			slices.SortFunc(src.legacy, compareRoomKeys)
		}
		return nil
	})
	return src, err
}

func compareRoomKeys(a, b billing.RoomUsage) int {
	return cmp.Or(cmp.Compare(a.App, b.App), strings.Compare(a.Room, b.Room))
}

// compareTopRooms orders rooms most seconds first, then by key.
func compareTopRooms(a, b billing.RoomUsage) int {
	return cmp.Or(cmp.Compare(b.Seconds, a.Seconds), compareRoomKeys(a, b))
}

// BillRooms is a page of the rooms of account's bill for month as of now:
// at most limit, in (SDKAppID, room id) order, starting after after (the
// zero RoomKey: from the first). A stored bill's rooms are those stored
// with it. ErrNotFound when after names no room of the list.
func (s *SQLStore) BillRooms(ctx context.Context, accountID int64, month billing.Month, after domain.RoomKey, limit int, now time.Time) ([]billing.RoomUsage, error) {
	src, err := s.roomSource(ctx, accountID, month, now)
	if err != nil {
		return nil, err
	}
	if after != (domain.RoomKey{}) {
		ok, err := s.hasRoom(ctx, src, accountID, month, after)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("store: room %d/%q of the bill of %s: %w", after.App, after.Room, month, domain.ErrNotFound)
		}
	}
	return s.roomsAfter(ctx, src, accountID, month, after, limit)
}

func (s *SQLStore) hasRoom(ctx context.Context, src roomSource, accountID int64, month billing.Month, k domain.RoomKey) (bool, error) {
	if src.legacy != nil {
		_, ok := slices.BinarySearchFunc(src.legacy, billing.RoomUsage{App: k.App, Room: k.Room}, compareRoomKeys)
		return ok, nil
	}
	var n int
	err := s.rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+src.table+`
		WHERE account_id = ? AND month = ? AND sdk_app_id = ? AND room_id = ?`, accountID, month.String(), k.App, k.Room).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: unable to look up a room of the bill of %s: %w", month, err)
	}
	return n > 0, nil
}

// roomsAfter reads at most limit rooms from src after after, in key order.
func (s *SQLStore) roomsAfter(ctx context.Context, src roomSource, accountID int64, month billing.Month, after domain.RoomKey, limit int) ([]billing.RoomUsage, error) {
	if src.legacy != nil {
		i, _ := slices.BinarySearchFunc(src.legacy, billing.RoomUsage{App: after.App, Room: after.Room}, compareRoomKeys)
		if i < len(src.legacy) && src.legacy[i].App == after.App && src.legacy[i].Room == after.Room {
			i++
		}
		return slices.Clone(src.legacy[i:min(len(src.legacy), i+limit)]), nil
	}
	return scanRooms(s.rq.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM `+src.table+`
		WHERE account_id = ? AND month = ? AND (sdk_app_id, room_id) > (?, ?)
		ORDER BY sdk_app_id, room_id LIMIT ?`, accountID, month.String(), after.App, after.Room, limit))
}

// SearchBillRooms is a page of the rooms of account's bill for month as of
// now whose room id or SDKAppID holds q (case aside for ASCII; every room
// when q is blank): most seconds first, then in (SDKAppID, room id) order,
// skipping offset, at most limit.
func (s *SQLStore) SearchBillRooms(ctx context.Context, accountID int64, month billing.Month, q string, offset, limit int, now time.Time) ([]billing.RoomUsage, error) {
	src, err := s.roomSource(ctx, accountID, month, now)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	if src.legacy != nil {
		var found []billing.RoomUsage
		for _, r := range src.legacy {
			if strings.Contains(strings.ToLower(r.Room), q) || strings.Contains(strconv.FormatInt(r.App, 10), q) {
				found = append(found, r)
			}
		}
		slices.SortFunc(found, compareTopRooms)
		offset = min(offset, len(found))
		return found[offset:min(len(found), offset+limit)], nil
	}
	if q == "" {
		return scanRooms(s.rq.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM `+src.table+`
			WHERE account_id = ? AND month = ? ORDER BY seconds DESC, sdk_app_id, room_id LIMIT ? OFFSET ?`,
			accountID, month.String(), limit, offset))
	}
	return scanRooms(s.rq.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM `+src.table+`
		WHERE account_id = ?1 AND month = ?2
		  AND (lower(room_id) LIKE ?3 ESCAPE '\' OR CAST(sdk_app_id AS TEXT) LIKE ?3 ESCAPE '\')
		ORDER BY seconds DESC, sdk_app_id, room_id LIMIT ?4 OFFSET ?5`,
		accountID, month.String(), likeContains(q), limit, offset))
}

// likeContains is a LIKE pattern matching text that holds q, with LIKE's
// own characters in q escaped by \.
func likeContains(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
}

// roomBatch is how many rooms EachBillRoom reads at a time.
const roomBatch = 1000

// EachBillRoom calls fn with every room of account's bill for month as of
// now, in (SDKAppID, room id) order, as BillRooms lists them. It reads
// them a batch at a time and calls fn between reads, so that neither the
// list nor a transaction is held while fn writes them out. An error of fn
// stops it and is returned.
func (s *SQLStore) EachBillRoom(ctx context.Context, accountID int64, month billing.Month, now time.Time, fn func(billing.RoomUsage) error) error {
	src, err := s.roomSource(ctx, accountID, month, now)
	if err != nil {
		return err
	}
	var after domain.RoomKey
	for {
		rooms, err := s.roomsAfter(ctx, src, accountID, month, after, roomBatch)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rooms) < roomBatch {
			return nil
		}
		last := rooms[len(rooms)-1]
		after = domain.RoomKey{App: last.App, Room: last.Room}
	}
}

func scanRooms(rows *sql.Rows, err error) ([]billing.RoomUsage, error) {
	if err != nil {
		return nil, fmt.Errorf("store: unable to read usage per room: %w", err)
	}
	defer rows.Close()
	out := []billing.RoomUsage{}
	for rows.Next() {
		var r billing.RoomUsage
		if err := rows.Scan(&r.App, &r.Room, &r.Seconds, &r.Sessions); err != nil {
			return nil, fmt.Errorf("store: unable to read usage per room: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read usage per room: %w", err)
	}
	return out, nil
}

// topRooms is month's billing.TopRooms busiest rooms from its running
// sums and how many rooms it has, both kept as sessions are stored
// (usage_top_rooms, usage_monthly_rooms): 20 rows and a count, not a sort
// and a count of every room of the month.
func topRooms(ctx context.Context, q querier, accountID int64, month billing.Month) ([]billing.RoomUsage, int64, error) {
	top, err := scanRooms(q.QueryContext(ctx, `SELECT sdk_app_id, room_id, seconds, sessions FROM usage_top_rooms
		WHERE account_id = ? AND month = ? ORDER BY seconds DESC, sdk_app_id, room_id LIMIT ?`,
		accountID, month.String(), billing.TopRooms))
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(rooms), 0) FROM usage_monthly_rooms WHERE account_id = ? AND month = ?`,
		accountID, month.String()).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: unable to count the rooms of %s: %w", month, err)
	}
	return top, total, nil
}

// storeBillRooms copies month's rooms, as they stand, beside its bill
// being stored in tx.
func storeBillRooms(ctx context.Context, tx dbq, accountID int64, month billing.Month) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO issued_bill_rooms (account_id, month, sdk_app_id, room_id, seconds, sessions)
		SELECT account_id, month, sdk_app_id, room_id, seconds, sessions FROM usage_room_monthly
		WHERE account_id = ? AND month = ?`, accountID, month.String()); err != nil {
		return fmt.Errorf("store: unable to store the rooms of the bill of %s: %w", month, err)
	}
	return nil
}

// legacyRooms brings a bill stored with every room in its body (before
// issued_bill_rooms) to the shape of the others: its TopRooms busiest rooms
// and their count.
func legacyRooms(b *billing.Bill) {
	if b.RoomsTotal != 0 || len(b.Rooms) == 0 {
		return
	}
	b.RoomsTotal = int64(len(b.Rooms))
	slices.SortFunc(b.Rooms, compareTopRooms)
	b.Rooms = slices.Clip(b.Rooms[:min(len(b.Rooms), billing.TopRooms)])
}

// issuedBody is the stored body of account's bill for month, as stored;
// ok is false when none is.
func issuedBody(ctx context.Context, q querier, accountID int64, month billing.Month) (billing.Bill, bool, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM issued_bills WHERE account_id = ? AND month = ?`, accountID, month.String()).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return billing.Bill{}, false, nil
	}
	if err != nil {
		return billing.Bill{}, false, fmt.Errorf("store: unable to read the bill of %s: %w", month, err)
	}
	b, err := decodeBill(body)
	if err != nil {
		return b, false, fmt.Errorf("store: the issued bill of %s does not decode: %w", month, err)
	}
	return b, true, nil
}
