// Package demo loads the demo data (`rtcbill demo`, the admins' button):
// five accounts that each tell a story of the rule book, with applications
// and packages in the past and months of sessions from a seeded generator.
// Everything is placed relative to one instant, the anchor, so that a load
// is the same given the same now. The stories only call the db.Store's
// methods, so the demo holds nothing the console could not have recorded
// itself, on either database.
//
// Loading twice changes nothing: a story is complete once its last session
// is stored, and a load whose five stories are complete writes nothing. A
// load cut short (a crash, a closed connection) is finished by the next
// one: accounts and applications are looked up before they are created,
// purchases carry idempotency keys, sessions deterministic ids (stored once,
// counted as duplicates after), and the anchor of the first run is
// recovered from the first story's account, so the rest is generated
// exactly as the first run would have.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/domain"
)

// EmailDomain is the domain of the demo accounts' e-mails: searching the
// accounts for it lists them.
const EmailDomain = "demo.rtcbill.example"

// Result says what Load did.
type Result struct {
	AlreadyLoaded bool
	Accounts      int // accounts created by this load
	Sessions      int // sessions stored by this load
}

// loadMu serialises loads within one process, so that a double click on
// the admins' button cannot create a story's account twice.
var loadMu sync.Mutex

// demoStoryOneAge is how long before the anchor the first story's account
// was opened: an exact duration, so that a later run can recover the
// anchor from that account.
const demoStoryOneAge = 100 * 24 * time.Hour

// Load loads the demo accounts into store as of now, unless they are
// loaded.
func Load(ctx context.Context, store db.Store, now time.Time) (Result, error) {
	return load(ctx, store, now, nil)
}

// load is Load with a hook called after every write; a test makes it fail
// to cut a load short.
func load(ctx context.Context, s db.Store, now time.Time, after func(step string) error) (Result, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	if after == nil {
		after = func(string) error { return nil }
	}
	var res Result
	anchor := now.Truncate(time.Second)
	first := demoStories(anchor)[0]
	if a, ok, err := s.FindDemoAccount(ctx, first.name, first.email); err != nil {
		return res, err
	} else if ok {
		// An earlier load began here: finish it as it began.
		anchor = a.CreatedAt.Add(demoStoryOneAge)
		if anchor.After(now) {
			return res, fmt.Errorf("demo: the demo was begun as of %s, after now (%s): is the clock right?",
				billing.FormatInstant(anchor), billing.FormatInstant(now))
		}
	}
	stories := demoStories(anchor)
	sessions := make([][][]billing.Session, len(stories))
	todo := 0
	for i := range stories {
		sessions[i] = stories[i].generate(anchor)
		done, err := storyDone(ctx, s, &stories[i], sessions[i])
		if err != nil {
			return res, err
		}
		if done {
			sessions[i] = nil
		} else {
			todo++
		}
	}
	if todo == 0 {
		return Result{AlreadyLoaded: true}, nil
	}
	for i := range stories {
		if sessions[i] == nil {
			continue
		}
		if err := loadStory(ctx, s, &stories[i], sessions[i], now, &res, after); err != nil {
			return res, fmt.Errorf("demo: loading story %d (%s): %w", stories[i].n, stories[i].name, err)
		}
	}
	return res, nil
}

// lastSession is the id of the session a story stores last.
func lastSession(sessions [][]billing.Session) string {
	for i := len(sessions) - 1; i >= 0; i-- {
		if n := len(sessions[i]); n > 0 {
			return sessions[i][n-1].ID
		}
	}
	return ""
}

// storyDone reports whether a story is loaded: its account holds the
// session the story stores last (batches are stored in order, each in its
// own transaction, after the applications and the purchases).
func storyDone(ctx context.Context, s db.Store, st *demoStory, sessions [][]billing.Session) (bool, error) {
	a, ok, err := s.FindDemoAccount(ctx, st.name, st.email)
	if err != nil || !ok {
		return false, err
	}
	done, err := s.HasSession(ctx, a.ID, lastSession(sessions))
	if err != nil {
		return false, fmt.Errorf("demo: unable to check story %d: %w", st.n, err)
	}
	return done, nil
}

