package views

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"rtcbill/domain"
)

// TokensPage is an account's API tokens (API 令牌): the list, and for those
// who may change the account, the form that creates one. A token's secret
// is shown once, on the answer to the form that created it.
type TokensPage struct {
	Meta      Meta
	AccountID int64
	// CanWrite shows the create form and the revoke buttons; support staff
	// see the list read-only.
	CanWrite bool
	// CreateAction is where the create form posts.
	CreateAction string
	Tokens       []TokenRow
	// Created is the token just made, with its secret: shown this once.
	Created *TokenCreated
	// Revoked names the token just revoked, after the redirect.
	Revoked string
	// Name is the create form's input, kept after an error.
	Name      string
	NameError LocalMsg
	// Pager leads through the tokens, a page at a time.
	Pager Pager
}

// TokenRow is one token as the list shows it: never its secret.
type TokenRow struct {
	ID       string
	Name     string
	Prefix   string // "rtcb_abcdef…"
	Created  string
	LastUsed string // empty: never used
	Revoked  string // empty: the token works
	// RevokeAction is where its revoke button posts.
	RevokeAction string
	Just         bool // the token just created
}

// Active reports whether the token still works.
func (r TokenRow) Active() bool { return r.Revoked == "" }

// TokenCreated is a new token in clear, with a curl call that uses it.
type TokenCreated struct {
	Name   string
	Secret string
	Curl   string
}

// NewTokensPage lists an account's tokens as the store gives them (newest
// first).
func NewTokensPage(meta Meta, accountID int64, tokens []domain.APIToken, canWrite bool) TokensPage {
	p := TokensPage{Meta: meta, AccountID: accountID, CanWrite: canWrite, CreateAction: AccountURL(accountID, "/tokens")}
	for _, t := range tokens {
		r := TokenRow{
			ID:           strconv.FormatInt(t.ID, 10),
			Name:         t.Name,
			Prefix:       t.Prefix + "…",
			Created:      DateTime(t.CreatedAt),
			RevokeAction: AccountURL(accountID, fmt.Sprintf("/tokens/%d/revoke", t.ID)),
		}
		if !t.LastUsedAt.IsZero() {
			r.LastUsed = DateTime(t.LastUsedAt)
		}
		if !t.RevokedAt.IsZero() {
			r.Revoked = DateTime(t.RevokedAt)
		}
		p.Tokens = append(p.Tokens, r)
	}
	return p
}

// ShowCreated shows token t's secret, this once, with a curl call to the
// API at base (the console's public address, "https://billing.example.com")
// that lists the account's packages. Each argument is shell-quoted, so the
// line pastes into a shell as it reads, whatever base holds.
func (p *TokensPage) ShowCreated(t domain.APIToken, secret, base string) {
	p.Created = &TokenCreated{
		Name:   t.Name,
		Secret: secret,
		Curl: "curl -H " + ShellQuote("Authorization: Bearer "+secret) + " " +
			ShellQuote(fmt.Sprintf("%s/api/v1/accounts/%d/packages", strings.TrimRight(base, "/"), p.AccountID)),
	}
	id := strconv.FormatInt(t.ID, 10)
	for i := range p.Tokens {
		if p.Tokens[i].ID == id {
			p.Tokens[i].Just = true
		}
	}
}

// ShowRevoked confirms the revocation of token id, if it is the account's:
// one of the page's tokens, or of known (the account's tokens looked up,
// for one on another page).
func (p *TokensPage) ShowRevoked(id int64, known ...domain.APIToken) {
	for _, r := range p.Tokens {
		if r.ID == strconv.FormatInt(id, 10) && !r.Active() {
			p.Revoked = r.Name + " " + r.Prefix
		}
	}
	for _, t := range known {
		if t.ID == id && t.AccountID == p.AccountID && !t.RevokedAt.IsZero() {
			p.Revoked = t.Name + " " + t.Prefix + "…"
		}
	}
}

// RejectName keeps a name the store refused and says what is wrong.
func (p *TokensPage) RejectName(name string) {
	p.Name = name
	switch name = strings.TrimSpace(name); {
	case name == "":
		p.NameError = msg("tokens.error.name_required")
	case utf8.RuneCountInString(name) > domain.MaxNameLen:
		p.NameError = msg("tokens.error.name_too_long", "Max", domain.MaxNameLen)
	default:
		p.NameError = msg("tokens.error.name_invalid")
	}
}

// ShellQuote quotes s for a POSIX shell: in single quotes, where nothing is
// special but the single quote itself, which closes the quotes, is written
// escaped and opens them again.
func ShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
