package flow

// Workspace is scratch memory for Layer and Base methods; the model gives
// each goroutine its own, so a layer may use it without locking. The zero
// value is ready to use. A method takes what it needs and gives it back
// before returning:
//
//	mk := ws.Mark()
//	defer ws.Release(mk)
//	tmp := ws.Take(rows * dim)
//
// Slices it hands out are not cleared. In steady state (the same batch
// sizes again) taking allocates nothing.
type Workspace[T Float] struct {
	buf    []T
	off    int
	ctx    []T // the contexts of the rows being evaluated, or nil
	ctxDim int
	grad   gradScratch[T] // what a training step's pass over a group of rows keeps
	tapes  []*tape[T]     // lent by borrowTape: tapes[:lent] are in use
	lent   int
}

// borrowTape lends a tape for a layer's InverseGrad or ForwardGrad (which
// training reaches through Inverted) until returnTape: the tapes are kept,
// so a warm call allocates nothing.
func (w *Workspace[T]) borrowTape() *tape[T] {
	if w.lent == len(w.tapes) {
		w.tapes = append(w.tapes, new(tape[T]))
	}
	w.lent++
	return w.tapes[w.lent-1]
}

// returnTape gives back the tape borrowTape lent last.
func (w *Workspace[T]) returnTape(tp *tape[T]) {
	tp.forget()
	w.lent--
}

// gradScratch is what Model.gradGroup keeps per layer: each layer's input
// and tape. It lives in the workspace so that a warm training step
// allocates nothing; its slices point into the workspace's buffer only
// while gradGroup runs.
type gradScratch[T Float] struct {
	ins   [][]T
	tapes []tape[T] // of the layers that keep one (tapedLayer)
}

// ready returns the scratch for layers layers, cleared.
func (g *gradScratch[T]) ready(layers int) *gradScratch[T] {
	if len(g.tapes) < layers {
		g.tapes = make([]tape[T], layers)
	}
	g.ins = g.ins[:0]
	return g
}

// drop forgets the slices of the pass just done.
func (g *gradScratch[T]) drop() {
	clear(g.ins)
	for i := range g.tapes {
		g.tapes[i].forget()
	}
}

// Take returns n elements of scratch, valid until Release of a mark taken
// before it. Growing the buffer leaves slices taken before it valid.
func (w *Workspace[T]) Take(n int) []T {
	if w.off+n > len(w.buf) {
		w.buf = make([]T, max(2*len(w.buf), w.off+n, 1024))
	}
	s := w.buf[w.off : w.off+n : w.off+n]
	w.off += n
	return s
}

// Mark returns the current position, for Release.
func (w *Workspace[T]) Mark() int { return w.off }

// Release gives back everything taken since mark m.
func (w *Workspace[T]) Release(m int) { w.off = m }

// Context returns the contexts of the rows a conditional model is
// evaluating (rows × dim: row r is the context of the batch's row r) and
// their width dim, or nil and 0 when the evaluation has no context. A
// conditional layer of one's own reads its context here.
func (w *Workspace[T]) Context() (c []T, dim int) { return w.ctx, w.ctxDim }

// setContext sets the contexts of the rows to evaluate (nil, 0: none).
func (w *Workspace[T]) setContext(c []T, dim int) { w.ctx, w.ctxDim = c, dim }

// contextOf returns the contexts of rows rows of width dim, and panics if
// the evaluation has none of that width: a conditional layer run outside
// a conditional model's evaluation.
func (w *Workspace[T]) contextOf(who string, rows, dim int) []T {
	if w.ctxDim != dim || len(w.ctx) != rows*dim {
		panic("flow." + who + ": the layer reads a context of " + itoa(dim) + " features per row, but the evaluation has " +
			itoa(len(w.ctx)) + " context values of width " + itoa(w.ctxDim) + " for " + itoa(rows) + " rows (evaluate it through a conditional Model's …Given methods)")
	}
	return w.ctx
}
