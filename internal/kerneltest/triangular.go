package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TriFunc is the signature of TriSolve and TriMul.
type TriFunc[T Float] func(uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int)

// TriMatrix returns an n×n matrix whose uplo triangle is well conditioned
// (diagonal in [1, 2] with random signs, off-diagonal entries in ±0.5/n)
// and whose other triangle is filled with the guard NaN, so that reading it
// poisons the result.
func TriMatrix[T Float](rng *rand.Rand, uplo blas.Uplo, n int) []T {
	a := make([]T, n*n)
	for i := range n {
		for j := range n {
			switch {
			case i == j:
				d := 1 + rng.Float64()
				if rng.IntN(2) == 0 {
					d = -d
				}
				a[i*n+j] = T(d)
			case (j < i) == (uplo == blas.Lower):
				a[i*n+j] = T((2*rng.Float64() - 1) * 0.5 / float64(n))
			default:
				a[i*n+j] = Guard[T]()
			}
		}
	}
	return a
}

// oracleTri computes the same as the kernel with gonum's Dtrsm or Dtrmm
// in float64 (side Left, alpha 1), on a copy of a with the unused triangle
// zeroed (gonum does not read it either, but the guard NaNs must not reach
// it through a mistake in the copy).
func oracleTri[T Float](solve bool, uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) []float64 {
	a64 := make([]float64, n*n)
	for i := range n {
		for j := range n {
			if i == j || (j < i) == (uplo == blas.Lower) {
				a64[i*n+j] = float64(a[i*n+j])
			}
		}
	}
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	var impl gonum.Implementation
	if n > 0 && nrhs > 0 {
		if solve {
			impl.Dtrsm(blas.Left, uplo, tA, diag, n, nrhs, 1, a64, n, x64, nrhs)
		} else {
			impl.Dtrmm(blas.Left, uplo, tA, diag, n, nrhs, 1, a64, n, x64, nrhs)
		}
	}
	return x64
}

// CheckTri runs f (TriSolve when solve is set, else TriMul) on one problem
// in guarded buffers at offset, and checks guards, that a is untouched, and
// X against gonum's result in float64: every element within 8·n·ε of the
// largest element of its column block, which the well-conditioned
// TriMatrix makes a tight bound.
func CheckTri[T Float](t testing.TB, name string, f TriFunc[T], solve bool, uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs, offset int) bool {
	t.Helper()
	what := fmt.Sprintf("%s uplo=%c tA=%c diag=%c n=%d nrhs=%d offset=%d", name, uplo, tA, diag, n, nrhs, offset)
	ab := NewBuffer[T](len(a), offset).Fill(a)
	xb := NewBuffer[T](len(x), (offset+3)%8).Fill(x)
	f(uplo, tA, diag, n, ab.S(), xb.S(), nrhs)
	ab.CheckGuards(t, what+" a")
	xb.CheckGuards(t, what+" x")
	if !Same(ab.S(), a) {
		t.Errorf("%s: a was modified", what)
	}
	want := oracleTri(solve, uplo, tA, diag, n, a, x, nrhs)
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i, v := range xb.S() {
		if !Close(v, want[i], scale, 8*float64(n+1)) {
			t.Errorf("%s: x[%d] (row %d, column %d) = %v, want %v", what, i, i/nrhs, i%nrhs, v, want[i])
			return false
		}
	}
	if solve {
		return checkResidual(t, what, uplo, tA, diag, n, a, xb.S(), x, nrhs)
	}
	return !t.Failed()
}

// checkResidual checks the backward error of a solve: with X the kernel's
// solution of op(A)·X = B, every column's residual ‖op(A)·X − B‖∞ must be
// within 4·n·ε·(‖op(A)‖∞·‖X‖∞ + ‖B‖∞), the textbook bound for triangular
// substitution. op(A)·X is formed by gonum's Dtrmm in float64.
func checkResidual[T Float](t testing.TB, what string, uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, sol, b []T, nrhs int) bool {
	t.Helper()
	ax := oracleTri(false, uplo, tA, diag, n, a, sol, nrhs)
	var normA float64
	for i := range n {
		var row float64
		for j := range n {
			row += math.Abs(opElem(uplo, tA, diag, n, a, i, j))
		}
		normA = max(normA, row)
	}
	for c := 0; c < nrhs; c++ {
		var res, normX, normB float64
		for i := range n {
			res = max(res, math.Abs(ax[i*nrhs+c]-float64(b[i*nrhs+c])))
			normX = max(normX, math.Abs(float64(sol[i*nrhs+c])))
			normB = max(normB, math.Abs(float64(b[i*nrhs+c])))
		}
		if bound := 4 * float64(n) * Eps[T]() * (normA*normX + normB); res > bound {
			t.Errorf("%s: column %d: residual ‖op(A)·X − B‖∞ = %g exceeds %g", what, c, res, bound)
			return false
		}
	}
	return true
}

// SweepTri runs TriSolve and TriMul for every uplo, transpose and diagonal
// kind over a range of sizes, including nrhs around the column block.
func SweepTri[T Float](t *testing.T, solve, mul TriFunc[T], short bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(6, 7))
	ns := []int{0, 1, 2, 3, 5, 8, 16, 17, 33}
	nrhss := []int{0, 1, 2, 3, 7, 8, 9, 31, 255, 256, 257, 600}
	if !short {
		ns = append(ns, 64, 100)
	}
	for _, uplo := range []blas.Uplo{blas.Lower, blas.Upper} {
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, diag := range []blas.Diag{blas.NonUnit, blas.Unit} {
				for _, n := range ns {
					for _, nrhs := range nrhss {
						a := TriMatrix[T](rng, uplo, n)
						if diag == blas.Unit {
							for i := range n {
								a[i*n+i] = Guard[T]() // must not be read
							}
						}
						x := normals[T](rng, n*nrhs, 1)
						off := rng.IntN(8)
						if !CheckTri(t, "TriSolve", solve, true, uplo, tA, diag, n, a, x, nrhs, off) ||
							!CheckTri(t, "TriMul", mul, false, uplo, tA, diag, n, a, x, nrhs, off) {
							return
						}
					}
				}
			}
		}
	}
}

// opElem returns op(A)[i][j] as the kernels read it: the unused triangle
// is zero and a unit diagonal is one.
func opElem[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a []T, i, j int) float64 {
	if tA != blas.NoTrans {
		i, j = j, i
	}
	switch {
	case i == j && diag == blas.Unit:
		return 1
	case i == j || (j < i) == (uplo == blas.Lower):
		return float64(a[i*n+j])
	}
	return 0
}
