package portable

// SplineParts are the portable spline kernels (kernels.SplineForward,
// SplineInverse and their backward passes) on some columns of a batch, for one element type: a
// vector kernel set that leaves a row's last cols mod lanes columns runs
// them, so that every column gets the portable bits.
type SplineParts[T float32 | float64] struct {
	// Columns applies the splines of the columns [c0, cols) of every row
	// (the inverse if inverse), parameters laid out as for the whole
	// batch, and adds their log-determinants to the rows'. The spline has
	// bins bins on [−bound, bound] and the minimums given.
	Columns func(out, logdet, in, params []T, cols, c0, bins int, bound, minWidth, minHeight, minDeriv T, inverse bool)
	// GradColumns is the backward pass of Columns on the same columns
	// (kernels.SplineForwardGrad, or SplineInverseGrad if inverse): it
	// writes their elements of dIn and of dParams.
	GradColumns func(dIn, dParams, dOut, dLogdet, in, params []T, cols, c0, bins int, bound, minWidth, minHeight, minDeriv T, inverse bool)
}

// S64 and S32 are the spline parts for each element type.
var (
	S64 SplineParts[float64]
	S32 SplineParts[float32]
)

// Spline returns the spline parts for T.
func Spline[T float32 | float64]() *SplineParts[T] {
	if p, ok := any(&S64).(*SplineParts[T]); ok {
		return p
	}
	return any(&S32).(*SplineParts[T])
}
