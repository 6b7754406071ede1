package views

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"rtcbill/billing"
)

// The overview's usage dashboard: the running month so far (its estimated
// bill), the last DashboardDays days per application, and the month's
// busiest rooms.
const (
	// DashboardDays is how many CST days the chart shows, today's last.
	DashboardDays = 30
	// DashboardApps is how many applications the chart draws in colours
	// of their own; more are drawn together as "other applications", so
	// that every colour stays told apart.
	DashboardApps = 5
	// DashboardRooms is how many of the month's busiest rooms it lists.
	DashboardRooms = 10
)

// DashboardRoom is one of the month's busiest rooms.
type DashboardRoom struct {
	RoomID   string
	URL      string
	SDKAppID string
	AppName  string // "" when the application is not known by name
	Minutes  string
	Sessions string
}

// UsageChart is the last DashboardDays days of usage, one bar a day stacked
// by application, drawn on the server as an inline SVG like the bill's
// chart. Bar heights are proportional to seconds; every figure in minutes
// is its seconds ÷ 60 rounded up, for each day and application on its own
// (the bill rounds the month, R8, so the days of a month may add up to a
// little more than the month's minutes).
type UsageChart struct {
	From, To string // the first and the last day, YYYY-MM-DD
	ViewBox  string
	// Plot is the drawing area inside the axes.
	PlotLeft, PlotRight, PlotTop, PlotBottom float64
	Gridlines                                []BillChartGridline
	Series                                   []UsageSeries
	Days                                     []UsageChartDay
	// HasUsage is false when no day has usage: no chart then.
	HasUsage bool
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

// UsageSeries is one colour of the chart: an application, or (Other) the
// applications beyond the DashboardApps busiest, together.
type UsageSeries struct {
	Class    string // s0 … s5: the CSS colour
	Other    bool
	Apps     int // how many applications Other holds
	SDKAppID string
	Name     string
	Minutes  string // over the chart's days
}

// UsageChartDay is one day: its label on the x axis, a bar when it had
// usage, and its figures per series (in the order of Series) for the
// bar's tooltip and the table.
type UsageChartDay struct {
	Date     string
	Label    string // the day of the month
	LabelX   float64
	Minutes  string
	Cells    []string
	Segments []BillChartSegment
}

// HasUsage tells whether the day has a bar.
func (d UsageChartDay) HasUsage() bool { return len(d.Segments) > 0 }

// NewUsageChart lays out the chart of the DashboardDays days that end with
// today's from the usage per day and application (days outside them are
// ignored), naming applications by names (SDKAppID when absent).
func NewUsageChart(today time.Time, usage []billing.DayAppUsage, names map[int64]string) UsageChart {
	first := billing.DayStart(today).AddDate(0, 0, -(DashboardDays - 1))
	end := first.AddDate(0, 0, DashboardDays)
	c := UsageChart{
		From: Date(first), To: Date(end.AddDate(0, 0, -1)),
		ViewBox:  fmt.Sprintf("0 0 %d %d", chartWidth, chartHeight),
		PlotLeft: plotLeft, PlotRight: plotRight, PlotTop: plotTop, PlotBottom: plotBottom,
		XAxisLabelX: (plotLeft + plotRight) / 2, XAxisLabelY: chartHeight - 4,
		YAxisLabelX: 4, YAxisLabelY: plotTop - 10,
		DayLabelY: plotBottom + 14, GridLabelX: plotLeft - 6, GridLabelShift: 3.5,
	}

	// The applications, busiest over the days first (then by SDKAppID).
	perApp := map[int64]int64{}
	var inRange []billing.DayAppUsage
	for _, u := range usage {
		if u.Day.Before(first) || !u.Day.Before(end) || u.Seconds < 0 {
			continue
		}
		inRange = append(inRange, u)
		perApp[u.App] += u.Seconds
	}
	apps := make([]int64, 0, len(perApp))
	for app := range perApp {
		apps = append(apps, app)
	}
	slices.SortFunc(apps, func(a, b int64) int { return cmp.Or(cmp.Compare(perApp[b], perApp[a]), cmp.Compare(a, b)) })
	own := len(apps)
	if own > DashboardApps+1 {
		own = DashboardApps // the rest share one colour; one left over keeps its own
	}
	seriesOf := map[int64]int{}
	var seriesSeconds []int64
	for i, app := range apps {
		if i < own {
			seriesOf[app] = i
			id := strconv.FormatInt(app, 10)
			name := names[app]
			if name == "" {
				name = id
			}
			c.Series = append(c.Series, UsageSeries{Class: "s" + strconv.Itoa(i), SDKAppID: id, Name: name})
			seriesSeconds = append(seriesSeconds, perApp[app])
			continue
		}
		if i == own {
			c.Series = append(c.Series, UsageSeries{Class: "s" + strconv.Itoa(DashboardApps), Other: true})
			seriesSeconds = append(seriesSeconds, 0)
		}
		seriesOf[app] = own
		c.Series[own].Apps++
		seriesSeconds[own] += perApp[app]
	}
	for i := range c.Series {
		c.Series[i].Minutes = Minutes(seriesSeconds[i])
	}

	// Seconds per day and series.
	grid := make([][]int64, DashboardDays)
	for i := range grid {
		grid[i] = make([]int64, len(c.Series))
	}
	for _, u := range inRange {
		i := int(u.Day.Sub(first).Hours()+12) / 24 // CST has no daylight saving; +12 h keeps it whole
		grid[i][seriesOf[u.App]] += u.Seconds
	}
	var peak, total int64
	peakDay := -1
	for i, row := range grid {
		var sum int64
		for _, s := range row {
			sum += s
		}
		total += sum
		if sum > peak {
			peak, peakDay = sum, i
		}
	}
	c.HasUsage = total > 0
	c.TotalMinutes = Minutes(total)
	if peakDay >= 0 {
		c.PeakDay, c.PeakMinutes = Date(first.AddDate(0, 0, peakDay)), Minutes(peak)
	}

	step := niceStep(float64(peak) / 60 / 4)
	top := math.Max(step, math.Ceil(float64(peak)/60/step)*step)
	height := plotBottom - plotTop
	for v := 0.0; v <= top+step/2; v += step {
		c.Gridlines = append(c.Gridlines, BillChartGridline{Y: plotBottom - v/top*height, Label: Int(int64(math.Round(v)))})
	}
	slot := (plotRight - plotLeft) / DashboardDays
	barW := slot * 0.64
	for i, row := range grid {
		day := first.AddDate(0, 0, i)
		d := UsageChartDay{Date: Date(day), Label: strconv.Itoa(day.Day()), LabelX: plotLeft + (float64(i)+0.5)*slot}
		x := plotLeft + float64(i)*slot + (slot-barW)/2
		y := plotBottom
		var sum int64
		for s, seconds := range row {
			sum += seconds
			d.Cells = append(d.Cells, Minutes(seconds))
			if seconds <= 0 {
				continue
			}
			h := float64(seconds) / 60 / top * height
			y -= h
			d.Segments = append(d.Segments, BillChartSegment{Class: c.Series[s].Class, X: x, Y: y, W: barW, H: h, Minutes: Minutes(seconds)})
		}
		d.Minutes = Minutes(sum)
		c.Days = append(c.Days, d)
	}
	return c
}

// seriesLabel is how the legend, the tooltips and the table name a
// series: an application's name with its SDKAppID (or the SDKAppID alone
// when it has no other name), or how many applications "other" holds.
func seriesLabel(ctx context.Context, s UsageSeries) string {
	switch {
	case s.Other:
		return T(ctx, "account.days.other", "Count", s.Apps)
	case s.Name == s.SDKAppID:
		return s.Name
	}
	return s.Name + " (" + s.SDKAppID + ")"
}

// barTitleName is how many characters of an application's name a bar's
// tooltip keeps (the legend and the table have it whole): a name may be
// 200 characters long, and each of the 30 bars names every application.
const barTitleName = 24

// barTitle is a day's tooltip: its minutes and each series' share.
func barTitle(ctx context.Context, c UsageChart, d UsageChartDay) string {
	var parts []string
	for i, s := range c.Series {
		if d.Cells[i] != "0" {
			if r := []rune(s.Name); len(r) > barTitleName {
				s.Name = string(r[:barTitleName-1]) + "…"
			}
			parts = append(parts, T(ctx, "account.days.bar_part", "Name", seriesLabel(ctx, s), "Minutes", d.Cells[i]))
		}
	}
	return T(ctx, "account.days.bar", "Date", d.Date, "Minutes", d.Minutes, "Parts", strings.Join(parts, T(ctx, "account.days.bar_sep")))
}
