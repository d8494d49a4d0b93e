//go:build arm64 && gc && !purego && !noasm

package flowkern

import (
	"golang.org/x/sys/cpu"

	"github.com/flowkern/flowkern/internal/dispatch"
	"github.com/flowkern/flowkern/internal/portable"
	"github.com/flowkern/flowkern/kernels"
)

// The NEON kernel set, registered by a package-level initializer so that
// it is in the registry before impl.go's init selects one (see
// kernels_amd64.go). ASIMD is architectural on arm64, but it is read from
// the OS's hardware capabilities all the same. Kernels not yet in assembly
// stay portable.
var _ = registerNEON()

func registerNEON() bool {
	dispatch.Register(&dispatch.Set{
		Name:      "neon",
		Requires:  "ASIMD (NEON)",
		Available: cpu.ARM64.HasASIMD,
		F64:       install(neonF64, dispatch.Portable[float64](), 2),
		F32:       install(neonF32, dispatch.Portable[float32](), 4),
	})
	return true
}

// install returns fs with the NEON kernels (kernels_arm64_register.go) in
// place of the portable ones, for vectors of lanes elements: the kernels
// do whole vectors, the portable ones — the same formulas — the rest.
func install[T float32 | float64](g generated[T], fs dispatch.Funcs[T], lanes int) dispatch.Funcs[T] {
	fs.Exp = wholeVectors(g.exp, kernels.Exp[T], lanes)
	fs.Log = wholeVectors(g.log, kernels.Log[T], lanes)
	fs.Tanh = wholeVectors(g.tanh, kernels.Tanh[T], lanes)
	fs.AffineForward = rowVectors(g.affineFwd, g.affineFwdClamp, kernels.AffineForward[T], lanes)
	fs.AffineInverse = rowVectors(g.affineInv, g.affineInvClamp, kernels.AffineInverse[T], lanes)
	fs.AffineForwardGrad = withoutT(gradRows(g.affineFwdGrad, g.affineFwdGradClamp, withT(kernels.AffineForwardGrad[T]), lanes))
	fs.AffineInverseGrad = gradRows(g.affineInvGrad, g.affineInvGradClamp, kernels.AffineInverseGrad[T], lanes)
	fs.LogAbsSum = logAbsRows(g.logAbsSum, lanes)
	fs.Dense, fs.DenseT, fs.DenseGrad = denseNeon(g.denseSums, g.denseSumsAcc, lanes)
	tri := newTriSteps(g.triRows, g.triBlock, lanes, 8, false) // gen/arm64/tri.go's triTile
	fs.TriSolve, fs.TriMul = tri.solve, tri.mul
	fs.SplineForward = splineRows(g.splineFwd, lanes, false)
	fs.SplineInverse = splineRows(g.splineInv, lanes, true)
	fs.SplineForwardGrad = splineGradRows(g.splineFwdGrad, lanes, false)
	fs.SplineInverseGrad = splineGradRows(g.splineInvGrad, lanes, true)
	fs.AdamUpdate = adamAsm(g.adamUpdate, 2) // float64 lanes, whatever T
	return fs
}

// splineGradRows does for the spline backward kernels what splineRows
// does for the forward ones.
func splineGradRows[T float32 | float64](f splineGradAsm[T], lanes int, inverse bool) func(dIn, dParams, dOut, dLogdet, in, params []T, cols int, s kernels.RQSpline[T]) {
	body := splineGrad(f)
	return func(dIn, dParams, dOut, dLogdet, in, params []T, cols int, s kernels.RQSpline[T]) {
		if cols >= lanes {
			body(dIn, dParams, dOut, dLogdet, in, params, cols, s)
		}
		if rem := cols % lanes; rem != 0 {
			portable.Spline[T]().GradColumns(dIn, dParams, dOut, dLogdet, in, params, cols, cols-rem, s.Bins, s.Bound, s.MinWidth, s.MinHeight, s.MinDerivative, inverse)
		}
	}
}

// splineRows runs a NEON spline kernel over every row's whole vectors and
// the portable kernel over each row's last cols mod lanes columns, which
// adds their log-determinants to the rows'. Rows narrower than a vector
// go to the portable kernel alone.
func splineRows[T float32 | float64](f splineAsm[T], lanes int, inverse bool) func(out, logdet, in, params []T, cols int, s kernels.RQSpline[T]) {
	body := spline(f)
	return func(out, logdet, in, params []T, cols int, s kernels.RQSpline[T]) {
		if cols >= lanes {
			body(out, logdet, in, params, cols, s)
		}
		if rem := cols % lanes; rem != 0 {
			portable.Spline[T]().Columns(out, logdet, in, params, cols, cols-rem, s.Bins, s.Bound, s.MinWidth, s.MinHeight, s.MinDerivative, inverse)
		}
	}
}

// wholeVectors runs an elementwise NEON kernel over the whole vectors of
// the slice and the portable kernel — the same formula — over the last
// len(dst) mod lanes elements, so no load or store passes the slice's end.
func wholeVectors[T float32 | float64](asm, tail func(dst, x []T), lanes int) func(dst, x []T) {
	body := unaryAsm(asm)
	return func(dst, x []T) {
		n := len(dst) - len(dst)%lanes
		body(dst[:n], x[:n])
		tail(dst[n:], x[n:len(dst)])
	}
}

