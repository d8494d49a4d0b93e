//go:build amd64 && gc && !purego && !noasm

package flowkern_test

import (
	"math"
	"slices"
	"testing"

	"github.com/flowkern/flowkern"
)

// TestSIMDSetsAvailable fails when this CPU has the features of a SIMD
// kernel set but the set is not available, so that the conformance tests
// could not have exercised it: on an AVX-512 machine both avx2 and avx512
// must run.
func TestSIMDSetsAvailable(t *testing.T) {
	features := flowkern.Diagnose().Features
	has := func(fs ...string) bool {
		for _, f := range fs {
			if !slices.Contains(features, f) {
				return false
			}
		}
		return true
	}
	available := map[string]bool{}
	for _, info := range flowkern.Diagnose().Sets {
		available[info.Name] = info.Available
	}
	if has("AVX2", "FMA3") && !available["avx2"] {
		t.Error("the CPU has AVX2 and FMA but the avx2 kernel set is not available")
	}
	if has("AVX512F", "AVX512VL", "AVX512DQ", "AVX512BW") && !available["avx512"] {
		t.Error("the CPU has AVX-512 F/VL/DQ/BW but the avx512 kernel set is not available")
	}
	t.Logf("features %v; available sets %v", features, available)
}

// TestExpOverflowInBodyAndTail puts one argument beyond the overflow
// threshold at every position of slices of every length up to three
// vectors, among arguments just below it: exactly that element is +Inf,
// whether it falls in a full vector or in the masked tail. The same for
// AffineForward's exp(s) without clamp.
func TestExpOverflowInBodyAndTail(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", overflowAt[float64](709.782712893384, 709.7827128933841))
		t.Run("f32", overflowAt[float32](88.72283, math.Nextafter32(88.72283, 100)))
	})
}

func overflowAt[T float32 | float64](below, beyond T) func(t *testing.T) {
	return func(t *testing.T) {
		for n := 1; n <= 48; n++ {
			for pos := range n {
				x := make([]T, n)
				for i := range x {
					x[i] = below
				}
				x[pos] = beyond
				y := make([]T, n)
				flowkern.Exp(y, x)
				ones, zeros, ld := make([]T, n), make([]T, n), make([]T, 1)
				for i := range ones {
					ones[i] = 1
				}
				out := make([]T, n)
				flowkern.AffineForward(out, ld, ones, x, zeros, n, 0)
				for i := range y {
					if got := math.IsInf(float64(y[i]), 1); got != (i == pos) {
						t.Fatalf("n=%d: Exp(%v) at index %d = %v", n, x[i], i, y[i])
					}
					if got := math.IsInf(float64(out[i]), 1); got != (i == pos) {
						t.Fatalf("n=%d: AffineForward with s=%v at index %d = %v", n, x[i], i, out[i])
					}
				}
			}
		}
	}
}
