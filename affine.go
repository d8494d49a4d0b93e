package flowkern

import (
	"math"
	"unsafe"

	"github.com/flowkern/flowkern/internal/dispatch"
)

// Affine coupling, fused with the per-row log-determinant: one pass over
// memory computes the output and the row sums of the scales.
//
// A batch has rows = len(logdet) rows of cols elements; in, sHat, t and the
// outputs have rows·cols. The scale is s = c·tanh(ŝ/c) for a clamp c > 0 —
// the soft clamp of Glow and FrEIA, which keeps exp(s) within [e^−c, e^c]
// early in training — or s = ŝ for c = 0. An elementwise output may be the
// same slice as an elementwise input; no other overlap is allowed.

// AffineForward computes the flow direction z → x (sampling) of an affine
// coupling or autoregressive layer, for i = r·cols + j:
//
//	out[i] = in[i]·exp(s[i]) + t[i],   logdet[r] += Σ_j s[i]
//
// which adds log|det ∂out/∂in| to logdet.
func AffineForward[T Float](out, logdet, in, sHat, t []T, cols int, clamp T) {
	if !affineValid(out, logdet, in, sHat, t, cols, clamp) {
		affineArgs("AffineForward", arg[T]{"logdet", logdet, true, false}, cols, clamp, arg[T]{"out", out, true, true},
			arg[T]{"in", in, false, true}, arg[T]{"sHat", sHat, false, true}, arg[T]{"t", t, false, true})
	}
	if is32[T]() {
		dispatch.Current().F32.AffineForward(as32(out), as32(logdet), as32(in), as32(sHat), as32(t), cols, float32(clamp))
		return
	}
	dispatch.Current().F64.AffineForward(as64(out), as64(logdet), as64(in), as64(sHat), as64(t), cols, float64(clamp))
}

// AffineInverse computes the direction x → z (density evaluation) of
// AffineForward:
//
//	out[i] = (in[i] − t[i])·exp(−s[i]),   logdet[r] −= Σ_j s[i]
//
// which adds log|det ∂out/∂in| to logdet.
func AffineInverse[T Float](out, logdet, in, sHat, t []T, cols int, clamp T) {
	if !affineValid(out, logdet, in, sHat, t, cols, clamp) {
		affineArgs("AffineInverse", arg[T]{"logdet", logdet, true, false}, cols, clamp, arg[T]{"out", out, true, true},
			arg[T]{"in", in, false, true}, arg[T]{"sHat", sHat, false, true}, arg[T]{"t", t, false, true})
	}
	if is32[T]() {
		dispatch.Current().F32.AffineInverse(as32(out), as32(logdet), as32(in), as32(sHat), as32(t), cols, float32(clamp))
		return
	}
	dispatch.Current().F64.AffineInverse(as64(out), as64(logdet), as64(in), as64(sHat), as64(t), cols, float64(clamp))
}

// AffineForwardGrad is the backward pass of AffineForward, for training.
// From dOut, the gradient of a loss with respect to AffineForward's out, and
// dLogdet (len rows), its gradient with respect to the row log-determinants,
// it computes the gradients with respect to in, sHat and t:
//
//	dIn[i]   = dOut[i]·exp(s[i])
//	dSHat[i] = (dOut[i]·in[i]·exp(s[i]) + dLogdet[r]) · ∂s/∂ŝ,  ∂s/∂ŝ = 1 − tanh²(ŝ/c)
//	dT[i]    = dOut[i]
//
// The outputs are overwritten, not accumulated.
func AffineForwardGrad[T Float](dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
	const k = "AffineForwardGrad"
	affineArgs(k, arg[T]{"dLogdet", dLogdet, false, false}, cols, clamp, arg[T]{"dIn", dIn, true, true}, arg[T]{"dSHat", dSHat, true, true},
		arg[T]{"dT", dT, true, true}, arg[T]{"dOut", dOut, false, true},
		arg[T]{"in", in, false, true}, arg[T]{"sHat", sHat, false, true})
	if is32[T]() {
		dispatch.Current().F32.AffineForwardGrad(as32(dIn), as32(dSHat), as32(dT), as32(dOut), as32(dLogdet), as32(in), as32(sHat), cols, float32(clamp))
		return
	}
	dispatch.Current().F64.AffineForwardGrad(as64(dIn), as64(dSHat), as64(dT), as64(dOut), as64(dLogdet), as64(in), as64(sHat), cols, float64(clamp))
}

