package flow

import (
	"fmt"
	"slices"
)

// MaskedAutoregressive is a masked autoregressive layer (Papamakarios et al. 2017) with a
// MADE conditioner (Germain et al. 2015): column order[k]'s scale and
// shift depend only on the columns before it in order,
//
//	Forward:  x_i = z_i·σ_i(x_<i) + t_i(x_<i),   Inverse:  z_i = (x_i − t_i)/σ_i
//
// with σ as in AffineCoupling. Inverse (density) is one pass of the
// network; Forward (sampling) is one pass too, evaluated degree by degree
// in Dim steps that each fix one more column (madeplan.go), with the bits
// of the textbook Dim passes. IAF is the same layer the other way round
// (see NewIAF).
//
// MADE's hidden units get degrees 1…Dim−1 in turn; a weight is kept where
// the unit's degree allows it and is zero, and stays zero, elsewhere.
type MaskedAutoregressive[T Float] struct {
	dim   int
	order []int
	cond  Network
	net   *mlp[T]
	plan  *madePlan[T] // derived: the network cut by degree, for Forward

	refreshes // Refresh calls, for training replicas
}

// NewMaskedAutoregressive returns a MAF layer over dim features
// conditioned in the column order order (nil: 0, 1, …, dim−1); rng draws
// the hidden weights, and must not be nil unless the network has no hidden
// layer.
func NewMaskedAutoregressive[T Float](dim int, order []int, c Network, rng Rand) (*MaskedAutoregressive[T], error) {
	if err := c.needRand("MAF", rng); err != nil {
		return nil, err
	}
	return newMaskedAutoregressive[T](dim, order, c, rng)
}

// newMaskedAutoregressive is NewMaskedAutoregressive with hidden weights
// left at zero for a nil rng, for a loader that sets them after.
func newMaskedAutoregressive[T Float](dim int, order []int, c Network, rng Rand) (*MaskedAutoregressive[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: MAF dimension %d outside 1…%d", dim, maxDim)
	}
	if order == nil {
		order = identityPerm(dim)
	}
	if err := checkPerm(order, dim); err != nil {
		return nil, fmt.Errorf("flow: MAF order: %w", err)
	}
	c, err := settledFor[T](c)
	if err != nil {
		return nil, fmt.Errorf("flow: MAF: %w", err)
	}
	nh := len(heads[T](c, nil, nil))
	l := &MaskedAutoregressive[T]{dim: dim, order: slices.Clone(order), cond: c, net: newMLP[T](dim, c.Context, c.Hidden, nh, dim, c.Activation, rng)}
	l.net.mask = madeMasks[T](l.net.sizes, order, nh, c.Context)
	l.Refresh()
	return l, nil
}

// madeMasks returns MADE's weight masks for an MLP of the given sizes
// whose inputs and outputs are columns conditioned in order, its last ctx
// inputs a context: of degree 0, they reach every hidden unit (and, with
// no hidden layer, every output).
func madeMasks[T Float](sizes, order []int, heads, ctx int) [][]T {
	dim := len(order)
	degIn := make([]int, dim)
	for k, c := range order {
		degIn[c] = k + 1
	}
	prev := append(slices.Clone(degIn), make([]int, ctx)...)
	var masks [][]T
	for l := 1; l < len(sizes); l++ {
		var deg []int
		if l == len(sizes)-1 {
			for range heads {
				deg = append(deg, degIn...)
			}
		} else {
			deg = make([]int, sizes[l])
			for u := range deg {
				deg[u] = u%max(1, dim-1) + 1
			}
		}
		m := make([]T, sizes[l]*sizes[l-1])
		for u, du := range deg {
			for v, dv := range prev {
				if du > dv || (du >= dv && l < len(sizes)-1) {
					m[u*sizes[l-1]+v] = 1
				}
			}
		}
		masks = append(masks, m)
		prev = deg
	}
	return masks
}

// Dim returns the number of features.
func (l *MaskedAutoregressive[T]) Dim() int { return l.dim }

// ContextDim returns the number of context features the layer reads (its
// Network's Context).
func (l *MaskedAutoregressive[T]) ContextDim() int { return l.cond.Context }

// Params returns MADE's weights and biases.
func (l *MaskedAutoregressive[T]) Params() []Param[T] { return l.net.params("") }

// Refresh zeroes the weights MADE's masks forbid, in case a change to the
// parameters wrote there, and recomputes the transposed weights and their
// cut by degree.
func (l *MaskedAutoregressive[T]) Refresh() {
	l.counted()
	l.net.applyMask()
	if l.plan == nil {
		l.plan = new(madePlan[T])
	}
	l.plan.cut(l.net, l.order, l.outputsOf)
}

