package flow

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flowkern/flowkern"
)

// Scale names how an affine coupling or autoregressive layer turns the
// conditioner's raw output ŝ into the scale of what it transforms.
type Scale int

const (
	// ScaleExp scales by exp(s) with the soft clamp s = c·tanh(ŝ/c)
	// (Glow, FrEIA), which keeps exp(s) within [e^−c, e^c].
	ScaleExp Scale = iota
	// ScaleSigmoid scales by sigmoid(ŝ + 2) + ε, as nflows and Glow do:
	// a scale in (ε, 1 + ε) that starts near 0.88.
	ScaleSigmoid
	// ScaleNone is additive coupling (NICE): a shift only, volume kept.
	ScaleNone
)

var scaleNames = []string{"exp", "sigmoid", "none"}

func (s Scale) String() string {
	if s >= 0 && int(s) < len(scaleNames) {
		return scaleNames[s]
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

func parseScale(s string) (Scale, error) {
	if i := slices.Index(scaleNames, s); i >= 0 {
		return Scale(i), nil
	}
	return 0, fmt.Errorf("unknown scale %q (want exp, sigmoid or none)", s)
}

// Network configures the network inside a coupling or autoregressive
// layer, which computes the layer's scales and shifts from the kept or
// preceding features, and how its raw outputs become scales.
type Network struct {
	// Hidden gives the sizes of the hidden layers: nil means two of 64,
	// an empty slice none (the scales and shifts are then learned
	// constants).
	Hidden []int
	// Activation is the hidden layers' activation; the zero value is
	// flowkern.ActReLU.
	Activation flowkern.Activation
	// Scale is the scale parameterisation.
	Scale Scale
	// Clamp is the soft clamp c of ScaleExp: 0 means 2, a negative value
	// turns it off.
	Clamp float64
	// Eps is the ε of ScaleSigmoid: 0 means 1e-3.
	Eps float64
	// Context is the number of context features the network reads beside
	// the layer's own inputs, for a conditional flow (p(x | c)): 0 for
	// none. In an autoregressive layer every hidden unit sees the whole
	// context.
	Context int
}

// settled returns c with its defaults filled in, or an error naming a bad
// field.
func (c Network) settled() (Network, error) {
	if c.Hidden == nil {
		c.Hidden = []int{64, 64}
	}
	for _, h := range c.Hidden {
		if h < 1 || h > maxWidth {
			return c, fmt.Errorf("hidden layer size %d outside 1…%d", h, maxWidth)
		}
	}
	if c.Context < 0 || c.Context > maxWidth {
		return c, fmt.Errorf("context of %d features outside 0…%d", c.Context, maxWidth)
	}
	if len(c.Hidden) > maxDepth {
		return c, fmt.Errorf("%d hidden layers, more than %d", len(c.Hidden), maxDepth)
	}
	if !c.Activation.Valid() {
		return c, fmt.Errorf("unknown activation %v", c.Activation)
	}
	if c.Scale < ScaleExp || c.Scale > ScaleNone {
		return c, fmt.Errorf("unknown scale %v", c.Scale)
	}
	switch {
	case c.Clamp == 0:
		c.Clamp = 2
	case c.Clamp < 0:
		c.Clamp = -1
	case !finite(c.Clamp):
		return c, errors.New("clamp must be finite")
	}
	switch {
	case c.Eps == 0:
		c.Eps = 1e-3
	case !(c.Eps > 0 && c.Eps < 1):
		return c, fmt.Errorf("sigmoid ε %v outside (0, 1)", c.Eps)
	}
	return c, nil
}

// settledFor is settled, and checks that the clamp and ε keep their
// meaning in T, the element type the layer runs in: the clamp c and 1/c
// finite and positive, ε not zero.
func settledFor[T Float](c Network) (Network, error) {
	c, err := c.settled()
	if err != nil {
		return c, err
	}
	if c.Clamp > 0 {
		if ct := T(c.Clamp); !finite(float64(ct)) || !finite(float64(1/ct)) {
			return c, fmt.Errorf("clamp %g does not fit %s (it and its reciprocal must be finite there)", c.Clamp, dtypeOf[T]())
		}
	}
	if c.Scale == ScaleSigmoid && T(c.Eps) == 0 {
		return c, fmt.Errorf("sigmoid ε %g is zero in %s", c.Eps, dtypeOf[T]())
	}
	return c, nil
}

// needRand returns an error if rng is nil and the network has hidden
// weights to draw: left at zero they would make every hidden unit alike,
// and such a network trains much worse.
func (c Network) needRand(who string, rng Rand) error {
	if rng == nil && (c.Hidden == nil || len(c.Hidden) > 0) {
		return fmt.Errorf("flow: %s: nil random source, but the network's hidden weights must be drawn (pass a *rand.Rand)", who)
	}
	return nil
}

// heads returns the network outputs a layer with this conditioner uses:
// the raw scales sh and the shifts t, or only t for ScaleNone.
func heads[T Float](c Network, sh, t []T) [][]T {
	if c.Scale == ScaleNone {
		return [][]T{t}
	}
	return [][]T{sh, t}
}

// takeHeads takes the raw scales and the shifts of a network's heads, n
// values each, from ws: one array, the shifts after the scales, so that
// the network writes a single row's heads in place (mlp.outputs).
func takeHeads[T Float](ws *Workspace[T], n int) (sh, t []T) {
	both := ws.Take(2 * n)
	return both[:n], both[n:] // sh's capacity reaches over t
}

// clampArg is the clamp argument of the affine kernels: 0 for none.
func (c Network) clampArg() float64 { return max(c.Clamp, 0) }

// Limits on sizes, which also bound what a model file may ask for.
const (
	maxDim   = 1 << 16
	maxWidth = 1 << 16
	maxDepth = 64
)

// MaskHalves returns the columns a coupling keeps when it splits dim
// features into halves: the first ⌈dim/2⌉ if parity is even, else the rest.
func MaskHalves(dim, parity int) []int {
	h := (dim + 1) / 2
	var kept []int
	for j := range dim {
		if (j < h) == (parity%2 == 0) {
			kept = append(kept, j)
		}
	}
	return kept
}

// MaskAlternate returns the columns a coupling keeps when it splits dim
// features by index parity: the even ones if parity is even, else the odd.
func MaskAlternate(dim, parity int) []int {
	var kept []int
	for j := range dim {
		if j%2 == parity%2 {
			kept = append(kept, j)
		}
	}
	return kept
}

// AffineCoupling is the coupling layer of RealNVP. Its columns are split
// into the kept part x₁, passed through unchanged, and the transformed
// part x₂; a conditioner network of x₁ gives ŝ and t, and
//
//	Forward:  x₂ = z₂·σ + t,   Inverse:  z₂ = (x₂ − t)/σ
//
// with the scale σ = exp(c·tanh(ŝ/c)) (ScaleExp), sigmoid(ŝ + 2) + ε
// (ScaleSigmoid) or 1 (ScaleNone, additive coupling). log|det ∂x/∂z| is
// Σ log σ. The network's output layer starts at zero, so a new coupling is
// the identity (ScaleExp, ScaleNone) or a fixed scaling (ScaleSigmoid).
type AffineCoupling[T Float] struct {
	dim         int
	kept, moved []int
	cond        Network
	net         *mlp[T]

	refreshes // Refresh calls, for training replicas
}

// NewAffineCoupling returns a coupling over dim features that keeps the
// columns kept (see MaskHalves and MaskAlternate) and transforms the
// others; rng draws the hidden weights, and must not be nil unless the
// network has no hidden layer.
func NewAffineCoupling[T Float](dim int, kept []int, c Network, rng Rand) (*AffineCoupling[T], error) {
	if err := c.needRand("coupling", rng); err != nil {
		return nil, err
	}
	return newAffineCoupling[T](dim, kept, c, rng)
}

// newAffineCoupling is NewAffineCoupling with hidden weights left at zero
// for a nil rng, for a loader that sets them after.
func newAffineCoupling[T Float](dim int, kept []int, c Network, rng Rand) (*AffineCoupling[T], error) {
	moved, err := splitColumns(dim, kept)
	if err != nil {
		return nil, fmt.Errorf("flow: coupling %w", err)
	}
	c, err = settledFor[T](c)
	if err != nil {
		return nil, fmt.Errorf("flow: coupling: %w", err)
	}
	l := &AffineCoupling[T]{dim: dim, kept: slices.Clone(kept), moved: moved, cond: c}
	l.net = newMLP[T](len(kept), c.Context, c.Hidden, len(heads[T](c, nil, nil)), len(l.moved), c.Activation, rng)
	return l, nil
}

// Dim returns the number of features.
func (l *AffineCoupling[T]) Dim() int { return l.dim }

// ContextDim returns the number of context features the layer reads (its
// Network's Context).
func (l *AffineCoupling[T]) ContextDim() int { return l.cond.Context }

// Params returns the conditioner's weights and biases.
func (l *AffineCoupling[T]) Params() []Param[T] { return l.net.params("") }

// Refresh recomputes the transposed weights the network is evaluated
// with.
func (l *AffineCoupling[T]) Refresh() {
	l.counted()
	l.net.refresh()
}

// Inverse maps x → z (see Layer).
func (l *AffineCoupling[T]) Inverse(z, logdet, x []T, ws *Workspace[T]) {
	l.apply("AffineCoupling.Inverse", z, logdet, x, ws, true)
}

// Forward maps z → x (see Layer).
func (l *AffineCoupling[T]) Forward(x, logdet, z []T, ws *Workspace[T]) {
	l.apply("AffineCoupling.Forward", x, logdet, z, ws, false)
}

func (l *AffineCoupling[T]) apply(who string, out, logdet, in []T, ws *Workspace[T], inverse bool) {
	checkLayer(who, l.dim, out, logdet, in)
	rows, d1, d2 := len(logdet), len(l.kept), len(l.moved)
	mk := ws.Mark()
	defer ws.Release(mk)
	a, b := ws.Take(rows*d1), ws.Take(rows*d2)
	sh, t := takeHeads(ws, rows*d2)
	gatherCols(a, in, l.dim, l.kept)
	gatherCols(b, in, l.dim, l.moved)
	l.net.run(a, rows, ws, heads(l.cond, sh, t)...)
	transform(l.cond, b, logdet, b, sh, t, d2, inverse, ws)
	scatterCols(out, l.dim, a, l.kept)
	scatterCols(out, l.dim, b, l.moved)
}

// transform applies the affine map of c's scale parameterisation to in,
// row by row of cols elements, and adds the log-determinant of the
// direction taken to logdet: out = in·σ + t forward, (in − t)/σ inverse,
// σ from sh (see Scale). out may be in; sh is overwritten.
func transform[T Float](c Network, out, logdet, in, sh, t []T, cols int, inverse bool, ws *Workspace[T]) {
	switch c.Scale {
	case ScaleNone:
		for i, v := range in {
			if inverse {
				out[i] = v - t[i]
			} else {
				out[i] = v + t[i]
			}
		}
	case ScaleExp:
		if inverse {
			flowkern.AffineInverse(out, logdet, in, sh, t, cols, T(c.clampArg()))
		} else {
			flowkern.AffineForward(out, logdet, in, sh, t, cols, T(c.clampArg()))
		}
	case ScaleSigmoid:
		mk := ws.Mark()
		defer ws.Release(mk)
		sigmoidScale(sh, T(c.Eps))
		sum := ws.Take(len(logdet))
		clear(sum)
		flowkern.LogAbsSum(sum, sh, cols)
		for i, v := range in {
			if inverse {
				out[i] = (v - t[i]) / sh[i]
			} else {
				out[i] = v*sh[i] + t[i]
			}
		}
		for r, s := range sum {
			if inverse {
				logdet[r] -= s
			} else {
				logdet[r] += s
			}
		}
	}
}

// sigmoidScale replaces every ŝ by sigmoid(ŝ + 2) + eps.
func sigmoidScale[T Float](s []T, eps T) {
	sigmoidShifted(s, s)
	for i := range s {
		s[i] += eps
	}
}

// sigmoidShifted sets dst[i] = sigmoid(sh[i] + 2); dst may be sh.
func sigmoidShifted[T Float](dst, sh []T) {
	for i, v := range sh {
		dst[i] = -(v + 2)
	}
	flowkern.Exp(dst, dst)
	for i, e := range dst {
		dst[i] = 1 / (1 + e)
	}
}
