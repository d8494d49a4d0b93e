package flow

import (
	"fmt"
	"math"
	"slices"

	"github.com/flowkern/flowkern"
)

// SplineCoupling is the coupling layer of neural spline flows (Durkan,
// Bekasovs, Murray and Papamakarios, "Neural Spline Flows", 2019). Its
// columns are split into the kept part x₁, passed through unchanged, and
// the transformed part x₂; a network of x₁ gives each column of x₂ the
// 3K − 1 parameters of its own monotone rational-quadratic spline g on
// [−B, B] (the identity outside), and
//
//	Forward:  x₂ = g(z₂),   Inverse:  z₂ = g⁻¹(x₂)
//
// with log|det ∂x/∂z| = Σ log g′(z₂) (flowkern.SplineForward). The
// network's output layer starts at zero and the derivatives' parameters
// are offset so that zero gives derivative 1: a new layer is the identity.
// The Network's scale fields (Scale, Clamp, Eps) do not apply.
type SplineCoupling[T Float] struct {
	dim         int
	kept, moved []int
	cond        Network
	spline      flowkern.Spline
	net         *mlp[T]

	refreshes // Refresh calls, for training replicas
}

// DefaultSpline is the spline of NSF and SplineCoupling's when none is
// given: 8 bins on [−3, 3], nflows' minimums.
var DefaultSpline = flowkern.Spline{Bins: 8, Bound: 3}

// NewSplineCoupling returns a spline coupling over dim features that
// keeps the columns kept (see MaskHalves and MaskAlternate) and transforms
// the others with splines of shape s (zero minimums take their defaults);
// rng draws the hidden weights, and must not be nil unless the network has
// no hidden layer.
func NewSplineCoupling[T Float](dim int, kept []int, c Network, s flowkern.Spline, rng Rand) (*SplineCoupling[T], error) {
	if err := c.needRand("spline coupling", rng); err != nil {
		return nil, err
	}
	return newSplineCoupling[T](dim, kept, c, s, rng)
}

// newSplineCoupling is NewSplineCoupling with hidden weights left at zero
// for a nil rng, for a loader that sets them after.
func newSplineCoupling[T Float](dim int, kept []int, c Network, s flowkern.Spline, rng Rand) (*SplineCoupling[T], error) {
	moved, err := splitColumns(dim, kept)
	if err != nil {
		return nil, fmt.Errorf("flow: spline coupling %w", err)
	}
	c, err = c.settled()
	if err != nil {
		return nil, fmt.Errorf("flow: spline coupling: %w", err)
	}
	s = s.WithDefaults()
	if err := flowkern.CheckSpline[T](s); err != nil {
		return nil, fmt.Errorf("flow: spline coupling: %w", err)
	}
	l := &SplineCoupling[T]{dim: dim, kept: slices.Clone(kept), moved: moved, cond: c, spline: s}
	l.net = newMLP[T](len(kept), c.Context, c.Hidden, 1, len(moved)*s.ParamsPer(), c.Activation, rng)
	return l, nil
}

// splitColumns checks a coupling's kept columns and returns the others;
// its errors read on from "flow: <layer kind> ".
func splitColumns(dim int, kept []int) ([]int, error) {
	if dim < 2 || dim > maxDim {
		return nil, fmt.Errorf("dimension %d outside 2…%d", dim, maxDim)
	}
	seen := make([]bool, dim)
	for _, j := range kept {
		if j < 0 || j >= dim || seen[j] {
			return nil, fmt.Errorf("mask %v: column %d repeated or outside 0…%d", kept, j, dim-1)
		}
		seen[j] = true
	}
	if len(kept) == 0 || len(kept) == dim {
		return nil, fmt.Errorf("mask %v keeps %d of %d columns; it must keep some and move some", kept, len(kept), dim)
	}
	var moved []int
	for j := range dim {
		if !seen[j] {
			moved = append(moved, j)
		}
	}
	return moved, nil
}

// Dim returns the number of features.
func (l *SplineCoupling[T]) Dim() int { return l.dim }

// ContextDim returns the number of context features the layer reads (its
// Network's Context).
func (l *SplineCoupling[T]) ContextDim() int { return l.cond.Context }

// Spline returns the shape of the layer's splines.
func (l *SplineCoupling[T]) Spline() flowkern.Spline { return l.spline }

// Params returns the network's weights and biases.
func (l *SplineCoupling[T]) Params() []Param[T] { return l.net.params("") }

// Refresh recomputes the transposed weights the network is evaluated
// with.
func (l *SplineCoupling[T]) Refresh() {
	l.counted()
	l.net.refresh()
}

// Inverse maps x → z (see Layer).
func (l *SplineCoupling[T]) Inverse(z, logdet, x []T, ws *Workspace[T]) {
	l.apply("SplineCoupling.Inverse", z, logdet, x, ws, true)
}

// Forward maps z → x (see Layer).
func (l *SplineCoupling[T]) Forward(x, logdet, z []T, ws *Workspace[T]) {
	l.apply("SplineCoupling.Forward", x, logdet, z, ws, false)
}

