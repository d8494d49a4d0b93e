package flowkern_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
)

// TestArgumentChecks calls every kernel with arguments that do not fit and
// expects a panic, before any memory is touched, whose message names the
// kernel and what is wrong.
func TestArgumentChecks(t *testing.T) {
	m := func(n int) []float64 { return make([]float64, n) }
	x8, x9, ld2, ld3 := m(8), m(9), m(2), m(3)
	big := m(64)
	a4 := m(4)
	for _, c := range []struct {
		kernel, want string
		f            func()
	}{
		{"Exp", "len(dst) = 8, want len(x) = 9", func() { flowkern.Exp(x8, x9) }},
		{"Log", "len(dst) = 9, want len(x) = 8", func() { flowkern.Log(x9, x8) }},
		{"Tanh", "dst overlaps x", func() { flowkern.Tanh(big[1:9], big[0:8]) }},
		{"AffineForward", "len(in) = 9, want len(logdet)·cols = 2·4 = 8", func() { flowkern.AffineForward(x8, ld2, x9, x8, x8, 4, 0) }},
		{"AffineForward", "clamp = -1", func() { flowkern.AffineForward(x8, ld2, x8, x8, x8, 4, -1) }},
		{"AffineForward", "clamp = NaN", func() { flowkern.AffineForward(x8, ld2, x8, x8, x8, 4, math.NaN()) }},
		{"AffineForward", "clamp = +Inf", func() { flowkern.AffineForward(x8, ld2, x8, x8, x8, 4, math.Inf(1)) }},
		{"AffineInverse", "cols = -4 is negative", func() { flowkern.AffineInverse(x8, ld2, x8, x8, x8, -4, 0) }},
		{"AffineInverse", "len(out) = 8, want len(logdet)·cols = 3·4 = 12", func() { flowkern.AffineInverse(x8, ld3, m(12), m(12), m(12), 4, 0) }},
		{"AffineInverse", "out overlaps logdet", func() { flowkern.AffineInverse(big[0:8], big[6:8], x8, x8, x8, 4, 0) }},
		{"AffineInverse", "out overlaps sHat", func() { flowkern.AffineInverse(big[0:8], ld2, x8, big[4:12], x8, 4, 0) }},
		{"AffineForwardGrad", "len(dT) = 9", func() { flowkern.AffineForwardGrad(x8, m(8), x9, m(8), ld2, m(8), m(8), 4, 0) }},
		{"AffineForwardGrad", "dIn overlaps dSHat", func() { flowkern.AffineForwardGrad(big[0:8], big[0:8], m(8), m(8), ld2, m(8), m(8), 4, 0) }},
		{"AffineInverseGrad", "len(t) = 9", func() { flowkern.AffineInverseGrad(m(8), m(8), m(8), m(8), ld2, m(8), m(8), x9, 4, 0) }},
		{"LogAbsSum", "len(d) = 9, want len(logdet)·cols = 2·4 = 8", func() { flowkern.LogAbsSum(ld2, x9, 4) }},
		{"LogAbsSum", "d overlaps logdet", func() { flowkern.LogAbsSum(big[0:2], big[0:8], 4) }},
		{"LogAbsSum", "overflows int", func() { flowkern.LogAbsSum(ld2, x8, math.MaxInt/2+1) }},
		{"TriSolve", "len(a) = 4, want n·n = 9", func() { flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, 3, a4, x9, 3) }},
		{"TriSolve", "len(x) = 8, want n·nrhs = 6", func() { flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, 2, a4, x8, 3) }},
		{"TriSolve", "uplo = ", func() { flowkern.TriSolve(blas.All, blas.NoTrans, blas.NonUnit, 2, a4, m(6), 3) }},
		{"TriMul", "tA = ", func() { flowkern.TriMul(blas.Lower, blas.Transpose(0), blas.NonUnit, 2, a4, m(6), 3) }},
		{"TriMul", "diag = ", func() { flowkern.TriMul(blas.Lower, blas.NoTrans, blas.Diag(0), 2, a4, m(6), 3) }},
		{"TriMul", "x overlaps a", func() { flowkern.TriMul(blas.Lower, blas.NoTrans, blas.Unit, 2, big[0:4], big[2:8], 3) }},
		{"TriMul", "nrhs = -3 is negative", func() { flowkern.TriMul(blas.Lower, blas.NoTrans, blas.Unit, 2, a4, m(6), -3) }},
		{"Dense", "len(w) = 8, want n·k = 6", func() { flowkern.Dense(m(6), m(4), x8, nil, 2, 2, 3, flowkern.ActReLU) }},
		{"Dense", "len(b) = 2, want n = 3", func() { flowkern.Dense(m(6), m(4), m(6), m(2), 2, 2, 3, flowkern.ActReLU) }},
		{"Dense", "unknown activation", func() { flowkern.Dense(m(6), m(4), m(6), nil, 2, 2, 3, flowkern.Activation(99)) }},
		{"Dense", "y overlaps x", func() { flowkern.Dense(big[0:6], big[2:6], m(6), nil, 2, 2, 3, flowkern.ActIdentity) }},
		{"DenseT", "len(wt) = 8, want k·n = 6", func() { flowkern.DenseT(m(6), m(4), x8, nil, 2, 2, 3, flowkern.ActReLU) }},
		{"DenseT", "y overlaps wt", func() { flowkern.DenseT(big[0:6], m(4), big[3:9], nil, 2, 2, 3, flowkern.ActIdentity) }},
		{"Transpose", "len(dst) = 5, want rows·cols = 6", func() { flowkern.Transpose(m(5), m(6), 2, 3) }},
		{"Transpose", "len(a) = 8, want rows·cols = 6", func() { flowkern.Transpose(m(6), x8, 3, 2) }},
		{"Transpose", "cols = -2 is negative", func() { flowkern.Transpose(m(0), m(0), 3, -2) }},
		{"Transpose", "dst overlaps a", func() { flowkern.Transpose(big[3:9], big[0:6], 2, 3) }},
		{"DenseT", "y overlaps b", func() { flowkern.DenseT(big[2:8], m(4), m(6), big[0:3], 2, 2, 3, flowkern.ActReLU) }},
		{"Dense", "y overlaps w", func() { flowkern.Dense(big[5:11], m(4), big[0:6], nil, 2, 2, 3, flowkern.ActIdentity) }},
		{"SplineForward", "Bins = 1, want 2…64", func() { flowkern.SplineForward(x8, ld2, x8, m(16), 4, flowkern.Spline{Bins: 1, Bound: 3}) }},
		{"SplineForward", "Bound = NaN", func() { flowkern.SplineForward(x8, ld2, x8, m(8*14), 4, flowkern.Spline{Bins: 5, Bound: math.NaN()}) }},
		{"SplineForward", "MinWidth = 0.5, want 0 < MinWidth < 1/Bins", func() {
			flowkern.SplineForward(x8, ld2, x8, m(8*14), 4, flowkern.Spline{Bins: 5, Bound: 3, MinWidth: 0.5})
		}},
		{"SplineInverse", "len(params) = 8, want rows·cols·(3·Bins−1) = 2·4·14 = 112", func() {
			flowkern.SplineInverse(x8, ld2, x8, x8, 4, flowkern.Spline{Bins: 5, Bound: 3})
		}},
		{"SplineInverse", "out overlaps params", func() {
			flowkern.SplineInverse(big[0:8], ld2, x8, big[0:40], 4, flowkern.Spline{Bins: 2, Bound: 3})
		}},
		{"SplineForwardGrad", "len(dParams) = 8, want len(params) = 40", func() {
			flowkern.SplineForwardGrad(x8, m(8), m(8), ld2, m(8), m(40), 4, flowkern.Spline{Bins: 2, Bound: 3})
		}},
		{"SplineInverseGrad", "dParams overlaps params", func() {
			flowkern.SplineInverseGrad(x8, big[0:40], m(8), ld2, m(8), big[0:40], 4, flowkern.Spline{Bins: 2, Bound: 3})
		}},
		{"NewAdamStep", "step k = 0, want k ≥ 1", func() { flowkern.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0, 1, 0) }},
		{"NewAdamStep", "beta1 = 1, beta2 = 0.999, want both in [0, 1)", func() { flowkern.NewAdamStep(1e-3, 1, 0.999, 1e-8, 0, 1, 1) }},
		{"NewAdamStep", "beta1 = 0.9, beta2 = NaN", func() { flowkern.NewAdamStep(1e-3, 0.9, math.NaN(), 1e-8, 0, 1, 1) }},
		{"AdamUpdate", "len(g) = 9, want len(w) = 8", func() { flowkern.AdamUpdate(x8, x9, m(8), m(8), m(8), flowkern.AdamStep{}) }},
		{"AdamUpdate", "len(v) = 7, want len(w) = 8", func() { flowkern.AdamUpdate(x8, m(8), m(8), m(8), m(7), flowkern.AdamStep{}) }},
		{"AdamUpdate", "w overlaps g", func() { flowkern.AdamUpdate(big[0:8], big[0:8], m(8), m(8), m(8), flowkern.AdamStep{}) }},
		{"AdamUpdate", "w overlaps old", func() { flowkern.AdamUpdate(big[0:8], m(8), big[4:12], m(8), m(8), flowkern.AdamStep{}) }},
		{"AdamUpdate", "m overlaps v", func() { flowkern.AdamUpdate(x8, m(8), m(8), big[0:8], big[7:15], flowkern.AdamStep{}) }},
		{"AdamUpdate", "m overlaps w", func() { flowkern.AdamUpdate(big[0:8], m(8), m(8), big[0:8], m(8), flowkern.AdamStep{}) }},
		{"AdamUpdate", "v overlaps old", func() { flowkern.AdamUpdate(x8, m(8), big[0:8], m(8), big[2:10], flowkern.AdamStep{}) }},
		{"DenseGrad", "len(dw) = 5, want n·k = 6", func() { flowkern.DenseGrad(nil, m(5), nil, m(6), m(4), m(6), m(6), 2, 2, 3, flowkern.ActIdentity) }},
		{"DenseGrad", "len(dx) = 3, want m·k = 4", func() { flowkern.DenseGrad(m(3), m(6), nil, m(6), m(4), m(6), m(6), 2, 2, 3, flowkern.ActIdentity) }},
		{"DenseGrad", "dy overlaps y", func() {
			flowkern.DenseGrad(nil, m(6), nil, big[0:6], m(4), m(6), big[3:9], 2, 2, 3, flowkern.ActIdentity)
		}},
	} {
		t.Run(c.kernel, func(t *testing.T) {
			msg := panicMessage(c.f)
			if !strings.HasPrefix(msg, "flowkern."+c.kernel+": ") || !strings.Contains(msg, c.want) {
				t.Errorf("panic %q, want one starting with %q and containing %q", msg, "flowkern."+c.kernel+": ", c.want)
			}
		})
	}
}

// panicMessage runs f and returns what it panicked with, or "" if it
// returned.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestInPlaceAllowed checks the overlaps that are allowed: an elementwise
// output that is exactly one of the inputs.
func TestInPlaceAllowed(t *testing.T) {
	x, s, tt, ld := []float64{1, 2, 3, 4}, []float64{0.1, 0.2, 0.3, 0.4}, []float64{1, 1, 1, 1}, []float64{0, 0}
	for _, f := range []func(){
		func() { flowkern.Exp(x, x) },
		func() { flowkern.AffineForward(x, ld, x, s, tt, 2, 2) },
		func() { flowkern.AffineInverse(s, ld, x, s, tt, 2, 0) },
		func() { flowkern.AffineForwardGrad(x, s, tt, x, ld, s, s, 2, 0) },
	} {
		if msg := panicMessage(f); msg != "" {
			t.Errorf("in-place call panicked: %s", msg)
		}
	}
}
