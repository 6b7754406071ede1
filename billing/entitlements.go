package billing

import "time"

// Feature names an entitlement (R12).
type Feature string

// The entitlements of R12.
const (
	FeatureDemoSource       Feature = "demo_source"
	FeatureGroupSupport     Feature = "group_support"
	FeatureWhiteboardSDK    Feature = "whiteboard_sdk"
	FeatureDedicatedSupport Feature = "dedicated_support"
)

// AllFeatures lists the entitlements in the pricing table's order.
var AllFeatures = []Feature{FeatureDemoSource, FeatureGroupSupport, FeatureWhiteboardSDK, FeatureDedicatedSupport}

// Has reports whether the feature set includes f.
func (f Features) Has(x Feature) bool {
	switch x {
	case FeatureDemoSource:
		return f.DemoSource
	case FeatureGroupSupport:
		return f.GroupSupport
	case FeatureWhiteboardSDK:
		return f.WhiteboardSDK
	case FeatureDedicatedSupport:
		return f.DedicatedSupport
	}
	return false
}

// Entitlement is a feature the account holds at an instant and the last
// day it holds it, given the packages it has now.
type Entitlement struct {
	Feature   Feature
	Until     time.Time // exclusive end: 00:00 CST after the last day
	ExpiresOn time.Time // the last day it holds
	PackageID int64     // the package that carries it longest
}

// Entitlements implements R12: a feature holds while a package that
// includes it is valid, whether or not its minutes are used up. For each
// feature held at t, it gives the latest end among the packages bought by t
// and valid at t.
func Entitlements(t time.Time, pkgs []Package) []Entitlement {
	var out []Entitlement
	for _, f := range AllFeatures {
		var best *Entitlement
		for _, p := range pkgs {
			plan, ok := LookupPlan(string(p.Plan))
			v := p.Validity()
			if !ok || !plan.Features.Has(f) || t.Before(p.PurchasedAt) || !v.Contains(t) {
				continue
			}
			if best == nil || v.Until.After(best.Until) {
				best = &Entitlement{f, v.Until, v.ExpiresOn(), p.ID}
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	return out
}
