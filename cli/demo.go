package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"rtcbill/db"
	"rtcbill/demo"
	"rtcbill/domain"
)

// demoCommand runs "rtcbill demo": the demo loader of package demo, as the
// admins' button runs it.
func demoCommand(args []string, stdout io.Writer) error {
	fs := newFlags("demo", "rtcbill demo: load demo accounts that each tell a story, with months of sessions.\nRunning it again changes nothing.")
	path := dbFlag(fs, "a missing file is created")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q", fs.Arg(0))
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := demo.Load(ctx, store, time.Now())
	if err != nil {
		return err
	}
	if res.AlreadyLoaded {
		fmt.Fprintln(stdout, "the demo accounts are already loaded: nothing changed")
		return nil
	}
	fmt.Fprintf(stdout, "loaded %d demo accounts with %d sessions\n", res.Accounts, res.Sessions)
	return nil
}
