package flowkern

import (
	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern/kernels"
)

// funcs is one kernel set's functions for one element type.
type funcs[T float32 | float64] struct {
	exp, log, tanh    func(dst, x []T)
	affineForward     func(out, logdet, in, sHat, t []T, cols int, clamp T)
	affineInverse     func(out, logdet, in, sHat, t []T, cols int, clamp T)
	affineForwardGrad func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T)
	affineInverseGrad func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T)
	logAbsSum         func(logdet, d []T, cols int)
	triSolve, triMul  func(uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int)
	dense, denseT     func(y, x, w, b []T, m, k, n int, act kernels.Activation)
	denseGrad         func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation)
}

// portable returns the portable kernels for T.
func portable[T float32 | float64]() funcs[T] {
	return funcs[T]{
		exp:               kernels.Exp[T],
		log:               kernels.Log[T],
		tanh:              kernels.Tanh[T],
		affineForward:     kernels.AffineForward[T],
		affineInverse:     kernels.AffineInverse[T],
		affineForwardGrad: kernels.AffineForwardGrad[T],
		affineInverseGrad: kernels.AffineInverseGrad[T],
		logAbsSum:         kernels.LogAbsSum[T],
		triSolve:          kernels.TriSolve[T],
		triMul:            kernels.TriMul[T],
		dense:             kernels.Dense[T],
		denseT:            kernels.DenseT[T],
		denseGrad:         kernels.DenseGrad[T],
	}
}

// kernelSet is one implementation of every kernel, for both element types.
type kernelSet struct {
	name      string
	requires  string // the CPU features it needs, for people
	available bool   // this CPU and OS support it
	f64       funcs[float64]
	f32       funcs[float32]
}