// loadStory writes what of a story is missing: the account, the
// applications, the purchases, then the sessions in batches.
func loadStory(ctx context.Context, s db.Store, st *demoStory, sessions [][]billing.Session, now time.Time, res *Result, after func(string) error) error {
	a, ok, err := s.FindDemoAccount(ctx, st.name, st.email)
	if err != nil {
		return err
	}
	if !ok {
		if a, err = s.CreateDemoAccount(ctx, st.name, st.email, st.created, now); err != nil {
			return err
		}
		res.Accounts++
		if err := after(fmt.Sprintf("story %d account", st.n)); err != nil {
			return err
		}
	}
	// An application already created is found by its name, the oldest
	// first, as a story names each once.
	existing, err := s.Apps(ctx, a.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(st.apps))
	for i, app := range st.apps {
		if k := slices.IndexFunc(existing, func(e domain.App) bool { return e.Name == app.name }); k >= 0 {
			ids[i] = existing[k].SDKAppID
			continue
		}
		created, _, err := s.CreateApp(ctx, a.ID, app.name, app.created, now)
		if err != nil {
			return err
		}
		ids[i] = created.SDKAppID
		if err := after(fmt.Sprintf("story %d app %d", st.n, i+1)); err != nil {
			return err
		}
	}
	for i, b := range st.buys {
		key := fmt.Sprintf("demo-%d-%s-%d", st.n, b.plan, i+1)
		if _, _, err := s.Purchase(ctx, a.ID, string(b.plan), b.at, key, now); err != nil {
			return err
		}
		if err := after(fmt.Sprintf("story %d purchase %d", st.n, i+1)); err != nil {
			return err
		}
	}
	for i, all := range sessions {
		for from := 0; from < len(all); from += domain.MaxBatch {
			batch := all[from:min(from+domain.MaxBatch, len(all))]
			r, err := s.InsertSessions(ctx, ids[i], batch, now)
			if err != nil {
				return err
			}
			res.Sessions += r.Inserted
			if err := after(fmt.Sprintf("story %d app %d sessions %d", st.n, i+1, from/domain.MaxBatch+1)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ------------------------------------------------------------ the stories

// demoStory is one demo account and its history.
type demoStory struct {
	n       int // 1…5: session ids are demo-N-…, purchase keys demo-N-…
	name    string
	email   string
	seed    uint64
	created time.Time // the account
	apps    []demoApp // in order of creation: the first brings the trial (R4)
	buys    []demoBuy
	// pilot is the average participant-minutes a day before the first paid
	// package (or always, without one).
	pilot float64
	// paid is the average participant-minutes a day once a paid package is
	// bought, for the day holding t.
	paid func(day time.Time) float64
	// day plans a day's calls; nil is demoGen.usualDay.
	day func(g *demoGen, day time.Time)
}

// demoApp is an application and the kind of traffic it carries.
type demoApp struct {
	name    string
	created time.Time
	weight  float64 // its share of the account's traffic
	shape   *demoShape
	rooms   []string
	users   []string
}

type demoBuy struct {
	plan billing.PlanCode
	at   time.Time
}

// demoShape is the pattern of an application's calls.
type demoShape struct {
	hours            [24]float64 // weight of a call starting in each CST hour
	sat, sun         float64     // a Saturday's and a Sunday's traffic, a weekday's being 1
	minSize, maxSize int         // participants
	minDur, maxDur   time.Duration
	late             float64 // chance that a weekday holds a call crossing midnight
	monthEnd         bool    // a call crosses midnight on each month's last day
}

// Working hours in China: a morning and an afternoon peak, little at night.
var officeHours = [24]float64{0.1, 0.05, 0.02, 0.02, 0.02, 0.05, 0.15, 0.5, 1.5, 3, 3.5, 3, 1.2, 1.8, 3.5, 3.5, 3, 2, 0.9, 0.6, 0.5, 0.4, 0.25, 0.15}

// Consumer apps peak in the evening and stay up late.
var eveningHours = [24]float64{1.6, 0.9, 0.4, 0.2, 0.1, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1, 1.3, 1.1, 1, 1, 1.1, 1.3, 1.8, 2.6, 3.2, 3.4, 3, 2.3}

// A clinic's consultations: 08:00 to 18:00.
var clinicHours = [24]float64{8: 1.5, 9: 3, 10: 3, 11: 2.5, 12: 0.8, 13: 1.5, 14: 3, 15: 3, 16: 2.5, 17: 1.5}

// dayFactor scales a day's traffic by its weekday so that the average day
// keeps the story's figure.
func (sh *demoShape) dayFactor(day time.Time) float64 {
	mean := (5 + sh.sat + sh.sun) / 7
	switch day.Weekday() {
	case time.Saturday:
		return sh.sat / mean
	case time.Sunday:
		return sh.sun / mean
	}
	return 1 / mean
}

// names makes n identifiers prefix0001, prefix0002, …
func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i+1)
	}
	return out
}

// monthsBack is day d, at h:mi CST, of the month k months before the
// anchor's (d ≤ 28, so every month has it).
func monthsBack(anchor time.Time, k, d, h, mi int) time.Time {
	y, m, _ := anchor.In(billing.CST).Date()
	return time.Date(y, m-time.Month(k), d, h, mi, 0, 0, billing.CST)
}

// perMonth spreads monthly participant-minutes over the days of each month:
// targets[0] is for the month of from, targets[1] the next, and so on; the
// last figure holds for every later month.
func perMonth(from time.Time, targets ...float64) func(time.Time) float64 {
	first := billing.MonthOf(from)
	return func(day time.Time) float64 {
		m := billing.MonthOf(day)
		k := (m.Year-first.Year)*12 + int(m.Month) - int(first.Month)
		if k < 0 {
			return 0
		}
		days := float64(m.End().Sub(m.Start()) / (24 * time.Hour))
		return targets[min(k, len(targets)-1)] / days
	}
}

// demoStories are the five stories as of anchor.
func demoStories(anchor time.Time) []demoStory {
	at := func(k, d, h, mi int) time.Time { return monthsBack(anchor, k, d, h, mi) }
	email := func(local string) string { return local + "@" + EmailDomain }

	// 1. A new user whose trial ran out: a developer trying the SDK, calls
	// of two or three, until the 1,000 trial minutes are gone (the call
	// that ran over them is refused past that point, R7); the service is
	// closed since (R5) and no package was bought.
	one := anchor.Add(-demoStoryOneAge)
	dev := &demoShape{hours: officeHours, sat: 0.3, sun: 0.2, minSize: 2, maxSize: 3,
		minDur: 5 * time.Minute, maxDur: 35 * time.Minute}
	pixel := demoStory{
		n: 1, name: "Pixel Pals Studio", email: email("pixelpals"), seed: 1, created: one,
		apps: []demoApp{
			{name: "Pixel Pals prototype", created: one.Add(3 * time.Hour), weight: 1, shape: dev,
				rooms: names("test-room-", 6), users: names("tester-", 12)},
		},
		pilot: 28,
	}

	// 2. A start-up: the trial from its first application, used up in a
	// few weeks (closed for a while), a Starter two months in, then usage
	// that grows month after month until it overruns the Starter: overage
	// on the latest bills.
	meet := &demoShape{hours: officeHours, sat: 0.2, sun: 0.1, minSize: 2, maxSize: 7,
		minDur: 10 * time.Minute, maxDur: 60 * time.Minute, late: 0.03}
	mobile := &demoShape{hours: eveningHours, sat: 0.9, sun: 0.8, minSize: 2, maxSize: 4,
		minDur: 5 * time.Minute, maxDur: 40 * time.Minute, late: 0.05}
	starter := at(8, 3, 10, 30)
	qingyun := demoStory{
		n: 2, name: "Qingyun Meet", email: email("qingyun"), seed: 2, created: at(10, 11, 15, 0),
		apps: []demoApp{
			{name: "Qingyun Meet", created: at(10, 12, 10, 20), weight: 1, shape: meet,
				rooms: names("meet-", 40), users: names("qy-", 400)},
			{name: "Qingyun Meet Mobile", created: at(4, 6, 14, 0), weight: 0.8, shape: mobile,
				rooms: names("m-room-", 60), users: names("qym-", 900)},
		},
		buys:  []demoBuy{{billing.Starter, starter}},
		pilot: 45,
		paid:  perMonth(starter, 2_800, 4_000, 5_500, 7_000, 9_000, 11_000, 13_500, 16_000, 18_500, 21_000),
	}

	// 3. A school on a Standard package (R12: the whiteboard SDK comes with
	// it): lessons on weekdays between 08:00 and 17:00 CST, one teacher and
	// the 20 to 40 students of a class in the class's room; no lessons in
	// the summer and winter holidays.
	trying := &demoShape{hours: officeHours, sat: 0, sun: 0, minSize: 2, maxSize: 4,
		minDur: 10 * time.Minute, maxDur: 40 * time.Minute}
	standard := at(6, 2, 9, 30)
	school := demoStory{
		n: 3, name: "Sunrise Experimental School", email: email("sunrise-school"), seed: 3, created: at(7, 18, 10, 0),
		apps: []demoApp{
			{name: "Sunrise Classroom (whiteboard)", created: at(7, 20, 9, 0), weight: 1, shape: trying,
				rooms: schoolClasses, users: names("teacher-", 10)},
		},
		buys:  []demoBuy{{billing.Standard, standard}},
		pilot: 30,
		day:   (*demoGen).schoolDay,
	}

	// 4. An enterprise with stacked packages (R7): an Enterprise bought 14
	// months ago, a Standard three months later, a second Enterprise three
	// months and a half before the first expires. Steady heavy use never
	// used the first one up: what was left of it is cleared at its expiry
	// (R9). The order of expiry decides what is drawn (R7): the Standard
	// and the second Enterprise wait until the first one is gone.
	meetings := &demoShape{hours: officeHours, sat: 0.12, sun: 0.06, minSize: 3, maxSize: 12,
		minDur: 30 * time.Minute, maxDur: 120 * time.Minute, late: 0.05, monthEnd: true}
	training := &demoShape{hours: [24]float64{9: 2, 10: 3, 11: 1, 13: 1, 14: 3, 15: 2}, minSize: 10, maxSize: 40,
		minDur: 60 * time.Minute, maxDur: 120 * time.Minute}
	first := at(14, 10, 9, 0)
	huaxing := demoStory{
		n: 4, name: "Huaxing Group", email: email("huaxing"), seed: 4, created: at(14, 1, 9, 0),
		apps: []demoApp{
			{name: "Huaxing Meetings", created: at(14, 1, 10, 0), weight: 1, shape: meetings,
				rooms: names("hx-meeting-", 120), users: names("hx-", 1500)},
			{name: "Huaxing Training", created: at(11, 6, 15, 0), weight: 0.35, shape: training,
				rooms: names("hx-training-", 12), users: names("hxt-", 1500)},
		},
		buys: []demoBuy{
			{billing.Enterprise, first},
			{billing.Standard, at(11, 6, 14, 0)},
			{billing.Enterprise, at(5, 15, 10, 0)},
		},
		pilot: 60,
		paid: perMonth(first, 60_000, 63_000, 58_000, 65_000, 61_000, 64_000, 52_000, 62_000,
			66_000, 60_000, 63_000, 61_000, 64_000, 62_000, 60_000, 65_000),
	}

	// 5. A premium customer: a Premium five months ago, and large usage
	// across three applications: live streams and voice rooms in the
	// evening and late at night, consultations in working hours.
	live := &demoShape{hours: eveningHours, sat: 1.35, sun: 1.3, minSize: 2, maxSize: 6,
		minDur: 60 * time.Minute, maxDur: 240 * time.Minute, late: 0.15}
	voice := &demoShape{hours: eveningHours, sat: 1.4, sun: 1.3, minSize: 3, maxSize: 10,
		minDur: 45 * time.Minute, maxDur: 180 * time.Minute, late: 0.3, monthEnd: true}
	clinic := &demoShape{hours: clinicHours, sat: 0.3, sun: 0.1, minSize: 2, maxSize: 2,
		minDur: 10 * time.Minute, maxDur: 40 * time.Minute}
	premium := at(5, 9, 11, 0)
	xingyu := demoStory{
		n: 5, name: "Xingyu Interactive", email: email("xingyu"), seed: 5, created: at(6, 26, 16, 0),
		apps: []demoApp{
			{name: "Xingyu Live", created: at(5, 2, 10, 0), weight: 1, shape: live,
				rooms: names("live-", 200), users: names("xl-", 3000)},
			{name: "Xingyu Voice Rooms", created: at(4, 12, 15, 0), weight: 1.2, shape: voice,
				rooms: names("voice-", 150), users: names("xv-", 4000)},
			{name: "Xingyu Health", created: at(2, 3, 9, 0), weight: 0.1, shape: clinic,
				rooms: names("consult-", 80), users: names("xh-", 2000)},
		},
		buys:  []demoBuy{{billing.Premium, premium}},
		pilot: 80,
		paid:  perMonth(premium, 220_000, 300_000, 340_000, 380_000, 420_000, 450_000),
	}
	return []demoStory{pixel, qingyun, school, huaxing, xingyu}
}

// schoolClasses are the school's classes; each has a room of its name.
var schoolClasses = []string{"grade7-class1", "grade7-class2", "grade7-class3", "grade8-class1", "grade8-class2", "grade9-class1"}

// ---------------------------------------------------------- the generator

// demoCall is a call planned in a room: its participants join and leave
// around its start and end.
type demoCall struct {
	app   int
	start time.Time
	dur   time.Duration
	size  int
	room  string        // "" takes a free room of the application
	users []string      // nil takes size free users of the application
	lead  time.Duration // the host joins this early and stays half as long after
}

// demoGen turns a story's plan into sessions, day after day.
type demoGen struct {
	r        *rand.Rand
	st       *demoStory
	until    time.Time // every session ends before it
	paidFrom time.Time // the first paid purchase (zero: none)
	// trialLeft is what the trial still covers, in seconds; once it runs
	// out, no call starts before a paid package (R5: closed).
	trialLeft int64
	closed    bool
	calls     []demoCall
	roomFree  []map[string]time.Time
	userFree  []map[string]time.Time
	next      int
	out       [][]billing.Session // per application
}

// generate makes the story's sessions, per application, in the order they
// are stored.
func (st *demoStory) generate(anchor time.Time) [][]billing.Session {
	g := &demoGen{
		r:         rand.New(rand.NewPCG(st.seed, 0x72746362696c6c)),
		st:        st,
		until:     anchor,
		trialLeft: 1_000 * 60,
		out:       make([][]billing.Session, len(st.apps)),
	}
	for _, b := range st.buys {
		if g.paidFrom.IsZero() || b.at.Before(g.paidFrom) {
			g.paidFrom = b.at
		}
	}
	for range st.apps {
		g.roomFree = append(g.roomFree, map[string]time.Time{})
		g.userFree = append(g.userFree, map[string]time.Time{})
	}
	plan := st.day
	if plan == nil {
		plan = (*demoGen).usualDay
	}
	last := billing.DayStart(anchor)
	for day := billing.DayStart(st.apps[0].created); !day.After(last); day = day.AddDate(0, 0, 1) {
		g.calls = g.calls[:0]
		plan(g, day)
		slices.SortStableFunc(g.calls, func(a, b demoCall) int { return a.start.Compare(b.start) })
		for _, c := range g.calls {
			g.place(c)
		}
	}
	return g.out
}

// between is a uniform duration in [lo, hi], to the second.
func (g *demoGen) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(g.r.Int64N(int64((hi-lo)/time.Second)+1))*time.Second
}

