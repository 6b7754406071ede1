package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"rtcbill/db"
	"rtcbill/db/dbtest"
	"rtcbill/domain"
)

const cliPassword = "correct horse battery staple"

// addUser runs "rtcbill user add" with args on a database, the password
// on stdin.
func addUser(t *testing.T, path, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := userCommand(append([]string{"add", "--db", path}, args...), bytes.NewReader([]byte(stdin)), &out)
	return out.String(), err
}

func TestUserAddCreatesAnAdminWhoCanSignIn(t *testing.T) {
	path := dbtest.Default().New(t)
	out, err := addUser(t, path, cliPassword+"\n", "--email", "ops@example.com", "--role", "admin")
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	if want := "created admin ops@example.com (user 1)\n"; out != want {
		t.Errorf("got output %q, want %q", out, want)
	}
	if strings.Contains(out, cliPassword) {
		t.Errorf("the password appears in the output: %q", out)
	}
	ctx := context.Background()
	s, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.Authenticate(ctx, "ops@example.com", cliPassword)
	if err != nil {
		t.Fatalf("the new admin cannot sign in: %v", err)
	}
	if u.Role != domain.RoleAdmin || u.AccountID != 0 {
		t.Errorf("got role %s and account %d, want admin and none", u.Role, u.AccountID)
	}
	if _, err := s.Authenticate(ctx, "ops@example.com", cliPassword+"\n"); !errors.Is(err, domain.ErrBadCredentials) {
		t.Errorf("the line end became part of the password: got %v, want ErrBadCredentials", err)
	}
}

func TestUserAddRecordsTheCommandLineInTheAuditTrail(t *testing.T) {
	ctx := context.Background()
	path := dbtest.Default().New(t)
	s, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAccount(ctx, "Acme", "billing@acme.example", time.Now(), time.Now())
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := addUser(t, path, cliPassword, "--email", "dev@acme.example", "--role", "customer", "--account", "1")
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	if want := "created customer dev@acme.example (user 1, account 1)\n"; out != want {
		t.Errorf("got output %q, want %q", out, want)
	}
	if s, err = db.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u, err := s.Authenticate(ctx, "dev@acme.example", cliPassword); err != nil || u.AccountID != a.ID {
		t.Fatalf("got account %d, %v; want the customer of account %d signed in", u.AccountID, err, a.ID)
	}
	log, _, err := s.AuditLog(ctx, a.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[0].Action != domain.AuditUserCreated || log[0].Actor != "command line" {
		t.Fatalf("got audit trail %+v, want a user_created line by the command line first", log)
	}
}

func TestUserAddRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, stdin string
		args        []string
		want        string // in the error
	}{
		{"a short password", "too short\n", []string{"--email", "a@example.com", "--role", "admin"}, "at least 12 characters"},
		{"no password at all", "", []string{"--email", "a@example.com", "--role", "admin"}, "no password"},
		{"a missing role", cliPassword, []string{"--email", "a@example.com"}, "--role is required"},
		{"an unknown role", cliPassword, []string{"--email", "a@example.com", "--role", "root"}, `unknown role "root"`},
		{"a missing e-mail", cliPassword, []string{"--role", "admin"}, "--email is required"},
		{"a bad e-mail", cliPassword, []string{"--email", "not an address", "--role", "admin"}, "not an e-mail address"},
		{"a customer without an account", cliPassword, []string{"--email", "a@example.com", "--role", "customer"}, "needs --account"},
		{"a customer of no account", cliPassword, []string{"--email", "a@example.com", "--role", "customer", "--account", "9"}, "no account 9"},
		{"staff with an account", cliPassword, []string{"--email", "a@example.com", "--role", "support", "--account", "1"}, "drop --account"},
		{"the password in argv", cliPassword, []string{"--email", "a@example.com", "--role", "admin", cliPassword}, "never from the command line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := dbtest.Default().New(t)
			out, err := addUser(t, path, c.stdin, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v, want one saying %q", err, c.want)
			}
			if strings.Contains(out, cliPassword) || strings.Contains(err.Error(), cliPassword) {
				t.Errorf("the password appears in the output or the error: %q, %v", out, err)
			}
			if strings.Contains(out, "created") {
				t.Errorf("got output %q after an error, want no user created", out)
			}
		})
	}
}

func TestUserAddRefusesATakenEmail(t *testing.T) {
	path := dbtest.Default().New(t)
	if _, err := addUser(t, path, cliPassword, "--email", "ops@example.com", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	_, err := addUser(t, path, "another password 2", "--email", "ops@example.com", "--role", "support")
	if err == nil || !strings.Contains(err.Error(), "already has a user") {
		t.Fatalf("got %v, want the e-mail refused as taken", err)
	}
}

func TestUserHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"add", "--help"}} {
		var out bytes.Buffer
		err := userCommand(args, strings.NewReader(""), &out)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: got error %v, want help", args, err)
		}
		if !strings.Contains(out.String(), "--role") && !strings.Contains(out.String(), "-role") {
			t.Errorf("%v: got %q, want the flags explained", args, out.String())
		}
	}
	var out bytes.Buffer
	if err := Run([]string{"--help"}, &out, io.Discard, nil); err != nil || !strings.Contains(out.String(), "rtcbill user add --email E --role ROLE") {
		t.Errorf("got %q, %v; want the usage to list the user command", out.String(), err)
	}
}
