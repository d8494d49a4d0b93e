// Package flowkern provides the numerical kernels of normalizing flows —
// vector exp, log and tanh, affine coupling fused with its log-determinant,
// elementwise log-abs-Jacobian sums, batched triangular solves and products,
// and dense layers with their backward passes — for float64 and float32.
//
// Batches are row-major: B samples of dimension D are one slice of length
// B·D, and per-sample log-determinants one slice of length B.
//
// Every function checks its slice lengths first and panics with a message
// that names the function and the lengths when they do not fit (the
// convention of gonum for programmer errors); no kernel allocates.
//
// At init the fastest kernel set the CPU supports is selected (see Impl,
// Diagnose and Use); the portable Go kernels of package kernels are the
// fallback and the reference the others are tested against. The environment
// variable FLOWKERN_IMPL names a kernel set to use instead (for example
// FLOWKERN_IMPL=generic); for a name that is unknown or that this binary
// or CPU cannot run, ImplError returns the error saying why, and the
// fastest available set runs (a program checks ImplError at start and
// stops, as the flowkern command does). The build tags purego and noasm
// leave all assembly out.
//
// Direction convention (that of the package flow): a layer's Forward maps
// the base variable z to data x (sampling); its Inverse maps x to z
// (density evaluation) and yields log|det ∂z/∂x|.
package flowkern
