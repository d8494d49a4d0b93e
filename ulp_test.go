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
// against 160-bit references: every point in float32, and in float64 a
// subset (more with -flowkern.ulptrue) plus every point where the kernel
// and the math package are further apart than the spec expects. The
// documented bound on the true error is asserted. Run with -v for the
// table.
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
				if r.MaxTrue > s.Bound {
					t.Errorf("%s %s: %.3f ulp from the true value at %g, the documented bound is %g", r.Func, r.Type, r.MaxTrue, r.WorstTrue, s.Bound)
				}
			}
		}
	})
}
