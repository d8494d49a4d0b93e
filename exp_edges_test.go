package flowkern_test

import (
	"math"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
)

// TestExpOverflowUnderflowEdges checks exp where it leaves the finite
// range, which no threshold decides (the argument is clamped and the final
// scaling overflows or underflows by itself): every float64 in runs of
// 4000 consecutive ones around log(MaxFloat64) and log(2^-1075), every
// float32 from 88 to 89.5 and from −105 to −103, and arguments out to ±Inf.
// Exp must be +Inf exactly where the correctly rounded exp is, and within
// 1 ulp of it elsewhere, which at the bottom allows 0 for the smallest
// subnormal and no more; where exp is below a quarter of the smallest
// subnormal, Exp must be 0. (The reference is math/big for float64: amd64's
// math.Exp overflows from 709.78271289224, where exp is still 1e-9 below
// MaxFloat64.)
func TestExpOverflowUnderflowEdges(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) {
			var x []float64
			for _, c := range []float64{709.782712893384, -745.1332191019411} {
				lo := c
				for range 2000 {
					lo = math.Nextafter(lo, math.Inf(-1))
				}
				for v, i := lo, 0; i < 4000; v, i = math.Nextafter(v, math.Inf(1)), i+1 {
					x = append(x, v)
				}
			}
			for v := 700.0; v < 800; v += 0.0625 {
				x = append(x, v, -v-40)
			}
			x = append(x, math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, 1e300, -1e300)
			expEdges(t, x, kerneltest.BigExp, -1076*math.Ln2)
		})
		t.Run("f32", func(t *testing.T) {
			var x []float32
			for _, r := range [][2]float32{{88, 89.5}, {-105, -103}} {
				for v := r[0]; v <= r[1]; v = math.Nextafter32(v, 1000) {
					x = append(x, v)
				}
			}
			x = append(x, float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, 1e30, -1e30)
			expEdges(t, x, math.Exp, -151*math.Ln2)
		})
	})
}

func expEdges[T float32 | float64](t *testing.T, x []T, exp func(float64) float64, zeroBelow float64) {
	t.Helper()
	got := make([]T, len(x))
	flowkern.Exp(got, x)
	bad := 0
	for i, v := range x {
		want := T(exp(float64(v)))
		inf := math.IsInf(float64(want), 1)
		zero := float64(v) < zeroBelow
		if math.IsInf(float64(got[i]), 1) != inf || kerneltest.ULPDist(got[i], want) > 1 || zero && got[i] != 0 {
			if bad++; bad <= 5 {
				t.Errorf("Exp(%v) = %v, want %v", v, got[i], want)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d arguments wrong in all", bad)
	}
}
