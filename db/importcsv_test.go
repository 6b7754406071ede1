package db

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

const csvHeader = "session_id,room_id,user_id,joined_at,left_at\n"

// csvLine writes s as a line of an import file, instants at +08:00.
func csvLine(s billing.Session) string {
	return fmt.Sprintf("%s,%s,%s,%s,%s\n", s.ID, s.Room, s.User, billing.FormatInstant(s.Joined), billing.FormatInstant(s.Left))
}

func csvOf(sessions ...billing.Session) string {
	var b strings.Builder
	b.WriteString(csvHeader)
	for _, s := range sessions {
		b.WriteString(csvLine(s))
	}
	return b.String()
}

// importApp is a store with one application created on 2023-01-02 (CST).
func importApp(t testing.TB) (*SQLStore, domain.App) {
	t.Helper()
	s, _ := openTestStore(t)
	acct := mustAccount(t, s, cstAt(2023, 1, 2, 9, 0, 0))
	app, _ := mustApp(t, s, acct.ID, cstAt(2023, 1, 2, 10, 0, 0))
	return s, app
}

func importCSV(t testing.TB, s *SQLStore, sdkAppID int64, text string) (domain.IngestResult, error) {
	t.Helper()
	return s.ImportSessionsCSV(context.Background(), sdkAppID, strings.NewReader(text), testNow, nil)
}

