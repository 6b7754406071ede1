package db

import (
	"context"
	"database/sql"
	"errors"
	"rtcbill/db/dbtest"
	"strings"
	"testing"
	"time"

	"rtcbill/domain"
)

// importedUsage is what the tables hold for one application.
type importedUsage struct {
	Sessions, SessionSeconds, DailySeconds, DailySessions, RoomSeconds int64
	Bad                                                                int64 // stored sessions that break a limit
}

func readImportedUsage(t *testing.T, ro *sql.DB, sdkAppID int64, created, now time.Time) importedUsage {
	t.Helper()
	var u importedUsage
	ctx := context.Background()
	if err := ro.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(left_at - joined_at), 0),
		COUNT(*) FILTER (WHERE left_at <= joined_at OR left_at - joined_at > ? OR joined_at < ? OR left_at > ?)
		FROM sessions WHERE sdk_app_id = ?`, int64(domain.MaxSessionLength/time.Second), created.Unix(), now.Unix(), sdkAppID).
		Scan(&u.Sessions, &u.SessionSeconds, &u.Bad); err != nil {
		t.Fatalf("reading sessions: %v", err)
	}
	if err := ro.QueryRowContext(ctx, `SELECT COALESCE(SUM(seconds), 0), COALESCE(SUM(sessions), 0) FROM usage_daily WHERE sdk_app_id = ?`, sdkAppID).
		Scan(&u.DailySeconds, &u.DailySessions); err != nil {
		t.Fatalf("reading usage_daily: %v", err)
	}
	if err := ro.QueryRowContext(ctx, `SELECT COALESCE(SUM(seconds), 0) FROM usage_room_monthly WHERE sdk_app_id = ?`, sdkAppID).
		Scan(&u.RoomSeconds); err != nil {
		t.Fatalf("reading usage_room_monthly: %v", err)
	}
	return u
}

// FuzzImportCSV imports arbitrary text as a CSV file of sessions. It must
// never panic. A refused file comes back as a *CSVError naming a line and
// stores nothing; an accepted one stores exactly the sessions it counts as
// inserted, every one within the limits, with daily and room sums equal to
// their seconds; importing it again stores nothing more and counts every
// line a duplicate.
//
// One store serves the whole run (opening one per input would dominate
// it); each input gets an application of its own, created on 2023-01-02.
func FuzzImportCSV(f *testing.F) {
	// Fuzzing runs on SQLite, whatever RTCBILL_TEST_POSTGRES says: it reads
	// the file beside the store.
	path := dbtest.SQLite.New(f)
	s, err := Open(context.Background(), path)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	ro, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ro.Close() })
	acct := mustAccount(f, s, cstAt(2023, 1, 2, 9, 0, 0))
	created := cstAt(2023, 1, 2, 10, 0, 0)
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, text string) {
		app, _, err := s.CreateApp(ctx, acct.ID, "fuzz app", created, testNow)
		if err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		res, err := s.ImportSessionsCSV(ctx, app.SDKAppID, strings.NewReader(text), testNow, nil)
		got := readImportedUsage(t, ro, app.SDKAppID, created, testNow)
		if err != nil {
			var ce *domain.CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("got error %T %v, want a *CSVError (anything else is a 500 on the import page)", err, err)
			}
			if ce.Line < 1 || ce.Message == "" {
				t.Fatalf("got %+v, want a line from 1 and a message", ce)
			}
			if res.Inserted+res.Duplicates+res.ConflictCount != 0 || res.Conflicts != nil {
				t.Errorf("got counts %+v with the error, want none", res)
			}
			if got != (importedUsage{}) {
				t.Fatalf("refused file (%v): got %+v stored, want nothing", err, got)
			}
			return
		}
		if res.Inserted+res.Duplicates+res.ConflictCount == 0 {
			t.Fatalf("got %+v, want an accepted file to count at least one line", res)
		}
		if got.Sessions != int64(res.Inserted) {
			t.Fatalf("got %d sessions stored, want the %d counted as inserted", got.Sessions, res.Inserted)
		}
		if got.Bad != 0 {
			t.Fatalf("got %d stored sessions out of the limits (24 h, app creation to now)", got.Bad)
		}
		if got.DailySeconds != got.SessionSeconds || got.RoomSeconds != got.SessionSeconds {
			t.Fatalf("got daily %d s and room %d s, want both the sessions' %d s", got.DailySeconds, got.RoomSeconds, got.SessionSeconds)
		}
		if got.DailySessions < got.Sessions {
			t.Fatalf("got %d sessions in the daily sums, want at least the %d stored (one per day a session touches)", got.DailySessions, got.Sessions)
		}

		again, err := s.ImportSessionsCSV(ctx, app.SDKAppID, strings.NewReader(text), testNow, nil)
		if err != nil {
			t.Fatalf("importing the accepted file again: %v", err)
		}
		// Every line stored is now a duplicate; a line that conflicted
		// conflicts again.
		if again.Inserted != 0 || again.Duplicates != res.Inserted+res.Duplicates || again.ConflictCount != res.ConflictCount {
			t.Fatalf("importing the accepted file again: got %+v, want 0 inserted, %d duplicates, %d conflicts",
				again, res.Inserted+res.Duplicates, res.ConflictCount)
		}
		if after := readImportedUsage(t, ro, app.SDKAppID, created, testNow); after != got {
			t.Fatalf("importing the accepted file again: got %+v stored, want %+v unchanged", after, got)
		}
	})
}
