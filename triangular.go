package flowkern

import (
	"github.com/flowkern/flowkern/internal/dispatch"
	"gonum.org/v1/gonum/blas"
)

// Batched triangular solves and products. A is n×n, row-major (stride n);
// only its uplo triangle is read, and its diagonal unless diag is
// blas.Unit. X is n×nrhs, row-major (stride nrhs): row i holds coordinate i
// of all nrhs samples, so the work runs along the long batch axis. In gonum
// terms these are Dtrsm/Dtrmm with side Left and alpha 1.
//
// Every kernel set gives the portable kernels' bits (kernels.TriSolve and
// kernels.TriMul say the order of the arithmetic: one fused multiply-add
// per term, a solve's terms in the order the rows were solved, a product's
// nearest the diagonal first, a division or multiplication by the
// diagonal). The SIMD sets vectorise along the batch: 8 rows of X by three
// vectors stay in registers while every row solved before them updates
// them, a GEMM-like step, and the rows inside such a block are finished
// one at a time.
//
// Accuracy: substitution is backward stable. The computed solution x̂ of
// each column satisfies (op(A) + ΔA)·x̂ = b with |ΔA| ≤ γₙ·|op(A)|
// entrywise, γₙ = n·u/(1 − n·u), u = 2⁻⁵³ (float64) or 2⁻²⁴ (float32)
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., 2002,
// Theorem 8.5), so its error against the exact solution is at most about
// cond(op(A), x)·γₙ relative. A product's column is op(A)·x + Δ with
// |Δ| ≤ γₙ·|op(A)|·|x| (ibid., §3.1). The tests hold every column's residual
// to 4·n·u·(‖op(A)‖·‖x̂‖ + ‖b‖) in the ∞-norm, and the results to gonum's
// float64 Dtrsm and Dtrmm within 8·(n+1)·u of the largest element.
//
// Special values: zero entries off the diagonal are skipped (their terms
// are not formed), so an Inf or NaN in X reaches only the rows whose
// coefficients on it are non-zero. A zero on a non-unit diagonal gives
// ±Inf, or NaN for 0/0, as in BLAS; Inf and NaN in A or X propagate as
// IEEE 754 arithmetic takes them, identically on every set.

// TriSolve overwrites x with the solution X of op(A)·X = B, where B is x's
// old value and op(A) is A (blas.NoTrans) or Aᵀ (blas.Trans or
// blas.ConjTrans). A zero on a non-unit diagonal gives Inf or NaN, as in
// BLAS. x must not overlap a.
func TriSolve[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	const k = "TriSolve"
	triArgs(k, uplo, tA, diag, n, a, x, nrhs)
	if is32[T]() {
		dispatch.Current().F32.TriSolve(uplo, tA, diag, n, as32(a), as32(x), nrhs)
		return
	}
	dispatch.Current().F64.TriSolve(uplo, tA, diag, n, as64(a), as64(x), nrhs)
}

// TriMul overwrites x with op(A)·x, op(A) as in TriSolve. x must not overlap
// a.
func TriMul[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	const k = "TriMul"
	triArgs(k, uplo, tA, diag, n, a, x, nrhs)
	if is32[T]() {
		dispatch.Current().F32.TriMul(uplo, tA, diag, n, as32(a), as32(x), nrhs)
		return
	}
	dispatch.Current().F64.TriMul(uplo, tA, diag, n, as64(a), as64(x), nrhs)
}

// triArgs checks the arguments of TriSolve and TriMul.
func triArgs[T Float](kernel string, uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	if uplo != blas.Lower && uplo != blas.Upper {
		fail(kernel, "uplo = %d, want blas.Lower or blas.Upper", uplo)
	}
	if tA != blas.NoTrans && tA != blas.Trans && tA != blas.ConjTrans {
		fail(kernel, "tA = %d, want blas.NoTrans, blas.Trans or blas.ConjTrans", tA)
	}
	if diag != blas.Unit && diag != blas.NonUnit {
		fail(kernel, "diag = %d, want blas.Unit or blas.NonUnit", diag)
	}
	nonNegative(kernel, "n", n)
	nonNegative(kernel, "nrhs", nrhs)
	wantLen(kernel, "a", a, product(kernel, n, n), "n·n")
	wantLen(kernel, "x", x, product(kernel, n, nrhs), "n·nrhs")
	checkOverlaps(kernel, arg[T]{"x", x, true, false}, arg[T]{"a", a, false, false})
}
