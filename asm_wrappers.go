//go:build (amd64 || arm64) && gc && !purego && !noasm

package flowkern

import (
	"sync"
	"unsafe"

	"github.com/flowkern/flowkern/kernels"
)

// What the amd64 and arm64 kernel sets share: the signatures of the
// generated kernels, and the wrappers that annotate their memory accesses
// for the race detector (it cannot see inside assembly) and pick the
// clamped or unclamped variant.

// affineAsm is the signature of the generated affine kernels.
type affineAsm[T float32 | float64] func(out, logdet, in, sHat, t []T, cols int, clamp, invClamp T)

// gradAsm is the signature of the generated affine backward kernels (the
// forward pass's ignores t).
type gradAsm[T float32 | float64] func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T)

// gradFunc is a backward kernel with t, after the clamp is resolved.
type gradFunc[T float32 | float64] func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T)

// unaryAsm wraps an elementwise assembly kernel with race annotations.
func unaryAsm[T float32 | float64](f func(dst, x []T)) func(dst, x []T) {
	return func(dst, x []T) {
		raceRead(x[:len(dst)])
		raceWrite(dst)
		f(dst, x)
	}
}

// logAbsAsm wraps a LogAbsSum assembly kernel with race annotations.
func logAbsAsm[T float32 | float64](f func(logdet, d []T, cols int)) func(logdet, d []T, cols int) {
	return func(logdet, d []T, cols int) {
		raceRead(d)
		raceWrite(logdet)
		f(logdet, d, cols)
	}
}

// affine picks the clamped or unclamped kernel and passes 1/clamp, as the
// portable kernel computes it.
func affine[T float32 | float64](plain, clamped affineAsm[T]) func(out, logdet, in, sHat, t []T, cols int, clamp T) {
	return func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		raceRead(in)
		raceRead(sHat)
		raceRead(t)
		raceWrite(out)
		raceWrite(logdet)
		if clamp == 0 {
			plain(out, logdet, in, sHat, t, cols, 0, 0)
			return
		}
		clamped(out, logdet, in, sHat, t, cols, clamp, 1/clamp)
	}
}

// grad picks the clamped or unclamped backward kernel.
func grad[T float32 | float64](plain, clamped gradAsm[T]) gradFunc[T] {
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
			return
		}
		clamped(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp, 1/clamp)
	}
}

// withoutT turns a backward kernel with t into AffineForwardGrad's
// signature, which has none.
func withoutT[T float32 | float64](f gradFunc[T]) func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
		f(dIn, dSHat, dT, dOut, dLogdet, in, sHat, nil, cols, clamp)
	}
}

// scratch is a pool of buffers, so that a warm call allocates nothing.
type scratch[T float32 | float64] struct{ pool sync.Pool }

// get returns a buffer of n elements.
func (s *scratch[T]) get(n int) *[]T {
	b, _ := s.pool.Get().(*[]T)
	if b == nil || cap(*b) < n {
		fresh := make([]T, n)
		b = &fresh
	}
	*b = (*b)[:n]
	return b
}

func (s *scratch[T]) put(b *[]T) { s.pool.Put(b) }

// splineAsm is the signature of the generated spline kernels.
type splineAsm[T float32 | float64] func(out, logdet, in, params, scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T)

// widestVector is how many elements of T the widest vector (64 bytes)
// holds.
func widestVector[T float32 | float64]() int {
	var t T
	return 64 / int(unsafe.Sizeof(t))
}

// splineScratch is the scratch a spline kernel needs for K bins: 2K
// vectors of the widest set, where it keeps the exps of the softmaxes for
// the walks over the knots.
func splineScratch[T float32 | float64](bins int) int { return 2 * bins * widestVector[T]() }

// spline wraps a generated spline kernel with race annotations, its
// scratch and the shares' scales, rounded as the portable knots rounds
// them.
func spline[T float32 | float64](f splineAsm[T]) func(out, logdet, in, params []T, cols int, s kernels.RQSpline[T]) {
	var pool scratch[T]
	return func(out, logdet, in, params []T, cols int, s kernels.RQSpline[T]) {
		raceRead(in)
		raceRead(params)
		raceWrite(out)
		raceWrite(logdet)
		buf := pool.get(splineScratch[T](s.Bins))
		k := T(s.Bins)
		f(out, logdet, in, params, *buf, cols, s.Bins, s.Bound, s.MinWidth, s.MinHeight, s.MinDerivative, 1-T(s.MinWidth*k), 1-T(s.MinHeight*k))
		pool.put(buf)
	}
}

// splineGradAsm is the signature of the generated spline backward kernels.
type splineGradAsm[T float32 | float64] func(dIn, dParams, dOut, dLogdet, in, params, scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T)

// splineGradStashes is how many vectors the spline backward kernels keep
// at the start of their scratch (gen/amd64/splinegrad.go's splineStashes
// and no more than gen/arm64's, as the kernels' doc comments say).
const splineGradStashes = 48

// splineGrad wraps a generated spline backward kernel with race
// annotations, its scratch (splineGradStashes vectors and the exps) and
// the shares' scales.
func splineGrad[T float32 | float64](f splineGradAsm[T]) func(dIn, dParams, dOut, dLogdet, in, params []T, cols int, s kernels.RQSpline[T]) {
	var pool scratch[T]
	return func(dIn, dParams, dOut, dLogdet, in, params []T, cols int, s kernels.RQSpline[T]) {
		raceRead(dOut)
		raceRead(dLogdet)
		raceRead(in)
		raceRead(params)
		raceWrite(dIn)
		raceWrite(dParams)
		buf := pool.get(splineScratch[T](s.Bins) + splineGradStashes*widestVector[T]())
		k := T(s.Bins)
		f(dIn, dParams, dOut, dLogdet, in, params, *buf, cols, s.Bins, s.Bound, s.MinWidth, s.MinHeight, s.MinDerivative, 1-T(s.MinWidth*k), 1-T(s.MinHeight*k))
		pool.put(buf)
	}
}

// adamAsm runs a generated Adam kernel on the whole vectors of lanes
// float64 elements and the portable kernel, the same arithmetic, on the
// rest.
func adamAsm[T float32 | float64](f func(w, g, old []T, m, v []float64, scale, beta1, c1, beta2, c2, stepSize, invSqrtBC2, eps, decay float64) bool, lanes int) func(w, g, old []T, m, v []float64, a kernels.AdamStep) bool {
	return func(w, g, old []T, m, v []float64, a kernels.AdamStep) bool {
		n := len(w)
		raceRead(g[:n])
		raceWrite(w)
		raceWrite(old[:n])
		raceWrite(m[:n])
		raceWrite(v[:n])
		whole := n - n%lanes
		ok := f(w[:whole], g, old, m, v, a.Scale, a.Beta1, a.C1, a.Beta2, a.C2, a.StepSize, a.InvSqrtBC2, a.Eps, a.Decay)
		return kernels.AdamUpdate(w[whole:], g[whole:n], old[whole:n], m[whole:n], v[whole:n], a) && ok
	}
}
