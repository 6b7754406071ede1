package views

import (
	"fmt"

	"rtcbill/domain"
)

// auditActions are the actions the trail records, each with a message
// "audit.action.NAME" in the catalogue.
var auditActions = []string{
	domain.AuditSignIn, domain.AuditSignInFailed, domain.AuditSignOut, domain.AuditSignUp,
	domain.AuditAccountOpened, domain.AuditAccount, domain.AuditApp, domain.AuditPurchase,
	domain.AuditTokenCreated, domain.AuditTokenRevoked, domain.AuditUserCreated, domain.AuditImport,
	domain.AuditPasswordChanged, domain.AuditSignedOutEverywhere, domain.AuditUserDisabled, domain.AuditUserEnabled,
	domain.AuditPasswordResetCreated, domain.AuditPasswordReset,
}

// AuditActions lists the actions the page puts into words, for the tests.
func AuditActions() []string { return append([]string(nil), auditActions...) }

// AuditPage is one page of an account's audit trail (审计日志), newest
// first.
type AuditPage struct {
	Meta      Meta
	AccountID int64
	Page      int
	Rows      []AuditRow
	// NewerURL and OlderURL lead to the neighbouring pages; empty when
	// there is none.
	NewerURL string
	OlderURL string
}

// AuditRow is one line of the trail.
type AuditRow struct {
	When   string
	Who    string
	Action string // the action's name, as stored
	// ActionMsg is the action in words; unset for an action the catalogue
	// does not know, which is then shown by its name.
	ActionMsg LocalMsg
	Detail    string
}

// NewAuditPage is page (from 1) of the trail; more says an older page
// exists.
func NewAuditPage(meta Meta, accountID int64, page int, entries []domain.AuditEntry, more bool) AuditPage {
	page = max(page, 1)
	p := AuditPage{Meta: meta, AccountID: accountID, Page: page}
	for _, e := range entries {
		r := AuditRow{When: DateTime(e.At), Who: e.Actor, Action: e.Action, Detail: e.Detail}
		for _, a := range auditActions {
			if a == e.Action {
				r.ActionMsg = msg("audit.action." + a)
			}
		}
		p.Rows = append(p.Rows, r)
	}
	if page > 1 {
		p.NewerURL = AuditURL(accountID, page-1)
	}
	if more {
		p.OlderURL = AuditURL(accountID, page+1)
	}
	return p
}

// AuditURL is the path of page n of an account's audit trail.
func AuditURL(accountID int64, page int) string {
	if page <= 1 {
		return AccountURL(accountID, "/audit")
	}
	return AccountURL(accountID, fmt.Sprintf("/audit?page=%d", page))
}
