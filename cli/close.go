package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/domain"
)

// closeCommand runs "rtcbill close": the monthly close up to a month, as the
// server's background job does it every minute.
func closeCommand(args []string, stdout io.Writer) error {
	fs := newFlags("close", "rtcbill close: store every account's bills up to a month that has ended (the monthly close).\n"+
		"Stored bills never change; a month may be closed once its end plus the close grace has passed.\n"+
		"The server also closes every such month in the background, at start and every minute.")
	path := dbFlag(fs, "")
	monthArg := fs.String("month", "", "the last month to close, YYYY-MM (required)")
	closeGrace := closeGraceFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	grace, err := closeGrace()
	if err != nil {
		return err
	}
	month, err := billing.ParseMonth(*monthArg)
	if err != nil {
		return fmt.Errorf("close: --month must be YYYY-MM, not %q", *monthArg)
	}
	if err := databaseExists("close", *path); err != nil {
		return err
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	store.SetCloseGrace(grace)
	n, err := store.CloseMonth(ctx, month, time.Now())
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	fmt.Fprintf(stdout, "issued %d bills up to %s\n", n, month)
	return nil
}
