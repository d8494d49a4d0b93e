package flow

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// gradState is reusable memory for gradients: one gradient buffer per
// chunk of a batch, reduced in chunk order so that the sum does not
// depend on how many goroutines ran. Chunk 0's buffer is the flat
// gradient of the call itself, which the others are added to.
type gradState[T Float] struct {
	params []Param[T]
	owner  []int // the layer of each param, len(layers) for the base
	chunks [][]T // per chunk, all gradients end to end
	// chunkViews cuts each chunk's gradients per layer and parameter
	// (views).
	chunkViews [][][][]T
	call       gradCall[T]          // the gradientThen call under way
	work       func(w int, t *team) // worker, bound once
	sums       []float64
	// fixed are the ranges of the fixed parameters in a flat gradient.
	fixed [][2]int
	// Per block of gradBlock values of the flat gradient: the sum of
	// squares, and the offset of the first non-finite value (-1 if none).
	blockSq  []float64
	blockBad []int
	// replicas are the copies of the model workers 1… of a training step
	// compute on (see replica), when replicable (the trainer can update
	// them) and not uncopyable (copying the model failed).
	replicas               []*replica[T]
	replicable, uncopyable bool
}

// gradBlock is how many values of a flat gradient one goroutine reduces,
// checks and squares at a time. The blocks are the same whatever the
// number of goroutines, so the gradient's norm is too.
const gradBlock = 1 << 14

func (m *Model[T]) newGradState() (*gradState[T], error) {
	s := &gradState[T]{}
	for i, l := range m.layers {
		_, ok := l.(Trainable[T])
		if inv, isInv := l.(*Inverted[T]); isInv {
			_, ok = inv.Inner.(ForwardTrainable[T])
		}
		if !ok {
			return nil, fmt.Errorf("flow: layer %d (%s) cannot be trained by maximum likelihood", i, describe(l))
		}
		for _, p := range l.Params() {
			s.params = append(s.params, p)
			s.owner = append(s.owner, i)
		}
	}
	if _, ok := m.base.(TrainableBase[T]); !ok {
		return nil, fmt.Errorf("flow: base %T cannot be trained", m.base)
	}
	for _, p := range m.base.Params() {
		s.params = append(s.params, p)
		s.owner = append(s.owner, len(m.layers))
	}
	if m.ctxNorm != nil { // fixed: their gradients stay zero
		for _, p := range contextParams(m.ctxNorm) {
			s.params = append(s.params, p)
			s.owner = append(s.owner, len(m.layers)+1)
		}
	}
	off := 0
	for _, p := range s.params {
		if p.Fixed {
			s.fixed = append(s.fixed, [2]int{off, off + len(p.Value)})
		}
		off += len(p.Value)
	}
	blocks := (off + gradBlock - 1) / gradBlock
	s.blockSq, s.blockBad = make([]float64, blocks), make([]int, blocks)
	return s, nil
}

// sumInto makes flat, the flat gradient of a call on a model of layers
// layers, chunk 0's buffer: chunk 0 sums its rows' gradients into it and
// the reduction adds the other chunks'. A buffer less (1.26 MB for the M2
// model in float64) keeps more of a training step's data in the caches:
// its steps took 1–2.5% less time on one core and 1–4% less on two.
func (s *gradState[T]) sumInto(flat []T, layers int) {
	if len(s.chunks) > 0 && len(s.chunks[0]) == len(flat) && (len(flat) == 0 || &s.chunks[0][0] == &flat[0]) {
		return
	}
	if len(s.chunks) == 0 {
		s.chunks, s.chunkViews, s.sums = make([][]T, 1), make([][][][]T, 1), make([]float64, 1)
	}
	s.chunks[0], s.chunkViews[0] = flat, s.views(flat, layers)
}

// size is the number of parameter values.
func (s *gradState[T]) size() int {
	n := 0
	for _, p := range s.params {
		n += len(p.Value)
	}
	return n
}

// views cuts a flat gradient buffer into one slice per layer's params, one
// for the base's and one for the context standardisation's.
func (s *gradState[T]) views(flat []T, layers int) [][][]T {
	v := make([][][]T, layers+2)
	off := 0
	for i, p := range s.params {
		v[s.owner[i]] = append(v[s.owner[i]], flat[off:off+len(p.Value)])
		off += len(p.Value)
	}
	return v
}

