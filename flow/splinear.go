package flow

import (
	"fmt"
	"slices"

	"github.com/flowkern/flowkern"
)

// SplineAutoregressive is the autoregressive layer of neural spline flows
// (NSF-AR, Durkan et al. 2019): a MADE network (Germain et al. 2015) gives
// column order[k] the 3K − 1 parameters of its rational-quadratic spline
// from the columns before it in order, and
//
//	Forward:  x_i = g_i(z_i; x_<i),   Inverse:  z_i = g_i⁻¹(x_i; x_<i)
//
// with g as in SplineCoupling. Inverse (density) is one pass of the
// network; Forward (sampling) is one pass too, degree by degree in Dim
// steps (as MaskedAutoregressive's). MADE's output unit
// k·Dim + c is parameter k of column c, the layout the spline kernels
// take. A new layer is the identity.
type SplineAutoregressive[T Float] struct {
	dim    int
	order  []int
	cond   Network
	spline flowkern.Spline
	net    *mlp[T]
	plan   *madePlan[T] // derived: the network cut by degree, for Forward

	refreshes // Refresh calls, for training replicas
}

// NewSplineAutoregressive returns a spline autoregressive layer over dim
// features conditioned in the column order order (nil: 0, 1, …, dim−1),
// with splines of shape s; rng draws the hidden weights, and must not be
// nil unless the network has no hidden layer.
func NewSplineAutoregressive[T Float](dim int, order []int, c Network, s flowkern.Spline, rng Rand) (*SplineAutoregressive[T], error) {
	if err := c.needRand("spline autoregressive layer", rng); err != nil {
		return nil, err
	}
	return newSplineAutoregressive[T](dim, order, c, s, rng)
}

// newSplineAutoregressive is NewSplineAutoregressive with hidden weights
// left at zero for a nil rng, for a loader that sets them after.
func newSplineAutoregressive[T Float](dim int, order []int, c Network, s flowkern.Spline, rng Rand) (*SplineAutoregressive[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: spline autoregressive dimension %d outside 1…%d", dim, maxDim)
	}
	if order == nil {
		order = identityPerm(dim)
	}
	if err := checkPerm(order, dim); err != nil {
		return nil, fmt.Errorf("flow: spline autoregressive order: %w", err)
	}
	c, err := c.settled()
	if err != nil {
		return nil, fmt.Errorf("flow: spline autoregressive: %w", err)
	}
	s = s.WithDefaults()
	if err := flowkern.CheckSpline[T](s); err != nil {
		return nil, fmt.Errorf("flow: spline autoregressive: %w", err)
	}
	per := s.ParamsPer()
	l := &SplineAutoregressive[T]{dim: dim, order: slices.Clone(order), cond: c, spline: s,
		net: newMLP[T](dim, c.Context, c.Hidden, 1, per*dim, c.Activation, rng)}
	l.net.mask = madeMasks[T](l.net.sizes, order, per, c.Context)
	l.Refresh()
	return l, nil
}

// Dim returns the number of features.
func (l *SplineAutoregressive[T]) Dim() int { return l.dim }

// ContextDim returns the number of context features the layer reads (its
// Network's Context).
func (l *SplineAutoregressive[T]) ContextDim() int { return l.cond.Context }

// Spline returns the shape of the layer's splines.
func (l *SplineAutoregressive[T]) Spline() flowkern.Spline { return l.spline }

// Params returns MADE's weights and biases.
func (l *SplineAutoregressive[T]) Params() []Param[T] { return l.net.params("") }

// Refresh zeroes the weights MADE's masks forbid and recomputes the
// transposed weights and their cut by degree.
func (l *SplineAutoregressive[T]) Refresh() {
	l.counted()
	l.net.applyMask()
	if l.plan == nil {
		l.plan = new(madePlan[T])
	}
	l.plan.cut(l.net, l.order, l.outputsOf)
}

// outputsOf appends the output units of column c to dst: MADE's output
// p·Dim + c is parameter p of column c.
func (l *SplineAutoregressive[T]) outputsOf(dst []int, c int) []int {
	for p := range l.spline.ParamsPer() {
		dst = append(dst, p*l.dim+c)
	}
	return dst
}

