package views

// SignInPage is the sign-in form.
type SignInPage struct {
	Meta  Meta
	Email string
	Next  string
	Error string
	// Limited is set when too many failed sign-ins refused this one.
	Limited bool
	// Reset confirms a password just set through a reset link.
	Reset bool
	// Forgot offers a link to /forgot (the console sends e-mail).
	Forgot bool
}

// SignUpPage is the customer sign-up form: the account and its first user.
type SignUpPage struct {
	Meta          Meta
	Name          string
	Email         string
	Plan          string // the plan the visitor came to buy
	PlanName      string
	NameError     string
	EmailError    string
	PasswordError string
	MinPassword   int
	MaxPassword   int
	// ByMail: the address is confirmed by e-mail before the account opens.
	ByMail bool
}
