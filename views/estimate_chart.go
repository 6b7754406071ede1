package views

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
	"golang.org/x/text/language"

	"rtcbill/billing"
)

// beLayout is the break-even chart's drawing area, in the SVG's own units
// (viewBox): wide for a laptop's screen, narrow for a phone's, where the
// same text and lines, scaled less, stay readable.
type beLayout struct {
	width, height                            int
	plotLeft, plotRight, plotTop, plotBottom float64
	xTicks                                   int // at most, on the x axis
}

var (
	beWide   = beLayout{720, 340, 60, 704, 30, 292, 6}
	beNarrow = beLayout{400, 340, 46, 384, 36, 290, 3}
)

const (
	// beSamples is how many intervals the x axis is cut into.
	beSamples = 40
	// beMinXMax is the least the x axis shows. 1,000,000 minutes a month
	// reaches past the first break-even (one Premium beats a Starter and
	// overage near 240,000 over 12 months) and a few Premium steps, at a
	// scale where lines a few thousand CNY apart still show apart.
	beMinXMax = 1_000_000
	// beMaxPoints caps the break-even points searched for and listed.
	beMaxPoints = 12
)

// beLines are the simple alternatives the chart draws beside the optimum:
// one package of each plan per period, and enough Premiums to cover it.
var beLines = []string{"one:starter", "one:standard", "one:enterprise", "one:premium", "cover:premium"}

// BreakevenChart is cost over the horizon against monthly minutes, drawn
// on the server as an inline SVG (no script): a line per simple plan, the
// optimum, the prospect's usage and the points where the cheapest plan
// changes.
type BreakevenChart struct {
	ViewBox                                  string
	PlotLeft, PlotRight, PlotTop, PlotBottom float64
	XTicks, YTicks                           []BreakevenTick
	Lines                                    []BreakevenLine // the simple plans
	Optimum                                  BreakevenLine
	Marker                                   BreakevenMarker
	// Points are where the cheapest purchase plan changes, from 0 up; at
	// most beMaxPoints changes, PointsCapped when there are more.
	Points       []BreakevenPoint
	PointsCapped bool
	MaxPoints    int
	// Where the axis titles go; XMax is the x axis's end in minutes.
	XTitleX, XTitleY, YTitleX, YTitleY float64
	XMax                               string
	Months                             int
	// Narrow is the same chart laid out for a phone's screen.
	Narrow *BreakevenChart
}

// BreakevenTick is one labelled tick of an axis.
type BreakevenTick struct {
	Pos   float64 // x for the x axis, y for the y axis
	Label string
}

// BreakevenLine is one plotted line.
type BreakevenLine struct {
	Label    string // "one:starter", …, or "optimum"
	Class    string // CSS classes that colour it
	NameID   string // its legend text's message id, with Plan
	PlanName string
	Path     string // the SVG path data
	// MeetsFeatures is false for a plan that lacks a ticked feature.
	MeetsFeatures bool
	// Shape names the mark ("circle", "square", "triangle", "diamond",
	// "cross") drawn along the line at Marks, a few points apart from the
	// other lines' marks: with its dash pattern it tells the line from the
	// others where their colours cannot (lines that run together, a
	// reader who does not see colours, paper).
	Shape string
	Marks []BreakevenMark
	// MarkClass colours the marks.
	MarkClass string
}

// BreakevenMark is where a line's mark is drawn.
type BreakevenMark struct{ X, Y float64 }

// beShapes are the lines' marks, in the order of beLines.
var beShapes = []string{"circle", "square", "triangle", "diamond", "cross"}

// beMarkEvery is how many samples apart a line's marks are; each line
// starts one sample after the previous one, so that lines that run
// together still show each mark.
const beMarkEvery = 8

// BreakevenMarker is the prospect's usage on the optimum line.
type BreakevenMarker struct {
	X, Y          float64
	LabelX        float64
	Anchor        string // text-anchor of the label: start or end
	Minutes, Cost string
}

// BreakevenPoint is where the cheapest plan changes: from Minutes a month,
// Packages is cheapest.
type BreakevenPoint struct {
	X, Y     float64
	Minutes  string
	Packages string
	Cost     string
	First    bool // the plan from zero minutes, not a change
}

type beSample struct {
	x    decimal.Decimal
	opt  billing.Estimate
	alts map[string]billing.Estimate
	err  error
}

func beEstimate(in billing.EstimateInput, x decimal.Decimal) beSample {
	in.MonthlyMinutes = x
	opt, alts, err := billing.Optimize(in)
	s := beSample{x: x, opt: opt, err: err, alts: map[string]billing.Estimate{}}
	for _, a := range alts {
		s.alts[a.Label] = a
	}
	return s
}

