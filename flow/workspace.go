package flow

// Workspace is scratch memory for Layer and Base methods; each goroutine
// needs its own. The zero value is ready to use. Slices it hands out are
// not cleared.
type Workspace[T Float] struct {
	buf []T
	off int
}

// take returns n elements of scratch, valid until release of an earlier
// mark. Growing the buffer leaves slices taken before it valid.
func (w *Workspace[T]) take(n int) []T {
	if w.off+n > len(w.buf) {
		w.buf = make([]T, max(2*len(w.buf), w.off+n, 1024))
	}
	s := w.buf[w.off : w.off+n : w.off+n]
	w.off += n
	return s
}

// mark returns the current position, for release.
func (w *Workspace[T]) mark() int { return w.off }

// release gives back everything taken since mark m.
func (w *Workspace[T]) release(m int) { w.off = m }
