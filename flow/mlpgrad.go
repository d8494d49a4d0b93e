package flow

import "github.com/flowkern/flowkern"

// runSaved is run that keeps what the backward pass needs, appended to
// acts[:0]: acts[0] is the network's input (x, with the contexts) and
// acts[l] the output of hidden layer l, in ws until the caller releases
// it.
func (m *mlp[T]) runSaved(acts [][]T, x []T, rows int, ws *Workspace[T], outs ...[]T) [][]T {
	in := m.input(x, rows, ws)
	acts = append(acts[:0], in)
	h, n := in, len(m.sizes)
	for l := 0; l+2 < n; l++ {
		y := ws.Take(rows * m.sizes[l+1])
		flowkern.DenseT(y, h, m.wt[l], m.b[l], rows, m.sizes[l], m.sizes[l+1], m.act)
		acts = append(acts, y)
		h = y
	}
	m.outputs(h, rows, ws, outs)
	return acts
}

// backward adds the gradients of the network's weights and biases to g
// (as params orders them) from dOuts, the gradients of its heads, and
// writes the gradient with respect to its input to dx (rows × in, the
// context apart) unless dx is nil.
func (m *mlp[T]) backward(dx []T, dOuts [][]T, acts [][]T, rows int, g [][]T, ws *Workspace[T]) {
	mk := ws.Mark()
	defer ws.Release(mk)
	if m.ctx > 0 && dx != nil { // the input's gradient with the contexts', then x's part of it
		w := m.sizes[0]
		k, full, xPart := w-m.ctx, ws.Take(rows*w), dx
		defer func() {
			for r := range rows {
				copy(xPart[r*k:(r+1)*k], full[r*w:r*w+k])
			}
		}()
		dx = full
	}
	n := len(m.sizes)
	last := n - 2
	k, out := m.sizes[last], m.sizes[n-1]/m.heads
	dh := dx
	if last > 0 || dh == nil {
		dh = ws.Take(rows * k)
	}
	// The heads' rows side by side, [dOut₁ | dOut₂ | …], make the output
	// layer's gradient one DenseGrad over its whole weight matrix, whose
	// rows hold the heads in turn: no per-head input gradients to add up.
	width := out * len(dOuts)
	dz := dOuts[0]
	if len(dOuts) > 1 {
		dz = ws.Take(rows * width)
		for i, d := range dOuts {
			for r := range rows {
				copy(dz[r*width+i*out:r*width+(i+1)*out], d[r*out:(r+1)*out])
			}
		}
	}
	flowkern.DenseGrad(dh, g[2*last][:width*k], g[2*last+1][:width], dz, acts[last],
		m.w[last][:width*k], ws.Take(rows*width), rows, k, width, flowkern.ActIdentity)
	for l := last - 1; l >= 0; l-- {
		var dIn []T
		if l > 0 {
			dIn = ws.Take(rows * m.sizes[l])
		} else {
			dIn = dx
		}
		flowkern.DenseGrad(dIn, g[2*l], g[2*l+1], dh, acts[l], m.w[l], acts[l+1], rows, m.sizes[l], m.sizes[l+1], m.act)
		dh = dIn
	}
	for l, mk := range m.mask {
		for i, v := range mk {
			if v == 0 {
				g[2*l][i] = 0
			}
		}
	}
}
