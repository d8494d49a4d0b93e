package flow

import "unsafe"

// Training on several goroutines gives every worker but the first a copy
// of the model of its own, a replica, to compute its chunks of a step on
// and to update in place. With one shared model, each worker's update
// writes parameters the other cores have just read, and each reads, in
// its next forward and backward passes, the parameters and transposes the
// others have just written: cache lines that move between cores in the
// middle of the dense products. With replicas, that traffic is one copy
// per step of the groups the other workers updated, and each core derives
// its own transposes. On the two-core machine we measure, the M2 training
// step at GOMAXPROCS 2 takes 4–7% less time with them (the medians of two
// batches of ten runs of BenchmarkTrainScaling): 1.77–1.79× its one-core
// rate in float64 and 1.77–1.80× in float32, against 1.65–1.71× and
// 1.65–1.73× without.
//
// A replica is exact: the parameters are copied bit for bit and every
// layer derives the rest from them, so the step's bits are those of one
// core. It stays a copy while the model's Refresh count (refreshes) does
// not move: a change of parameters must be followed by Refresh, and a
// step whose count moved copies the model into its replicas first.

// refreshes counts the calls of a layer's or base's Refresh. The layers
// and bases of this package that hold parameters embed it.
type refreshes struct{ n uint64 }

// counted records a call of Refresh.
func (r *refreshes) counted() { r.n++ }

// partRefreshes returns the Refresh count of a layer or base p; ok is
// false for a type of the caller's, even one that embeds a type of ours
// (its Refresh may not call the one it embeds). An inverted layer's count
// is its inner layer's.
func partRefreshes[T Float](p any) (n uint64, ok bool) {
	for {
		inv, isInv := p.(*Inverted[T])
		if !isInv {
			break
		}
		p = inv.Inner
	}
	switch c := p.(type) {
	case *AffineCoupling[T]:
		return c.refreshes.n, true
	case *MaskedAutoregressive[T]:
		return c.refreshes.n, true
	case *SplineCoupling[T]:
		return c.refreshes.n, true
	case *SplineAutoregressive[T]:
		return c.refreshes.n, true
	case *ActNorm[T]:
		return c.refreshes.n, true
	case *LULinear[T]:
		return c.refreshes.n, true
	case *Standardize[T]:
		return c.refreshes.n, true
	case *DiagNormal[T]:
		return c.refreshes.n, true
	case *FullNormal[T]:
		return c.refreshes.n, true
	case *Permutation[T], *StandardNormal[T]: // no parameters
		return 0, true
	}
	return 0, false
}

// refreshCount sums the Refresh counts of the model's layers, base and
// context standardisation; ok is false if one of them does not count.
func (m *Model[T]) refreshCount() (n uint64, ok bool) {
	for _, l := range m.layers {
		c, ok := partRefreshes[T](l)
		if !ok {
			return 0, false
		}
		n += c
	}
	c, ok := partRefreshes[T](m.base)
	if !ok {
		return 0, false
	}
	n += c
	if m.ctxNorm != nil {
		n += m.ctxNorm.refreshes.n
	}
	return n, true
}

// replicaBudget bounds the memory a trainer's replicas may take, each
// estimated at twice the model's parameters (the values, and what the
// layers derive from them): past it, the workers share the model.
const replicaBudget = 64 << 20

// replicasFit reports whether n replicas of a model of params parameters
// of size bytes each fit in replicaBudget.
func replicasFit(n, params, size int) bool {
	return int64(n)*2*int64(params)*int64(size) <= replicaBudget
}

// replica is a copy of a training model for one worker of the team.
type replica[T Float] struct {
	m      *Model[T]
	params []Param[T] // m's parameters, in the order of gradState.params
	// current reports that the parameters are the original's as they were
	// when its Refresh count was synced.
	current bool
	synced  uint64
}

// newReplica returns a copy of m, whose Refresh count is count. It goes
// through the file format, which holds every parameter's bits and the
// structure the layers derive the rest from: it fails for a model with a
// layer or base of the caller's.
func newReplica[T Float](m *Model[T], count uint64) (*replica[T], error) {
	data, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	c, err := UnmarshalModel[T](data)
	if err != nil {
		return nil, err
	}
	return &replica[T]{m: c, params: c.Params(), current: true, synced: count}, nil
}

// follow makes r a copy of the parameters src (the original's, whose
// Refresh count is count) unless it is one already.
func (r *replica[T]) follow(src []Param[T], count uint64) {
	if r.current && r.synced == count {
		return
	}
	for i, p := range r.params {
		copy(p.Value, src[i].Value)
	}
	r.m.Refresh()
	r.current, r.synced = true, count
}

// replicate reports whether the training step about to run on m with a
// team of size workers gives workers 1…size−1 replicas, making those it
// lacks. It does when the team has several workers, the trainer allows
// it (replicable), every part of m counts its Refresh calls, the model
// can be copied and the replicas fit in replicaBudget.
func (s *gradState[T]) replicate(m *Model[T], size int) bool {
	var t T
	if size < 2 || !s.replicable || s.uncopyable || !replicasFit(size-1, s.size(), int(unsafe.Sizeof(t))) {
		return false
	}
	count, ok := m.refreshCount()
	if !ok {
		return false
	}
	for len(s.replicas) < size-1 {
		r, err := newReplica(m, count)
		if err != nil {
			s.uncopyable = true
			return false
		}
		s.replicas = append(s.replicas, r)
	}
	s.call.count = count
	return true
}

// modelOf is the model worker w computes on in the call under way: its
// replica, or the model itself.
func (s *gradState[T]) modelOf(w int) *Model[T] {
	if w == 0 || !s.call.replicated {
		return s.call.m
	}
	return s.replicas[w-1].m
}

// paramsOf is the parameters of modelOf(w), in the order of s.params.
func (s *gradState[T]) paramsOf(w int) []Param[T] {
	if w == 0 || !s.call.replicated {
		return s.params
	}
	return s.replicas[w-1].params
}

// updated records that the step with replicas for size workers updated
// the model and every replica alike, the model's Refresh count now being
// count.
func (s *gradState[T]) updated(size int, count uint64) {
	for _, r := range s.replicas[:size-1] {
		r.current, r.synced = true, count
	}
}