// AffineInverseGrad is the backward pass of AffineInverse, for training:
//
//	dIn[i]   = dOut[i]·exp(−s[i])
//	dT[i]    = −dIn[i]
//	dSHat[i] = −(dOut[i]·z[i] + dLogdet[r]) · ∂s/∂ŝ,  z[i] = (in[i] − t[i])·exp(−s[i])
//
// The outputs are overwritten, not accumulated.
func AffineInverseGrad[T Float](dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T) {
	const k = "AffineInverseGrad"
	affineArgs(k, arg[T]{"dLogdet", dLogdet, false, false}, cols, clamp, arg[T]{"dIn", dIn, true, true}, arg[T]{"dSHat", dSHat, true, true},
		arg[T]{"dT", dT, true, true}, arg[T]{"dOut", dOut, false, true},
		arg[T]{"in", in, false, true}, arg[T]{"sHat", sHat, false, true}, arg[T]{"t", t, false, true})
	if is32[T]() {
		dispatch.Current().F32.AffineInverseGrad(as32(dIn), as32(dSHat), as32(dT), as32(dOut), as32(dLogdet), as32(in), as32(sHat), as32(t), cols, float32(clamp))
		return
	}
	dispatch.Current().F64.AffineInverseGrad(as64(dIn), as64(dSHat), as64(dT), as64(dOut), as64(dLogdet), as64(in), as64(sHat), as64(t), cols, float64(clamp))
}

// affineValid reports whether arguments of AffineForward or AffineInverse
// pass every check of affineArgs, in a few comparisons and without
// building its argument list: the clamp is finite and ≥ 0, cols ≥ 0, the
// elementwise slices have len(logdet)·cols elements, logdet overlaps none
// of them, and out overlaps an input only by being the same slice. When it
// reports false, affineArgs finds what is wrong and says so (or, for sizes
// past 2³¹, finds nothing).
func affineValid[T Float](out, logdet, in, sHat, t []T, cols int, clamp T) bool {
	if !(clamp >= 0) || math.IsInf(float64(clamp), 1) || cols < 0 || uint(len(logdet)|cols) >= 1<<31 {
		return false
	}
	n := len(logdet) * cols
	if len(out) != n || len(in) != n || len(sHat) != n || len(t) != n {
		return false
	}
	if overlap(logdet, out) || overlap(logdet, in) || overlap(logdet, sHat) || overlap(logdet, t) {
		return false
	}
	return apartOrSame(out, in) && apartOrSame(out, sHat) && apartOrSame(out, t)
}

// apartOrSame reports whether a and b, of equal lengths, share no element
// or are the same slice.
func apartOrSame[T Float](a, b []T) bool {
	return !overlap(a, b) || unsafe.SliceData(a) == unsafe.SliceData(b)
}

// affineArgs checks the arguments of the affine kernels: the clamp, then
// as rowArgs.
func affineArgs[T Float](kernel string, row arg[T], cols int, clamp T, elems ...arg[T]) {
	checkClamp(kernel, clamp)
	rowArgs(kernel, row, cols, elems...)
}

// rowArgs checks a kernel over rows: cols ≥ 0, every elementwise slice of
// len(row.s)·cols elements, and no forbidden overlap — row, the per-row
// slice, overlaps nothing when either side is written.
func rowArgs[T Float](kernel string, row arg[T], cols int, elems ...arg[T]) {
	nonNegative(kernel, "cols", cols)
	n := product(kernel, len(row.s), cols)
	for _, e := range elems {
		if len(e.s) != n {
			fail(kernel, "len(%s) = %d, want len(%s)·cols = %d·%d = %d", e.name, len(e.s), row.name, len(row.s), cols, n)
		}
		if (e.out || row.out) && overlap(e.s, row.s) {
			fail(kernel, "%s overlaps %s", e.name, row.name)
		}
	}
	checkOverlaps(kernel, elems...)
}
