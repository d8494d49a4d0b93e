package flowkern_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/kernels"
)

// TestSIMDAdamMatchesPortable holds every kernel set's AdamUpdate to the
// portable kernel's: the same bits in w, old, m and v (NaN for NaN) and
// the same report, over lengths 0…257 and a few longer ones, at every
// start offset modulo a vector, with gradients, moments and parameters
// drawn from ordinary ranges mixed with NaN, ±Inf, ±0, subnormals and
// values whose step overflows (float32's range included).
func TestSIMDAdamMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if flowkern.Impl() == "generic" {
			t.Skip("the portable set is the reference")
		}
		t.Run("f64", matchAdam[float64])
		t.Run("f32", matchAdam[float32])
	})
}

func matchAdam[T flowkern.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	steps := []flowkern.AdamStep{
		flowkern.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0, 1, 1),
		flowkern.NewAdamStep(3e-2, 0.8, 0.99, 1e-6, 0.1, 0.37, 7),
		flowkern.NewAdamStep(1e30, 0.9, 0.999, 1e-8, 0, 1, 2), // steps that overflow
	}
	lengths := []int{1000, 4099}
	for n := 0; n <= 257; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for off := range 4 {
			for si, a := range steps {
				special := n%3 == 0
				w, g, m, v := adamArgs[T](rng, n+off, special)
				w, g, m, v = w[off:], g[off:], m[off:], v[off:]
				wantW, wantOld := append([]T(nil), w...), make([]T, n)
				wantM, wantV := append([]float64(nil), m...), append([]float64(nil), v...)
				wantOK := kernels.AdamUpdate(wantW, g, wantOld, wantM, wantV, a)
				old := make([]T, n)
				ok := flowkern.AdamUpdate(w, g, old, m, v, a)
				where := fmt.Sprintf("n=%d offset=%d step %d", n, off, si)
				if ok != wantOK {
					t.Fatalf("%s: reports %v, portable %v", where, ok, wantOK)
				}
				sameBits(t, where+" w", w, wantW)
				sameBits(t, where+" old", old, wantOld)
				sameBits(t, where+" m", m, wantM)
				sameBits(t, where+" v", v, wantV)
			}
		}
	}
}

// adamArgs returns parameters, gradients and moments of n elements: drawn
// from ordinary ranges, and with special a quarter of them replaced by
// special values.
func adamArgs[T flowkern.Float](rng *rand.Rand, n int, special bool) (w, g []T, m, v []float64) {
	w, g, m, v = make([]T, n), make([]T, n), make([]float64, n), make([]float64, n)
	for i := range n {
		w[i] = T(rng.NormFloat64())
		g[i] = T(rng.NormFloat64() * math.Exp(4*rng.NormFloat64()))
		m[i] = 0.1 * rng.NormFloat64()
		v[i] = 0.01 * math.Abs(rng.NormFloat64())
	}
	if !special {
		return w, g, m, v
	}
	maxT := math.MaxFloat64
	if _, is32 := any(w).([]float32); is32 {
		maxT = math.MaxFloat32
	}
	values := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 5e-324, 1e-40, maxT, -maxT, 1e300}
	for range n / 4 {
		i, x := rng.IntN(n), values[rng.IntN(len(values))]
		switch rng.IntN(4) {
		case 0:
			w[i] = T(x)
		case 1:
			g[i] = T(x)
		case 2:
			m[i] = x
		default:
			v[i] = math.Abs(x)
		}
	}
	return w, g, m, v
}

// sameBits fails unless got and want hold the same bits, or both NaN,
// element by element.
func sameBits[T flowkern.Float](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		if math.Float64bits(g) != math.Float64bits(w) {
			t.Fatalf("%s[%d] = %v, portable %v", what, i, got[i], want[i])
		}
	}
}
