package views

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rtcbill/billing"
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
	domain.AuditAlertsChanged, domain.AuditWebhookCreated, domain.AuditWebhookDeleted,
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
	When string
	// Who is the actor in the page language: a user with their role, a
	// token, the command line.
	Who    LocalMsg
	Action string // the action's name, as stored
	// ActionMsg is the action in words; unset for an action the catalogue
	// does not know, which is then shown by its name.
	ActionMsg LocalMsg
	// Detail is the line's detail in the page language; DetailCode, when
	// set, is a literal shown after it (a token's prefix).
	Detail     LocalMsg
	DetailCode string
}

// NewAuditPage is page (from 1) of the trail; more says an older page
// exists.
func NewAuditPage(meta Meta, accountID int64, page int, entries []domain.AuditEntry, more bool) AuditPage {
	page = max(page, 1)
	p := AuditPage{Meta: meta, AccountID: accountID, Page: page}
	for _, e := range entries {
		r := AuditRow{When: DateTimeSeconds(e.At), Who: auditActor(e.Actor), Action: e.Action}
		r.Detail, r.DetailCode = auditDetail(e.Action, e.Detail)
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

// The trail stores its actors and details as the store wrote them, in
// English (db's audit calls, handlers' and the commands' actor labels);
// the page reads them back and says them in its language. A line in a form
// it does not know is shown as it was stored.
var (
	actorUser     = regexp.MustCompile(`^(.+) \((customer|support|sales|admin)\)$`)
	actorAPIToken = regexp.MustCompile(`^API token (\d+) of account (\d+)$`)
	backdatedTo   = regexp.MustCompile(`^(.*), backdated to (\S+)$`)
	appDetail     = regexp.MustCompile(`^(\d+) (.*?)(?:, trial (\S+))?$`)
	buyDetail     = regexp.MustCompile(`^([a-z]+) (\S+) ([0-9.]+)$`)
	tokenDetail   = regexp.MustCompile(`^(.*) (\S+…)$`)
	importDetail  = regexp.MustCompile(`^application (\d+): (\d+) sessions imported, (\d+) duplicates skipped, (\d+) conflicts not stored$`)
)

// auditActor says who acted.
func auditActor(label string) LocalMsg {
	switch label {
	case "system":
		return msg("audit.actor.system")
	case "command line":
		return msg("audit.actor.command_line")
	case "staff token":
		return msg("audit.actor.staff_token")
	}
	if m := actorAPIToken.FindStringSubmatch(label); m != nil {
		return msg("audit.actor.api_token", "Token", m[1], "Account", m[2])
	}
	if m := actorUser.FindStringSubmatch(label); m != nil {
		return msg("audit.actor.user", "Email", m[1], "Role", msg("role."+m[2]))
	}
	return msg("audit.as_stored", "Text", label)
}

// auditDetail says a line's detail, and the literal shown after it.
func auditDetail(action, detail string) (LocalMsg, string) {
	var at time.Time
	if m := backdatedTo.FindStringSubmatch(detail); m != nil {
		if t, err := time.Parse(time.RFC3339, m[2]); err == nil {
			detail, at = m[1], t
		}
	}
	d, code := msg("audit.as_stored", "Text", detail), ""
	switch action {
	case domain.AuditApp:
		if m := appDetail.FindStringSubmatch(detail); m != nil {
			d = msg("audit.detail.app", "SDKAppID", m[1], "Name", m[2])
			if m[3] != "" {
				d = msg("audit.detail.app_trial", "SDKAppID", m[1], "Name", m[2], "Order", m[3])
			}
		}
	case domain.AuditPurchase:
		if m := buyDetail.FindStringSubmatch(detail); m != nil {
			if price, err := decimal.NewFromString(m[3]); err == nil {
				d = msg("audit.detail.purchase", "Plan", planLabel(m[1]), "Order", m[2], "Price", Money(price))
			}
		}
	case domain.AuditTokenCreated, domain.AuditTokenRevoked:
		if m := tokenDetail.FindStringSubmatch(detail); m != nil {
			d, code = msg("audit.as_stored", "Text", m[1]), m[2]
		}
	case domain.AuditUserCreated, domain.AuditUserDisabled, domain.AuditUserEnabled, domain.AuditPasswordResetCreated:
		if m := actorUser.FindStringSubmatch(detail); m != nil {
			d = msg("audit.actor.user", "Email", m[1], "Role", msg("role."+m[2]))
		}
	case domain.AuditImport:
		if m := importDetail.FindStringSubmatch(detail); m != nil {
			d = msg("audit.detail.import", "SDKAppID", m[1], "Inserted", m[2], "Duplicates", m[3], "Conflicts", m[4])
		}
	case domain.AuditSignInFailed:
		switch {
		case detail == "(not an e-mail address)":
			d = msg("audit.detail.not_email")
		case strings.HasSuffix(detail, " (disabled user)"):
			d = msg("audit.detail.disabled_user", "Email", strings.TrimSuffix(detail, " (disabled user)"))
		}
	}
	if !at.IsZero() {
		d = msg("audit.detail.backdated", "Detail", d, "At", DateTime(at))
	}
	return d, code
}

// planLabel is a plan's code, named in the page language.
type planLabel string

func (p planLabel) Text(ctx context.Context) string {
	return PlanNameByCode(Lang(ctx), billing.PlanCode(p))
}
