package flow

import (
	"math"

	"github.com/flowkern/flowkern"
)

// mlp is a conditioner network: dense hidden layers with one activation,
// then a linear output layer of heads·out units read as heads separate
// arrays (the scale and the shift of a coupling). The output layer starts
// at zero, so a new flow layer is the identity. MADE's masks, if any, are
// applied to the weights, which stay zero where the mask is.
type mlp[T Float] struct {
	sizes []int // in (the context included), hidden..., heads·out
	ctx   int   // the last ctx inputs are the rows' contexts (Workspace.Context)
	heads int
	act   flowkern.Activation
	w, b  [][]T // per layer: sizes[l+1]×sizes[l] weights, sizes[l+1] biases
	mask  [][]T // per layer, or nil: 1 where a weight may be non-zero
	wt    [][]T // derived: each layer's weights transposed, for DenseT
}

// newMLP returns an MLP from in inputs and ctx context features through
// hidden to heads·out units. The hidden layers start as PyTorch's
// nn.Linear does (its documented default: weights and biases uniform in
// ±1/√fan-in), drawn from rng (zero if rng is nil); the output layer
// starts at zero.
func newMLP[T Float](in, ctx int, hidden []int, heads, out int, act flowkern.Activation, rng Rand) *mlp[T] {
	m := &mlp[T]{sizes: append(append([]int{in + ctx}, hidden...), heads*out), ctx: ctx, heads: heads, act: act}
	for l := 0; l+1 < len(m.sizes); l++ {
		fanIn, fanOut := m.sizes[l], m.sizes[l+1]
		w, b := make([]T, fanIn*fanOut), make([]T, fanOut)
		if l+2 < len(m.sizes) && rng != nil {
			lim := 1 / math.Sqrt(float64(fanIn))
			for i := range w {
				w[i] = T((2*rng.Float64() - 1) * lim)
			}
			for i := range b {
				b[i] = T((2*rng.Float64() - 1) * lim)
			}
		}
		m.w = append(m.w, w)
		m.b = append(m.b, b)
	}
	m.refresh()
	return m
}

// refresh recomputes the transposed weights the evaluation reads; it must
// follow every change to the weights.
func (m *mlp[T]) refresh() {
	if m.wt == nil {
		for _, w := range m.w {
			m.wt = append(m.wt, make([]T, len(w)))
		}
	}
	for l, w := range m.w {
		flowkern.Transpose(m.wt[l], w, m.sizes[l+1], m.sizes[l]) // n×k becomes k×n
	}
}

// applyMask zeroes the weights the masks forbid, and refreshes.
func (m *mlp[T]) applyMask() {
	for l, mk := range m.mask {
		for i, v := range mk {
			if v == 0 {
				m.w[l][i] = 0
			}
		}
	}
	m.refresh()
}

// params lists the weights and biases, layer by layer.
func (m *mlp[T]) params(prefix string) []Param[T] {
	var ps []Param[T]
	for l := range m.w {
		ps = append(ps, Param[T]{Name: prefix + "w" + itoa(l), Value: m.w[l]}, Param[T]{Name: prefix + "b" + itoa(l), Value: m.b[l]})
	}
	return ps
}

// input returns the network's input for rows inputs x: x itself, or with
// a context, each row of x followed by its context (in ws).
func (m *mlp[T]) input(x []T, rows int, ws *Workspace[T]) []T {
	if m.ctx == 0 {
		return x
	}
	c := ws.contextOf("conditioner", rows, m.ctx)
	w := m.sizes[0]
	k := w - m.ctx
	in := ws.Take(rows * w)
	for r := range rows {
		copy(in[r*w:r*w+k], x[r*k:(r+1)*k])
		copy(in[r*w+k:(r+1)*w], c[r*m.ctx:(r+1)*m.ctx])
	}
	return in
}

// run evaluates the network on rows inputs x (rows × in, the context
// apart) and writes head h to outs[h] (rows × out each).
func (m *mlp[T]) run(x []T, rows int, ws *Workspace[T], outs ...[]T) {
	mk := ws.Mark()
	defer ws.Release(mk)
	h, n := m.input(x, rows, ws), len(m.sizes)
	for l := 0; l+2 < n; l++ {
		y := ws.Take(rows * m.sizes[l+1])
		flowkern.DenseT(y, h, m.wt[l], m.b[l], rows, m.sizes[l], m.sizes[l+1], m.act)
		h = y
	}
	m.outputs(h, rows, ws, outs)
}

// outputs evaluates the output layer on the last hidden activations h, one
// head into each of outs: one DenseT over all heads (a wider product runs
// faster), whose columns are then dealt to the heads. ws lends the
// product's rows until the caller releases it. A single row whose heads
// lie one after the other in one array (takeHeads) is written in place.
func (m *mlp[T]) outputs(h []T, rows int, ws *Workspace[T], outs [][]T) {
	n := len(m.sizes)
	k, width := m.sizes[n-2], m.sizes[n-1]
	if y := consecutive(outs, rows, width); y != nil {
		flowkern.DenseT(y, h, m.wt[n-2], m.b[n-2], rows, k, width, flowkern.ActIdentity)
		return
	}
	y, out := ws.Take(rows*width), width/len(outs)
	flowkern.DenseT(y, h, m.wt[n-2], m.b[n-2], rows, k, width, flowkern.ActIdentity)
	for i, o := range outs {
		for r := range rows {
			copy(o[r*out:(r+1)*out], y[r*width+i*out:r*width+(i+1)*out])
		}
	}
}

// consecutive returns the heads outs of a network's rows rows, width
// outputs in all, as one slice when they are its one row's consecutive
// parts, the first head's array holding the others (takeHeads); nil if
// not.
func consecutive[T Float](outs [][]T, rows, width int) []T {
	if len(outs) == 1 {
		return outs[0]
	}
	y, each := outs[0][:cap(outs[0])], width/len(outs)
	if rows != 1 || each == 0 || len(y) < width {
		return nil
	}
	for i, o := range outs {
		if len(o) != each || &o[0] != &y[i*each] {
			return nil
		}
	}
	return y[:width]
}
