package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"rtcbill/db"
	"rtcbill/domain"
)

// importCommand runs "rtcbill import": a CSV file of finished sessions into
// one application, all or nothing, with a progress bar on progressOut.
func importCommand(args []string, stdout, progressOut io.Writer) error {
	fs := newFlags("import", "rtcbill import: import an application's finished sessions from a CSV file with the header\n"+
		"session_id,room_id,user_id,joined_at,left_at (instants in RFC 3339). The whole file is one transaction:\n"+
		"one bad line stores nothing and the error names the line and the field. Sessions already stored are\n"+
		"counted as duplicates and skipped.\n\nUsage: rtcbill import --app SDKAPPID [--db FILE] sessions.csv")
	path := dbFlag(fs, "")
	app := fs.Int64("app", 0, "the SDKAppID the sessions belong to (required)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *app <= 0 {
		return errors.New("import: --app is required")
	}
	if fs.NArg() != 1 {
		return errors.New("import: give exactly one CSV file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := databaseExists("import", *path); err != nil {
		return err
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	var progress func(int64)
	if !*quiet {
		bar := progressbar.NewOptions64(info.Size(),
			progressbar.OptionSetWriter(progressOut),
			progressbar.OptionSetDescription("importing "+fs.Arg(0)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
		progress = func(n int64) { bar.Set64(n) }
		defer bar.Finish()
	}
	res, err := store.ImportSessionsCSV(ctx, *app, f, time.Now(), progress)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(stdout, "imported %d sessions, %d duplicates skipped\n", res.Inserted, res.Duplicates)
	if res.ConflictCount > 0 {
		fmt.Fprintf(stdout, "%d lines contradict sessions already stored and were not stored:\n", res.ConflictCount)
		for _, c := range res.Conflicts {
			fmt.Fprintf(stdout, "  line %d: %s\n", c.Index, c.Reason)
		}
		if more := res.ConflictCount - len(res.Conflicts); more > 0 {
			fmt.Fprintf(stdout, "  and %d more\n", more)
		}
	}
	return nil
}
