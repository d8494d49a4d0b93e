//go:build arm64 && gc && !purego && !noasm

package flowkern

import (
	"golang.org/x/sys/cpu"

	"github.com/flowkern/flowkern/kernels"
)

// The NEON kernel set. ASIMD is architectural on arm64, but it is read
// from the OS's hardware capabilities all the same. Kernels not yet in
// assembly stay portable.
func init() {
	f64, f32 := portable[float64](), portable[float32]()
	f64.exp = wholeVectors(expNeonF64, kernels.Exp[float64], 2)
	f32.exp = wholeVectors(expNeonF32, kernels.Exp[float32], 4)
	f64.log = wholeVectors(logNeonF64, kernels.Log[float64], 2)
	f32.log = wholeVectors(logNeonF32, kernels.Log[float32], 4)
	f64.tanh = wholeVectors(tanhNeonF64, kernels.Tanh[float64], 2)
	f32.tanh = wholeVectors(tanhNeonF32, kernels.Tanh[float32], 4)
	f64.affineForward = rowVectors(affineFwdNeonF64, affineFwdClampNeonF64, kernels.AffineForward[float64], 2)
	f32.affineForward = rowVectors(affineFwdNeonF32, affineFwdClampNeonF32, kernels.AffineForward[float32], 4)
	f64.affineInverse = rowVectors(affineInvNeonF64, affineInvClampNeonF64, kernels.AffineInverse[float64], 2)
	f32.affineInverse = rowVectors(affineInvNeonF32, affineInvClampNeonF32, kernels.AffineInverse[float32], 4)
	f64.affineForwardGrad = forwardGrad(gradRows(affineFwdGradNeonF64, affineFwdGradClampNeonF64, inverseGrad(kernels.AffineForwardGrad[float64]), 2))
	f32.affineForwardGrad = forwardGrad(gradRows(affineFwdGradNeonF32, affineFwdGradClampNeonF32, inverseGrad(kernels.AffineForwardGrad[float32]), 4))
	f64.affineInverseGrad = gradRows(affineInvGradNeonF64, affineInvGradClampNeonF64, kernels.AffineInverseGrad[float64], 2)
	f32.affineInverseGrad = gradRows(affineInvGradNeonF32, affineInvGradClampNeonF32, kernels.AffineInverseGrad[float32], 4)
	f64.logAbsSum = logAbsRows(logAbsSumNeonF64, 2)
	f32.logAbsSum = logAbsRows(logAbsSumNeonF32, 4)
	register(&kernelSet{
		name:      "neon",
		requires:  "ASIMD (NEON)",
		available: cpu.ARM64.HasASIMD,
		f64:       f64,
		f32:       f32,
	})
}

// wholeVectors runs an elementwise NEON kernel over the whole vectors of
// the slice and the portable kernel — the same formula — over the last
// len(dst) mod lanes elements, so no load or store passes the slice's end.
func wholeVectors[T float32 | float64](asm, tail func(dst, x []T), lanes int) func(dst, x []T) {
	return func(dst, x []T) {
		n := len(dst) - len(dst)%lanes
		raceRead(x[:n])
		raceWrite(dst[:n])
		asm(dst[:n], x[:n])
		tail(dst[n:], x[n:len(dst)])
	}
}

// affineNeon is the signature of the generated affine kernels.
type affineNeon[T float32 | float64] func(out, logdet, in, sHat, t []T, cols int, clamp, invClamp T)

// rowVectors runs a NEON affine kernel over every row's whole vectors and
// the portable kernel over each row's last cols mod lanes columns, which
// adds their scales to the row's log-determinant.
func rowVectors[T float32 | float64](plain, clamped affineNeon[T], tail func(out, logdet, in, sHat, t []T, cols int, clamp T), lanes int) func(out, logdet, in, sHat, t []T, cols int, clamp T) {
	return func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		raceRead(in)
		raceRead(sHat)
		raceRead(t)
		raceWrite(out)
		raceWrite(logdet)
		if clamp == 0 {
			plain(out, logdet, in, sHat, t, cols, 0, 0)
		} else {
			clamped(out, logdet, in, sHat, t, cols, clamp, 1/clamp)
		}
		if rem := cols % lanes; rem != 0 {
			for r := range logdet {
				lo, hi := (r+1)*cols-rem, (r+1)*cols
				tail(out[lo:hi], logdet[r:r+1], in[lo:hi], sHat[lo:hi], t[lo:hi], rem, clamp)
			}
		}
	}
}

// logAbsRows does for LogAbsSum what rowVectors does for the affine
// kernels.
func logAbsRows[T float32 | float64](asm func(logdet, d []T, cols int), lanes int) func(logdet, d []T, cols int) {
	return func(logdet, d []T, cols int) {
		raceRead(d)
		raceWrite(logdet)
		asm(logdet, d, cols)
		if rem := cols % lanes; rem != 0 {
			for r := range logdet {
				kernels.LogAbsSum(logdet[r:r+1], d[(r+1)*cols-rem:(r+1)*cols], rem)
			}
		}
	}
}

// gradFunc is the signature of the backward kernels with t (the forward
// pass's ignores it).
type gradFunc[T float32 | float64] func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T)

// inverseGrad adapts a forward-pass gradient kernel, which has no t, to
// gradFunc.
func inverseGrad[T float32 | float64](f func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T)) gradFunc[T] {
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, _ []T, cols int, clamp T) {
		f(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
	}
}

// forwardGrad drops the t argument again.
func forwardGrad[T float32 | float64](f gradFunc[T]) func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
		f(dIn, dSHat, dT, dOut, dLogdet, in, sHat, nil, cols, clamp)
	}
}

// gradRows does for the backward kernels what rowVectors does for the
// forward ones.
func gradRows[T float32 | float64](plain, clamped func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T), tail gradFunc[T], lanes int) gradFunc[T] {
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T) {
		raceRead(dOut)
		raceRead(dLogdet)
		raceRead(in)
		raceRead(sHat)
		raceRead(t)
		raceWrite(dIn)
		raceWrite(dSHat)
		raceWrite(dT)
		if clamp == 0 {
			plain(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, 0, 0)
		} else {
			clamped(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp, 1/clamp)
		}
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
