package kernels

import "gonum.org/v1/gonum/blas"

// Triangular solves and products on a block of right-hand sides.
//
// A is n×n, row-major with stride n; only its uplo triangle is read (and its
// diagonal unless diag is blas.Unit). X is n×nrhs, row-major with stride
// nrhs: each of its n rows is one coordinate for all nrhs samples, so the
// inner loops run along the long batch axis. The work goes in column blocks
// of triBlock so that the rows of one block stay in cache for all n steps.

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

// TriSolve overwrites X with the solution of op(A)·X = X, op(A) = A or Aᵀ.
// A zero on a non-unit diagonal gives Inf or NaN, as in BLAS. Zero entries
// off the diagonal are skipped, so they never turn an Inf in X into NaN.
func TriSolve[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	trans := tA != blas.NoTrans
	lower := effectivelyLower(uplo, tA)
	for c0 := 0; c0 < nrhs; c0 += triBlock {
		c1 := min(c0+triBlock, nrhs)
		for step := range n {
			i := step
			if !lower {
				i = n - 1 - step
			}
			xi := x[i*nrhs+c0 : i*nrhs+c1]
			// Rows p already solved: p < i (lower) or p > i (upper).
			pLo, pHi := 0, i
			if !lower {
				pLo, pHi = i+1, n
			}
			for p := pLo; p < pHi; p++ {
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

// TriMul overwrites X with op(A)·X, op(A) = A or Aᵀ. Zero entries off the
// diagonal are skipped, as in TriSolve.
func TriMul[T Float](uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	trans := tA != blas.NoTrans
	lower := effectivelyLower(uplo, tA)
	for c0 := 0; c0 < nrhs; c0 += triBlock {
		c1 := min(c0+triBlock, nrhs)
		// Row i of the product needs the old rows p < i (lower) or p > i
		// (upper): go from the far end so they are still unchanged.
		for step := range n {
			i := n - 1 - step
			if !lower {
				i = step
			}
			xi := x[i*nrhs+c0 : i*nrhs+c1]
			if diag == blas.NonUnit {
				d := a[i*n+i]
				for k := range xi {
					xi[k] *= d
				}
			}
			pLo, pHi := 0, i
			if !lower {
				pLo, pHi = i+1, n
			}
			for p := pLo; p < pHi; p++ {
				subScaled(xi, x[p*nrhs+c0:p*nrhs+c1], -triElem(a, n, trans, i, p))
			}
		}
	}
}

// subScaled sets dst[k] −= alpha·src[k]; len(src) ≥ len(dst).
func subScaled[T Float](dst, src []T, alpha T) {
	if alpha == 0 {
		return
	}
	src = src[:len(dst)]
	for k, v := range src {
		dst[k] -= mul(alpha, v)
	}
}