// alt finds an alternative by label. Optimize drops an alternative that
// buys the same as another (cover:premium is one:premium while one Premium
// covers a period), so the same plan under the other kind stands in.
func (s beSample) alt(label string) (billing.Estimate, bool) {
	if a, ok := s.alts[label]; ok {
		return a, true
	}
	kind, plan, _ := strings.Cut(label, ":")
	other := "one"
	if kind == "one" {
		other = "cover"
	}
	a, ok := s.alts[other+":"+plan]
	return a, ok
}

// planKey names a purchase plan: what each period buys.
func planKey(e billing.Estimate) string {
	var b strings.Builder
	for _, bl := range e.Blocks {
		for _, p := range bl.Packages {
			fmt.Fprintf(&b, "%s×%d,", p.Plan, p.Count)
		}
		b.WriteByte(';')
	}
	return b.String()
}

// parallel runs f(i) for i < n on a few goroutines.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}

// NewBreakevenChart lays out the chart for the prospect's input in and
// its optimum opt: x runs from 0 to max(2 × the input, 1,000,000) minutes
// in the first month (growth, horizon, trial and features as asked), y is
// the total cost over the horizon. ok is false when the chart cannot be
// drawn.
func NewBreakevenChart(lang language.Tag, in billing.EstimateInput, opt billing.Estimate) (BreakevenChart, bool) {
	input := in.MonthlyMinutes
	rough := math.Max(2*input.InexactFloat64(), beMinXMax)
	step := niceStep(rough / 5)
	xmax := int64(math.Ceil(rough/step) * step)
	if s := beEstimate(in, decimal.NewFromInt(xmax)); s.err != nil {
		// Twice the input is more than the estimator takes: stop at the input.
		xmax = input.Ceil().IntPart()
		step = niceStep(float64(xmax) / 5)
	}
	if xmax <= 0 {
		return BreakevenChart{}, false
	}

	// Evenly spaced samples, and the input itself so that the optimum's line
	// passes through the marker.
	xs := make([]decimal.Decimal, 0, beSamples+2)
	for i := 0; i <= beSamples; i++ {
		xs = append(xs, decimal.NewFromInt(xmax*int64(i)/beSamples))
	}
	if i, found := slices.BinarySearchFunc(xs, input, decimal.Decimal.Cmp); !found {
		xs = slices.Insert(xs, i, input)
	}
	samples := make([]beSample, len(xs))
	parallel(len(xs), func(i int) { samples[i] = beEstimate(in, xs[i]) })
	for _, s := range samples {
		if s.err != nil {
			return BreakevenChart{}, false
		}
	}

	// The y axis reaches the dearest plotted line.
	top := 0.0
	for _, s := range samples {
		top = math.Max(top, s.opt.Total.InexactFloat64())
		for _, l := range beLines {
			if a, ok := s.alt(l); ok {
				top = math.Max(top, a.Total.InexactFloat64())
			}
		}
	}
	ystep := niceStep(top / 5)
	top = math.Max(ystep, math.Ceil(top/ystep)*ystep)
	found, capped := breakevenPoints(in, samples)
	lay := func(l beLayout) BreakevenChart {
		return layBreakeven(lang, l, in, opt, samples, found, capped, float64(xmax), step, top, ystep)
	}
	c := lay(beWide)
	narrow := lay(beNarrow)
	c.Narrow = &narrow
	return c, true
}

