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
// The activations are kept feature-major (a unit's values for all rows
// side by side), so that a block of a few units is a product whose long
// side, the rows, fills the vectors: yᵀ = W_block·hᵀ, with the bias as a
// last weight on a row of ones (fma(b, 1, s) = s + b, the same rounding as
// adding it after the sum). Each unit's sum is
// the same chain as the full product's (the dense kernels' sums do not
// depend on which outputs a call computes or which operand a product's
// factors come from, and the terms of units not yet computed are exact
// zeros), so the result has the bits of the Dim-pass algorithm.

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

// denseBlock is some output units of one dense layer: their indices and
// their weights, each unit's followed by its bias (len(units) × (fan-in +
// 1)).
type denseBlock[T Float] struct {
	units []int
	w     []T
}

// cut sets p to m's weights cut by degree, for columns conditioned in
// order; outputsOf(dst, c) appends the output units of column c to dst.
// It reuses p's memory: a warm refresh allocates nothing.
func (p *madePlan[T]) cut(m *mlp[T], order []int, outputsOf func(dst []int, c int) []int) {
	dim, layers := len(order), len(m.w)
	p.order = order
	if len(p.steps) != dim {
		p.steps = make([]madeStep[T], dim)
	}
	for k := range dim {
		s := &p.steps[k]
		s.out.units = outputsOf(s.out.units[:0], order[k])
		m.fill(&s.out, layers-1)
		if k == dim-1 {
			s.hidden = s.hidden[:0]
			continue // no hidden unit has degree dim
		}
		if len(s.hidden) != layers-1 {
			s.hidden = make([]denseBlock[T], layers-1)
		}
		for l := range layers - 1 {
			b := &s.hidden[l]
			b.units = b.units[:0]
			for u := range m.sizes[l+1] {
				if u%max(1, dim-1)+1 == k+1 { // madeMasks' degrees
					b.units = append(b.units, u)
				}
			}
			m.fill(b, l)
		}
	}
}

// fill sets b's weights to those of layer l's units b.units.
func (m *mlp[T]) fill(b *denseBlock[T], l int) {
	k := m.sizes[l]
	n := (k + 1) * len(b.units)
	if cap(b.w) < n {
		b.w = make([]T, n)
	}
	b.w = b.w[:n]
	for j, u := range b.units {
		copy(b.w[j*(k+1):], m.w[l][u*k:(u+1)*k])
		b.w[j*(k+1)+k] = m.b[l][u]
	}
}

// run computes the block's units for rows rows from the layer below,
// feature-major in inT (fan-in × rows, then a row of ones), and returns
// them feature-major (len(units) × rows, lent by ws).
func (b *denseBlock[T]) run(inT []T, rows int, act flowkern.Activation, ws *Workspace[T]) []T {
	n := len(b.units)
	yT := ws.Take(rows * n)
	flowkern.DenseT(yT, b.w, inT, nil, n, len(b.w)/n, rows, act)
	return yT
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
	hs      [maxDepth + 2][]T // hs[l]: layer l's input, feature-major (sizes[l] × rows), then a row of ones
	nLayers int
}

// start begins a one-pass inversion of x (rows × Dim, zero) in ws.
func (p *madePlan[T]) start(m *mlp[T], x, out []T, rows int, ws *Workspace[T]) inversion[T] {
	v := inversion[T]{p: p, m: m, x: x, out: out, rows: rows, ws: ws, nLayers: len(m.w)}
	for l := range v.nLayers {
		n := m.sizes[l]
		v.hs[l] = ws.Take(rows * (n + 1))
		clear(v.hs[l][:rows*n])
		for i := range rows {
			v.hs[l][n*rows+i] = 1
		}
	}
	if m.ctx > 0 { // the contexts after x's columns (zero so far)
		dim, c := len(p.order), ws.contextOf("conditioner", rows, m.ctx)
		for j := range m.ctx {
			in := v.hs[0][(dim+j)*rows : (dim+j+1)*rows]
			for r := range in {
				in[r] = c[r*m.ctx+j]
			}
		}
	}
	return v
}

// outputs computes step k's outputs (degree k+1) into out (rows × the
// output width).
func (v *inversion[T]) outputs(k int) {
	mk := v.ws.Mark()
	defer v.ws.Release(mk)
	l := v.nLayers
	b := &v.p.steps[k].out
	if len(b.units) == 0 {
		return
	}
	yT, width := b.run(v.hs[l-1], v.rows, flowkern.ActIdentity, v.ws), v.m.sizes[l]
	for j, u := range b.units {
		for r, y := range yT[j*v.rows : (j+1)*v.rows] {
			v.out[r*width+u] = y
		}
	}
}

// hidden computes the hidden units of degree k+1, once column order[k]
// of x is set.
func (v *inversion[T]) hidden(k int) {
	dim, c := len(v.p.steps), v.p.order[k]
	in := v.hs[0][c*v.rows : (c+1)*v.rows]
	for r := range in {
		in[r] = v.x[r*dim+c]
	}
	for l := range v.p.steps[k].hidden {
		b := &v.p.steps[k].hidden[l]
		if len(b.units) == 0 {
			continue
		}
		mk := v.ws.Mark()
		yT := b.run(v.hs[l], v.rows, v.m.act, v.ws)
		for j, u := range b.units {
			copy(v.hs[l+1][u*v.rows:(u+1)*v.rows], yT[j*v.rows:(j+1)*v.rows])
		}
		v.ws.Release(mk)
	}
}
