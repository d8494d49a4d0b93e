package flowkern_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
	"github.com/flowkern/flowkern/kernels"
)

// TestSplineMatchesPortable holds every kernel set's spline kernels to the
// portable kernels: the same bits for the outputs and the gradients, the
// row log-determinants within cols·ε of the sum of their terms' magnitudes
// (a vector kernel may add a row in another order), in guarded buffers,
// with inputs inside, on and beyond ±B, NaN and ±Inf.
func TestSplineMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", matchSpline[float64])
		t.Run("f32", matchSpline[float32])
	})
}

func matchSpline[T flowkern.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	checked := 0
	for _, bins := range []int{2, 3, 8, 16} {
		for _, rows := range []int{0, 1, 5, 33} {
			for _, cols := range []int{1, 3, 8, 17} {
				// Distinct minimums, so that a kernel taking one for
				// another fails.
				s := flowkern.Spline{Bins: bins, Bound: 3, MinWidth: 1e-3, MinHeight: 4e-3, MinDerivative: 2e-3}
				ks := kernels.RQSpline[T]{Bins: bins, Bound: 3, MinWidth: 1e-3, MinHeight: 4e-3, MinDerivative: 2e-3}
				n := rows * cols
				in, params := make([]T, n), make([]T, n*s.ParamsPer())
				for i := range in {
					in[i] = T(4 * (2*rng.Float64() - 1))
				}
				for i := range params {
					params[i] = T(2 * rng.NormFloat64())
				}
				specials := []T{T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)), 3, -3, 0}
				for i := 0; i < n; i += 7 {
					in[i] = specials[(i/7)%len(specials)]
				}
				dOut, dLd := make([]T, n), make([]T, rows)
				for i := range dOut {
					dOut[i] = T(rng.NormFloat64())
				}
				for i := range dLd {
					dLd[i] = T(rng.NormFloat64())
				}
				for _, inv := range []bool{false, true} {
					what := fmt.Sprintf("%s bins=%d rows=%d cols=%d inverse=%v", flowkern.Impl(), bins, rows, cols, inv)
					f, ref := flowkern.SplineForward[T], kernels.SplineForward[T]
					g, gref := flowkern.SplineForwardGrad[T], kernels.SplineForwardGrad[T]
					if inv {
						f, ref = flowkern.SplineInverse[T], kernels.SplineInverse[T]
						g, gref = flowkern.SplineInverseGrad[T], kernels.SplineInverseGrad[T]
					}
					out := kerneltest.NewBuffer[T](n, checked%8)
					ld := kerneltest.NewBuffer[T](rows, 3).Fill(make([]T, rows))
					f(out.S(), ld.S(), in, params, cols, s)
					wantOut, wantLd := make([]T, n), make([]T, rows)
					ref(wantOut, wantLd, in, params, cols, ks)
					out.CheckGuards(t, what+" out")
					ld.CheckGuards(t, what+" logdet")
					if !kerneltest.Same(out.S(), wantOut) {
						t.Fatalf("%s: out differs from the portable kernel's", what)
					}
					mag := splineTermMagnitudes(in, params, cols, ks, inv)
					for r, v := range ld.S() {
						if !kerneltest.Close(v, float64(wantLd[r]), mag[r], 4*float64(cols)) {
							t.Fatalf("%s: logdet[%d] = %v, portable %v", what, r, v, wantLd[r])
						}
					}
					dIn := kerneltest.NewBuffer[T](n, 5)
					dP := kerneltest.NewBuffer[T](len(params), 1)
					g(dIn.S(), dP.S(), dOut, dLd, in, params, cols, s)
					wantIn, wantP := make([]T, n), make([]T, len(params))
					gref(wantIn, wantP, dOut, dLd, in, params, cols, ks)
					dIn.CheckGuards(t, what+" dIn")
					dP.CheckGuards(t, what+" dParams")
					if !kerneltest.Same(dIn.S(), wantIn) || !kerneltest.Same(dP.S(), wantP) {
						t.Fatalf("%s: gradients differ from the portable kernel's", what)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d problems checked", checked)
}

// splineTermMagnitudes returns, for each row of a spline batch, the sum of
// the magnitudes of the log-derivatives the portable kernel adds to its
// log-determinant, element by element: the scale of the rounding errors
// a kernel that adds them in another order may make (a row of terms of
// tens whose sum is below one is off by ulps of the terms, not of the sum).
func splineTermMagnitudes[T flowkern.Float](in, params []T, cols int, s kernels.RQSpline[T], inverse bool) []float64 {
	per := 3*s.Bins - 1
	rows := len(in) / max(cols, 1)
	mag := make([]float64, rows)
	p, out, ld := make([]T, per), make([]T, 1), make([]T, 1)
	for r := range rows {
		for c := range cols {
			for k := range p {
				p[k] = params[(r*per+k)*cols+c]
			}
			ld[0] = 0
			x := in[r*cols+c : r*cols+c+1]
			if inverse {
				kernels.SplineInverse(out, ld, x, p, 1, s)
			} else {
				kernels.SplineForward(out, ld, x, p, 1, s)
			}
			mag[r] += math.Abs(float64(ld[0]))
		}
	}
	return mag
}
