package db

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// importChunk is how many rows an import holds in memory before writing
// them: memory stays flat however long the file is.
const importChunk = 5_000

// csvError is the error of line; key and data say it on the pages (see
// domain.CSVError).
func csvError(line int, field, key string, data []any, format string, args ...any) *domain.CSVError {
	return &domain.CSVError{Line: line, Field: field, Message: fmt.Sprintf(format, args...), Key: key, Data: data}
}

// ImportSessionsCSV stores the finished sessions of application sdkAppID
// read from r: a header line naming CSVColumns, then one session a line,
// instants in RFC 3339. The whole file is one transaction: a line that the
// API would refuse stores nothing and comes back as a *CSVError naming its
// line and field. Sessions already stored, or met earlier in the file, are
// counted as duplicates and skipped, as in InsertSessions; lines that
// contradict a stored session are conflicts, not stored, reported with their
// line numbers, and the rest of the file is stored.
//
// The file is streamed: rows are validated and written importChunk at a
// time, each chunk adding its usage sums to the tables, so memory does not
// grow with the file. progress, if not nil, is told the bytes read so far
// after each chunk and at the end.
func (s *SQLStore) ImportSessionsCSV(ctx context.Context, sdkAppID int64, r io.Reader, now time.Time, progress func(int64)) (domain.IngestResult, error) {
	var res domain.IngestResult
	counter := &countingReader{r: r}
	cr := csv.NewReader(counter)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // the header is checked by hand, with a clearer message
	if err := readHeader(cr); err != nil {
		return res, err
	}
	cr.FieldsPerRecord = len(domain.CSVColumns)
	report := func() {
		if progress != nil {
			progress(counter.n)
		}
	}
	err := s.inTx(ctx, func(tx dbq) error {
		app, err := appByID(ctx, tx, sdkAppID)
		if err != nil {
			return err
		}
		if err := lockAccount(ctx, tx, app.AccountID); err != nil {
			return err
		}
		// The events the file causes compare the account before and
		// after it: one rating each, however long the file.
		before, _, err := usageNow(ctx, tx, app.AccountID, now)
		if err != nil {
			return err
		}
		chunk := make([]billing.Session, 0, importChunk)
		lines := make([]int, 0, importChunk)
		flush := func() error {
			if len(chunk) == 0 {
				return nil
			}
			n, err := insertSessions(ctx, tx, app.AccountID, chunk, nil)
			if err != nil {
				return err
			}
			res.Inserted += n.Inserted
			res.Duplicates += n.Duplicates
			res.ConflictCount += n.ConflictCount
			for _, c := range n.Conflicts {
				if len(res.Conflicts) < domain.MaxListedConflicts {
					res.Conflicts = append(res.Conflicts, domain.Conflict{Index: lines[c.Index], Reason: c.Reason})
				}
			}
			clear(chunk) // let the strings of the written rows go
			chunk, lines = chunk[:0], lines[:0]
			report()
			return nil
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return readError(err, rec)
			}
			line, _ := cr.FieldPos(0)
			sess, err := parseRow(line, rec, app, now)
			if err != nil {
				return err
			}
			chunk = append(chunk, sess)
			lines = append(lines, line)
			if len(chunk) == importChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if res.Inserted+res.Duplicates+res.ConflictCount == 0 {
			return csvError(2, "", "csv_empty", nil, "the file holds no session after its header")
		}
		if res.Inserted > 0 && len(before.pkgs) > 0 {
			after, _, err := usageWith(ctx, tx, app.AccountID, before.pkgs, now)
			if err != nil {
				return err
			}
			if err := usageEvents(ctx, tx, app.AccountID, before, after, now, now); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, domain.AuditImport, app.AccountID,
			fmt.Sprintf("application %d: %d sessions imported, %d duplicates skipped, %d conflicts not stored",
				sdkAppID, res.Inserted, res.Duplicates, res.ConflictCount))
	})
	if err != nil {
		return domain.IngestResult{}, err
	}
	report()
	return res, nil
}

// readHeader checks the first line against CSVColumns. A UTF-8 byte order
// mark, which spreadsheets write, is allowed before it.
func readHeader(cr *csv.Reader) error {
	want := strings.Join(domain.CSVColumns, ",")
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return csvError(1, "header", "csv_no_header", nil, "the file is empty: want the header %q", want)
	}
	if err != nil {
		return readError(err, nil)
	}
	if len(rec) > 0 {
		rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
	}
	if got := strings.Join(rec, ","); got != want {
		return csvError(1, "header", "csv_header", nil, "want exactly %q, not %q", want, got)
	}
	return nil
}

// readError turns what encoding/csv reports about rec into a *CSVError.
func readError(err error, rec []string) error {
	var ce *domain.CSVError
	if errors.As(err, &ce) {
		return ce // from countingReader
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("store: unable to read the CSV file: %w", err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		want := strings.Join(domain.CSVColumns, ",")
		if len(rec) < len(domain.CSVColumns) {
			return csvError(pe.StartLine, domain.CSVColumns[len(rec)], "csv_missing", []any{"Got", len(rec), "Want", len(domain.CSVColumns)},
				"is missing: the line has %d fields, want %d (%s)", len(rec), len(domain.CSVColumns), want)
		}
		return csvError(pe.StartLine, "", "csv_fields", []any{"Got", len(rec), "Want", len(domain.CSVColumns)},
			"the line has %d fields, want %d (%s)", len(rec), len(domain.CSVColumns), want)
	}
	return csvError(pe.Line, "", "csv_syntax", []any{"Column", pe.Column}, "column %d: %v", pe.Column, pe.Err)
}

// parseRow reads the session on line from rec and validates it as the API
// does (checkSession).
func parseRow(line int, rec []string, app domain.App, now time.Time) (billing.Session, error) {
	s := billing.Session{App: app.SDKAppID, ID: rec[0], Room: rec[1], User: rec[2]}
	for i, dst := range []*time.Time{&s.Joined, &s.Left} {
		field, v := domain.CSVColumns[3+i], rec[3+i]
		if v == "" {
			return s, csvError(line, field, "required", nil, "is required")
		}
		t, err := billing.ParseInstantExact(v)
		if err != nil {
			return s, csvError(line, field, "not_instant", []any{"Value", v}, "must be an RFC 3339 instant with an offset, not %q", v)
		}
		*dst = t
	}
	if err := domain.CheckSession(line, &s, app, now); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return s, &domain.CSVError{Line: line, Field: ve.Field, Message: ve.Message, Key: ve.Key, Data: ve.Data}
		}
		return s, err
	}
	return s, nil
}

// maxLineBytes bounds a line of an import file. A real line is well under
// 2 KiB (three ids of at most 128 characters and two instants); the bound
// keeps a file without line ends from being read into memory whole.
const maxLineBytes = 64 << 10

// countingReader counts the bytes read through it, for the progress bar,
// and refuses a line longer than maxLineBytes.
type countingReader struct {
	r     io.Reader
	n     int64
	lines int // line ends read so far
	run   int // bytes since the last line end
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b)
		}
		if c.run += i; c.run > maxLineBytes {
			return n, csvError(c.lines+1, "", "csv_line_too_long", []any{"Max", maxLineBytes}, "is longer than %d bytes: is this a CSV file of sessions?", maxLineBytes)
		}
		if i == len(b) {
			break
		}
		c.run, c.lines, b = 0, c.lines+1, b[i+1:]
	}
	return n, err
}
