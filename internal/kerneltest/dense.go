package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/flowkern/flowkern"
)

// DenseFunc is the signature of Dense.
type DenseFunc[T Float] func(y, x, w, b []T, m, k, n int, act flowkern.Activation)

// DenseGradFunc is the signature of DenseGrad.
type DenseGradFunc[T Float] func(dx, dw, db, dy, x, w, y []T, m, k, n int, act flowkern.Activation)

// Activations lists every activation.
var Activations = []flowkern.Activation{flowkern.ActIdentity, flowkern.ActReLU, flowkern.ActLeakyReLU,
	flowkern.ActTanh, flowkern.ActELU, flowkern.ActSigmoid}

// act and actDeriv are the oracle's activation and its derivative from the
// output, in float64 from the math package.
func act(a flowkern.Activation, z float64) float64 {
	switch a {
	case flowkern.ActReLU:
		return math.Max(z, 0)
	case flowkern.ActLeakyReLU:
		if z > 0 {
			return z
		}
		return flowkern.LeakySlope * z
	case flowkern.ActTanh:
		return math.Tanh(z)
	case flowkern.ActELU:
		if z > 0 {
			return z
		}
		return math.Expm1(z)
	case flowkern.ActSigmoid:
		return 1 / (1 + math.Exp(-z))
	}
	return z
}

func actDeriv(a flowkern.Activation, y float64) float64 {
	switch a {
	case flowkern.ActReLU:
		if y > 0 {
			return 1
		}
		return 0
	case flowkern.ActLeakyReLU:
		if y > 0 {
			return 1
		}
		return flowkern.LeakySlope
	case flowkern.ActTanh:
		return 1 - y*y
	case flowkern.ActELU:
		if y > 0 {
			return 1
		}
		return y + 1
	case flowkern.ActSigmoid:
		return y * (1 - y)
	}
	return 1
}

func to64[T Float](s []T) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

// absProduct returns |A|·|B|ᵀ-style magnitudes for the tolerance: gonum
// Dgemm of the absolute values with the given transposes.
func absGemm(tA, tB blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int) []float64 {
	abs := func(s []float64) []float64 {
		o := make([]float64, len(s))
		for i, v := range s {
			o[i] = math.Abs(v)
		}
		return o
	}
	c := make([]float64, m*n)
	if m > 0 && n > 0 && k > 0 {
		gonum.Implementation{}.Dgemm(tA, tB, m, n, k, 1, abs(a), lda, abs(b), ldb, 0, c, n)
	}
	return c
}