// target is the story's average participant-minutes on day, and from when
// on that day calls may start: a purchase during the day starts the paid
// traffic at its instant.
func (g *demoGen) target(day time.Time) (float64, time.Time) {
	if g.paidFrom.IsZero() || day.Before(billing.DayStart(g.paidFrom)) {
		return g.st.pilot, day
	}
	lo := day
	if g.paidFrom.After(lo) {
		lo = g.paidFrom
	}
	return g.st.paid(day), lo
}

// usualDay shares the day's traffic among the applications that exist by
// its end, each shaped by its weekday, and adds the calls that run past
// midnight.
func (g *demoGen) usualDay(day time.Time) {
	total, lo := g.target(day)
	end := day.AddDate(0, 0, 1)
	var weights float64
	for _, a := range g.st.apps {
		if a.created.Before(end) {
			weights += a.weight
		}
	}
	for i, a := range g.st.apps {
		if !a.created.Before(end) {
			continue
		}
		from := lo
		if earliest := a.created.Add(time.Minute); earliest.After(from) {
			from = earliest
		}
		factor := a.shape.dayFactor(day)
		g.fill(day, i, total*a.weight/weights*factor, from)
		g.lateCalls(day, i, factor, from)
	}
}

// fill plans calls of application i on day until they hold about minutes
// participant-minutes: a call that would overshoot is kept with the
// chance of the part that fits, so that the days average the figure.
func (g *demoGen) fill(day time.Time, i int, minutes float64, from time.Time) {
	sh := g.st.apps[i].shape
	var acc float64
	for acc < minutes {
		size := sh.minSize + int(float64(sh.maxSize-sh.minSize+1)*g.r.Float64()*g.r.Float64())
		dur := g.between(sh.minDur, sh.maxDur)
		m := float64(size) * dur.Minutes()
		if acc+m > minutes && g.r.Float64() >= (minutes-acc)/m {
			return
		}
		acc += m
		start, ok := g.startOn(day, &sh.hours, from)
		if ok {
			g.calls = append(g.calls, demoCall{app: i, start: start, dur: dur, size: size})
		}
	}
}

