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
	buf []T
	off int
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
