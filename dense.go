package flowkern

import (
	"fmt"
	"strings"

	"github.com/flowkern/flowkern/internal/dispatch"
	"github.com/flowkern/flowkern/kernels"
)

// Activation names the elementwise function of a dense layer. Each one's
// derivative follows from its output alone, so DenseGrad needs no stored
// pre-activation.
type Activation int

// The activations. The zero value is ActReLU, the usual activation of a
// hidden layer.
const (
	ActReLU        Activation = iota // max(z, 0)
	ActIdentity                      // z
	ActLeakyReLU                     // z for z > 0, LeakySlope·z otherwise
	ActTanh                          // tanh z, with Tanh's accuracy
	ActELU                           // z for z > 0, exp(z) − 1 otherwise
	ActSigmoid                       // 1/(1 + exp(−z))
	numActivations                   // how many there are
)

// The kernel sets take the portable kernels' activations, which are
// numbered and named as these are (TestActivationsMatchPortable).

// LeakySlope is ActLeakyReLU's slope for negative inputs.
const LeakySlope = kernels.LeakySlope

// String returns the activation's lower-case name ("relu", "identity",
// "leakyrelu", "tanh", "elu", "sigmoid"), as ParseActivation reads it.
func (a Activation) String() string { return kernels.Activation(a).String() }

// Valid reports whether a is one of the defined activations.
func (a Activation) Valid() bool {
	return a >= 0 && a < numActivations
}

// ParseActivation returns the activation called s (as String writes it).
func ParseActivation(s string) (Activation, error) {
	names := make([]string, numActivations)
	for a := range numActivations {
		if names[a] = a.String(); names[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q (known: %s)", s, strings.Join(names, ", "))
}

// weightLayout says how a dense kernel's weights are laid out.
type weightLayout int

const (
	rowPerOutput weightLayout = iota // W, n×k: Dense and DenseGrad
	rowPerInput                      // Wᵀ, k×n: DenseT
)

// name is the weights' argument name, for messages.
func (l weightLayout) name() string { return [...]string{"w", "wt"}[l] }

// shape is the weights' length as a formula, for messages.
func (l weightLayout) shape() string { return [...]string{"n·k", "k·n"}[l] }

// Dense computes a dense layer, Y = act(X·Wᵀ + b): X is m×k, W is n×k (one
// row per output unit, PyTorch's Linear layout), b has n elements or is nil
// (no bias), Y is m×n; all row-major. y must not overlap x, w or b.
func Dense[T Float](y, x, w, b []T, m, k, n int, act Activation) {
	dense("Dense", rowPerOutput, y, x, w, b, m, k, n, act)
}

// dense checks a call of Dense or DenseT (named kn, the weights in layout
// wl) and runs the current set's kernel.
func dense[T Float](kn string, wl weightLayout, y, x, w, b []T, m, k, n int, act Activation) {
	denseArgs(kn, wl, x, w, m, k, n, act)
	wantLen(kn, "y", y, product(kn, m, n), "m·n")
	if b != nil {
		wantLen(kn, "b", b, n, "n")
	}
	if overlap(y, x) || overlap(y, w) || overlap(y, b) {
		denseOverlap(kn, wl, y, x, w, b)
	}
	if is32[T]() {
		f := dispatch.Current().F32.Dense
		if wl == rowPerInput {
			f = dispatch.Current().F32.DenseT
		}
		f(as32(y), as32(x), as32(w), as32(b), m, k, n, kernels.Activation(act))
		return
	}
	f := dispatch.Current().F64.Dense
	if wl == rowPerInput {
		f = dispatch.Current().F64.DenseT
	}
	f(as64(y), as64(x), as64(w), as64(b), m, k, n, kernels.Activation(act))
}

// denseOverlap panics with the message naming the argument y overlaps.
// It is dense's failure path, apart so that the check inlines as three
// comparisons of address ranges.
//
//go:noinline
func denseOverlap[T Float](kn string, wl weightLayout, y, x, w, b []T) {
	checkOverlaps(kn, arg[T]{"y", y, true, false}, arg[T]{"x", x, false, false},
		arg[T]{wl.name(), w, false, false}, arg[T]{"b", b, false, false})
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
	denseArgs(kn, rowPerOutput, x, w, m, k, n, act)
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
		dispatch.Current().F32.DenseGrad(as32(dx), as32(dw), as32(db), as32(dy), as32(x), as32(w), as32(y), m, k, n, kernels.Activation(act))
		return
	}
	dispatch.Current().F64.DenseGrad(as64(dx), as64(dw), as64(db), as64(dy), as64(x), as64(w), as64(y), m, k, n, kernels.Activation(act))
}

// DenseT is Dense with the weights transposed: wt is Wᵀ, k×n (the layout
// the vector kernels read), so a caller that keeps its weights that way —
// a layer evaluated many times between updates — saves Dense's
// transposition on every call. The results are Dense's bits for W = wtᵀ.
func DenseT[T Float](y, x, wt, b []T, m, k, n int, act Activation) {
	dense("DenseT", rowPerInput, y, x, wt, b, m, k, n, act)
}

// denseArgs checks what Dense, DenseT and DenseGrad share: sizes, x, the
// weights (in layout wl) and act.
func denseArgs[T Float](kernel string, wl weightLayout, x, w []T, m, k, n int, act Activation) {
	nonNegative(kernel, "m", m)
	nonNegative(kernel, "k", k)
	nonNegative(kernel, "n", n)
	if !act.Valid() {
		fail(kernel, "unknown activation %v", act)
	}
	wantLen(kernel, "x", x, product(kernel, m, k), "m·k")
	wantLen(kernel, wl.name(), w, product(kernel, n, k), wl.shape())
}