// CheckDense runs Dense and DenseGrad on one problem in guarded buffers at
// offset, and checks guards, untouched inputs, and the results against
// gonum's Dgemm in float64 within (k+8)·ε of the sum of absolute products.
func CheckDense[T Float](t testing.TB, f DenseFunc[T], g DenseGradFunc[T], m, k, n int, a flowkern.Activation, bias bool, rng *rand.Rand, offset int) bool {
	t.Helper()
	what := fmt.Sprintf("Dense m=%d k=%d n=%d act=%v bias=%v offset=%d", m, k, n, a, bias, offset)
	x, w := normals[T](rng, m*k, 1), normals[T](rng, n*k, 1/math.Sqrt(float64(k+1)))
	var b []T
	if bias {
		b = normals[T](rng, n, 1)
	}
	xb, wb := NewBuffer[T](len(x), offset).Fill(x), NewBuffer[T](len(w), (offset+1)%8).Fill(w)
	yb := NewBuffer[T](m*n, (offset+2)%8)
	var bs []T
	var bb *Buffer[T]
	if bias {
		bb = NewBuffer[T](n, (offset+3)%8).Fill(b)
		bs = bb.S()
	}
	f(yb.S(), xb.S(), wb.S(), bs, m, k, n, a)
	xb.CheckGuards(t, what+" x")
	wb.CheckGuards(t, what+" w")
	yb.CheckGuards(t, what+" y")
	if !Same(xb.S(), x) || !Same(wb.S(), w) || (bias && !Same(bb.S(), b)) {
		t.Errorf("%s: an input was modified", what)
	}
	x64, w64 := to64(x), to64(w)
	z := make([]float64, m*n)
	if m > 0 && n > 0 && k > 0 {
		gonum.Implementation{}.Dgemm(blas.NoTrans, blas.Trans, m, n, k, 1, x64, k, w64, k, 0, z, n)
	}
	mag := absGemm(blas.NoTrans, blas.Trans, m, n, k, x64, k, w64, k)
	for i := range z {
		if bias {
			z[i] += float64(b[i%n])
			mag[i] += math.Abs(float64(b[i%n]))
		}
		want := act(a, z[i])
		m := math.Abs(want) + math.Abs(actDeriv(a, want))*mag[i]
		if got := yb.S()[i]; !Close(got, want, m, float64(k+8)) {
			t.Errorf("%s: y[%d] = %v, want %v", what, i, got, want)
			return false
		}
	}

	// Backward from the kernel's own y.
	y := append([]T(nil), yb.S()...)
	dy := normals[T](rng, m*n, 1)
	dw0, db0 := normals[T](rng, n*k, 1), normals[T](rng, n, 1)
	dyb := NewBuffer[T](len(dy), (offset+4)%8).Fill(dy)
	dxb, dwb, dbb := NewBuffer[T](m*k, (offset+5)%8), NewBuffer[T](n*k, (offset+6)%8).Fill(dw0), NewBuffer[T](n, (offset+7)%8).Fill(db0)
	g(dxb.S(), dwb.S(), dbb.S(), dyb.S(), xb.S(), wb.S(), y, m, k, n, a)
	for _, bf := range []*Buffer[T]{dyb, dxb, dwb, dbb} {
		bf.CheckGuards(t, what+" grad")
	}
	// dz is checked on its own; dx, dw and db are then checked against
	// products of the kernel's dz, so that dz's error is not counted twice.
	dz := make([]float64, m*n)
	for i := range dz {
		want := float64(dy[i]) * actDeriv(a, float64(y[i]))
		yi := float64(y[i])
		if got := dyb.S()[i]; !Close(got, want, math.Abs(float64(dy[i]))*(1+yi*yi), 4) {
			t.Errorf("%s: dz[%d] = %v, want %v", what, i, got, want)
			return false
		}
		dz[i] = float64(dyb.S()[i])
	}
	dx := make([]float64, m*k)
	dw := to64(dw0)
	if m > 0 && n > 0 && k > 0 {
		gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, k, n, 1, dz, n, w64, k, 0, dx, k)
		gonum.Implementation{}.Dgemm(blas.Trans, blas.NoTrans, n, k, m, 1, dz, n, x64, k, 1, dw, k)
	}
	mdx := absGemm(blas.NoTrans, blas.NoTrans, m, k, n, dz, n, w64, k)
	mdw := absGemm(blas.Trans, blas.NoTrans, n, k, m, dz, n, x64, k)
	for i, v := range dxb.S() {
		if !Close(v, dx[i], mdx[i], float64(n+8)) {
			t.Errorf("%s: dx[%d] = %v, want %v", what, i, v, dx[i])
			return false
		}
	}
	for i, v := range dwb.S() {
		if !Close(v, dw[i], mdw[i]+math.Abs(float64(dw0[i])), float64(m+8)) {
			t.Errorf("%s: dw[%d] = %v, want %v", what, i, v, dw[i])
			return false
		}
	}
	for j := 0; j < n; j++ {
		want, mag := float64(db0[j]), math.Abs(float64(db0[j]))
		for i := 0; i < m; i++ {
			want += dz[i*n+j]
			mag += math.Abs(dz[i*n+j])
		}
		if got := dbb.S()[j]; !Close(got, want, mag, float64(m+8)) {
			t.Errorf("%s: db[%d] = %v, want %v", what, j, got, want)
			return false
		}
	}
	return !t.Failed()
}

// SweepDense runs Dense and DenseGrad over shapes that leave every
// remainder of the register blocking, every activation, with and without
// bias.
func SweepDense[T Float](t *testing.T, f DenseFunc[T], g DenseGradFunc[T], short bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(8, 9))
	ms, ks, ns := []int{0, 1, 2, 3, 5, 17}, []int{0, 1, 3, 8, 17, 64}, []int{0, 1, 3, 4, 5, 8, 9, 17}
	if !short {
		ks = append(ks, 128)
		ms = append(ms, 64)
	}
	for _, m := range ms {
		for _, k := range ks {
			for _, n := range ns {
				for i, a := range Activations {
					if !CheckDense(t, f, g, m, k, n, a, (m+k+n+i)%2 == 0, rng, (m+n+i)%8) {
						return
					}
				}
			}
		}
	}
}