// outputsOf appends the output units of column c to dst: one per head.
func (l *MaskedAutoregressive[T]) outputsOf(dst []int, c int) []int {
	for h := range len(heads[T](l.cond, nil, nil)) {
		dst = append(dst, h*l.dim+c)
	}
	return dst
}

// Inverse maps x → z in one pass (see Layer).
func (l *MaskedAutoregressive[T]) Inverse(z, logdet, x []T, ws *Workspace[T]) {
	checkLayer("MaskedAutoregressive.Inverse", l.dim, z, logdet, x)
	mk := ws.Mark()
	defer ws.Release(mk)
	rows := len(logdet)
	sh, t := l.conditioner(x, rows, ws)
	transform(l.cond, z, logdet, x, sh, t, l.dim, true, ws)
}

// Forward maps z → x in one pass of the network, degree by degree (see
// madeplan.go; the same bits as Dim passes), each step fixing one more
// column (see Layer).
func (l *MaskedAutoregressive[T]) Forward(x, logdet, z []T, ws *Workspace[T]) {
	checkLayer("MaskedAutoregressive.Forward", l.dim, x, logdet, z)
	mk := ws.Mark()
	defer ws.Release(mk)
	rows, n := len(logdet), l.dim
	nh := len(heads[T](l.cond, nil, nil))
	width := nh * n
	out := ws.Take(rows * width)
	clear(x)
	zc, xc, shc, tc, ld := ws.Take(rows), ws.Take(rows), ws.Take(rows), ws.Take(rows), ws.Take(rows)
	inv := l.plan.start(l.net, x, out, rows, ws)
	for k, c := range l.order {
		inv.outputs(k)
		// Column c from its raw scale (head 0, unless ScaleNone) and shift
		// (the last head).
		for r := range rows {
			zc[r], shc[r], tc[r] = z[r*n+c], out[r*width+c], out[r*width+(nh-1)*n+c]
		}
		transform(l.cond, xc, ld, zc, shc, tc, 1, false, ws)
		for r := range rows {
			x[r*n+c] = xc[r]
		}
		inv.hidden(k)
	}
	// Every column again, all at once, for the log-determinants summed as
	// the Dim-pass algorithm's last pass sums them (x is unchanged).
	sh, t := ws.Take(rows*n), ws.Take(rows*n)
	for r := range rows {
		copy(sh[r*n:(r+1)*n], out[r*width:r*width+n])
		copy(t[r*n:(r+1)*n], out[r*width+(nh-1)*n:r*width+nh*n])
	}
	transform(l.cond, x, logdet, z, sh, t, n, false, ws)
}

// conditioner returns the raw scales and the shifts of rows inputs x.
func (l *MaskedAutoregressive[T]) conditioner(x []T, rows int, ws *Workspace[T]) (sh, t []T) {
	sh, t = takeHeads(ws, rows*l.dim)
	l.net.run(x, rows, ws, heads(l.cond, sh, t)...)
	return sh, t
}

// Inverted is a layer run the other way round: its Forward is the inner
// layer's Inverse and its Inverse the inner layer's Forward.
type Inverted[T Float] struct{ Inner Layer[T] }

// NewIAF returns an inverse autoregressive layer (Kingma et al. 2016):
// a MAF layer inverted, so that sampling (Forward) is one pass of the
// network and density evaluation (Inverse) MAF's one-pass inversion.
func NewIAF[T Float](dim int, order []int, c Network, rng Rand) (*Inverted[T], error) {
	m, err := NewMaskedAutoregressive[T](dim, order, c, rng)
	if err != nil {
		return nil, err
	}
	return &Inverted[T]{m}, nil
}

// Dim returns the number of features.
func (l *Inverted[T]) Dim() int { return l.Inner.Dim() }

// ContextDim returns the inner layer's context width (see Conditional).
func (l *Inverted[T]) ContextDim() int { return contextDim(l.Inner) }

// Params returns the inner layer's parameters.
func (l *Inverted[T]) Params() []Param[T] { return l.Inner.Params() }

// Refresh refreshes the inner layer.
func (l *Inverted[T]) Refresh() { l.Inner.Refresh() }

// Inverse maps x → z by the inner layer's Forward.
func (l *Inverted[T]) Inverse(z, logdet, x []T, ws *Workspace[T]) { l.Inner.Forward(z, logdet, x, ws) }

// Forward maps z → x by the inner layer's Inverse.
func (l *Inverted[T]) Forward(x, logdet, z []T, ws *Workspace[T]) { l.Inner.Inverse(x, logdet, z, ws) }