// Grad sets g, one slice per entry of Params with the same lengths, to the
// gradient of the mean negative log-likelihood of the rows of x, and
// returns that mean. Fixed parameters get zero. It fails for models with a
// layer that cannot be trained (Inverted, or a type of the caller's), for a
// bad batch, and for a non-finite result, which it attributes to a layer.
func (m *Model[T]) Grad(g [][]T, x []T) (float64, error) {
	if err := m.unconditional("Grad"); err != nil {
		return 0, err
	}
	return m.grad(g, x, nil)
}

// GradGiven is Grad for a conditional model: the gradient of the mean
// negative log-likelihood of the rows of x given their contexts c (as for
// LogProbGiven).
func (m *Model[T]) GradGiven(g [][]T, x, c []T) (float64, error) {
	if err := m.conditional("GradGiven"); err != nil {
		return 0, err
	}
	return m.grad(g, x, c)
}

// grad is Grad with the contexts c.
func (m *Model[T]) grad(g [][]T, x, c []T) (float64, error) {
	s, err := m.newGradState()
	if err != nil {
		return 0, err
	}
	if len(g) != len(s.params) {
		return 0, fmt.Errorf("flow: Grad: %d gradient slices for %d parameters", len(g), len(s.params))
	}
	for i, p := range s.params {
		if len(g[i]) != len(p.Value) {
			return 0, fmt.Errorf("flow: Grad: gradient %d (%s) has %d elements, the parameter %d", i, p.Name, len(g[i]), len(p.Value))
		}
	}
	flat := make([]T, s.size())
	nll, err := m.gradient(s, flat, x, c)
	off := 0
	for i := range g {
		off += copy(g[i], flat[off:])
	}
	return nll, err
}

// gradient sets flat to the gradient of the mean negative log-likelihood
// of the rows of x (given their contexts c) and returns that mean.
func (m *Model[T]) gradient(s *gradState[T], flat, x, c []T) (float64, error) {
	return m.gradientThen(s, flat, x, c, nil)
}

// gradientThen is gradient, followed, if the gradient is finite, by
// then(w, t) on every worker w of the team that computed it. Each worker
// takes a share of the chunks, then reduces the gradient's blocks it owns
// (owner), so that then finds them in its core's cache.
func (m *Model[T]) gradientThen(s *gradState[T], flat, x, c []T, then func(w int, t *team)) (float64, error) {
	rows := len(x) / max(m.dim, 1)
	if err := m.checkBatch("Grad", "x", x, rows, true); err != nil {
		return 0, err
	}
	if err := m.checkContext("Grad", c, rows, flat); err != nil {
		return 0, err
	}
	if err := m.ensureInit(x, c); err != nil {
		return 0, err
	}
	n := (rows + chunkRows - 1) / chunkRows
	s.sumInto(flat, len(m.layers))
	for len(s.chunks) < n {
		buf := make([]T, len(flat))
		s.chunks = append(s.chunks, buf)
		s.chunkViews = append(s.chunkViews, s.views(buf, len(m.layers)))
		s.sums = append(s.sums, 0)
	}
	if s.work == nil {
		s.work = s.worker
	}
	s.call = gradCall[T]{m: m, flat: flat, x: x, c: c, rows: rows, n: n, scale: -1 / T(rows), then: then}
	size := min(runtime.GOMAXPROCS(0), max(n, len(s.blockSq)))
	s.call.replicated = then != nil && s.replicate(m, size)
	runTeam(size, s.work)
	if s.call.replicated && s.finite(n) { // then updated the model and its replicas alike
		count, _ := m.refreshCount()
		s.updated(size, count)
	}
	s.call = gradCall[T]{} // keep no reference to the call's slices
	nll := -s.sum(n) / float64(rows)
	if math.IsNaN(nll) || math.IsInf(nll, 0) {
		return nll, m.blame(x, c)
	}
	for _, bad := range s.blockBad {
		if bad < 0 {
			continue
		}
		off := 0
		for i, p := range s.params {
			if bad < off+len(p.Value) {
				return nll, errorf(ErrDiverged, "non-finite gradient of %s of %s", p.Name, m.partName(s.owner[i]))
			}
			off += len(p.Value)
		}
	}
	return nll, nil
}

// gradCall is the state of one gradientThen call, which its workers
// read: the gradient of the mean NLL of x's rows rows (contexts c) into
// flat, over n chunks, each row's term scaled by scale, then then; with
// replicated, workers 1… compute on their replicas (then must update
// them), which are copies of m while its Refresh count is count.
type gradCall[T Float] struct {
	m          *Model[T]
	flat, x, c []T
	rows, n    int
	scale      T
	then       func(w int, t *team)
	replicated bool
	count      uint64
}

