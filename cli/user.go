package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"rtcbill/db"
	"rtcbill/domain"
)

const userUsage = `rtcbill user: manage the console's users.

Usage:
  rtcbill user add --email E --role ROLE [--account ID] [--db FILE]

ROLE is customer (needs --account, the one account they reach), support,
sales or admin. The password is never taken from the command line: it is
asked twice on the terminal, without echo, or read from the first line of
stdin when stdin is not a terminal:

  rtcbill user add --email ops@example.com --role admin            (asks on the terminal)
  rtcbill user add --email ops@example.com --role admin < pw.txt   (first line of a file)
`

// userCommand runs "rtcbill user add": it creates a user whose password
// comes from the terminal (asked twice, not echoed) or from the first line
// of stdin, never from argv, so it stays out of shell histories and ps.
func userCommand(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, userUsage)
		if len(args) == 0 {
			return errors.New("user: say what to do: rtcbill user add --email E --role ROLE")
		}
		return nil
	}
	if args[0] != "add" {
		return fmt.Errorf("user: unknown command %q: only \"add\" exists\n\n%s", args[0], userUsage)
	}
	fs := newFlags("user add", "rtcbill user add: add a console user; the password is read from the terminal or the first line of stdin.")
	fs.SetOutput(stdout)
	path := dbFlag(fs, "a missing file is created")
	email := fs.String("email", "", "the user's e-mail, their sign-in name (required)")
	roleArg := fs.String("role", "", "customer, support, sales or admin (required)")
	account := fs.Int64("account", 0, "the account a customer belongs to (customers only)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The stray argument is not echoed: it may be a password.
		return fmt.Errorf("user add: %d unexpected argument(s): the password is read from the terminal or stdin, never from the command line", fs.NArg())
	}
	if strings.TrimSpace(*email) == "" {
		return errors.New("user add: --email is required")
	}
	if *roleArg == "" {
		return errors.New("user add: --role is required: customer, support, sales or admin")
	}
	role, ok := domain.ParseRole(*roleArg)
	if !ok {
		return fmt.Errorf("user add: unknown role %q: customer, support, sales or admin", *roleArg)
	}
	if role == domain.RoleCustomer && *account <= 0 {
		return errors.New("user add: a customer needs --account ID, the account they belong to")
	}
	if role != domain.RoleCustomer && *account != 0 {
		return fmt.Errorf("user add: %s staff belong to no account: drop --account", role)
	}
	password, err := readPassword(stdin, stdout)
	if err != nil {
		return err
	}
	if p := domain.CheckPassword(password, *email); p != domain.PasswordOK {
		return fmt.Errorf("user add: the password is %s", p)
	}
	ctx := domain.WithActor(context.Background(), domain.Actor{Label: "command line"})
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.CreateUser(ctx, *email, password, role, *account, time.Now())
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return fmt.Errorf("user add: --%s %s", ve.Field, ve.Message)
	case errors.Is(err, domain.ErrEmailTaken):
		return fmt.Errorf("user add: %s already has a user", strings.TrimSpace(*email))
	case errors.Is(err, domain.ErrNotFound):
		return fmt.Errorf("user add: no account %d in %s", *account, shown(*path))
	case err != nil:
		return err
	}
	if u.AccountID != 0 {
		fmt.Fprintf(stdout, "created %s %s (user %d, account %d)\n", u.Role, u.Email, u.ID, u.AccountID)
	} else {
		fmt.Fprintf(stdout, "created %s %s (user %d)\n", u.Role, u.Email, u.ID)
	}
	return nil
}

// readPassword asks for the password twice without echo when stdin is a
// terminal; otherwise it reads the first line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("user add: reading the password: %w", err)
		}
		fmt.Fprint(prompt, "Password again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("user add: reading the password: %w", err)
		}
		if string(first) != string(second) {
			return "", errors.New("user add: the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("user add: reading the password from stdin: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("user add: no password: type it at the prompt or give it as the first line of stdin")
	}
	return line, nil
}
