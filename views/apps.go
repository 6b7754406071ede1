package views

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rtcbill/billing"
	"rtcbill/domain"
)

// Limits the forms state in their messages; the store enforces them.
const (
	appNameMaxRunes = domain.MaxNameLen
	roomIDMaxRunes  = domain.MaxIdentifierLen
)

// LocalMsg is a message id with its template data, translated when the
// page is rendered. The zero LocalMsg says nothing.
type LocalMsg struct {
	ID   string
	Args []any
}

// Set reports whether there is a message.
func (m LocalMsg) Set() bool { return m.ID != "" }

// Text is the message in the page language. Arguments that can put
// themselves into words (a RoomDuration) are translated too.
func (m LocalMsg) Text(ctx context.Context) string {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if w, ok := a.(interface{ Text(context.Context) string }); ok {
			a = w.Text(ctx)
		}
		args[i] = a
	}
	return T(ctx, m.ID, args...)
}

func msg(id string, args ...any) LocalMsg { return LocalMsg{ID: id, Args: args} }

// AppsPage is an account's applications (应用) and the form that creates
// one. The first application brings the trial (R4).
type AppsPage struct {
	Meta      Meta
	AccountID int64
	// CreateAction is where the create form posts.
	CreateAction string
	Apps         []AppRow
	// Created, when set, confirms the application just created.
	Created *AppCreated
	// TrialOffer, when set, explains that the first application brings the
	// free trial (no application exists yet).
	TrialOffer *AppTrialOffer
	// Name is the create form's input, kept after an error.
	Name      string
	NameError LocalMsg
	// Import is the outcome of a CSV upload, when the page answers one.
	Import AppImport
	// Pager leads through the applications, a page at a time.
	Pager Pager
}

// AppRow is one application with its "open a room" form.
type AppRow struct {
	SDKAppID string
	Name     string
	Created  string
	// OpenAction is where the open-a-room form goes (GET); it redirects to
	// the room's page.
	OpenAction string
	// Page is the page of the list the form comes back to with an error
	// (empty: the first).
	Page      string
	Room      string // the form's input, kept after an error
	RoomError LocalMsg
	Just      bool // the application just created
}

// AppCreated confirms a new application and, when it brought one, the
// trial with its minutes and expiry (R3, R4).
type AppCreated struct {
	SDKAppID     string
	Name         string
	Trial        bool
	TrialMinutes string
	TrialExpiry  string
}

// AppTrialOffer is what the first application would bring if created now.
type AppTrialOffer struct {
	Minutes string
	Expiry  string
}

// NewAppsPage lists apps, oldest first, as of now.
func NewAppsPage(meta Meta, accountID int64, apps []domain.App, now time.Time) AppsPage {
	p := AppsPage{Meta: meta, AccountID: accountID, CreateAction: AccountURL(accountID, "/apps")}
	for _, a := range apps {
		p.Apps = append(p.Apps, AppRow{
			SDKAppID:   strconv.FormatInt(a.SDKAppID, 10),
			Name:       a.Name,
			Created:    DateTime(a.CreatedAt),
			OpenAction: AccountURL(accountID, "/apps"),
		})
	}
	if len(apps) == 0 && billing.GrantsTrial(now) {
		p.TrialOffer = &AppTrialOffer{Minutes: Int(trialMinutes()), Expiry: Date(billing.ValidityOf(now).ExpiresOn())}
	}
	return p
}

// ShowPage makes p page n of the applications, which pager links to the
// pages around it: a page after the first is not the first application's
// offer, and an open-a-room form refused comes back to it.
func (p *AppsPage) ShowPage(pager Pager) {
	p.Pager = pager
	if pager.Page > 1 {
		p.TrialOffer = nil
		for i := range p.Apps {
			p.Apps[i].Page = strconv.Itoa(pager.Page)
		}
	}
}

func trialMinutes() int64 {
	plan, _ := billing.LookupPlan(string(billing.Trial))
	return plan.IncludedMinutes
}

// ShowCreated confirms the creation of application sdkAppID (after the
// redirect); trial says it brought the trial, whose expiry follows R3 from
// the application's creation. An id that is not among apps (the account's
// applications) shows nothing.
func (p *AppsPage) ShowCreated(sdkAppID int64, trial bool, apps []domain.App) {
	for _, a := range apps {
		if a.SDKAppID != sdkAppID {
			continue
		}
		p.Created = &AppCreated{SDKAppID: strconv.FormatInt(a.SDKAppID, 10), Name: a.Name}
		if trial {
			p.Created.Trial = true
			p.Created.TrialMinutes = Int(trialMinutes())
			p.Created.TrialExpiry = Date(billing.ValidityOf(a.CreatedAt).ExpiresOn())
		}
		id := strconv.FormatInt(a.SDKAppID, 10)
		for i := range p.Apps {
			p.Apps[i].Just = p.Apps[i].Just || p.Apps[i].SDKAppID == id
		}
		return
	}
}

