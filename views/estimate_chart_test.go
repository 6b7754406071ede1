package views_test

import (
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"rtcbill/billing"
	"rtcbill/views"
)

// TestBreakevenChartLinesAreToldApartWithoutColour: each plan's line has a
// dash pattern and a mark of its own, drawn along it and in its legend
// key, so that lines that run together (every plan's cost approaches the
// overage line) are still told apart; a second, narrow layout is there
// for a phone.
func TestBreakevenChartLinesAreToldApartWithoutColour(t *testing.T) {
	form := views.EstimateForm{Basis: views.EstimateByMinutes, MinutesPerMonth: "100000", Months: "12", Start: "2026-11"}
	in := billing.EstimateInput{Start: estimateNov2026, Months: 12, MonthlyMinutes: decimal.RequireFromString("100000")}
	for _, l := range estimateLangs {
		t.Run(l.name, func(t *testing.T) {
			doc, _ := estimateDoc(t, l.tag, estimatePage(t, l.tag, form, in))
			for _, chart := range []string{"breakeven-chart", "breakeven-chart-narrow"} {
				c := estimateByID(doc, chart)
				if c.Length() != 1 {
					t.Fatalf("got %d %s, want 1", c.Length(), chart)
				}
				suffix := chart[len("breakeven-chart"):]
				shapes := map[string]string{}
				patterns := map[string]string{}
				estimateByID(c, "breakeven-line"+suffix).Each(func(_ int, p *goquery.Selection) {
					label := p.AttrOr("data-label", "")
					if label == "optimum" {
						return
					}
					shape := p.AttrOr("data-shape", "")
					if other, dup := shapes[shape]; shape == "" || dup {
						t.Errorf("%s: %s has the mark %q of %s", chart, label, shape, other)
					}
					shapes[shape] = label
					// The dash pattern follows the plan and the kind (app.css).
					class := p.AttrOr("class", "")
					if other, dup := patterns[class]; dup {
						t.Errorf("%s: %s and %s are drawn alike (%q)", chart, label, other, class)
					}
					patterns[class] = label
					if n := c.Find(`use[data-label="` + label + `"]`).Length(); n < 3 {
						t.Errorf("%s: %s has %d marks along it, want at least 3", chart, label, n)
					}
					if href := c.Find(`use[data-label="`+label+`"]`).AttrOr("href", ""); href != "#be-shape-"+shape {
						t.Errorf("%s: %s's marks draw %q, want #be-shape-%s", chart, label, href, shape)
					}
				})
				if len(shapes) != 5 {
					t.Errorf("%s: got %d plan lines, want 5", chart, len(shapes))
				}
			}
			// Each mark is defined once for the page, and each legend key
			// shows its line's mark.
			for _, shape := range []string{"circle", "square", "triangle", "diamond", "cross"} {
				if n := doc.Find("#be-shape-" + shape).Length(); n != 1 {
					t.Errorf("mark %s: defined %d times, want once", shape, n)
				}
			}
			estimateByID(doc, "breakeven-key").Each(func(_ int, k *goquery.Selection) {
				label := k.AttrOr("data-label", "")
				line := estimateByID(doc, "breakeven-chart").Find(`path[data-label="` + label + `"]`)
				if got, want := k.Find("use").AttrOr("href", ""), "#be-shape-"+line.AttrOr("data-shape", "?"); got != want {
					t.Errorf("legend key of %s: mark %q, want %q", label, got, want)
				}
			})
		})
	}
}
