// Package portable hands the root package the parts of the portable dense
// kernels that its vector wrappers finish with — the bias and activation
// after the sums, the activation's derivative, the bias gradient, and the
// sums of the columns a vector kernel leaves — so that the SIMD sets give
// the portable bits. Package kernels keeps these parts unexported (they
// are steps of its reference kernels, not kernels of their own) and fills
// the variables here at its initialisation, before any caller runs.
// Activations are passed as the int value of kernels.Activation.
package portable

// DenseParts are the steps of the portable dense kernels for one element
// type.
type DenseParts[T float32 | float64] struct {
	// Finish completes Dense from the sums in y (m×n): it adds b (unless
	// nil) and applies the activation act, in place.
	Finish func(y, b []T, m, n int, act int)
	// DZ overwrites dy (m×n) with dy ⊙ act′(y), the gradient with respect
	// to the pre-activation.
	DZ func(dy, y []T, m, n int, act int)
	// BiasGrad adds the column sums of dz (m×n) to db, unless db is nil.
	BiasGrad func(db, dz []T, m, n int)
	// SumsColumns computes Dense's chains for the columns j0…n−1 of
	// y = x·wt (x m×k, wt k×n), from zero or, with accumulate, from y.
	SumsColumns func(y, x, wt []T, m, k, n, j0 int, accumulate bool)
}

// F64 and F32 are the parts for each element type.
var (
	F64 DenseParts[float64]
	F32 DenseParts[float32]
)

// Dense returns the parts for T.
func Dense[T float32 | float64]() *DenseParts[T] {
	if p, ok := any(&F64).(*DenseParts[T]); ok {
		return p
	}
	return any(&F32).(*DenseParts[T])
}
