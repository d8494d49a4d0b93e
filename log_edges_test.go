package flowkern_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
)

// TestLogReductionEdges measures Log's true error (160-bit reference)
// where it is largest: m near the top and the bottom of log's reduction
// range [3/4, 3/2), where f = m − 1 is largest and f²/2 rounds coarsest,
// and where 2^k·m lies just below 3/4, the result log(m) − ln2 then. The
// TestULP sample spreads its float64 true-error points over the whole
// domain and rarely lands here. Every kernel set, float64; float32 is
// covered by TestExhaustiveFloat32.
func TestLogReductionEdges(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		worst, at := 0.0, 0.0
		for _, r := range [][2]float64{{1.49, 1.5}, {0.735, 0.75}, {2.98, 3}, {0x1.7fp-600, 0x1.8p-600}} {
			xs, ys := make([]float64, n), make([]float64, n)
			for i := range xs {
				xs[i] = r[0] + (r[1]-r[0])*rng.Float64()
			}
			flowkern.Log(ys, xs)
			for i, x := range xs {
				ref := kerneltest.LogSpec.Big(x)
				d, _ := new(big.Float).Sub(new(big.Float).SetPrec(200).SetFloat64(ys[i]), ref).Float64()
				w, _ := ref.Float64()
				ulp := math.Nextafter(math.Abs(w), math.Inf(1)) - math.Abs(w)
				if e := math.Abs(d) / ulp; e > worst {
					worst, at = e, x
				}
			}
		}
		t.Logf("Log float64 near the reduction's edges: max %.4f ulp (at %v)", worst, at)
		if worst > 1 {
			t.Errorf("Log(%v): %.4f ulp from the true value, bound 1", at, worst)
		}
	})
}