// RejectName keeps the refused name and says what is wrong with it.
func (p *AppsPage) RejectName(name string) {
	p.Name = name
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		p.NameError = msg("apps.error.name_required")
	case utf8.RuneCountInString(name) > appNameMaxRunes:
		p.NameError = msg("apps.error.name_too_long", "Max", appNameMaxRunes)
	default:
		p.NameError = msg("apps.error.name_invalid")
	}
}

// CheckRoomID says what is wrong with a room id typed into a form; the
// zero LocalMsg when nothing is.
func CheckRoomID(room string) LocalMsg {
	switch {
	case strings.TrimSpace(room) == "":
		return msg("apps.error.room_required")
	case !utf8.ValidString(room) || utf8.RuneCountInString(room) > roomIDMaxRunes:
		return msg("apps.error.room_too_long", "Max", roomIDMaxRunes)
	}
	return LocalMsg{}
}

// RejectRoom keeps the refused room id in application sdkAppID's form
// with its error.
func (p *AppsPage) RejectRoom(sdkAppID int64, room string, why LocalMsg) {
	id := strconv.FormatInt(sdkAppID, 10)
	for i := range p.Apps {
		if p.Apps[i].SDKAppID == id {
			p.Apps[i].Room, p.Apps[i].RoomError = room, why
		}
	}
}

// AppImport is the outcome of a CSV upload of sessions to one application,
// shown above the applications: the counts, or why nothing was stored.
type AppImport struct {
	SDKAppID string
	// Done says what was stored; Error why nothing was.
	Done  LocalMsg
	Error LocalMsg
	// Conflicts counts the lines not stored because they contradict a
	// stored session; ConflictLines says which (the first shownConflicts),
	// MoreConflicts how many more there are.
	Conflicts     LocalMsg
	ConflictLines []LocalMsg
	MoreConflicts LocalMsg
}

// shownConflicts bounds the conflicting lines listed on the page.
const shownConflicts = 20

// ImportDone reports an import into application sdkAppID that stored res.
func ImportDone(sdkAppID int64, res domain.IngestResult) AppImport {
	id := strconv.FormatInt(sdkAppID, 10)
	imp := AppImport{SDKAppID: id,
		Done: msg("import.done", "SDKAppID", id, "Inserted", Int(int64(res.Inserted)), "Duplicates", Int(int64(res.Duplicates)))}
	if res.ConflictCount > 0 {
		imp.Conflicts = msg("import.conflicts", "Conflicts", Int(int64(res.ConflictCount)))
		for _, c := range res.Conflicts[:min(len(res.Conflicts), shownConflicts)] {
			imp.ConflictLines = append(imp.ConflictLines, msg("import.conflict."+c.Reason, "Line", Int(int64(c.Index))))
		}
		if more := res.ConflictCount - len(imp.ConflictLines); more > 0 {
			imp.MoreConflicts = msg("import.conflicts_more", "More", Int(int64(more)))
		}
	}
	return imp
}

// ImportFailed reports an import into application sdkAppID that stored
// nothing because of e (nil: no file was chosen).
func ImportFailed(sdkAppID int64, e *domain.CSVError) AppImport {
	imp := AppImport{SDKAppID: strconv.FormatInt(sdkAppID, 10)}
	switch {
	case e == nil:
		imp.Error = msg("import.error.no_file")
	case e.Field == "":
		imp.Error = msg("import.error.line", "Line", Int(int64(e.Line)), "Message", InvalidMsg("", e.Key, e.Data))
	default:
		imp.Error = msg("import.error.field", "Line", Int(int64(e.Line)), "Field", FieldLabel(e.Field), "Message", InvalidMsg(e.Field, e.Key, e.Data))
	}
	return imp
}

// importHeader is the first line an upload must start with.
var importHeader = strings.Join(domain.CSVColumns, ",")

// ImportURL is where application sdkAppID's upload form posts.
func ImportURL(sdkAppID string) string { return "/apps/" + sdkAppID + "/import" }

// canImport reports whether the user may upload sessions.
func (p AppsPage) canImport() bool { return p.Meta.Account != nil && p.Meta.Account.Can.RecordUsage }

// canCreate reports whether the user may create an application.
func (p AppsPage) canCreate() bool { return p.Meta.Account != nil && p.Meta.Account.Can.CreateApp }