// conditioner returns the splines' parameters for rows inputs x.
func (l *SplineAutoregressive[T]) conditioner(x []T, rows int, ws *Workspace[T]) []T {
	p := ws.Take(rows * l.dim * l.spline.ParamsPer())
	l.net.run(x, rows, ws, p)
	offsetDerivatives(p, l.spline, l.dim)
	return p
}

// Inverse maps x → z in one pass (see Layer).
func (l *SplineAutoregressive[T]) Inverse(z, logdet, x []T, ws *Workspace[T]) {
	checkLayer("SplineAutoregressive.Inverse", l.dim, z, logdet, x)
	mk := ws.Mark()
	defer ws.Release(mk)
	flowkern.SplineInverse(z, logdet, x, l.conditioner(x, len(logdet), ws), l.dim, l.spline)
}

// Forward maps z → x in one pass of the network, degree by degree (see
// madeplan.go; the same bits as Dim passes), each step fixing one more
// column (see Layer).
func (l *SplineAutoregressive[T]) Forward(x, logdet, z []T, ws *Workspace[T]) {
	checkLayer("SplineAutoregressive.Forward", l.dim, x, logdet, z)
	mk := ws.Mark()
	defer ws.Release(mk)
	rows, n, per := len(logdet), l.dim, l.spline.ParamsPer()
	params := ws.Take(rows * per * n) // MADE's outputs are the kernels' layout
	off := derivativeOffset[T](l.spline)
	clear(x)
	zc, xc, pc, ld := ws.Take(rows), ws.Take(rows), ws.Take(rows*per), ws.Take(rows)
	inv := l.plan.start(l.net, x, params, rows, ws)
	for k, c := range l.order {
		inv.outputs(k)
		for r := range rows {
			zc[r] = z[r*n+c]
			for p := range per {
				pc[r*per+p] = params[(r*per+p)*n+c]
				if p >= 2*l.spline.Bins {
					pc[r*per+p] += off
				}
			}
		}
		flowkern.SplineForward(xc, ld, zc, pc, 1, l.spline)
		for r := range rows {
			x[r*n+c] = xc[r]
		}
		inv.hidden(k)
	}
	// Every column again, all at once, for the log-determinants summed as
	// the Dim-pass algorithm's last pass sums them (x is unchanged).
	offsetDerivatives(params, l.spline, n)
	flowkern.SplineForward(x, logdet, z, params, n, l.spline)
}

// record runs MADE on x (which the tape keeps by reference) into tp, in
// ws.
func (l *SplineAutoregressive[T]) record(tp *tape[T], x []T, rows int, ws *Workspace[T]) {
	*tp = tape[T]{a: x, sh: ws.Take(rows * l.dim * l.spline.ParamsPer()), acts: tp.acts}
	tp.acts = l.net.runSaved(tp.acts, x, rows, ws, tp.sh)
	offsetDerivatives(tp.sh, l.spline, l.dim)
}

// InverseGrad differentiates the layer's Inverse (see Trainable).
func (l *SplineAutoregressive[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	inverseGradRecorded[T](l, dx, dz, dld, x, g, ws)
}

func (l *SplineAutoregressive[T]) inverseTaped(tp *tape[T], z, logdet, x []T, ws *Workspace[T]) {
	l.record(tp, x, len(logdet), ws)
	flowkern.SplineInverse(z, logdet, x, tp.sh, l.dim, l.spline)
}

func (l *SplineAutoregressive[T]) inverseGradTaped(dx, dz, dld []T, tp *tape[T], g [][]T, ws *Workspace[T]) {
	rows, n := len(dld), l.dim
	mk := ws.Mark()
	defer ws.Release(mk)
	dp, dc := ws.Take(len(tp.sh)), ws.Take(rows*n)
	flowkern.SplineInverseGrad(dx, dp, dz, dld, tp.a, tp.sh, n, l.spline)
	l.net.backward(dc, [][]T{dp}, tp.acts, rows, g, ws)
	for i, v := range dc {
		dx[i] += v
	}
}
