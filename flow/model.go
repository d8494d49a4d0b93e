package flow

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// chunkRows is how many rows a model evaluates at a time; bigger batches
// are cut into chunks of this many, which run in parallel.
const chunkRows = 256

// Model is a normalizing flow: layers over a base distribution. Layers[0]
// is on the data side (see the package documentation for directions).
type Model[T Float] struct {
	layers []Layer[T]
	base   Base[T]
	dim    int
	ctxDim int // the context's width; 0: unconditional
	// ctxNorm, if set, standardises the contexts before the layers read
	// them (StandardizedGiven).
	ctxNorm *Standardize[T]
	names   []string                // SetNames; nil if not set
	spaces  freeList[Workspace[T]]  // the workspaces of calls done
	spreads freeList[spreadCall[T]] // the state of spread calls done
	initMu  sync.Mutex              // serialises ActNorm's data initialisation
	inits   []initializer[T]        // the layers initialised from data, in order
}

// initializer is a layer initialised from the first data it sees.
type initializer[T Float] interface {
	Initialized() bool
	InitFrom(x []T) error
}

// NewModel returns the flow of layers (data side first) over base. All
// must have the same dimension. The model is conditional if a layer is
// (Conditional): all such layers must read contexts of one width.
func NewModel[T Float](base Base[T], layers ...Layer[T]) (*Model[T], error) {
	if base == nil {
		return nil, errors.New("flow: NewModel: no base distribution")
	}
	m := &Model[T]{layers: append([]Layer[T](nil), layers...), base: base, dim: base.Dim()}
	for i, l := range layers {
		if l == nil {
			return nil, fmt.Errorf("flow: NewModel: layer %d is nil", i)
		}
		if l.Dim() != m.dim {
			return nil, errorf(ErrDimension, "flow: NewModel: layer %d (%T) has dimension %d, the base %d", i, l, l.Dim(), m.dim)
		}
		switch c := contextDim(l); {
		case c == 0:
		case m.ctxDim == 0:
			m.ctxDim = c
		case c != m.ctxDim:
			return nil, errorf(ErrDimension, "flow: NewModel: layer %d (%T) reads a context of %d features, an earlier layer %d", i, l, c, m.ctxDim)
		}
		if in, ok := l.(initializer[T]); ok {
			m.inits = append(m.inits, in)
		}
	}
	return m, nil
}

// Dim returns the dimension of the data.
func (m *Model[T]) Dim() int { return m.dim }

// Layers returns the layers, data side first.
func (m *Model[T]) Layers() []Layer[T] { return append([]Layer[T](nil), m.layers...) }

// Base returns the base distribution.
func (m *Model[T]) Base() Base[T] { return m.base }

// Params returns every parameter of the layers, in order, then of the
// base, then the fixed statistics a conditional model standardises its
// contexts with (StandardizedGiven). Their values may be changed in
// place; Refresh must follow.
func (m *Model[T]) Params() []Param[T] {
	var ps []Param[T]
	for _, l := range m.layers {
		ps = append(ps, l.Params()...)
	}
	ps = append(ps, m.base.Params()...)
	if m.ctxNorm != nil {
		ps = append(ps, contextParams(m.ctxNorm)...)
	}
	return ps
}

// Refresh recomputes what every layer and the base derive from their
// parameters; call it after changing parameter values in place (Train
// does).
func (m *Model[T]) Refresh() {
	for _, l := range m.layers {
		l.Refresh()
	}
	m.base.Refresh()
	if m.ctxNorm != nil {
		m.ctxNorm.Refresh()
	}
}

// NumParams returns the number of parameter values, fixed ones included.
func (m *Model[T]) NumParams() int {
	n := 0
	for _, p := range m.Params() {
		n += len(p.Value)
	}
	return n
}

// LogProb writes log p(x) of each row of x (len(lp) rows of Dim) to lp.
// It returns an error, computing nothing, if the lengths do not fit, lp
// overlaps x, or x holds a NaN or ±Inf. A row so extreme that evaluating
// it overflows (|x| near the type's largest value) gets −Inf, never NaN. Uninitialised ActNorm layers are initialised from
// this batch first.
func (m *Model[T]) LogProb(lp, x []T) error {
	if err := m.unconditional("LogProb"); err != nil {
		return err
	}
	return m.logProb("LogProb", lp, x, nil)
}

// logProb is LogProb with the contexts c.
func (m *Model[T]) logProb(who string, lp, x, c []T) error {
	if err := m.checkBatch(who, "x", x, len(lp), true); err != nil {
		return err
	}
	if err := checkApart(who, "lp", lp, "x", x); err != nil {
		return err
	}
	if err := m.checkContext(who, c, len(lp), lp); err != nil {
		return err
	}
	if err := m.ensureInit(x, c); err != nil {
		return err
	}
	m.run(len(lp), job[T]{opLogProb, lp, x, c})
	return nil
}

