package views

import (
	"fmt"
	"math"
	"strconv"

	"rtcbill/billing"
)

// The bill chart's drawing area, in the SVG's own units (viewBox). It
// scales to the page width with CSS; the numbers only fix proportions.
const (
	chartWidth  = 720
	chartHeight = 250
	plotLeft    = 56.0
	plotRight   = 712.0
	plotTop     = 24.0
	plotBottom  = 212.0
)

// BillChart is the minutes-per-day chart of a bill: one stacked bar per day
// of the month, drawn on the server as an inline SVG (no script).
type BillChart struct {
	Month   string
	ViewBox string
	// Plot is the drawing area inside the axes.
	PlotLeft, PlotRight, PlotTop, PlotBottom float64
	Gridlines                                []BillChartGridline
	Days                                     []BillChartDay
	// HasRefused tells whether any day has refused minutes: the legend shows
	// the refused colour only then.
	HasRefused bool
	// Total and the busiest day, for the chart's text alternative.
	TotalMinutes   string
	PeakDay        string
	PeakMinutes    string
	XAxisLabelX    float64
	XAxisLabelY    float64
	YAxisLabelX    float64
	YAxisLabelY    float64
	DayLabelY      float64
	GridLabelX     float64
	GridLabelShift float64
}

// BillChartGridline is one horizontal line of the y axis and its label in
// minutes.
type BillChartGridline struct {
	Y     float64
	Label string
}

// BillChartDay is one day of the month: its number on the x axis and, when
// it had usage, a bar.
type BillChartDay struct {
	Day    int
	Label  string // the day number on the x axis
	Date   string
	LabelX float64
	// Segments are bottom up: covered, overage, refused; empty without usage.
	Segments []BillChartSegment
	// The day's minutes by kind, rounded up (R8) for the bar's tooltip.
	Covered string
	Overage string
	Refused string
}

// BillChartSegment is one coloured part of a stacked bar; Class is covered,
// overage or refused (the CSS colours).
type BillChartSegment struct {
	Class   string
	X, Y    float64
	W, H    float64
	Minutes string
}

// HasUsage tells whether the day has a bar.
func (d BillChartDay) HasUsage() bool { return len(d.Segments) > 0 }

// NewBillChart lays out the chart of month from the bill's daily ratings.
// Bar heights are proportional to seconds; the labels are in minutes.
func NewBillChart(m billing.Month, days []billing.DayRating) BillChart {
	n := m.End().AddDate(0, 0, -1).In(billing.CST).Day()
	c := BillChart{
		Month: m.String(), ViewBox: fmt.Sprintf("0 0 %d %d", chartWidth, chartHeight),
		PlotLeft: plotLeft, PlotRight: plotRight, PlotTop: plotTop, PlotBottom: plotBottom,
		XAxisLabelX: (plotLeft + plotRight) / 2, XAxisLabelY: chartHeight - 4,
		YAxisLabelX: 4, YAxisLabelY: plotTop - 10,
		DayLabelY: plotBottom + 14, GridLabelX: plotLeft - 6, GridLabelShift: 3.5,
	}
	byDay := make(map[int]billing.DayRating, len(days))
	var peak, total int64
	peakDay := 0
	for _, d := range days {
		day := d.Day.In(billing.CST).Day()
		byDay[day] = d
		sum := d.CoveredSeconds + d.OverageSeconds + d.RefusedSeconds
		total += sum
		if sum > peak {
			peak, peakDay = sum, day
		}
		if d.RefusedSeconds > 0 {
			c.HasRefused = true
		}
	}
	c.TotalMinutes = Minutes(total)
	if peakDay > 0 {
		c.PeakDay = Date(byDay[peakDay].Day)
		c.PeakMinutes = Minutes(peak)
	}

	step := niceStep(float64(peak) / 60 / 4)
	top := math.Max(step, math.Ceil(float64(peak)/60/step)*step)
	height := plotBottom - plotTop
	for v := 0.0; v <= top+step/2; v += step {
		c.Gridlines = append(c.Gridlines, BillChartGridline{
			Y: plotBottom - v/top*height, Label: Int(int64(math.Round(v))),
		})
	}

	slot := (plotRight - plotLeft) / float64(n)
	barW := slot * 0.64
	for i := range n {
		day := i + 1
		cd := BillChartDay{
			Day: day, Label: strconv.Itoa(day), Date: Date(m.Start().AddDate(0, 0, i)),
			LabelX: plotLeft + (float64(i)+0.5)*slot,
		}
		if d, ok := byDay[day]; ok {
			cd.Covered, cd.Overage, cd.Refused = Minutes(d.CoveredSeconds), Minutes(d.OverageSeconds), Minutes(d.RefusedSeconds)
			x := plotLeft + float64(i)*slot + (slot-barW)/2
			y := plotBottom
			for _, part := range []struct {
				class   string
				seconds int64
			}{{"covered", d.CoveredSeconds}, {"overage", d.OverageSeconds}, {"refused", d.RefusedSeconds}} {
				if part.seconds <= 0 {
					continue
				}
				h := float64(part.seconds) / 60 / top * height
				y -= h
				cd.Segments = append(cd.Segments, BillChartSegment{
					Class: part.class, X: x, Y: y, W: barW, H: h, Minutes: Minutes(part.seconds),
				})
			}
		}
		c.Days = append(c.Days, cd)
	}
	return c
}

// niceStep is a gridline spacing of 1, 2 or 5 times a power of ten, at
// least rough and at least one minute.
func niceStep(rough float64) float64 {
	if rough <= 1 {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(rough)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*pow >= rough {
			return f * pow
		}
	}
	return 10 * pow
}

// svgNum prints a coordinate for an SVG attribute: one decimal is plenty.
func svgNum(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
