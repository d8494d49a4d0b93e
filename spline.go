package flowkern

import (
	"fmt"
	"math"

	"github.com/flowkern/flowkern/internal/dispatch"
	"github.com/flowkern/flowkern/kernels"
)

// Rational-quadratic splines, the transform of neural spline flows
// (Durkan et al., "Neural Spline Flows", 2019), fused with the per-row
// log-determinant, and their backward passes.
//
// A batch has rows = len(logdet) rows of cols elements; in and out have
// rows·cols. Element i has its own monotone spline g_i on [−Bound, Bound],
// the identity outside it (linear tails), made from its 3·Bins − 1
// unnormalised parameters as a network outputs them, laid out parameter by
// parameter within each row (parameter k of the element in row r, column
// c is params[(r·(3·Bins−1) + k)·cols + c], so that a vector of columns
// loads one parameter of each):
// Bins bin widths and Bins bin heights (each through a softmax, then at
// least MinWidth or MinHeight of the interval: share = min + (1 −
// Bins·min)·softmax) and Bins − 1 derivatives at the interior knots (min
// + softplus); the derivative at ±Bound is 1. This is nflows'
// unconstrained_rational_quadratic_spline, except that the inverse takes
// the root of its quadratic in a form that does not cancel.
//
// out may be in itself; no other overlap is allowed. NaN inputs stay NaN;
// inputs outside [−Bound, Bound], ±Inf included, pass through exactly with
// a log-determinant of 0. A non-finite parameter gives NaN inside.

// Spline is the shape of a batch's splines.
type Spline struct {
	Bins  int     // K, 2…MaxSplineBins
	Bound float64 // B > 0: the spline maps [−B, B] onto itself
	// MinWidth and MinHeight are the least share of 2B a bin has,
	// MinDerivative the least derivative at a knot; zero means the
	// default, DefaultSplineMinimum. Bins·MinWidth and Bins·MinHeight
	// must be below 1.
	MinWidth, MinHeight, MinDerivative float64
}

// DefaultSplineMinimum is the default of Spline's minimums (nflows').
const DefaultSplineMinimum = 1e-3

// MaxSplineBins is the most bins a spline may have.
const MaxSplineBins = kernels.MaxBins

// ParamsPer returns the number of unnormalised parameters of one
// element's spline, 3·Bins − 1.
func (s Spline) ParamsPer() int { return 3*s.Bins - 1 }

// WithDefaults returns s with its zero minimums set to the default, as the
// kernels take it and model files keep it.
func (s Spline) WithDefaults() Spline {
	for _, m := range []*float64{&s.MinWidth, &s.MinHeight, &s.MinDerivative} {
		if *m == 0 {
			*m = DefaultSplineMinimum
		}
	}
	return s
}

// CheckSpline returns an error if s, after defaults, is not a spline
// shape the kernels take in element type T, naming the field at fault.
func CheckSpline[T Float](s Spline) error {
	s = s.WithDefaults()
	maxT := math.MaxFloat64
	if is32[T]() {
		maxT = math.MaxFloat32
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("flowkern: spline "+format, args...)
	}
	switch {
	case s.Bins < 2 || s.Bins > MaxSplineBins:
		return bad("Bins = %d, want 2…%d", s.Bins, MaxSplineBins)
	case !(s.Bound > 0) || s.Bound > maxT/4:
		return bad("Bound = %v, want a finite value > 0 that the element type holds", s.Bound)
	case !(s.MinWidth > 0) || !(float64(s.Bins)*s.MinWidth < 1):
		return bad("MinWidth = %v, want 0 < MinWidth < 1/Bins = %v", s.MinWidth, 1/float64(s.Bins))
	case !(s.MinHeight > 0) || !(float64(s.Bins)*s.MinHeight < 1):
		return bad("MinHeight = %v, want 0 < MinHeight < 1/Bins = %v", s.MinHeight, 1/float64(s.Bins))
	case !(s.MinDerivative > 0) || s.MinDerivative > maxT/4 || T(s.MinDerivative) == 0:
		return bad("MinDerivative = %v, want a finite value > 0 that the element type holds", s.MinDerivative)
	}
	return nil
}

// rqOf is s, checked and with its defaults, in the kernels' form.
func rqOf[E float32 | float64](s Spline) kernels.RQSpline[E] {
	s = s.WithDefaults()
	return kernels.RQSpline[E]{Bins: s.Bins, Bound: E(s.Bound), MinWidth: E(s.MinWidth), MinHeight: E(s.MinHeight), MinDerivative: E(s.MinDerivative)}
}

// splineShape checks s and the length of params, rows·cols·(3·Bins − 1).
func splineShape[T Float](kernel string, s Spline, rows, cols int, params []T) {
	if err := CheckSpline[T](s); err != nil {
		fail(kernel, "%v", err)
	}
	nonNegative(kernel, "cols", cols)
	n := product(kernel, product(kernel, rows, cols), s.ParamsPer())
	if len(params) != n {
		fail(kernel, "len(params) = %d, want rows·cols·(3·Bins−1) = %d·%d·%d = %d", len(params), rows, cols, s.ParamsPer(), n)
	}
}