// worker is worker w's part of the call in s.call: its share of the
// chunks, the blocks of the gradient it owns, and then then.
func (s *gradState[T]) worker(w int, t *team) {
	call := &s.call
	m, flat, n := s.modelOf(w), call.flat, call.n
	if w > 0 && call.replicated {
		s.replicas[w-1].follow(s.params, call.count)
	}
	ws := m.workspace()
	for k, end := share(w, t.size, n); k < end; k++ {
		lo, hi := k*chunkRows, min((k+1)*chunkRows, call.rows)
		clear(s.chunks[k])
		mk := ws.Mark()
		if m.ctxDim > 0 {
			ws.setContext(m.chunkContext(call.c, lo, hi, ws), m.ctxDim)
		}
		s.sums[k] = m.gradChunk(call.x[lo*m.dim:hi*m.dim], call.scale, s.chunkViews[k], ws)
		ws.setContext(nil, 0)
		ws.Release(mk)
	}
	m.release(ws)
	t.wait()
	for b := range len(s.blockSq) {
		lo, hi := b*gradBlock, min((b+1)*gradBlock, len(flat))
		if owner((lo+hi)/2, len(flat), t.size) == w {
			s.reduce(flat, n, b, lo, hi)
		}
	}
	if call.then == nil {
		return
	}
	t.wait()
	if s.finite(n) {
		call.then(w, t)
	}
}

// sum is Σ log p over the rows of the first n chunks the last gradient
// call took, added in chunk order.
func (s *gradState[T]) sum(n int) float64 {
	var sum float64
	for c := range n {
		sum += s.sums[c]
	}
	return sum
}

// finite reports whether the last gradient call, over n chunks, found a
// finite log-likelihood and a finite gradient.
func (s *gradState[T]) finite(n int) bool {
	if !finite(s.sum(n)) {
		return false
	}
	for _, bad := range s.blockBad {
		if bad >= 0 {
			return false
		}
	}
	return true
}

// reduce sets flat[lo:hi], block b, which holds chunk 0's gradient, to
// the sum in chunk order of the first n chunks' gradients there, zero for
// fixed parameters, and records the block's sum of squares and first
// non-finite value.
func (s *gradState[T]) reduce(flat []T, n, b, lo, hi int) {
	f := flat[lo:hi]
	for c := 1; c < n; c++ {
		for i, v := range s.chunks[c][lo:hi] {
			f[i] += v
		}
	}
	for _, r := range s.fixed {
		if r[0] < hi && lo < r[1] {
			clear(flat[max(r[0], lo):min(r[1], hi)])
		}
	}
	s.blockSq[b], s.blockBad[b] = sumSquares(f)
	if s.blockBad[b] >= 0 {
		s.blockBad[b] += lo
	}
}

