package flowkern

import "github.com/flowkern/flowkern/kernels"

// Activation names the elementwise function of a dense layer. Each one's
// derivative follows from its output alone, so DenseGrad needs no stored
// pre-activation.
type Activation = kernels.Activation

// The activations.
const (
	ActIdentity  = kernels.ActIdentity  // z
	ActReLU      = kernels.ActReLU      // max(z, 0)
	ActLeakyReLU = kernels.ActLeakyReLU // z for z > 0, LeakySlope·z otherwise
	ActTanh      = kernels.ActTanh      // tanh z, with Tanh's accuracy
	ActELU       = kernels.ActELU       // z for z > 0, exp(z) − 1 otherwise
	ActSigmoid   = kernels.ActSigmoid   // 1/(1 + exp(−z))
)

// LeakySlope is ActLeakyReLU's slope for negative inputs.
const LeakySlope = kernels.LeakySlope

// ParseActivation returns the activation called s ("relu", "tanh", ...).
func ParseActivation(s string) (Activation, error) {
	return kernels.ParseActivation(s)
}

// Dense computes a dense layer, Y = act(X·Wᵀ + b): X is m×k, W is n×k (one
// row per output unit, PyTorch's Linear layout), b has n elements or is nil
// (no bias), Y is m×n; all row-major. y must not overlap x, w or b.
func Dense[T Float](y, x, w, b []T, m, k, n int, act Activation) {
	dense("Dense", "w", y, x, w, b, m, k, n, act)
}

// dense checks a call of Dense or DenseT (named kn, the weights wName) and
// runs the current set's kernel.
func dense[T Float](kn, wName string, y, x, w, b []T, m, k, n int, act Activation) {
	denseArgs(kn, wName, x, w, m, k, n, act)
	wantLen(kn, "y", y, product(kn, m, n), "m·n")
	if b != nil {
		wantLen(kn, "b", b, n, "n")
	}
	checkOverlaps(kn, arg[T]{"y", y, true, false}, arg[T]{"x", x, false, false},
		arg[T]{wName, w, false, false}, arg[T]{"b", b, false, false})
	if is32[T]() {
		f := current().f32.dense
		if wName == "wt" {
			f = current().f32.denseT
		}
		f(as32(y), as32(x), as32(w), as32(b), m, k, n, act)
		return
	}
	f := current().f64.dense
	if wName == "wt" {
		f = current().f64.denseT
	}
	f(as64(y), as64(x), as64(w), as64(b), m, k, n, act)
}

// DenseGrad is the backward pass of Dense. Given Dense's inputs x and w, its
// output y, and dy, the gradient of a loss with respect to y, it
//
//   - overwrites dy with the gradient with respect to the pre-activation,
//     dZ = dy ⊙ act'(y);
//   - sets dx = dZ·W (m×k), unless dx is nil (a first layer needs none);
//   - adds dZᵀ·X to dw (n×k), and the column sums of dZ to db unless db is
//     nil: parameter gradients accumulate, so that they can be summed over
//     batches; zero them before the first.
//
// The written slices must not overlap each other or the inputs.
func DenseGrad[T Float](dx, dw, db, dy, x, w, y []T, m, k, n int, act Activation) {
	const kn = "DenseGrad"
	denseArgs(kn, "w", x, w, m, k, n, act)
	mn := product(kn, m, n)
	wantLen(kn, "y", y, mn, "m·n")
	wantLen(kn, "dy", dy, mn, "m·n")
	wantLen(kn, "dw", dw, len(w), "n·k")
	if dx != nil {
		wantLen(kn, "dx", dx, len(x), "m·k")
	}
	if db != nil {
		wantLen(kn, "db", db, n, "n")
	}
	checkOverlaps(kn, arg[T]{"dx", dx, true, false}, arg[T]{"dw", dw, true, false},
		arg[T]{"db", db, true, false}, arg[T]{"dy", dy, true, false},
		arg[T]{"x", x, false, false}, arg[T]{"w", w, false, false}, arg[T]{"y", y, false, false})
	if is32[T]() {
		current().f32.denseGrad(as32(dx), as32(dw), as32(db), as32(dy), as32(x), as32(w), as32(y), m, k, n, act)
		return
	}
	current().f64.denseGrad(as64(dx), as64(dw), as64(db), as64(dy), as64(x), as64(w), as64(y), m, k, n, act)
}

// DenseT is Dense with the weights transposed: wt is Wᵀ, k×n (the layout
// the vector kernels read), so a caller that keeps its weights that way —
// a layer evaluated many times between updates — saves Dense's
// transposition on every call. The results are Dense's bits for W = wtᵀ.
func DenseT[T Float](y, x, wt, b []T, m, k, n int, act Activation) {
	dense("DenseT", "wt", y, x, wt, b, m, k, n, act)
}

// denseArgs checks what Dense, DenseT and DenseGrad share: sizes, x, the
// weights (called wName) and act.
func denseArgs[T Float](kernel, wName string, x, w []T, m, k, n int, act Activation) {
	nonNegative(kernel, "m", m)
	nonNegative(kernel, "k", k)
	nonNegative(kernel, "n", n)
	if !act.Valid() {
		fail(kernel, "unknown activation %v", act)
	}
	wantLen(kernel, "x", x, product(kernel, m, k), "m·k")
	wantLen(kernel, wName, w, product(kernel, n, k), map[string]string{"w": "n·k", "wt": "k·n"}[wName])
}
