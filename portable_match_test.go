package flowkern_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
	"github.com/flowkern/flowkern/kernels"
)

// TestSIMDMatchesPortable holds every SIMD kernel set to the portable
// kernels' results: the same bits in float64, where the operations are
// the same; within 1 ulp in float32, where the portable kernels emulate a
// float32 FMA through float64 (double rounding, about one case in 2²⁹).
func TestSIMDMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if flowkern.Impl() == "generic" {
			t.Skip("the portable set is the reference")
		}
		for _, s := range []kerneltest.UnarySpec{kerneltest.ExpSpec, kerneltest.LogSpec, kerneltest.TanhSpec} {
			f64, f32 := unaryFuncs(s.Name)
			p64, p32 := portableUnary(s.Name)
			t.Run(s.Name, func(t *testing.T) {
				matchUnary(t, s, f64, p64, 0)
				matchUnary(t, s, f32, p32, 1)
			})
		}
	})
}

func portableUnary(name string) (func(dst, x []float64), func(dst, x []float32)) {
	switch name {
	case "Exp":
		return kernels.Exp[float64], kernels.Exp[float32]
	case "Log":
		return kernels.Log[float64], kernels.Log[float32]
	}
	return kernels.Tanh[float64], kernels.Tanh[float32]
}

func matchUnary[T flowkern.Float](t *testing.T, s kerneltest.UnarySpec, f, ref func(dst, x []T), maxULP uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 22))
	n := 1 << 20
	if testing.Short() {
		n = 1 << 17
	}
	x := kerneltest.ULPArgs[T](s, rng, n)
	got, want := make([]T, n), make([]T, n)
	f(got, x)
	ref(want, x)
	differ := 0
	for i := range x {
		d := kerneltest.ULPDist(got[i], want[i])
		if d > maxULP {
			t.Fatalf("%s(%v) = %v, portable %v: %d ulp apart, allowed %d", s.Name, x[i], got[i], want[i], d, maxULP)
		}
		if d > 0 {
			differ++
		}
	}
	if differ > 0 {
		t.Logf("%s: %d of %d results differ from the portable kernel by 1 ulp", s.Name, differ, n)
	}
}
