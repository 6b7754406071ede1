package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"rtcbill/db"
	"rtcbill/domain"
	"rtcbill/views"
)

// backupCommand runs "rtcbill backup": an online copy of the database made
// with VACUUM INTO, safe while the server runs. Ctrl-C stops it and leaves
// no partial file.
func backupCommand(args []string, stdout io.Writer) error {
	fs := newFlags("backup", "rtcbill backup: write a consistent copy of the database to a new file (SQLite's VACUUM INTO).\n"+
		"It is safe while the server runs: the copy is one snapshot, and writes go on meanwhile.\n"+
		"The target must not exist. To restore, stop the server and put the copy in place of the\n"+
		"database file, removing the old file's -wal and -shm files (the README says how).\n\n"+
		"Usage: rtcbill backup --to FILE [--db FILE]")
	fs.SetOutput(stdout)
	path := dbFlag(fs, "the database to copy")
	to := fs.String("to", "", "the backup file to write; it must not exist (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q: give the target with --to FILE", fs.Arg(0))
	}
	if *to == "" {
		return errors.New("backup: --to FILE is required")
	}
	if err := databaseExists("backup", *path); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	if err := store.Backup(ctx, *to); err != nil {
		if errors.Is(err, domain.ErrBackupExists) {
			return fmt.Errorf("backup: %s already exists: a backup never overwrites a file, choose a new name", *to)
		}
		return fmt.Errorf("backup: %w", err)
	}
	info, err := os.Stat(*to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: a copy of %s, %s bytes (%.1f MiB), in %s\n",
		*to, shown(*path), views.Int(info.Size()), float64(info.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}
