package flowkern_test

import (
	"flag"
	"math"
	"sync"
	"testing"

	"github.com/flowkern/flowkern"
)

var exhaustive = flag.Bool("flowkern.exhaustive", false, "run TestExhaustiveFloat32: every float32 argument of Exp and Log, for every kernel set (a few minutes)")

// TestExhaustiveFloat32 runs Exp and Log on every float32 argument with
// each kernel set and holds the results to 1 ulp of float64 math (whose
// own error is far below a float32 ulp): exp where the result is a normal
// float32, log for every positive argument. It logs the largest error.
// Run with -flowkern.exhaustive.
func TestExhaustiveFloat32(t *testing.T) {
	if !*exhaustive {
		t.Skip("run with -flowkern.exhaustive")
	}
	forEachImpl(t, func(t *testing.T) {
		for _, c := range []struct {
			name   string
			kernel func(dst, x []float32)
			ref    func(float64) float64
		}{{"Exp", flowkern.Exp[float32], math.Exp}, {"Log", flowkern.Log[float32], math.Log}} {
			worst, at := exhaustiveULP(c.kernel, c.ref)
			t.Logf("%s float32, every argument: max %.4f ulp (at %v)", c.name, worst, at)
			if !(worst <= 1) {
				t.Errorf("%s float32: %.4f ulp at %v, bound 1", c.name, worst, at)
			}
		}
	})
}

// exhaustiveULP returns the largest distance, in float32 ulps of the
// reference, between kernel and ref over all float32 arguments whose
// reference is a finite normal float32, and where it is.
func exhaustiveULP(kernel func(dst, x []float32), ref func(float64) float64) (float64, float32) {
	const chunk = 1 << 20
	var mu sync.Mutex
	worst, at := 0.0, float32(0)
	var wg sync.WaitGroup
	next := make(chan uint64)
	for range 2 {
		wg.Go(func() {
			x, y := make([]float32, chunk), make([]float32, chunk)
			w, a := 0.0, float32(0)
			for start := range next {
				for i := range x {
					x[i] = math.Float32frombits(uint32(start + uint64(i)))
				}
				kernel(y, x)
				for i, v := range x {
					want := ref(float64(v))
					if !(math.Abs(want) >= 0x1p-126 && math.Abs(want) <= math.MaxFloat32) {
						continue
					}
					ulp := float64(math.Nextafter32(float32(math.Abs(want)), float32(math.Inf(1)))) - math.Abs(float64(float32(want)))
					if d := math.Abs(float64(y[i])-want) / ulp; d > w || d != d {
						w, a = d, v
					}
				}
			}
			mu.Lock()
			if w > worst || w != w {
				worst, at = w, a
			}
			mu.Unlock()
		})
	}
	for start := uint64(0); start < 1<<32; start += chunk {
		next <- start
	}
	close(next)
	wg.Wait()
	return worst, at
}
