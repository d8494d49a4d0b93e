package flow

import "github.com/flowkern/flowkern"

// One-pass inversion of an autoregressive layer. Sampling a MAF layer (and
// evaluating an IAF's density) inverts x_i = z_i·σ_i(x_<i) + t_i(x_<i),
// which the textbook algorithm does in Dim passes of the whole MADE, one
// more column right after each. But a MADE unit of degree d depends only
// on the inputs of degree ≤ d: it is final as soon as those are, and
// never changes after. So the network can be evaluated once, degree by
// degree: at step k the outputs of degree k give column order[k−1], and
// then every hidden layer's units of degree k are computed from the layer
// below — the whole of it, whose units of higher degree have zero weights
// (and are zero so far). Each unit is computed once, so the inversion
// costs one pass of the network (in Dim narrow products) and Dim column
// updates.
//
// Each unit's sum is the same as the full product's (the dense kernels'
// sums do not depend on which output columns a call computes, and the
// terms of units not yet computed are exact zeros), so the result has the
// bits of the Dim-pass algorithm.

// madePlan is a MADE's weights cut by degree for the one-pass inversion.
type madePlan[T Float] struct {
	order []int         // step k fixes column order[k]
	steps []madeStep[T] // steps[k−1] for degree k = 1…Dim
}

// madeStep is what step k computes: the outputs of degree k (column
// order[k−1] in every head), then each hidden layer's units of degree k.
type madeStep[T Float] struct {
	out    denseBlock[T]
	hidden []denseBlock[T]
}

// denseBlock is some output units of one dense layer: their indices, their
// weights transposed (fan-in × len(units)) and their biases.
type denseBlock[T Float] struct {
	units []int
	wt, b []T
}

// newMADEPlan cuts m's weights by degree, for columns conditioned in
// order; outputsOf(c) lists the output units of column c.
func newMADEPlan[T Float](m *mlp[T], order []int, outputsOf func(c int) []int) *madePlan[T] {
	dim, layers := len(order), len(m.w)
	p := &madePlan[T]{order: order, steps: make([]madeStep[T], dim)}
	for k := range dim {
		s := &p.steps[k]
		s.out = m.block(layers-1, outputsOf(order[k]))
		if k == dim-1 {
			continue // no hidden unit has degree dim
		}
		for l := range layers - 1 {
			var units []int
			for u := range m.sizes[l+1] {
				if u%max(1, dim-1)+1 == k+1 { // madeMasks' degrees
					units = append(units, u)
				}
			}
			s.hidden = append(s.hidden, m.block(l, units))
		}
	}
	return p
}

// block returns the units of layer l as a denseBlock.
func (m *mlp[T]) block(l int, units []int) denseBlock[T] {
	k := m.sizes[l]
	b := denseBlock[T]{units: units, wt: make([]T, k*len(units)), b: make([]T, len(units))}
	for j, u := range units {
		for i, v := range m.w[l][u*k : (u+1)*k] {
			b.wt[i*len(units)+j] = v
		}
		b.b[j] = m.b[l][u]
	}
	return b
}

// run computes the block's units of the rows of in (rows × fan-in) and
// writes them to their columns of out (rows × width).
func (b *denseBlock[T]) run(out []T, width int, in []T, rows int, act flowkern.Activation, ws *Workspace[T]) {
	n := len(b.units)
	if n == 0 {
		return
	}
	mk := ws.Mark()
	defer ws.Release(mk)
	y := ws.Take(rows * n)
	flowkern.DenseT(y, in, b.wt, b.b, rows, len(b.wt)/n, n, act)
	for r := range rows {
		o, yr := out[r*width:(r+1)*width], y[r*n:(r+1)*n]
		for j, u := range b.units {
			o[u] = yr[j]
		}
	}
}

// inversion is the state of a one-pass inversion: the caller takes the
// steps in turn, and between a step's outputs and its hidden units sets
// the step's column of x (see MaskedAutoregressive.Forward):
//
//	inv := plan.start(net, x, out, rows, ws) // x zero
//	for k := range dim {
//		inv.outputs(k) // the outputs of degree k+1 into out
//		…              // column order[k] of x from them
//		inv.hidden(k)  // the hidden units of degree k+1
//	}
//
// out holds rows × the network's output width (the heads side by side, as
// one array); the caller releases ws after the last step.
type inversion[T Float] struct {
	p       *madePlan[T]
	m       *mlp[T]
	x, out  []T
	rows    int
	ws      *Workspace[T]
	in      []T               // the network's input: x, or x with the contexts
	hs      [maxDepth + 2][]T // hs[l]: layer l's input
	nLayers int
}

// start begins a one-pass inversion of x (rows × Dim, zero) in ws.
func (p *madePlan[T]) start(m *mlp[T], x, out []T, rows int, ws *Workspace[T]) inversion[T] {
	v := inversion[T]{p: p, m: m, x: x, out: out, rows: rows, ws: ws, in: x, nLayers: len(m.w)}
	if m.ctx > 0 { // the input with the contexts, kept up to date with x
		v.in = m.input(x, rows, ws)
	}
	v.hs[0] = v.in
	for l := 1; l < v.nLayers; l++ {
		v.hs[l] = ws.Take(rows * m.sizes[l])
		clear(v.hs[l])
	}
	return v
}

// outputs computes step k's outputs (degree k+1) into out.
func (v *inversion[T]) outputs(k int) {
	l := v.nLayers
	v.p.steps[k].out.run(v.out, v.m.sizes[l], v.hs[l-1], v.rows, flowkern.ActIdentity, v.ws)
}

// hidden computes the hidden units of degree k+1, once column order[k]
// of x is set.
func (v *inversion[T]) hidden(k int) {
	m, dim := v.m, len(v.p.steps)
	if m.ctx > 0 {
		c, w := v.p.order[k], m.sizes[0]
		for r := range v.rows {
			v.in[r*w+c] = v.x[r*dim+c]
		}
	}
	for l, b := range v.p.steps[k].hidden {
		b.run(v.hs[l+1], m.sizes[l+1], v.hs[l], v.rows, m.act, v.ws)
	}
}