// Encode maps data to base variables, z = f⁻¹(x), row by row (rows of
// Dim; z and x the same length, not overlapping: an overlap is an error).
// Checks as LogProb.
func (m *Model[T]) Encode(z, x []T) error {
	if err := m.unconditional("Encode"); err != nil {
		return err
	}
	return m.encode("Encode", z, x, nil)
}

// encode is Encode with the contexts c.
func (m *Model[T]) encode(who string, z, x, c []T) error {
	if err := m.checkBatch(who, "x", x, len(z)/max(m.dim, 1), true); err != nil {
		return err
	}
	if err := m.checkSame(who, z, x); err != nil {
		return err
	}
	if err := checkApart(who, "z", z, "x", x); err != nil {
		return err
	}
	if err := m.checkContext(who, c, len(x)/m.dim, z); err != nil {
		return err
	}
	if err := m.ensureInit(x, c); err != nil {
		return err
	}
	m.run(len(x)/m.dim, job[T]{opEncode, z, x, c})
	return nil
}

// Decode maps base variables to data, x = f(z), row by row (rows of Dim;
// x and z the same length, not overlapping: an overlap is an error). z
// must be finite.
func (m *Model[T]) Decode(x, z []T) error {
	if err := m.unconditional("Decode"); err != nil {
		return err
	}
	return m.decodeChecked("Decode", x, z, nil)
}

// decodeChecked is Decode with the contexts c.
func (m *Model[T]) decodeChecked(who string, x, z, c []T) error {
	if err := m.checkBatch(who, "z", z, len(x)/max(m.dim, 1), true); err != nil {
		return err
	}
	if err := m.checkSame(who, x, z); err != nil {
		return err
	}
	if err := checkApart(who, "x", x, "z", z); err != nil {
		return err
	}
	if err := m.checkContext(who, c, len(x)/m.dim, x); err != nil {
		return err
	}
	m.decode(x, z, c)
	return nil
}

// Sample fills x (whole rows of Dim) with draws from the model, using rng
// for the base draws (serially, so the result depends only on rng's
// state).
func (m *Model[T]) Sample(x []T, rng Rand) error {
	if err := m.unconditional("Sample"); err != nil {
		return err
	}
	return m.sample("Sample", x, nil, rng)
}

// sample is Sample with the contexts c.
func (m *Model[T]) sample(who string, x, c []T, rng Rand) error {
	if len(x) == 0 || len(x)%m.dim != 0 {
		return errorf(ErrDimension, "flow: %s: %d elements are not whole rows of %d", who, len(x), m.dim)
	}
	if rng == nil {
		return fmt.Errorf("flow: %s: nil random source", who)
	}
	if err := m.checkContext(who, c, len(x)/m.dim, x); err != nil {
		return err
	}
	// The base draws go into x itself, serially; then each chunk is
	// decoded from a copy of its rows, in place.
	ws := m.workspace()
	for lo := 0; lo < len(x); lo += chunkRows * m.dim {
		hi := min(lo+chunkRows*m.dim, len(x))
		m.base.Sample(x[lo:hi], rng, ws)
	}
	m.release(ws)
	m.decode(x, x, c)
	return nil
}

// SampleAndLogProb draws samples into x as Sample does and writes their
// log-densities to lp (one per row), evaluated by the same path as
// LogProb, so that they equal LogProb(x) bit for bit.
func (m *Model[T]) SampleAndLogProb(x, lp []T, rng Rand) error {
	if err := m.unconditional("SampleAndLogProb"); err != nil {
		return err
	}
	return m.sampleAndLogProb("SampleAndLogProb", x, lp, nil, rng)
}

// sampleAndLogProb is SampleAndLogProb with the contexts c.
func (m *Model[T]) sampleAndLogProb(who string, x, lp, c []T, rng Rand) error {
	if len(lp)*m.dim != len(x) {
		return errorf(ErrDimension, "flow: %s: %d log-densities for %d elements of rows of %d", who, len(lp), len(x), m.dim)
	}
	if err := checkApart(who, "lp", lp, "x", x); err != nil {
		return err
	}
	if err := m.sample(who, x, c, rng); err != nil {
		return err
	}
	if err := m.checkContext(who, c, len(lp), lp); err != nil {
		return err
	}
	if err := m.ensureInit(x, c); err != nil {
		return err
	}
	m.run(len(lp), job[T]{opLogProb, lp, x, c})
	return nil
}

