package flow

import "sync"

// freeList keeps values for reuse, so that a warm call allocates nothing
// at any GOMAXPROCS. Unlike a sync.Pool, a garbage collection does not
// empty it; it holds at most as many values as were ever in use at once.
type freeList[E any] struct {
	mu    sync.Mutex
	items []*E
}

// get returns a value put back earlier, or a new zero one (fresh true).
func (f *freeList[E]) get() (e *E, fresh bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.items); n > 0 {
		e = f.items[n-1]
		f.items[n-1] = nil
		f.items = f.items[:n-1]
		return e, false
	}
	return new(E), true
}

// put gives e back for a later get; the caller must not touch it after.
func (f *freeList[E]) put(e *E) {
	f.mu.Lock()
	f.items = append(f.items, e)
	f.mu.Unlock()
}