// rowVectors runs a NEON affine kernel over every row's whole vectors and
// the portable kernel over each row's last cols mod lanes columns, which
// adds their scales to the row's log-determinant. Rows narrower than a
// vector go to the portable kernel in one call.
func rowVectors[T float32 | float64](plain, clamped affineAsm[T], tail func(out, logdet, in, sHat, t []T, cols int, clamp T), lanes int) func(out, logdet, in, sHat, t []T, cols int, clamp T) {
	body := affine(plain, clamped)
	return func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes { // no whole vector in any row
			tail(out, logdet, in, sHat, t, cols, clamp)
			return
		}
		body(out, logdet, in, sHat, t, cols, clamp)
		if rem := cols % lanes; rem != 0 {
			for r := range logdet {
				lo, hi := (r+1)*cols-rem, (r+1)*cols
				tail(out[lo:hi], logdet[r:r+1], in[lo:hi], sHat[lo:hi], t[lo:hi], rem, clamp)
			}
		}
	}
}

// gradRows does for the backward kernels what rowVectors does for the
// forward ones.
func gradRows[T float32 | float64](plain, clamped gradAsm[T], tail gradFunc[T], lanes int) gradFunc[T] {
	body := grad(plain, clamped)
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes {
			tail(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp)
			return
		}
		body(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp)
		if rem := cols % lanes; rem != 0 {
			var tr []T
			for r := range dLogdet {
				lo, hi := (r+1)*cols-rem, (r+1)*cols
				if t != nil {
					tr = t[lo:hi]
				}
				tail(dIn[lo:hi], dSHat[lo:hi], dT[lo:hi], dOut[lo:hi], dLogdet[r:r+1], in[lo:hi], sHat[lo:hi], tr, rem, clamp)
			}
		}
	}
}

// logAbsRows does for LogAbsSum what rowVectors does for the affine
// kernels.
func logAbsRows[T float32 | float64](asm func(logdet, d []T, cols int), lanes int) func(logdet, d []T, cols int) {
	body := logAbsAsm(asm)
	return func(logdet, d []T, cols int) {
		if cols < lanes {
			kernels.LogAbsSum(logdet, d, cols)
			return
		}
		body(logdet, d, cols)
		if rem := cols % lanes; rem != 0 {
			for r := range logdet {
				kernels.LogAbsSum(logdet[r:r+1], d[(r+1)*cols-rem:(r+1)*cols], rem)
			}
		}
	}
}

// withT turns AffineForwardGrad's signature into gradFunc, ignoring t.
func withT[T float32 | float64](f func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T)) gradFunc[T] {
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, _ []T, cols int, clamp T) {
		f(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
	}
}

// denseMinRows is the batch size from which transposing a matrix for the
// NEON dense kernels pays: the portable transposition moves n·k elements,
// about what the portable kernel's n·k multiply-adds a row cost.
const denseMinRows = 4

// denseSums is the signature of the NEON dense kernels.
type denseSums[T float32 | float64] func(y, x, wt []T, m, k, n int)

// denseNeon returns Dense, DenseT and DenseGrad on the NEON kernels, which
// take the whole vectors of columns of y = x·wt (y += x·wt for acc); the
// portable chains do the other columns, and the portable kernels batches
// under denseMinRows rows where W must be transposed. Bias, activation, dZ
// and db stay portable.
func denseNeon[T float32 | float64](sums, acc denseSums[T], lanes int) (
	dense, denseT func(y, x, w, b []T, m, k, n int, act kernels.Activation),
	grad func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation)) {
	var pool scratch[T]
	// run computes y (+)= x·wt for x of m×k and wt of k×n.
	run := func(f denseSums[T], y, x, wt []T, m, k, n int, accumulate bool) {
		raceRead(x[:m*k])
		raceRead(wt[:k*n])
		raceWrite(y[:m*n])
		f(y, x, wt, m, k, n)
		portable.Dense[T]().SumsColumns(y, x, wt, m, k, n, n-n%lanes, accumulate)
	}
	denseT = func(y, x, wt, b []T, m, k, n int, act kernels.Activation) {
		run(sums, y, x, wt, m, k, n, false)
		portable.Dense[T]().Finish(y, b, m, n, int(act))
	}
	dense = func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
		if m < denseMinRows {
			kernels.Dense(y, x, w, b, m, k, n, act)
			return
		}
		buf := pool.get(n * k)
		kernels.Transpose(*buf, w, n, k)
		run(sums, y, x, *buf, m, k, n, false)
		pool.put(buf)
		portable.Dense[T]().Finish(y, b, m, n, int(act))
	}
	grad = func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
		if m < denseMinRows {
			kernels.DenseGrad(dx, dw, db, dy, x, w, y, m, k, n, act)
			return
		}
		portable.Dense[T]().DZ(dy, y, m, n, int(act))
		if dx != nil {
			run(sums, dx, dy, w, m, n, k, false)
		}
		buf := pool.get(m * n)
		kernels.Transpose(*buf, dy, m, n)
		run(acc, dw, *buf, x, n, m, k, true)
		pool.put(buf)
		portable.Dense[T]().BiasGrad(db, dy, m, n)
	}
	return dense, denseT, grad
}
