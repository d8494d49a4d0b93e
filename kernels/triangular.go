package kernels

import (
	"math"

	"gonum.org/v1/gonum/blas"
)

// Triangular solves and products on a block of right-hand sides.
//
// A is n×n, row-major with stride n; only its uplo triangle is read (and its
// diagonal unless diag is blas.Unit). X is n×nrhs, row-major with stride
// nrhs: each of its n rows is one coordinate for all nrhs samples, so the
// inner loops run along the long batch axis. The work goes in column blocks
// of triBlock so that the rows of one block stay in cache for all n steps.
//
// The order of the arithmetic is part of the contract, since the SIMD
// kernel sets reproduce these kernels' bits: every term is one fused
// multiply-add, and the terms of a row come in the order given below.

const triBlock = 256

// triElem returns op(A)[i][p] for op = identity or transpose.
func triElem[T Float](a []T, n int, trans bool, i, p int) T {
	if trans {
		return a[p*n+i]
	}
	return a[i*n+p]
}

// effectivelyLower reports whether op(A) is lower triangular.
func effectivelyLower(uplo blas.Uplo, tA blas.Transpose) bool {
	return (uplo == blas.Lower) == (tA == blas.NoTrans)
}

// solveOrder returns the row a solve takes at step s: 0, 1, …, n−1 when
// op(A) is lower triangular, n−1, …, 0 when upper.
func solveOrder(lower bool, n, s int) int {
	if lower {
		return s
	}
	return n - 1 - s
}

// TriSolve overwrites X with the solution of op(A)·X = X, op(A) = A or Aᵀ.
//
// Row i is solved as x_i = (x_i − Σ_p op(A)[i][p]·x_p) / op(A)[i][i], each
// term a fused multiply-add, in the order the rows p were solved: p = 0, 1,
// …, i−1 when op(A) is lower triangular, p = n−1, n−2, …, i+1 when upper;
// then one division (none for a unit diagonal). A zero on a non-unit
// diagonal gives Inf or NaN, as in BLAS. Zero entries off the diagonal are
// skipped, so they never turn an Inf or NaN in X into NaN elsewhere.
func TriSolve[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	trans := tA != blas.NoTrans
	lower := effectivelyLower(uplo, tA)
	for c0 := 0; c0 < nrhs; c0 += triBlock {
		c1 := min(c0+triBlock, nrhs)
		for s := range n {
			i := solveOrder(lower, n, s)
			xi := x[i*nrhs+c0 : i*nrhs+c1]
			for q := range s {
				p := solveOrder(lower, n, q)
				subScaled(xi, x[p*nrhs+c0:p*nrhs+c1], triElem(a, n, trans, i, p))
			}
			if diag == blas.NonUnit {
				d := a[i*n+i]
				for k := range xi {
					xi[k] /= d
				}
			}
		}
	}
}

// TriMul overwrites X with op(A)·X, op(A) = A or Aᵀ.
//
// Row i becomes op(A)[i][i]·x_i (x_i for a unit diagonal), one rounded
// product, plus Σ_p op(A)[i][p]·x_p, each term a fused multiply-add, the
// term nearest the diagonal first: p = i−1, i−2, …, 0 when op(A) is lower
// triangular, p = i+1, …, n−1 when upper. The rows go in the reverse of a
// solve's order, so that each reads rows not yet overwritten. Zero entries
// off the diagonal are skipped, as in TriSolve.
func TriMul[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	trans := tA != blas.NoTrans
	lower := effectivelyLower(uplo, tA)
	for c0 := 0; c0 < nrhs; c0 += triBlock {
		c1 := min(c0+triBlock, nrhs)
		for s := n - 1; s >= 0; s-- {
			i := solveOrder(lower, n, s)
			xi := x[i*nrhs+c0 : i*nrhs+c1]
			if diag == blas.NonUnit {
				d := a[i*n+i]
				for k := range xi {
					xi[k] = mul(xi[k], d)
				}
			}
			for q := s - 1; q >= 0; q-- {
				p := solveOrder(lower, n, q)
				subScaled(xi, x[p*nrhs+c0:p*nrhs+c1], -triElem(a, n, trans, i, p))
			}
		}
	}
}

// subScaled sets dst[k] = dst[k] − alpha·src[k], one rounding, unless alpha
// is zero; len(src) ≥ len(dst).
//
// In float32 the rounding is a hardware FMA's too, which fma's is not: the
// product of two float32s is exact in float64 (48 significant bits,
// exponents from −298), so s = −alpha·src[k] + dst[k] in float64 has had
// one rounding, and rounding s to float32 is the correctly rounded result
// unless s landed exactly halfway between two float32s while the exact sum
// was not there (double rounding; a float32 between the exact sum and s
// would contradict s being the nearest float64). That case, about one in
// 2²⁹, goes to offHalfway. Halfway points of float32's normal range have
// the 29 bits below float32's last at 100…0. In its subnormal range a
// halfway s is always exact: the product would need more than 48
// significant bits to bring dst[k] within a float64 step of a halfway point
// without landing on it. The test is written out in the loop because the
// compiler does not inline a function that holds it and the call.
func subScaled[T Float](dst, src []T, alpha T) {
	if alpha == 0 {
		return
	}
	src = src[:len(dst)]
	neg := -alpha
	if is32[T]() {
		neg64 := float64(neg)
		for k, v := range src {
			s := math.FMA(neg64, float64(v), float64(dst[k])) // the product is exact: a float64 add
			if math.Float64bits(s)&(1<<29-1) == 1<<28 {
				dst[k] = T(offHalfway(s, float32(neg), float32(v), float32(dst[k])))
				continue
			}
			dst[k] = T(s)
		}
		return
	}
	for k, v := range src {
		dst[k] = T(math.FMA(float64(neg), float64(v), float64(dst[k])))
	}
}
