package views

import (
	"strconv"

	"rtcbill/domain"
)

// Roles lists the roles in the order the users form offers them.
var Roles = []string{string(domain.RoleCustomer), string(domain.RoleSupport), string(domain.RoleSales), string(domain.RoleAdmin)}

// UsersPage is the administrators' list of users (用户) and the form that
// adds one.
type UsersPage struct {
	Meta  Meta
	Users []UserRow
	// Added is the e-mail of the user just added, after the redirect.
	Added string
	Form  UserForm
	// MinPassword is the shortest password the store accepts.
	MinPassword int
	// Notice confirms a change after its redirect (disabled, enabled).
	Notice LocalMsg
	// ResetLink is a reset link just made: shown in this answer only.
	ResetLink *ResetLink
	// Pager leads through the users, a page at a time.
	Pager Pager
}

// UserRow is one user: never their password hash.
type UserRow struct {
	ID    string
	Email string
	Role  string
	// Account and AccountURL name a customer's account; empty for staff.
	Account    string
	AccountURL string
	Created    string
	// Disabled users cannot sign in; Self is the admin looking, who may
	// not disable themselves.
	Disabled bool
	Self     bool
}

// UserForm is the add-a-user form: its input (never the password) and
// what was wrong with it.
type UserForm struct {
	Email         string
	Role          string
	Account       string
	EmailError    LocalMsg
	PasswordError LocalMsg
	RoleError     LocalMsg
	AccountError  LocalMsg
}

// NewUsersPage lists users as the store gives them (staff first).
func NewUsersPage(meta Meta, users []domain.User, form UserForm) UsersPage {
	if form.Role == "" {
		form.Role = string(domain.RoleCustomer)
	}
	p := UsersPage{Meta: meta, Form: form, MinPassword: domain.MinPasswordLen}
	for _, u := range users {
		r := UserRow{ID: strconv.FormatInt(u.ID, 10), Email: u.Email, Role: string(u.Role), Created: DateTime(u.CreatedAt),
			Disabled: u.Disabled}
		if u.AccountID != 0 {
			r.Account = strconv.FormatInt(u.AccountID, 10)
			r.AccountURL = AccountURL(u.AccountID, "")
		}
		p.Users = append(p.Users, r)
	}
	return p
}

// ShowAdded confirms that email was added, if it is in the list or among
// known (users looked up, for one on another page): the address in the
// query string is never echoed on its own.
func (p *UsersPage) ShowAdded(email string, known ...domain.User) {
	for _, u := range p.Users {
		if email != "" && u.Email == email {
			p.Added = email
		}
	}
	for _, u := range known {
		if email != "" && u.Email == email {
			p.Added = email
		}
	}
}

// The form's errors, from what the handler or the store refused.

// RejectEmail says the e-mail is not an address.
func (f *UserForm) RejectEmail() { f.EmailError = msg("users.error.email") }

// RejectTakenEmail says the e-mail already has a user.
func (f *UserForm) RejectTakenEmail() { f.EmailError = msg("users.error.email_taken") }

// RejectPassword says why the password is refused.
func (f *UserForm) RejectPassword(problem domain.PasswordProblem) {
	f.PasswordError = PasswordMsg(problem)
}

// MarkSelf marks the row of the admin looking, who may not disable
// themselves.
func (p *UsersPage) MarkSelf(id int64) {
	for i := range p.Users {
		p.Users[i].Self = p.Users[i].ID == strconv.FormatInt(id, 10)
	}
}

// ShowChanged confirms that the user with email was disabled or enabled,
// if they are in the list or among known (users looked up, for one on
// another page): the address in the query string is never echoed on its
// own.
func (p *UsersPage) ShowChanged(email string, disabled bool, known ...domain.User) {
	found := false
	for _, u := range p.Users {
		found = found || (email != "" && u.Email == email && u.Disabled == disabled)
	}
	for _, u := range known {
		found = found || (email != "" && u.Email == email && u.Disabled == disabled)
	}
	switch {
	case !found:
	case disabled:
		p.Notice = msg("users.disabled", "Email", email)
	default:
		p.Notice = msg("users.enabled", "Email", email)
	}
}

// RejectRole says the role is not one of the four.
func (f *UserForm) RejectRole() { f.RoleError = msg("users.error.role") }

// RejectAccount says why the account field is wrong: a customer needs an
// existing account, staff need none.
func (f *UserForm) RejectAccount(role string, missing bool) {
	switch {
	case role != string(domain.RoleCustomer):
		f.AccountError = msg("users.error.account_staff")
	case missing:
		f.AccountError = msg("users.error.account_required")
	default:
		f.AccountError = msg("users.error.account_unknown", "ID", f.Account)
	}
}