// decode runs the layers forward over whole chunks.
func (m *Model[T]) decode(x, z, c []T) {
	if m.uninitialized() {
		m.initMu.Lock()
		defer m.initMu.Unlock()
	}
	m.run(len(x)/m.dim, job[T]{opDecode, x, z, c})
}

// checkBatch checks that v holds rows ≥ 1 whole rows of Dim and, if
// finite, that every element is finite.
func (m *Model[T]) checkBatch(who, name string, v []T, rows int, finite bool) error {
	switch {
	case len(v) == 0:
		return errorf(ErrDimension, "flow: %s: empty batch", who)
	case len(v)%m.dim != 0:
		return errorf(ErrDimension, "flow: %s: %s has %d elements, not whole rows of the model's dimension %d", who, name, len(v), m.dim)
	case len(v)/m.dim != rows:
		return errorf(ErrDimension, "flow: %s: %s has %d rows of %d, the output room for %d", who, name, len(v)/m.dim, m.dim, rows)
	}
	if finite {
		for i, e := range v {
			if f := float64(e); math.IsNaN(f) || math.IsInf(f, 0) {
				return errorf(ErrNonFinite, "flow: %s: %s row %d, column %d is %v", who, name, i/m.dim, i%m.dim, f)
			}
		}
	}
	return nil
}

// checkSame checks that out and in have the same length.
func (m *Model[T]) checkSame(who string, out, in []T) error {
	if len(out) != len(in) {
		return errorf(ErrDimension, "flow: %s: output of %d elements for an input of %d", who, len(out), len(in))
	}
	return nil
}

// uninitialized reports whether a layer waits for data initialisation.
// Every call of the model asks, so it looks only at the layers that can
// (inits), without a type assertion per layer.
func (m *Model[T]) uninitialized() bool {
	for _, in := range m.inits {
		if !in.Initialized() {
			return true
		}
	}
	return false
}

// ensureInit initialises the layers that wait for data from x (with the
// contexts c) as it reaches them, once.
func (m *Model[T]) ensureInit(x, c []T) error {
	if !m.uninitialized() {
		return nil
	}
	m.initMu.Lock()
	defer m.initMu.Unlock()
	rows := len(x) / m.dim
	h := append([]T(nil), x...)
	next := make([]T, len(x))
	logdet := make([]T, rows)
	var ws Workspace[T]
	ws.setContext(m.fullContext(c, rows), m.ctxDim)
	for i, l := range m.layers {
		if in, ok := l.(initializer[T]); ok && !in.Initialized() {
			if err := in.InitFrom(h); err != nil {
				return fmt.Errorf("flow: initialising layer %d from data: %w", i, err)
			}
		}
		l.Inverse(next, logdet, h, &ws)
		h, next = next, h
	}
	return nil
}

// workspace returns a workspace of the model's, for one goroutine until
// it gives it back with release. The model keeps them (a collection does
// not take them away, so a warm call allocates nothing however rarely it
// comes): as many as ever ran at once.
func (m *Model[T]) workspace() *Workspace[T] {
	ws, _ := m.spaces.get()
	return ws
}

// release gives back a workspace taken with workspace.
func (m *Model[T]) release(ws *Workspace[T]) { m.spaces.put(ws) }

// job is one batch operation: out and in are its output and input, ctx
// the rows' contexts (see checkContext), or nil.
type job[T Float] struct {
	op           int
	out, in, ctx []T
}

const (
	opLogProb = iota // out: log p per row; in: x
	opEncode         // out: z; in: x
	opDecode         // out: x; in: z, or x itself (decoded in place)
)

// run does j over rows rows in chunks of chunkRows, on up to GOMAXPROCS
// goroutines; the serial path allocates nothing.
func (m *Model[T]) run(rows int, j job[T]) {
	n := (rows + chunkRows - 1) / chunkRows
	if min(runtime.GOMAXPROCS(0), n) <= 1 {
		ws := m.workspace()
		for c := range n {
			m.chunk(j, c*chunkRows, min((c+1)*chunkRows, rows), ws)
		}
		m.release(ws)
		return
	}
	m.parallel(rows, n, j)
}

// parallel does j's n chunks on up to GOMAXPROCS goroutines.
func (m *Model[T]) parallel(rows, n int, j job[T]) {
	m.spreadOver(n, nil, j, rows)
}

// spread calls do(c, ws) for c = 0…n−1 on a team of up to GOMAXPROCS
// workers, each with a workspace of the model's, taking the next c as it
// finishes one. It allocates nothing if do does not (bound once, not a
// closure made for the call).
func (m *Model[T]) spread(n int, do func(c int, ws *Workspace[T])) {
	m.spreadOver(n, do, job[T]{}, 0)
}

