package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"rtcbill/db/dbtest"
	"strings"
	"sync"
	"testing"
	"time"

	"rtcbill/billing"

	"rtcbill/domain"
)

// openBackup opens a backup file read-only (through the same driver) and
// returns its integrity_check verdict and its usage totals.
func openBackup(t *testing.T, path string) (string, usageTotals) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var check string
	if err := conn.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil {
		t.Fatalf("integrity_check of the backup: %v", err)
	}
	var u usageTotals
	if err := conn.QueryRow(`SELECT (SELECT COUNT(*) FROM sessions), (SELECT COALESCE(SUM(left_at - joined_at), 0) FROM sessions),
		(SELECT COALESCE(SUM(seconds), 0) FROM usage_daily), (SELECT COALESCE(SUM(seconds), 0) FROM usage_room_monthly)`).
		Scan(&u.Sessions, &u.SessionSeconds, &u.DailySeconds, &u.RoomSeconds); err != nil {
		t.Fatalf("reading the backup: %v", err)
	}
	return check, u
}

func TestBackupCopiesTheDatabase(t *testing.T) {
	s, _ := openTestStore(t)
	sqliteOnly(t, s)
	a := mustAccount(t, s, cstAt(2023, 1, 2, 10, 0, 0))
	app, _ := mustApp(t, s, a.ID, cstAt(2023, 1, 2, 10, 0, 0))
	mustInsert(t, s, app.SDKAppID,
		stay("a", "r1", "alice", cstAt(2023, 3, 2, 10, 0, 0), 10*time.Minute),
		stay("b", "r1", "bob", cstAt(2023, 3, 2, 23, 50, 0), 25*time.Minute))
	want := readTotals(t, s)

	target := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(context.Background(), target); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	check, got := openBackup(t, target)
	if check != "ok" {
		t.Errorf("integrity_check of the backup: got %q, want ok", check)
	}
	if got != want {
		t.Errorf("backup totals: got %+v, want %+v", got, want)
	}
	if _, err := os.Stat(target + "-wal"); err == nil {
		t.Errorf("the backup has a -wal file: want one self-contained file")
	}

	// The copy is a database the Store opens as it is: a restore.
	restored, err := Open(context.Background(), target)
	if err != nil {
		t.Fatalf("Open(backup): %v", err)
	}
	defer restored.Close()
	if got := readTotals(t, restored); got != want {
		t.Errorf("restored totals: got %+v, want %+v", got, want)
	}
}

// TestBackupLeavesTheReadPoolReadOnly checks that the connection switched to
// writable for VACUUM INTO never serves a read afterwards.
func TestBackupLeavesTheReadPoolReadOnly(t *testing.T) {
	s, _ := openTestStore(t)
	sqliteOnly(t, s)
	ctx := context.Background()
	for i := range 3 {
		if err := s.Backup(ctx, filepath.Join(t.TempDir(), fmt.Sprintf("b%d.db", i))); err != nil {
			t.Fatalf("Backup: %v", err)
		}
	}
	n := s.r.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n { // every connection of the pool at once
		c, err := s.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var on int
		if err := c.QueryRowContext(ctx, `PRAGMA query_only`).Scan(&on); err != nil {
			t.Fatal(err)
		}
		if on != 1 {
			t.Errorf("read connection %d after backups: got query_only %d, want 1", i, on)
		}
	}
}