// tableRows is everything the three usage tables hold, one string a row,
// without ids (two stores give their accounts and apps the same ones, but
// that is not what is compared).
func tableRows(t testing.TB, s *SQLStore) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT 'session', COALESCE(session_id, ''), room_id, user_id, joined_at, left_at FROM sessions ORDER BY joined_at, room_id, user_id`,
		`SELECT 'day', day, seconds, sessions, '', '' FROM usage_daily ORDER BY day`,
		`SELECT 'room', month, room_id, seconds, sessions, '' FROM usage_room_monthly ORDER BY month, room_id`,
	} {
		rows, err := s.rdq().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var a, b, c, d, e, f string
			if err := rows.Scan(&a, &b, &c, &d, &e, &f); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Join([]string{a, b, c, d, e, f}, " "))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// tableCounts is how many rows the sessions and usage tables hold.
func tableCounts(t testing.TB, s *SQLStore) [3]int {
	t.Helper()
	var n [3]int
	for i, table := range []string{"sessions", "usage_daily", "usage_room_monthly"} {
		if err := s.rdq().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n[i]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// manySessions is n sessions from 2023-03-01 on, in 37 rooms, every 7th
// crossing a CST midnight and some a month's end.
func manySessions(n int) []billing.Session {
	out := make([]billing.Session, n)
	start := cstAt(2023, 3, 1, 0, 0, 0)
	for i := range out {
		joined := start.Add(time.Duration(i) * 7 * time.Minute)
		d := time.Duration(60+(i*7919)%3540) * time.Second
		if i%7 == 0 {
			joined = billing.NextDayStart(joined).Add(-10 * time.Minute)
			d = 25 * time.Minute
		}
		out[i] = stay(fmt.Sprintf("s-%06d", i), fmt.Sprintf("room-%02d", i%37), fmt.Sprintf("user-%d", i%101), joined, d)
	}
	return out
}

func TestImportCSVStoresAGoodFile(t *testing.T) {
	s, app := importApp(t)
	batch := []billing.Session{
		stay("a", "r1", "alice", cstAt(2023, 3, 2, 10, 0, 0), 10*time.Minute),
		stay("b", "r1", "bob", cstAt(2023, 3, 2, 10, 0, 0), 20*time.Minute),
		stay("", "r2", "carol", cstAt(2023, 3, 31, 23, 50, 0), 25*time.Minute), // crosses a month's end
		stay("d", "房间 2", "dave", cstAt(2023, 4, 3, 8, 0, 7), 3*time.Hour+7*time.Second),
	}
	text := csvOf(batch...)
	var reports []int64
	res, err := s.ImportSessionsCSV(context.Background(), app.SDKAppID, strings.NewReader(text), testNow,
		func(n int64) { reports = append(reports, n) })
	if err != nil {
		t.Fatalf("ImportSessionsCSV: %v", err)
	}
	if !reflect.DeepEqual(res, domain.IngestResult{Inserted: 4}) {
		t.Errorf("got %+v, want 4 inserted, 0 duplicates", res)
	}
	want := usageTotals{Sessions: 4, SessionSeconds: 600 + 1200 + 1500 + 10807}
	want.DailySeconds, want.RoomSeconds = want.SessionSeconds, want.SessionSeconds
	if got := readTotals(t, s); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if len(reports) == 0 || reports[len(reports)-1] != int64(len(text)) {
		t.Errorf("got progress reports %v, want the last to be the file's %d bytes", reports, len(text))
	}

	t.Run("a byte order mark, CRLF line ends and quoted fields are read", func(t *testing.T) {
		s, app := importApp(t)
		text := "\uFEFF" + strings.ReplaceAll(csvOf(batch[:2]...), "\n", "\r\n") +
			`"e","r,3","erin","2023-03-02T10:00:00+08:00","2023-03-02T10:01:00+08:00"` + "\r\n"
		res, err := importCSV(t, s, app.SDKAppID, text)
		if err != nil || res.Inserted != 3 {
			t.Fatalf("got %+v, %v, want 3 inserted", res, err)
		}
		if got := tableRows(t, s); !slices.Contains(got, "room 2023-03 r,3 60 1 ") {
			t.Errorf("got rows %q, want room r,3 with 60 seconds", got)
		}
	})
}

func TestImportCSVChecksTheHeader(t *testing.T) {
	s, app := importApp(t)
	for name, text := range map[string]string{
		"an empty file":          "",
		"no header":              csvLine(stay("a", "r1", "alice", cstAt(2023, 3, 2, 10, 0, 0), time.Minute)),
		"columns in other order": "room_id,session_id,user_id,joined_at,left_at\n",
		"a column missing":       "session_id,room_id,user_id,joined_at\n",
		"a column too many":      "session_id,room_id,user_id,joined_at,left_at,minutes\n",
		"capitals":               "Session_ID,room_id,user_id,joined_at,left_at\n",
		"spaces":                 "session_id, room_id,user_id,joined_at,left_at\n",
	} {
		t.Run("the header must be exact: "+name, func(t *testing.T) {
			_, err := importCSV(t, s, app.SDKAppID, text)
			var ce *domain.CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("got error %v, want a *CSVError", err)
			}
			if ce.Line != 1 || ce.Field != "header" {
				t.Errorf("got line %d field %q, want line 1 field header", ce.Line, ce.Field)
			}
			if !strings.Contains(err.Error(), "session_id,room_id,user_id,joined_at,left_at") {
				t.Errorf("got %q, want it to show the header wanted", err)
			}
		})
	}
	t.Run("a header without sessions is refused", func(t *testing.T) {
		_, err := importCSV(t, s, app.SDKAppID, csvHeader)
		var ce *domain.CSVError
		if !errors.As(err, &ce) || ce.Line != 2 {
			t.Errorf("got error %v, want a *CSVError on line 2", err)
		}
	})
}

func TestImportCSVBadLineStoresNothing(t *testing.T) {
	s, app := importApp(t)
	// Something is stored already: a refused import must leave it as it is.
	mustInsert(t, s, app.SDKAppID, stay("old", "r1", "olga", cstAt(2023, 2, 1, 9, 0, 0), time.Hour))
	before, beforeRows := tableCounts(t, s), tableRows(t, s)

	// 6,000 good rows come first, so the bad line lies past a written chunk.
	good := manySessions(importChunk + 1000)
	head := csvOf(good...)
	const badLine = importChunk + 1000 + 2
	joined := "2023-05-01T10:00:00+08:00"
	tail := csvLine(stay("z-1", "r9", "zoe", cstAt(2023, 5, 2, 10, 0, 0), time.Minute)) // after the bad line

	for _, c := range []struct {
		name, line, field, says string
	}{
		{"left_at before joined_at", "x,r1,u1," + joined + ",2023-05-01T09:59:59+08:00", "left_at", "is before joined_at"},
		{"left_at before joined_at within one second", "x,r1,u1,2023-05-01T10:00:00.7+08:00,2023-05-01T10:00:00.3+08:00", "left_at", "is before joined_at"},
		{"a session longer than 24 hours", "x,r1,u1," + joined + ",2023-05-02T10:00:01+08:00", "left_at", "longer than 24 hours"},
		{"a session ending in the future", "x,r1,u1,2023-06-01T11:00:00+08:00,2023-06-01T12:00:01+08:00", "left_at", "in the future"},
		{"a session before 2015", "x,r1,u1,2014-12-31T23:00:00+08:00,2014-12-31T23:30:00+08:00", "joined_at", "before 2015"},
		{"a session before the application was created", "x,r1,u1,2023-01-02T09:00:00+08:00,2023-01-02T09:30:00+08:00", "joined_at", "was created"},
		{"room_id missing", "x,,u1," + joined + ",2023-05-01T10:01:00+08:00", "room_id", "is required"},
		{"user_id blank", "x,r1,  ," + joined + ",2023-05-01T10:01:00+08:00", "user_id", "is required"},
		{"user_id not UTF-8", "x,r1,u\xff1," + joined + ",2023-05-01T10:01:00+08:00", "user_id", "not valid UTF-8"},
		{"session_id too long", strings.Repeat("s", domain.MaxIdentifierLen+1) + ",r1,u1," + joined + ",2023-05-01T10:01:00+08:00", "session_id", "longer than 128"},
		{"joined_at empty", "x,r1,u1,,2023-05-01T10:01:00+08:00", "joined_at", "is required"},
		{"joined_at without an offset", "x,r1,u1,2023-05-01T10:00:00,2023-05-01T10:01:00+08:00", "joined_at", "RFC 3339"},
		{"left_at not an instant", "x,r1,u1," + joined + ",tomorrow", "left_at", `not "tomorrow"`},
		{"a field missing", "x,r1,u1," + joined, "left_at", "has 4 fields, want 5"},
		{"a field too many", "x,r1,u1," + joined + "," + joined + ",60", "", "has 6 fields, want 5"},
		{"a stray quote", `x,r"1,u1,` + joined + "," + joined, "", `bare "`},
	} {
		t.Run("R6 "+c.name+" names its line and field and stores nothing", func(t *testing.T) {
			res, err := importCSV(t, s, app.SDKAppID, head+c.line+"\n"+tail)
			var ce *domain.CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("got %+v, error %v, want a *CSVError", res, err)
			}
			if ce.Line != badLine || ce.Field != c.field {
				t.Errorf("got line %d field %q, want line %d field %q", ce.Line, ce.Field, badLine, c.field)
			}
			if !strings.Contains(ce.Message, c.says) {
				t.Errorf("got message %q, want it to say %q", ce.Message, c.says)
			}
			if want := fmt.Sprintf("line %d", badLine); !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want it to name %s", err, want)
			}
			if !reflect.DeepEqual(res, domain.IngestResult{}) {
				t.Errorf("got result %+v, want none", res)
			}
			if got := tableCounts(t, s); got != before {
				t.Errorf("got rows %v in sessions, usage_daily, usage_room_monthly, want %v unchanged", got, before)
			}
			if got := tableRows(t, s); !slices.Equal(got, beforeRows) {
				t.Errorf("the tables changed: got %d rows, want the %d there were", len(got), len(beforeRows))
			}
		})
	}

	t.Run("an error on a line of several names the line the row starts on", func(t *testing.T) {
		text := csvHeader + "\"a\nb\",r1,u1," + joined + ",later\n"
		_, err := importCSV(t, s, app.SDKAppID, text)
		var ce *domain.CSVError
		if !errors.As(err, &ce) || ce.Line != 2 || ce.Field != "left_at" {
			t.Errorf("got %v, want line 2, left_at", err)
		}
	})

	t.Run("a line too long to be a session is refused before it fills memory", func(t *testing.T) {
		long := "x,r1,u1," + joined + "," + strings.Repeat("9", 10*maxLineBytes) + "\n"
		_, err := importCSV(t, s, app.SDKAppID, head+long+tail)
		var ce *domain.CSVError
		if !errors.As(err, &ce) || ce.Line != badLine || !strings.Contains(ce.Message, "longer than") {
			t.Errorf("got %v, want a *CSVError on line %d saying it is too long", err, badLine)
		}
		if got := tableCounts(t, s); got != before {
			t.Errorf("got rows %v, want %v unchanged", got, before)
		}
	})

	t.Run("an unknown application is not found", func(t *testing.T) {
		_, err := importCSV(t, s, app.SDKAppID+999, csvOf(good[0]))
		if !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

func TestImportCSVCountsDuplicates(t *testing.T) {
	s, app := importApp(t)
	a := stay("a", "r1", "alice", cstAt(2023, 3, 2, 10, 0, 0), 10*time.Minute)
	b := stay("b", "r1", "bob", cstAt(2023, 3, 2, 10, 0, 0), 20*time.Minute)
	c := stay("", "r2", "carol", cstAt(2023, 3, 2, 11, 0, 0), 30*time.Minute)
	d := stay("d", "r2", "dave", cstAt(2023, 3, 3, 11, 0, 0), 40*time.Minute)
	mustInsert(t, s, app.SDKAppID, a)

	t.Run("a session stored already and one met twice in the file are skipped and counted", func(t *testing.T) {
		res, err := importCSV(t, s, app.SDKAppID, csvOf(a, b, c, b, c, d))
		if err != nil {
			t.Fatal(err)
		}
		if want := (domain.IngestResult{Inserted: 3, Duplicates: 3}); !reflect.DeepEqual(res, want) {
			t.Errorf("got %+v, want %+v", res, want)
		}
		want := usageTotals{Sessions: 4, SessionSeconds: (10 + 20 + 30 + 40) * 60}
		want.DailySeconds, want.RoomSeconds = want.SessionSeconds, want.SessionSeconds
		if got := readTotals(t, s); got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	t.Run("the same file again is all duplicates and changes nothing", func(t *testing.T) {
		before := tableRows(t, s)
		res, err := importCSV(t, s, app.SDKAppID, csvOf(a, b, c, d))
		if err != nil {
			t.Fatal(err)
		}
		if want := (domain.IngestResult{Duplicates: 4}); !reflect.DeepEqual(res, want) {
			t.Errorf("got %+v, want %+v", res, want)
		}
		if got := tableRows(t, s); !slices.Equal(got, before) {
			t.Errorf("the tables changed on a repeated import")
		}
	})
}

// The sums an import writes chunk by chunk equal those of the same
// sessions sent through the API's InsertSessions in batches.
func TestImportCSVSumsEqualInsertSessions(t *testing.T) {
	sessions := manySessions(2*importChunk + 1234)
	// Some duplicates, so that what is skipped is left out of the sums too.
	sessions = append(sessions, sessions[10], sessions[importChunk+3], sessions[2*importChunk])

	viaAPI, apiApp := importApp(t)
	for batch := range slices.Chunk(sessions, domain.MaxBatch) {
		mustInsert(t, viaAPI, apiApp.SDKAppID, slices.Clone(batch)...)
	}
	viaCSV, csvApp := importApp(t)
	res, err := importCSV(t, viaCSV, csvApp.SDKAppID, csvOf(sessions...))
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.IngestResult{Inserted: len(sessions) - 3, Duplicates: 3}); !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	api, csv := tableRows(t, viaAPI), tableRows(t, viaCSV)
	if len(api) < len(sessions) {
		t.Fatalf("got %d rows through the API, want at least %d", len(api), len(sessions))
	}
	if !slices.Equal(api, csv) {
		for i := range min(len(api), len(csv)) {
			if api[i] != csv[i] {
				t.Fatalf("row %d: got %q by CSV, want %q as through InsertSessions", i, csv[i], api[i])
			}
		}
		t.Fatalf("got %d rows by CSV, want %d as through InsertSessions", len(csv), len(api))
	}
	if got, want := readTotals(t, viaCSV), readTotals(t, viaAPI); got != want {
		t.Errorf("got totals %+v, want %+v", got, want)
	}
}