// spreadOver is spread, or parallel if do is nil.
func (m *Model[T]) spreadOver(n int, do func(c int, ws *Workspace[T]), j job[T], rows int) {
	s, fresh := m.spreads.get()
	if fresh {
		s.run = s.work
	}
	s.m, s.n, s.do, s.j, s.rows = m, n, do, j, rows
	s.next.Store(0)
	runTeam(max(1, min(runtime.GOMAXPROCS(0), n)), s.run)
	*s = spreadCall[T]{run: s.run} // drop the call's slices
	m.spreads.put(s)
}

// spreadCall is the state of a spread call, which the model keeps for
// the next one: its workers take the next of n items until none is left,
// and run chunk c of j (rows rows in all), or do(c, ws) if do is set.
type spreadCall[T Float] struct {
	m    *Model[T]
	n    int
	next atomic.Int64
	do   func(c int, ws *Workspace[T])
	j    job[T]
	rows int
	run  func(w int, t *team) // work, bound once
}

// work is a worker's part of the call.
func (s *spreadCall[T]) work(int, *team) {
	m := s.m
	ws := m.workspace()
	for c := int(s.next.Add(1) - 1); c < s.n; c = int(s.next.Add(1) - 1) {
		if s.do != nil {
			s.do(c, ws)
		} else {
			m.chunk(s.j, c*chunkRows, min((c+1)*chunkRows, s.rows), ws)
		}
	}
	m.release(ws)
}

// chunk does j for rows lo…hi−1.
func (m *Model[T]) chunk(j job[T], lo, hi int, ws *Workspace[T]) {
	d := m.dim
	mk := ws.Mark()
	defer ws.Release(mk)
	if m.ctxDim > 0 {
		ws.setContext(m.chunkContext(j.ctx, lo, hi, ws), m.ctxDim)
		defer ws.setContext(nil, 0)
	}
	switch j.op {
	case opLogProb:
		m.logProbChunk(j.out[lo:hi], j.in[lo*d:hi*d], ws)
	case opEncode:
		m.inverseChunk(j.out[lo*d:hi*d], ws.Take(hi-lo), j.in[lo*d:hi*d], ws)
	case opDecode:
		in := j.in[lo*d : hi*d]
		if &j.out[0] == &j.in[0] { // in place (Sample): from a copy of the rows
			in = append(ws.Take(len(in))[:0], in...)
		}
		m.forwardChunk(j.out[lo*d:hi*d], ws.Take(hi-lo), in, ws)
	}
}

// logProbChunk evaluates log p for one chunk.
func (m *Model[T]) logProbChunk(lp, x []T, ws *Workspace[T]) {
	mk := ws.Mark()
	defer ws.Release(mk)
	rows := len(lp)
	z, logdet := ws.Take(rows*m.dim), ws.Take(rows)
	m.inverseChunk(z, logdet, x, ws)
	m.base.LogProb(lp, z, ws)
	for r, v := range logdet {
		lp[r] += v
		if lp[r] != lp[r] { // overflowed on the way (x is finite): no density left
			lp[r] = T(math.Inf(-1))
		}
	}
}

// inverseChunk maps x to z through every layer's Inverse, setting logdet
// to the rows' summed log-determinants.
func (m *Model[T]) inverseChunk(z, logdet, x []T, ws *Workspace[T]) {
	clear(logdet)
	m.through(z, logdet, x, ws, func(i int, out, in []T) { m.layers[i].Inverse(out, logdet, in, ws) }, false)
}

// forwardChunk maps z to x through every layer's Forward, last layer
// first.
func (m *Model[T]) forwardChunk(x, logdet, z []T, ws *Workspace[T]) {
	clear(logdet)
	m.through(x, logdet, z, ws, func(i int, out, in []T) { m.layers[i].Forward(out, logdet, in, ws) }, true)
}

// through applies step to the layers in order (or reversed), ping-ponging
// between two scratch buffers and writing the last step into out.
func (m *Model[T]) through(out, logdet, in []T, ws *Workspace[T], step func(i int, out, in []T), reversed bool) {
	n := len(m.layers)
	if n == 0 {
		copy(out, in)
		return
	}
	mk := ws.Mark()
	defer ws.Release(mk)
	bufs := [2][]T{ws.Take(len(in)), ws.Take(len(in))}
	for k := range n {
		i := k
		if reversed {
			i = n - 1 - k
		}
		dst := bufs[k%2]
		if k == n-1 {
			dst = out
		}
		step(i, dst, in)
		in = dst
	}
}