// splineArgs checks the arguments of SplineForward and SplineInverse.
func splineArgs[T Float](kernel string, s Spline, out, logdet, in, params []T, cols int) {
	splineShape(kernel, s, len(logdet), cols, params)
	ld, o, i, p := arg[T]{"logdet", logdet, true, false}, arg[T]{"out", out, true, true}, arg[T]{"in", in, false, true}, arg[T]{"params", params, false, false}
	rowArgs(kernel, ld, cols, o, i)
	checkOverlaps(kernel, o, i, ld, p)
}

// SplineForward computes out[i] = g_i(in[i]) and adds log g_i′(in[i]) to
// logdet[r] for i in row r: the flow direction z → x (sampling) of a
// spline layer.
func SplineForward[T Float](out, logdet, in, params []T, cols int, s Spline) {
	const k = "SplineForward"
	splineArgs(k, s, out, logdet, in, params, cols)
	if is32[T]() {
		dispatch.Current().F32.SplineForward(as32(out), as32(logdet), as32(in), as32(params), cols, rqOf[float32](s))
		return
	}
	dispatch.Current().F64.SplineForward(as64(out), as64(logdet), as64(in), as64(params), cols, rqOf[float64](s))
}

// SplineInverse computes out[i] = g_i⁻¹(in[i]), SplineForward's inverse,
// and adds log|∂out/∂in| = −log g_i′(out[i]) to logdet[r]: the direction
// x → z (density evaluation).
func SplineInverse[T Float](out, logdet, in, params []T, cols int, s Spline) {
	const k = "SplineInverse"
	splineArgs(k, s, out, logdet, in, params, cols)
	if is32[T]() {
		dispatch.Current().F32.SplineInverse(as32(out), as32(logdet), as32(in), as32(params), cols, rqOf[float32](s))
		return
	}
	dispatch.Current().F64.SplineInverse(as64(out), as64(logdet), as64(in), as64(params), cols, rqOf[float64](s))
}

// SplineForwardGrad is the backward pass of SplineForward, for training:
// from dOut and dLogdet (len rows), the gradients of a loss with respect to
// SplineForward's out and logdet, it writes the gradients with respect to
// in (dIn, rows·cols) and params (dParams, like params). Outside
// [−Bound, Bound] dIn = dOut and the parameters' gradients are 0. The
// outputs are overwritten, not accumulated.
func SplineForwardGrad[T Float](dIn, dParams, dOut, dLogdet, in, params []T, cols int, s Spline) {
	const k = "SplineForwardGrad"
	splineGradArgs(k, s, dIn, dParams, dOut, dLogdet, in, params, cols)
	if is32[T]() {
		dispatch.Current().F32.SplineForwardGrad(as32(dIn), as32(dParams), as32(dOut), as32(dLogdet), as32(in), as32(params), cols, rqOf[float32](s))
		return
	}
	dispatch.Current().F64.SplineForwardGrad(as64(dIn), as64(dParams), as64(dOut), as64(dLogdet), as64(in), as64(params), cols, rqOf[float64](s))
}

// SplineInverseGrad is the backward pass of SplineInverse, as
// SplineForwardGrad is SplineForward's.
func SplineInverseGrad[T Float](dIn, dParams, dOut, dLogdet, in, params []T, cols int, s Spline) {
	const k = "SplineInverseGrad"
	splineGradArgs(k, s, dIn, dParams, dOut, dLogdet, in, params, cols)
	if is32[T]() {
		dispatch.Current().F32.SplineInverseGrad(as32(dIn), as32(dParams), as32(dOut), as32(dLogdet), as32(in), as32(params), cols, rqOf[float32](s))
		return
	}
	dispatch.Current().F64.SplineInverseGrad(as64(dIn), as64(dParams), as64(dOut), as64(dLogdet), as64(in), as64(params), cols, rqOf[float64](s))
}

// splineGradArgs checks the arguments of a spline backward pass; dParams
// has params' length and overlaps nothing.
func splineGradArgs[T Float](kernel string, s Spline, dIn, dParams, dOut, dLogdet, in, params []T, cols int) {
	splineShape(kernel, s, len(dLogdet), cols, params)
	wantLen(kernel, "dParams", dParams, len(params), "len(params)")
	dl, di, dp, do := arg[T]{"dLogdet", dLogdet, false, false}, arg[T]{"dIn", dIn, true, true}, arg[T]{"dParams", dParams, true, false}, arg[T]{"dOut", dOut, false, true}
	i, p := arg[T]{"in", in, false, true}, arg[T]{"params", params, false, false}
	rowArgs(kernel, dl, cols, di, do, i)
	checkOverlaps(kernel, dp, di, do, dl, i, p)
}
