package domain

import (
	"errors"
	"strings"
	"time"
)

// Role is what a user may do.
type Role string

// ParseRole reads a role name.
func ParseRole(s string) (Role, bool) {
	switch r := Role(strings.TrimSpace(s)); r {
	case RoleCustomer, RoleSupport, RoleSales, RoleAdmin:
		return r, true
	}
	return "", false
}

// User is someone who signs in to the console.
type User struct {
	ID        int64
	Email     string
	Role      Role
	AccountID int64 // customers only
	CreatedAt time.Time
	// Disabled users cannot sign in, and their sessions end.
	Disabled bool
	// SessionEpoch counts the times every session of the user was ended
	// (sign out everywhere, a new password, disabling): a session started
	// under an older epoch is no longer valid.
	SessionEpoch int64
	// Lang is the language of the user's own e-mails (a confirmation, a
	// password reset): their sign-up's, changeable on /security.
	Lang string
}

// ErrBadCredentials is a sign-in with an unknown e-mail or a wrong password;
// the two are not told apart.
var ErrBadCredentials = errors.New("store: wrong e-mail or password")

// The four roles.
const (
	RoleCustomer Role = "customer" // one account: their own
	RoleSupport  Role = "support"  // reads every account
	RoleSales    Role = "sales"    // demo accounts and the pricing tools
	RoleAdmin    Role = "admin"    // everything, backdating and users included
)