func TestBackupRefusesAnExistingFile(t *testing.T) {
	s, _ := openTestStore(t)
	sqliteOnly(t, s)
	dir := t.TempDir()
	for name, content := range map[string]string{"empty": "", "not empty": "keep me"} {
		t.Run(name, func(t *testing.T) {
			target := filepath.Join(dir, name+".db")
			if err := os.WriteFile(target, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := s.Backup(context.Background(), target)
			if !errors.Is(err, domain.ErrBackupExists) {
				t.Fatalf("Backup onto an existing file: got %v, want ErrBackupExists", err)
			}
			if got, _ := os.ReadFile(target); string(got) != content {
				t.Errorf("the existing file changed: got %q, want %q", got, content)
			}
		})
	}
	t.Run("a second backup to the same file", func(t *testing.T) {
		target := filepath.Join(dir, "twice.db")
		if err := s.Backup(context.Background(), target); err != nil {
			t.Fatalf("first Backup: %v", err)
		}
		if err := s.Backup(context.Background(), target); !errors.Is(err, domain.ErrBackupExists) {
			t.Errorf("second Backup: got %v, want ErrBackupExists", err)
		}
	})
}

func TestBackupThatFailsLeavesNoFile(t *testing.T) {
	s, _ := openTestStore(t)
	sqliteOnly(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	target := filepath.Join(t.TempDir(), "cancelled.db")
	if err := s.Backup(ctx, target); err == nil {
		t.Fatal("Backup with a cancelled context: got no error")
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a failed backup: got %v, want no file", err)
	}
	if err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "no such dir", "x.db")); err == nil {
		t.Error("Backup into a missing directory: got no error")
	}
}

func TestBackupPathsWithURIMetacharacters(t *testing.T) {
	s, _ := openTestStore(t)
	sqliteOnly(t, s)
	for _, name := range []string{"a#b.db", "a?b.db", "a%b.db", "file:x.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := s.Backup(context.Background(), name); err != nil {
				t.Fatalf("Backup(%q): %v", name, err)
			}
			if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.Size() == 0 {
				t.Errorf("got %v (size %v) at %s, want the backup", err, info, name)
			}
		})
	}
}

// TestBackupDuringWritesIsConsistent takes backups while batches are being
// written: each copy is one snapshot, so its usage sums match its sessions.
func TestBackupDuringWritesIsConsistent(t *testing.T) {
	s, _ := openTestStore(t)
	sqliteOnly(t, s)
	a := mustAccount(t, s, cstAt(2023, 1, 2, 10, 0, 0))
	app, _ := mustApp(t, s, a.ID, cstAt(2023, 1, 2, 10, 0, 0))
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := 0; ctx.Err() == nil; b++ {
			batch := make([]billing.Session, 0, 200)
			for i := range 200 {
				batch = append(batch, stay(fmt.Sprintf("b%d-%d", b, i), fmt.Sprint("r", b), fmt.Sprint("u", i),
					cstAt(2023, 3, 1+b%28, 10, 0, 0).Add(time.Duration(i)*time.Second), time.Duration(1+i)*time.Minute))
			}
			if _, err := s.InsertSessions(ctx, app.SDKAppID, batch, testNow); err != nil && ctx.Err() == nil {
				t.Errorf("InsertSessions: %v", err)
				return
			}
		}
	}()
	dir := t.TempDir()
	var nonEmpty int
	for i := range 5 {
		time.Sleep(20 * time.Millisecond)
		target := filepath.Join(dir, fmt.Sprintf("backup%d.db", i))
		if err := s.Backup(context.Background(), target); err != nil {
			t.Fatalf("Backup %d: %v", i, err)
		}
		check, u := openBackup(t, target)
		if check != "ok" {
			t.Errorf("backup %d integrity_check: got %q, want ok", i, check)
		}
		if u.SessionSeconds != u.DailySeconds || u.SessionSeconds != u.RoomSeconds {
			t.Errorf("backup %d is not one snapshot: got %+v, want equal seconds", i, u)
		}
		if u.Sessions > 0 {
			nonEmpty++
		}
	}
	stop()
	wg.Wait()
	if nonEmpty == 0 {
		t.Error("no backup held a session: the test did not back up during writes")
	}
}

// TestBackupOnPostgresNamesPgDump: the backup command copies a SQLite
// file; on PostgreSQL it refuses and names the tool that does it.
func TestBackupOnPostgresNamesPgDump(t *testing.T) {
	s, err := Open(context.Background(), dbtest.NewPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if !errors.Is(err, ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("got %v, want ErrBackupPostgres naming pg_dump", err)
	}
}