func (l *SplineCoupling[T]) apply(who string, out, logdet, in []T, ws *Workspace[T], inverse bool) {
	checkLayer(who, l.dim, out, logdet, in)
	rows, d1, d2 := len(logdet), len(l.kept), len(l.moved)
	mk := ws.Mark()
	defer ws.Release(mk)
	a, b, p := ws.Take(rows*d1), ws.Take(rows*d2), ws.Take(rows*d2*l.spline.ParamsPer())
	gatherCols(a, in, l.dim, l.kept)
	gatherCols(b, in, l.dim, l.moved)
	l.net.run(a, rows, ws, p)
	offsetDerivatives(p, l.spline, d2)
	l.transform(out, logdet, a, b, p, inverse)
}

// record gathers the input's parts and runs the network on the kept
// part, in ws: the tape holds the parts (a, b), the splines' parameters
// (sh) and the network's activations.
func (l *SplineCoupling[T]) record(tp *tape[T], in []T, rows int, ws *Workspace[T]) {
	d1, d2 := len(l.kept), len(l.moved)
	*tp = tape[T]{a: ws.Take(rows * d1), b: ws.Take(rows * d2), sh: ws.Take(rows * d2 * l.spline.ParamsPer()), acts: tp.acts}
	gatherCols(tp.a, in, l.dim, l.kept)
	gatherCols(tp.b, in, l.dim, l.moved)
	tp.acts = l.net.runSaved(tp.acts, tp.a, rows, ws, tp.sh)
	offsetDerivatives(tp.sh, l.spline, d2)
}

// derivativeOffset is what offsetDerivatives adds to a derivative's
// parameter: softplus⁻¹(1 − minimum), so that zero gives derivative 1.
func derivativeOffset[T Float](s flowkern.Spline) T {
	return T(math.Log(math.Expm1(1 - s.MinDerivative)))
}

// offsetDerivatives adds to every derivative parameter the constant that
// makes a zero from the network a derivative of 1: softplus⁻¹(1 − min).
// p holds rows of cols elements' parameters, laid out as
// flowkern.SplineForward takes them (a row's derivative parameters last).
func offsetDerivatives[T Float](p []T, s flowkern.Spline, cols int) {
	k, row := s.Bins, s.ParamsPer()*cols
	off := derivativeOffset[T](s)
	for r0 := 0; r0 < len(p); r0 += row {
		for j := r0 + 2*k*cols; j < r0+row; j++ {
			p[j] += off
		}
	}
}

// transform applies the splines of parameters p to the moved part b (in
// place) and writes the whole output from it and the kept part a.
func (l *SplineCoupling[T]) transform(out, logdet, a, b, p []T, inverse bool) {
	d2 := len(l.moved)
	if inverse {
		flowkern.SplineInverse(b, logdet, b, p, d2, l.spline)
	} else {
		flowkern.SplineForward(b, logdet, b, p, d2, l.spline)
	}
	scatterCols(out, l.dim, a, l.kept)
	scatterCols(out, l.dim, b, l.moved)
}

// inverseTaped is Inverse, keeping its tape in ws (the moved part's
// input is copied, since the transform overwrites it).
func (l *SplineCoupling[T]) inverseTaped(tp *tape[T], z, logdet, x []T, ws *Workspace[T]) {
	rows, d2 := len(logdet), len(l.moved)
	l.record(tp, x, rows, ws)
	b := tp.b
	tp.b = ws.Take(rows * d2)
	copy(tp.b, b)
	l.transform(z, logdet, tp.a, b, tp.sh, true)
}

func (l *SplineCoupling[T]) inverseGradTaped(dx, dz, dld []T, tp *tape[T], g [][]T, ws *Workspace[T]) {
	l.gradFrom(dx, dz, dld, tp, g, ws, false)
}

// InverseGrad differentiates the coupling's Inverse (see Trainable).
func (l *SplineCoupling[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	inverseGradRecorded[T](l, dx, dz, dld, x, g, ws)
}

// ForwardGrad differentiates the coupling's Forward.
func (l *SplineCoupling[T]) ForwardGrad(dIn, dOut, dld, in []T, g [][]T, ws *Workspace[T]) {
	mk := ws.Mark()
	defer ws.Release(mk)
	tp := ws.borrowTape()
	defer ws.returnTape(tp)
	l.record(tp, in, len(dld), ws)
	l.gradFrom(dIn, dOut, dld, tp, g, ws, true)
}

// gradFrom differentiates the coupling's Inverse (forward false) or its
// Forward, from the gradient dOut of its output to dIn of its input.
func (l *SplineCoupling[T]) gradFrom(dIn, dOut, dld []T, tp *tape[T], g [][]T, ws *Workspace[T], forward bool) {
	rows, d1, d2 := len(dld), len(l.kept), len(l.moved)
	mk := ws.Mark()
	defer ws.Release(mk)
	do1, do2, da, db, dp := ws.Take(rows*d1), ws.Take(rows*d2), ws.Take(rows*d1), ws.Take(rows*d2), ws.Take(len(tp.sh))
	gatherCols(do1, dOut, l.dim, l.kept)
	gatherCols(do2, dOut, l.dim, l.moved)
	if forward {
		flowkern.SplineForwardGrad(db, dp, do2, dld, tp.b, tp.sh, d2, l.spline)
	} else {
		flowkern.SplineInverseGrad(db, dp, do2, dld, tp.b, tp.sh, d2, l.spline)
	}
	l.net.backward(da, [][]T{dp}, tp.acts, rows, g, ws)
	for i, v := range do1 {
		da[i] += v
	}
	scatterCols(dIn, l.dim, da, l.kept)
	scatterCols(dIn, l.dim, db, l.moved)
}
