package flowkern_test

import (
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
)

// TestKernelsDoNotAllocate calls every kernel of every available set in
// both types through testing.AllocsPerRun.
func TestKernelsDoNotAllocate(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", allocs[float64])
		t.Run("f32", allocs[float32])
	})
}

func allocs[T float32 | float64](t *testing.T) {
	const rows, cols, n, k = 64, 8, 16, 12
	v := func(size int) []T {
		s := make([]T, size)
		for i := range s {
			s[i] = T(i%7) * 0.25
		}
		return s
	}
	x, s, sh, out, dOut, dIn, dS, dT := v(rows*cols), v(rows*cols), v(rows*cols), v(rows*cols), v(rows*cols), v(rows*cols), v(rows*cols), v(rows*cols)
	ld := v(rows)
	a, xs := v(n*n), v(n*rows)
	for i := range n {
		a[i*n+i] = 2
	}
	w, b, y, dy, dx, dw, db := v(n*k), v(n), v(rows*n), v(rows*n), v(rows*k), v(n*k), v(n)
	xd := v(rows * k)
	old, mom, vel := v(rows*cols), make([]float64, rows*cols+3), make([]float64, rows*cols+3)
	step := flowkern.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0.01, 1, 1)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Exp", func() { flowkern.Exp(out, x) }},
		{"Log", func() { flowkern.Log(out, s) }},
		{"Tanh", func() { flowkern.Tanh(out, x) }},
		{"AffineForward", func() { flowkern.AffineForward(out, ld, x, s, sh, cols, 2) }},
		{"AffineInverse", func() { flowkern.AffineInverse(out, ld, x, s, sh, cols, 0) }},
		{"AffineForwardGrad", func() { flowkern.AffineForwardGrad(dIn, dS, dT, dOut, ld, x, s, cols, 2) }},
		{"AffineInverseGrad", func() { flowkern.AffineInverseGrad(dIn, dS, dT, dOut, ld, x, s, sh, cols, 2) }},
		{"LogAbsSum", func() { flowkern.LogAbsSum(ld, x, cols) }},
		{"TriSolve", func() { flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, n, a, xs, rows) }},
		{"TriMul", func() { flowkern.TriMul(blas.Upper, blas.Trans, blas.Unit, n, a, xs, rows) }},
		{"Dense", func() { flowkern.Dense(y, xd, w, b, rows, k, n, flowkern.ActTanh) }},
		{"DenseT", func() { flowkern.DenseT(y, xd, w, b, rows, k, n, flowkern.ActReLU) }},
		{"Dense of one row", func() { flowkern.Dense(y[:n], xd[:k], w, b, 1, k, n, flowkern.ActReLU) }},
		{"DenseGrad of one row", func() { flowkern.DenseGrad(dx[:k], dw, db, dy[:n], xd[:k], w, y[:n], 1, k, n, flowkern.ActReLU) }},
		{"Transpose", func() { flowkern.Transpose(dw, w, n, k) }},
		{"DenseGrad", func() { flowkern.DenseGrad(dx, dw, db, dy, xd, w, y, rows, k, n, flowkern.ActReLU) }},
		{"AdamUpdate", func() { flowkern.AdamUpdate(x[3:], s[3:], old[3:], mom[6:], vel[6:], step) }},
	} {
		if got := testing.AllocsPerRun(20, c.f); got != 0 {
			t.Errorf("%s allocates %v times per call", c.name, got)
		}
	}
}
