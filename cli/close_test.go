package cli

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	"rtcbill/db/dbtest"
)

func TestCloseCommandIssuesEndedMonths(t *testing.T) {
	path, _ := w1In(t, dbtest.Default())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out bytes.Buffer
	if err := Run([]string{"close", "--db", path, "--month", "2019-09"}, &out, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	// W1's account starts in July 2019: July, August and September.
	if got := out.String(); got != "issued 3 bills up to 2019-09\n" {
		t.Errorf("got %q", got)
	}
	out.Reset()
	if err := Run([]string{"close", "--db", path, "--month", "2019-09"}, &out, io.Discard, quiet); err != nil || out.String() != "issued 0 bills up to 2019-09\n" {
		t.Errorf("closing again: got %q (%v), want nothing issued", out.String(), err)
	}
	if err := Run([]string{"close", "--db", path, "--month", "2999-01"}, io.Discard, io.Discard, quiet); err == nil {
		t.Error("closing a month not over: got no error")
	}
}