// sumSquares returns Σ v² over f in float64, in four interleaved partial
// sums (element i goes to sum i mod 4, and the sums are added as
// (s₀ + s₁) + (s₂ + s₃)), so that four chains of additions overlap; and
// the index of f's first non-finite value, or -1.
func sumSquares[T Float](f []T) (float64, int) {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(f); i += 4 {
		a, b, c, d := float64(f[i]), float64(f[i+1]), float64(f[i+2]), float64(f[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for j, v := range f[i:] {
		x := float64(v)
		switch j {
		case 0:
			s0 += x * x
		case 1:
			s1 += x * x
		default:
			s2 += x * x
		}
	}
	sq := (s0 + s1) + (s2 + s3)
	if !math.IsNaN(sq) && !math.IsInf(sq, 0) {
		return sq, -1
	}
	for i, v := range f { // a non-finite value, or squares that overflow float64
		if x := float64(v); math.IsNaN(x) || math.IsInf(x, 0) {
			return sq, i
		}
	}
	return sq, -1
}

// norm is the Euclidean norm of the flat gradient the last gradient call
// reduced: its blocks' sums of squares added in order.
func (s *gradState[T]) norm() float64 {
	var sq float64
	for _, v := range s.blockSq {
		sq += v
	}
	return math.Sqrt(sq)
}

// gradRows is how many rows of a chunk gradChunk takes through the
// network and back at a time, so that the activations it keeps for the
// backward pass stay in the core's cache: 32 in float64 and 64 in float32,
// the same bytes. Training the M2 model (RealNVP, 16 dimensions, hidden
// layers of 128) took 2–5.5% less time a step in float64 with 32 rows than
// with 64 (whose activations overflow a 1 MB L2), 5–7% more with 16; in
// float32, 64 rows beat 32 by 1.5–4.5% and matched 128.
func gradRows[T Float]() int {
	var v T
	return 256 / int(unsafe.Sizeof(v))
}

// gradChunk adds scale·∇(Σ log p) over the rows of x to g (per layer, then
// the base) and returns Σ log p. It takes gradRows rows at a time: every
// gradient is a sum over the rows in order, continued from one group to
// the next, so the result is that of all the rows at once.
func (m *Model[T]) gradChunk(x []T, scale T, g [][][]T, ws *Workspace[T]) float64 {
	ctx, cd := ws.ctx, ws.ctxDim
	rows := len(x) / m.dim
	var sum float64
	group := gradRows[T]()
	for lo := 0; lo < rows; lo += group {
		hi := min(lo+group, rows)
		if cd > 0 {
			ws.setContext(ctx[lo*cd:hi*cd], cd)
		}
		sum = m.gradGroup(x[lo*m.dim:hi*m.dim], scale, g, ws, sum)
	}
	ws.setContext(ctx, cd)
	return sum
}

// gradGroup adds scale·∇(Σ log p) over the rows of x to g and returns sum
// plus their log p, added in order.
func (m *Model[T]) gradGroup(x []T, scale T, g [][][]T, ws *Workspace[T], sum float64) float64 {
	mk := ws.Mark()
	defer ws.Release(mk)
	rows, size := len(x)/m.dim, len(x)
	sc := ws.grad.ready(len(m.layers))
	defer sc.drop()
	ins := append(sc.ins, x)
	logdet, lp, dlp := ws.Take(rows), ws.Take(rows), ws.Take(rows)
	clear(logdet)
	for i, l := range m.layers {
		out := ws.Take(size)
		if tl, ok := l.(tapedLayer[T]); ok {
			tl.inverseTaped(&sc.tapes[i], out, logdet, ins[i], ws)
		} else {
			l.Inverse(out, logdet, ins[i], ws)
		}
		ins = append(ins, out)
	}
	sc.ins = ins
	z := ins[len(ins)-1]
	m.base.LogProb(lp, z, ws)
	for r := range lp {
		sum += float64(lp[r] + logdet[r])
		dlp[r] = scale
	}
	dz, dx := ws.Take(size), ws.Take(size)
	m.base.(TrainableBase[T]).LogProbGrad(dz, dlp, z, g[len(m.layers)], ws)
	for i := len(m.layers) - 1; i >= 0; i-- {
		if tl, ok := m.layers[i].(tapedLayer[T]); ok {
			tl.inverseGradTaped(dx, dz, dlp, &sc.tapes[i], g[i], ws)
		} else {
			m.layers[i].(Trainable[T]).InverseGrad(dx, dz, dlp, ins[i], g[i], ws)
		}
		dz, dx = dx, dz
	}
	return sum
}

// blame names the first layer whose output or log-determinant is not
// finite on x (given the contexts c), or the base.
func (m *Model[T]) blame(x, c []T) error {
	rows := len(x) / m.dim
	h, next, logdet := append([]T(nil), x...), make([]T, len(x)), make([]T, rows)
	var ws Workspace[T]
	ws.setContext(m.fullContext(c, rows), m.ctxDim)
	for i, l := range m.layers {
		l.Inverse(next, logdet, h, &ws)
		if !allFinite(next) || !allFinite(logdet) {
			return errorf(ErrDiverged, "non-finite output of %s", m.partName(i))
		}
		h, next = next, h
	}
	return errorf(ErrDiverged, "non-finite log-density in the base distribution")
}

// partName names layer i, or the base for i = len(layers), or the
// context standardisation after it.
func (m *Model[T]) partName(i int) string {
	if i == len(m.layers)+1 {
		return "the context standardisation"
	}
	if i == len(m.layers) {
		return fmt.Sprintf("the base (%s)", describeBase[T](m.base))
	}
	return fmt.Sprintf("layer %d (%s)", i, describe(m.layers[i]))
}

func allFinite[T Float](v []T) bool {
	for _, e := range v {
		if f := float64(e); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
