package kernels

import "github.com/flowkern/flowkern/internal/portable"

// The steps of the dense, triangular and spline kernels that flowkern's vector kernel sets finish
// with, handed to them through internal/portable so that they give these
// kernels' bits without this package exporting its internals.
func init() {
	portable.F64 = denseParts[float64]()
	portable.F32 = denseParts[float32]()
	portable.T64 = triParts[float64]()
	portable.T32 = triParts[float32]()
	portable.S64 = splineParts[float64]()
	portable.S32 = splineParts[float32]()
}

func splineParts[T float32 | float64]() portable.SplineParts[T] {
	shape := func(bins int, bound, minWidth, minHeight, minDeriv T) RQSpline[T] {
		return RQSpline[T]{Bins: bins, Bound: bound, MinWidth: minWidth, MinHeight: minHeight, MinDerivative: minDeriv}
	}
	return portable.SplineParts[T]{
		Columns: func(out, logdet, in, params []T, cols, c0, bins int, bound, minWidth, minHeight, minDeriv T, inverse bool) {
			splineColumns(out, logdet, in, params, cols, c0, shape(bins, bound, minWidth, minHeight, minDeriv), inverse)
		},
		GradColumns: func(dIn, dParams, dOut, dLogdet, in, params []T, cols, c0, bins int, bound, minWidth, minHeight, minDeriv T, inverse bool) {
			splineGradColumns(dIn, dParams, dOut, dLogdet, in, params, cols, c0, shape(bins, bound, minWidth, minHeight, minDeriv), inverse)
		},
	}
}

func denseParts[T float32 | float64]() portable.DenseParts[T] {
	return portable.DenseParts[T]{
		Finish:      func(y, b []T, m, n int, act int) { denseFinish(y, b, m, n, Activation(act)) },
		DZ:          func(dy, y []T, m, n int, act int) { denseDZ(dy, y, m, n, Activation(act)) },
		BiasGrad:    denseBiasGrad[T],
		SumsColumns: denseSumsColumns[T],
	}
}
