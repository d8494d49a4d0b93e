package flowkern_test

import (
	"math"
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
	// Double rounding is rare: more than a few differences means another
	// order of operations, which the 1-ulp bound alone would let through.
	if differ > n>>16 {
		t.Errorf("%s: %d of %d results differ from the portable kernel", s.Name, differ, n)
	}
}

// TestSIMDAffineMatchesPortable: the affine kernels' outputs and
// gradients carry the same bits as the portable kernels' (float64; ≤1 ulp
// in float32); row sums, added in a different order, agree within cols·ε
// of the sum of magnitudes.
func TestSIMDAffineMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if flowkern.Impl() == "generic" {
			t.Skip("the portable set is the reference")
		}
		t.Run("f64", matchAffine[float64])
		t.Run("f32", matchAffine[float32])
	})
}

func matchAffine[T flowkern.Float](t *testing.T) {
	maxULP := uint64(0)
	if kerneltest.Is32[T]() {
		maxULP = 1
	}
	rng := rand.New(rand.NewPCG(23, 24))
	for _, cols := range []int{1, 3, 8, 16, 17, 100} {
		rows := 4096 / cols
		for _, clamp := range []T{0, 2} {
			c := kerneltest.NewAffineCase[T](rng, rows, cols, clamp, true)
			for _, k := range []struct {
				name      string
				simd, ref func(out, logdet, in, sHat, t []T, cols int, clamp T)
			}{
				{"AffineForward", flowkern.AffineForward[T], kernels.AffineForward[T]},
				{"AffineInverse", flowkern.AffineInverse[T], kernels.AffineInverse[T]},
			} {
				out, ref := make([]T, rows*cols), make([]T, rows*cols)
				ld, ldRef := append([]T(nil), c.Logdet...), append([]T(nil), c.Logdet...)
				k.simd(out, ld, c.In, c.SHat, c.Shift, cols, clamp)
				k.ref(ref, ldRef, c.In, c.SHat, c.Shift, cols, clamp)
				for i := range out {
					if d := kerneltest.ULPDist(out[i], ref[i]); d > maxULP {
						t.Fatalf("%s cols=%d clamp=%v: out[%d] = %v, portable %v", k.name, cols, clamp, i, out[i], ref[i])
					}
				}
				for r := range ld {
					mag := math.Abs(float64(c.Logdet[r]))
					for _, s := range c.SHat[r*cols : (r+1)*cols] {
						a := math.Abs(float64(s)) // |c·tanh(ŝ/c)| ≤ min(|ŝ|, c)
						if clamp > 0 {
							a = min(a, float64(clamp))
						}
						mag += a
					}
					if !kerneltest.Close(ld[r], float64(ldRef[r]), mag, float64(cols+2)) {
						t.Fatalf("%s cols=%d clamp=%v: logdet[%d] = %v, portable %v", k.name, cols, clamp, r, ld[r], ldRef[r])
					}
				}
			}
			for _, k := range []struct {
				name      string
				simd, ref kerneltest.AffineGradFunc[T]
			}{
				{"AffineForwardGrad", kerneltest.ForwardGrad(flowkern.AffineForwardGrad[T]), kerneltest.ForwardGrad(kernels.AffineForwardGrad[T])},
				{"AffineInverseGrad", flowkern.AffineInverseGrad[T], kernels.AffineInverseGrad[T]},
			} {
				n := rows * cols
				got, want := make([]T, 3*n), make([]T, 3*n)
				k.simd(got[:n], got[n:2*n], got[2*n:], c.DOut, c.Logdet, c.In, c.SHat, c.Shift, cols, clamp)
				k.ref(want[:n], want[n:2*n], want[2*n:], c.DOut, c.Logdet, c.In, c.SHat, c.Shift, cols, clamp)
				for i := range got {
					if d := kerneltest.ULPDist(got[i], want[i]); d > maxULP {
						t.Fatalf("%s cols=%d clamp=%v: output %d (of dIn, dSHat, dT) = %v, portable %v", k.name, cols, clamp, i, got[i], want[i])
					}
				}
			}
			ld, ldRef := make([]T, rows), make([]T, rows)
			flowkern.LogAbsSum(ld, c.In, cols)
			kernels.LogAbsSum(ldRef, c.In, cols)
			for r := range ld {
				var mag float64
				for _, v := range c.In[r*cols : (r+1)*cols] {
					mag += math.Abs(math.Log(math.Abs(float64(v))))
				}
				if !kerneltest.Close(ld[r], float64(ldRef[r]), 2*kerneltest.LogAbsSumBound(cols, mag), 1) {
					t.Fatalf("LogAbsSum cols=%d: logdet[%d] = %v, portable %v", cols, r, ld[r], ldRef[r])
				}
			}
		}
	}
}
