package billing

import "time"

// Session is one user's stay in one room, [Joined, Left) (R6).
type Session struct {
	ID     string
	App    int64
	Room   string
	User   string
	Joined time.Time
	Left   time.Time
}

// Seconds is the session's length counted to the second (R6).
func (s Session) Seconds() int64 { return int64(s.Left.Sub(s.Joined) / time.Second) }

// Piece is usage that lies inside one CST day: a part of a session, or the
// sum of a whole day (then Key is empty and Start is the day's 00:00).
// Pieces are rated in the order of Start, then Key (R7).
type Piece struct {
	Start   time.Time
	Seconds int64
	Key     string
	App     int64
}

// SplitSession implements R6: it appends to dst the parts of s that lie in
// [from, until), cut at every CST midnight, so that each second belongs to
// the day and the month in which it occurs.
func SplitSession(dst []Piece, s Session, from, until time.Time) []Piece {
	start, end := s.Joined, s.Left
	if start.Before(from) {
		start = from
	}
	if end.After(until) {
		end = until
	}
	for start.Before(end) {
		cut := NextDayStart(start)
		if cut.After(end) {
			cut = end
		}
		if secs := int64(cut.Sub(start) / time.Second); secs > 0 {
			dst = append(dst, Piece{Start: start, Seconds: secs, Key: s.ID, App: s.App})
		}
		start = cut
	}
	return dst
}

// DailySumsSuffice reports whether the usage of the CST day starting at
// dayStart can be rated from its daily sum instead of its sessions (R7).
// Once an account is active, every package valid on a day is valid from its
// 00:00 (R3) and nothing it cannot cover is refused (R5), so the order of
// the day's sessions changes no total. Before that, status can turn from
// closed or trial to active in the middle of a day, at a purchase, and
// whether uncovered seconds are refused or overage depends on which side of
// that instant they fall.
func DailySumsSuffice(dayStart time.Time, activeSince time.Time) bool {
	return !activeSince.IsZero() && !dayStart.Before(activeSince)
}