// startOn draws a start on day from the hourly weights, not before from;
// false when a few draws all fall before it.
func (g *demoGen) startOn(day time.Time, hours *[24]float64, from time.Time) (time.Time, bool) {
	var sum float64
	for _, w := range hours {
		sum += w
	}
	for range 8 {
		x := g.r.Float64() * sum
		h := 0
		for h < 23 && x >= hours[h] {
			x -= hours[h]
			h++
		}
		t := day.Add(time.Duration(h)*time.Hour + g.between(0, time.Hour-time.Second))
		if !t.Before(from) {
			return t, true
		}
	}
	return time.Time{}, false
}

// lateCalls adds a call that crosses CST midnight now and then, and on the
// month's last day one that crosses into the next month (R6 splits both).
func (g *demoGen) lateCalls(day time.Time, i int, factor float64, from time.Time) {
	sh := g.st.apps[i].shape
	add := func(c demoCall) {
		if !c.start.Before(from) {
			g.calls = append(g.calls, c)
		}
	}
	if g.r.Float64() < sh.late*factor {
		add(demoCall{app: i, start: day.Add(23*time.Hour + g.between(5*time.Minute, 45*time.Minute)),
			dur: g.between(40*time.Minute, 150*time.Minute), size: 2 + g.r.IntN(3)})
	}
	if sh.monthEnd && day.AddDate(0, 0, 1).Day() == 1 {
		add(demoCall{app: i, start: day.Add(23*time.Hour + g.between(20*time.Minute, 35*time.Minute)),
			dur: g.between(60*time.Minute, 100*time.Minute), size: 3 + g.r.IntN(4)})
	}
}

