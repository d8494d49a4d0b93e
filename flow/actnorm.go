package flow

import (
	"fmt"
	"math"
	"sync/atomic"
)

// ActNorm is Glow's activation normalisation, a per-feature affine map
//
//	Inverse:  z_j = (x_j − b_j)·exp(−s_j),   log|det ∂z/∂x| = −Σ s_j
//
// with b and s trainable. It starts as the identity and is initialised
// from data: by InitFrom, or by the model the first time it evaluates a
// density (LogProb, Encode) with the layer uninitialised, from that batch
// as it reaches the layer. Then b is each feature's mean and exp(s) its
// standard deviation plus 1e-6, so the batch leaves the layer with zero
// mean and (nearly) unit variance.
type ActNorm[T Float] struct {
	dim         int
	shift, logS []T
	scale, inv  []T // derived: exp(s), exp(−s)
	sum         T   // Σ s
	ready       atomic.Bool

	refreshes // Refresh calls, for training replicas
}

// NewActNorm returns an uninitialised ActNorm layer over dim features.
func NewActNorm[T Float](dim int) (*ActNorm[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: ActNorm dimension %d outside 1…%d", dim, maxDim)
	}
	l := &ActNorm[T]{dim: dim, shift: make([]T, dim), logS: make([]T, dim), scale: make([]T, dim), inv: make([]T, dim)}
	l.Refresh()
	return l, nil
}

// Dim returns the number of features.
func (l *ActNorm[T]) Dim() int { return l.dim }

// Params returns the shift b and the log-scale s.
func (l *ActNorm[T]) Params() []Param[T] {
	return []Param[T]{{Name: "shift", Value: l.shift}, {Name: "logscale", Value: l.logS}}
}

// Refresh recomputes Σ s, exp(s) and exp(−s).
func (l *ActNorm[T]) Refresh() {
	l.counted()
	var s float64
	for j, v := range l.logS {
		s += float64(v)
		l.scale[j], l.inv[j] = v, -v
	}
	expInPlace(l.scale)
	expInPlace(l.inv)
	l.sum = T(s)
}

// Initialized reports whether the layer has been initialised from data
// (or loaded from a file).
func (l *ActNorm[T]) Initialized() bool { return l.ready.Load() }

// InitFrom sets b and s from the rows of x (rows × Dim, at least one row,
// all finite) as described on ActNorm, and marks the layer initialised.
// It must not run concurrently with the layer's other methods.
func (l *ActNorm[T]) InitFrom(x []T) error {
	n := l.dim
	if len(x) == 0 || len(x)%n != 0 {
		return fmt.Errorf("flow: ActNorm.InitFrom: %d elements are not whole rows of %d", len(x), n)
	}
	mean, std, err := columnStats(x, n)
	if err != nil {
		return fmt.Errorf("flow: ActNorm.InitFrom: %w", err)
	}
	for j := range n {
		l.shift[j], l.logS[j] = T(mean[j]), T(math.Log(std[j]+1e-6))
	}
	l.Refresh()
	l.ready.Store(true)
	return nil
}

// Inverse maps x → z (see Layer).
func (l *ActNorm[T]) Inverse(z, logdet, x []T, _ *Workspace[T]) {
	checkLayer("ActNorm.Inverse", l.dim, z, logdet, x)
	shiftThenScale(z, logdet, x, l.shift, l.inv, -l.sum)
}

// Forward maps z → x (see Layer).
func (l *ActNorm[T]) Forward(x, logdet, z []T, _ *Workspace[T]) {
	checkLayer("ActNorm.Forward", l.dim, x, logdet, z)
	scaleThenShift(x, logdet, z, l.scale, l.shift, l.sum)
}