// layBreakeven draws the chart's samples and break-even points in layout
// l: x from 0 to xmax minutes with a tick every step (or a multiple of it
// when l has room for fewer), y from 0 to top CNY every ystep.
func layBreakeven(lang language.Tag, l beLayout, in billing.EstimateInput, opt billing.Estimate, samples, found []beSample,
	capped bool, xmax, step, top, ystep float64) BreakevenChart {
	c := BreakevenChart{
		ViewBox:  fmt.Sprintf("0 0 %d %d", l.width, l.height),
		PlotLeft: l.plotLeft, PlotRight: l.plotRight, PlotTop: l.plotTop, PlotBottom: l.plotBottom,
		XTitleX: (l.plotLeft + l.plotRight) / 2, XTitleY: float64(l.height) - 6,
		YTitleX: 4, YTitleY: l.plotTop - 14,
		XMax: Int(int64(xmax)), Months: in.Months, MaxPoints: beMaxPoints, PointsCapped: capped,
	}
	px := func(x float64) float64 { return l.plotLeft + x/xmax*(l.plotRight-l.plotLeft) }
	py := func(y float64) float64 { return l.plotBottom - y/top*(l.plotBottom-l.plotTop) }
	for math.Round(xmax/step) > float64(l.xTicks) {
		step *= 2
	}
	for v := 0.0; v <= xmax+step/2; v += step {
		c.XTicks = append(c.XTicks, BreakevenTick{px(v), compact(lang, v)})
	}
	for v := 0.0; v <= top+ystep/2; v += ystep {
		c.YTicks = append(c.YTicks, BreakevenTick{py(v), compact(lang, v)})
	}

	path := func(cost func(beSample) (decimal.Decimal, bool)) string {
		var b strings.Builder
		for _, s := range samples {
			y, ok := cost(s)
			if !ok {
				continue
			}
			if b.Len() == 0 {
				b.WriteString("M")
			} else {
				b.WriteString(" L")
			}
			b.WriteString(svgNum(px(s.x.InexactFloat64())) + " " + svgNum(py(y.InexactFloat64())))
		}
		return b.String()
	}
	for i, label := range beLines {
		kind, plan, _ := strings.Cut(label, ":")
		line := BreakevenLine{
			Label: label, Class: "be-line be-" + plan + " be-" + kind, NameID: "estimate.alt." + kind,
			PlanName: PlanNameByCode(lang, billing.PlanCode(plan)), MeetsFeatures: true,
			Shape: beShapes[i], MarkClass: "be-mark be-" + plan,
		}
		for j := beMarkEvery/2 + i; j < len(samples); j += beMarkEvery {
			if a, ok := samples[j].alt(label); ok {
				line.Marks = append(line.Marks, BreakevenMark{px(samples[j].x.InexactFloat64()), py(a.Total.InexactFloat64())})
			}
		}
		line.Path = path(func(s beSample) (decimal.Decimal, bool) {
			a, ok := s.alt(label)
			if ok && !a.MeetsFeatures {
				line.MeetsFeatures = false
			}
			return a.Total, ok
		})
		if !line.MeetsFeatures {
			line.Class += " be-lacks"
			line.MarkClass += " be-lacks"
		}
		c.Lines = append(c.Lines, line)
	}
	c.Optimum = BreakevenLine{Label: "optimum", Class: "be-line be-optimum", NameID: "estimate.chart.optimum", MeetsFeatures: true,
		Path: path(func(s beSample) (decimal.Decimal, bool) { return s.opt.Total, true })}

	input := in.MonthlyMinutes
	c.Marker = BreakevenMarker{
		X: px(input.InexactFloat64()), Y: py(opt.Total.InexactFloat64()),
		Minutes: Int(input.Ceil().IntPart()), Cost: Money(opt.Total), Anchor: "start",
	}
	c.Marker.LabelX = c.Marker.X + 6
	if c.Marker.X > (l.plotLeft+l.plotRight)/2 {
		c.Marker.Anchor, c.Marker.LabelX = "end", c.Marker.X-6
	}

	point := func(s beSample, first bool) BreakevenPoint {
		return BreakevenPoint{
			X: px(s.x.InexactFloat64()), Y: py(s.opt.Total.InexactFloat64()), Minutes: Int(s.x.Ceil().IntPart()),
			Packages: plansText(lang, s.opt.Blocks), Cost: Money(s.opt.Total), First: first,
		}
	}
	c.Points = []BreakevenPoint{point(samples[0], true)}
	for _, s := range found {
		c.Points = append(c.Points, point(s, false))
	}
	return c
}

// breakevenPoints finds where the cheapest plan changes: between two
// samples whose optimum differs, a bisection over whole minutes finds the
// least monthly usage at which the plan of the upper sample is cheapest.
// capped tells that the cheapest plan changes more often than is listed.
func breakevenPoints(in billing.EstimateInput, samples []beSample) (points []beSample, capped bool) {
	type gap struct{ lo, hi beSample }
	var gaps []gap
	for i := 1; i < len(samples); i++ {
		if planKey(samples[i].opt) != planKey(samples[i-1].opt) {
			gaps = append(gaps, gap{samples[i-1], samples[i]})
		}
	}
	capped = len(gaps) > beMaxPoints
	if capped {
		gaps = gaps[:beMaxPoints]
	}
	found := make([]beSample, len(gaps))
	parallel(len(gaps), func(i int) {
		lo, hi := gaps[i].lo, gaps[i].hi
		loKey := planKey(lo.opt)
		a, b := lo.x.Floor().IntPart(), hi.x.Ceil().IntPart()
		for b-a > 1 {
			mid := beEstimate(in, decimal.NewFromInt(a+(b-a)/2))
			if mid.err == nil && planKey(mid.opt) == loKey {
				a = mid.x.IntPart()
			} else {
				b, hi = mid.x.IntPart(), mid
			}
		}
		found[i] = hi
	})
	for _, s := range found {
		if s.err == nil {
			points = append(points, s)
		}
	}
	return points, capped
}

// compact prints an axis label short: 400万 or 4M, 2.5万 or 25k.
func compact(lang language.Tag, v float64) string {
	short := func(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) }
	if lang == language.English {
		switch {
		case v >= 1e6:
			return short(v/1e6) + "M"
		case v >= 1e3:
			return short(v/1e3) + "k"
		}
		return short(v)
	}
	switch {
	case v >= 1e8:
		return short(v/1e8) + "亿"
	case v >= 1e4:
		return short(v/1e4) + "万"
	}
	return short(v)
}