// schoolDay: trying the SDK before the Standard, then lessons on school
// days, in the class's room, with its teacher and students.
func (g *demoGen) schoolDay(day time.Time) {
	if g.paidFrom.IsZero() || day.Before(billing.DayStart(g.paidFrom)) {
		g.usualDay(day)
		return
	}
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || schoolHoliday(day) {
		return
	}
	// Lessons of 40 to 45 minutes; the teacher opens the room 5 minutes
	// early, so everyone is in between 08:05 and 16:40.
	slots := []time.Duration{8*time.Hour + 10*time.Minute, 9*time.Hour + 5*time.Minute, 10 * time.Hour,
		10*time.Hour + 55*time.Minute, 14 * time.Hour, 14*time.Hour + 55*time.Minute, 15*time.Hour + 50*time.Minute}
	teaching := map[int]map[string]bool{} // slot → teachers busy in it
	for c, class := range schoolClasses {
		if g.r.Float64() >= 0.2 {
			continue
		}
		slot := g.r.IntN(len(slots))
		start := day.Add(slots[slot])
		if start.Before(g.paidFrom) {
			continue
		}
		if teaching[slot] == nil {
			teaching[slot] = map[string]bool{}
		}
		teacher := g.st.apps[0].users[g.r.IntN(len(g.st.apps[0].users))]
		for teaching[slot][teacher] {
			teacher = g.st.apps[0].users[g.r.IntN(len(g.st.apps[0].users))]
		}
		teaching[slot][teacher] = true
		users := []string{teacher}
		size := classSize(c)
		for s := range size {
			if g.r.Float64() < 0.05 && size > 20 { // a few are absent, never more than leaves 20
				size--
				continue
			}
			users = append(users, fmt.Sprintf("%s-s%02d", class, s+1))
		}
		g.calls = append(g.calls, demoCall{app: 0, start: start, dur: g.between(40*time.Minute, 45*time.Minute),
			room: class, users: users, lead: 5 * time.Minute})
	}
}

