package flowkern_test

import (
	"flag"
	"sync"
	"testing"

	"github.com/flowkern/flowkern/internal/kerneltest"
)

var (
	ulpPoints     = flag.Int("flowkern.ulppoints", 10_000_000, "arguments per function and type in TestULP")
	ulpTruePoints = flag.Int("flowkern.ulptrue", 20_000, "float64 arguments per function checked against the 160-bit reference in TestULP")
)

// TestULP measures exp, log and tanh of every available kernel set over
// 10⁷ arguments per function and type (10⁶ with -short) spread over the
// whole domain plus every special value, against the math package, and
// against 160-bit references (every point in float32, a subset in float64;
// more with -flowkern.ulptrue). Run with -v to see the table.
func TestULP(t *testing.T) {
	points, truePoints := *ulpPoints, *ulpTruePoints
	if testing.Short() {
		points, truePoints = min(points, 1_000_000), min(truePoints, 2_000)
	}
	forEachImpl(t, func(t *testing.T) {
		specs := []kerneltest.UnarySpec{kerneltest.ExpSpec, kerneltest.LogSpec, kerneltest.TanhSpec}
		reports := make([]kerneltest.ULPReport, 2*len(specs))
		var wg sync.WaitGroup // the measurements are independent: use every core
		for i, s := range specs {
			f64, f32 := unaryFuncs(s.Name)
			wg.Go(func() { reports[2*i] = kerneltest.MeasureULP(s, f64, points, truePoints, 1) })
			wg.Go(func() { reports[2*i+1] = kerneltest.MeasureULP(s, f32, points, 0, 2) })
		}
		wg.Wait()
		for i, s := range specs {
			for _, r := range reports[2*i : 2*i+2] {
				t.Log(r)
				is32 := r.Type == "float32"
				if r.MaxDist > s.MaxDist(is32) {
					t.Errorf("%s %s: %d ulp from the math package at %g, allowed %d", r.Func, r.Type, r.MaxDist, r.WorstDist, s.MaxDist(is32))
				}
				if r.MaxTrue > s.Bound {
					t.Errorf("%s %s: %.3f ulp from the true value at %g, the documented bound is %g", r.Func, r.Type, r.MaxTrue, r.WorstTrue, s.Bound)
				}
			}
		}
	})
}