// classSize is the number of students of class c: 20 to 40.
func classSize(c int) int { return []int{38, 24, 31, 40, 27, 21}[c] }

// schoolHoliday: the summer holiday from 11 July to 31 August, the winter
// holiday from 20 January to 25 February.
func schoolHoliday(day time.Time) bool {
	_, m, d := day.Date()
	return (m == time.July && d >= 11) || m == time.August ||
		(m == time.January && d >= 20) || (m == time.February && d <= 25)
}

// place turns a call into sessions: a free room, free users, each joining
// and leaving a little apart; it drops a call that cannot happen (before
// its application, not over by the anchor, the service closed).
func (g *demoGen) place(c demoCall) {
	app := &g.st.apps[c.app]
	inTrial := g.paidFrom.IsZero() || c.start.Before(g.paidFrom)
	if inTrial && g.closed {
		return
	}
	if inTrial && c.users == nil && g.trialLeft < 200*60 {
		// The call that runs over the trial is a long group call: what it
		// runs over is refused (R7), and the account is closed after it.
		c.size, c.dur = max(c.size, 5), max(c.dur, time.Hour)
	}
	room := c.room
	if room == "" {
		first := g.r.IntN(len(app.rooms))
		for k := range app.rooms {
			if r := app.rooms[(first+k)%len(app.rooms)]; !g.roomFree[c.app][r].After(c.start.Add(-c.lead)) {
				room = r
				break
			}
		}
		if room == "" {
			return
		}
	}
	users := c.users
	if users == nil {
		for try := 0; len(users) < c.size && try < 20*c.size; try++ {
			u := app.users[g.r.IntN(len(app.users))]
			if !g.userFree[c.app][u].After(c.start) && !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	end := c.start.Add(c.dur)
	sessions := make([]billing.Session, 0, len(users))
	var seconds int64
	for k, u := range users {
		var join, leave time.Time
		if k == 0 {
			join, leave = c.start.Add(-c.lead), end.Add(c.lead/2+g.between(0, time.Minute))
		} else {
			join = c.start.Add(g.between(0, 210*time.Second) - time.Minute)
			if g.r.Float64() < 0.08 {
				join = c.start.Add(g.between(2*time.Minute, 12*time.Minute))
			}
			leave = end.Add(g.between(0, 150*time.Second) - 90*time.Second)
			if g.r.Float64() < 0.06 {
				leave = join.Add(time.Duration(float64(end.Sub(join)) * (0.3 + 0.6*g.r.Float64())))
			}
		}
		if g.userFree[c.app][u].After(join) {
			continue // in another call until then
		}
		leave = leave.Truncate(time.Second)
		if shortest := join.Add(30 * time.Second); leave.Before(shortest) {
			leave = shortest
		}
		if join.Before(app.created) || !leave.Before(g.until) {
			return
		}
		sessions = append(sessions, billing.Session{Room: room, User: u, Joined: join, Left: leave})
		seconds += int64(leave.Sub(join) / time.Second)
	}
	if len(sessions) == 0 {
		return
	}
	if inTrial {
		if g.trialLeft -= seconds; g.trialLeft <= 0 {
			g.closed = true
		}
	}
	busy := c.start
	for i := range sessions {
		g.next++
		sessions[i].ID = fmt.Sprintf("demo-%d-%06d", g.st.n, g.next)
		g.userFree[c.app][sessions[i].User] = sessions[i].Left.Add(time.Minute)
		if sessions[i].Left.After(busy) {
			busy = sessions[i].Left
		}
	}
	g.roomFree[c.app][room] = busy.Add(time.Minute)
	g.out[c.app] = append(g.out[c.app], sessions...)
}
