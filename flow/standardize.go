package flow

import (
	"fmt"
	"math"
)

// Standardize is a fixed per-feature affine layer fitted to data,
//
//	Inverse:  z_j = (x_j − μ_j)/σ_j,   log|det ∂z/∂x| = −Σ log σ_j
//
// Put first in a model (on the data side), it lets the rest of the model
// work on standardized data while densities stay in the data's own units.
// Its statistics are saved with the model and never trained.
type Standardize[T Float] struct {
	mean, std []T
	inv       []T // derived: 1/σ
	sumLog    T

	refreshes // Refresh calls, for training replicas
}

// NewStandardize returns the layer for the given means and standard
// deviations (finite, deviations positive).
func NewStandardize[T Float](mean, std []T) (*Standardize[T], error) {
	if len(mean) < 1 || len(mean) > maxDim || len(std) != len(mean) {
		return nil, fmt.Errorf("flow: Standardize with %d means and %d deviations", len(mean), len(std))
	}
	for j := range mean {
		if !finite(float64(mean[j])) || !(std[j] > 0) || !finite(float64(std[j])) {
			return nil, fmt.Errorf("flow: Standardize: column %d has mean %v and deviation %v", j, mean[j], std[j])
		}
	}
	l := &Standardize[T]{mean: append([]T(nil), mean...), std: append([]T(nil), std...), inv: make([]T, len(std))}
	l.Refresh()
	return l, nil
}

// FitStandardize returns the Standardize layer of the rows of x (rows ×
// dim): each column's mean and standard deviation. A constant column gets
// deviation 1 (it is only shifted).
func FitStandardize[T Float](x []T, dim int) (*Standardize[T], error) {
	if dim < 1 || len(x) == 0 || len(x)%dim != 0 {
		return nil, fmt.Errorf("flow: FitStandardize: %d elements are not whole rows of %d", len(x), dim)
	}
	m, sd, err := columnStats(x, dim)
	if err != nil {
		return nil, fmt.Errorf("flow: FitStandardize: %w", err)
	}
	mean, std := make([]T, dim), make([]T, dim)
	for j := range dim {
		mean[j], std[j] = T(m[j]), T(sd[j])
		if std[j] == 0 {
			std[j] = 1
		}
	}
	return NewStandardize(mean, std)
}

// Standardized returns m with a Standardize layer fitted to the rows of x
// in front (on the data side): the rest of m sees standardized data while
// densities, samples and encodings stay in x's units. The new model
// shares m's layers and base; use it instead of m from then on.
func Standardized[T Float](m *Model[T], x []T) (*Model[T], error) {
	rows := len(x) / max(m.dim, 1)
	if err := m.checkBatch("Standardized", "x", x, rows, true); err != nil {
		return nil, err
	}
	st, err := FitStandardize(x, m.dim)
	if err != nil {
		return nil, err
	}
	sm, err := NewModel(m.base, append([]Layer[T]{st}, m.layers...)...)
	if err == nil {
		sm.ctxNorm = m.ctxNorm
	}
	return sm, err
}

// Dim returns the number of features.
func (l *Standardize[T]) Dim() int { return len(l.mean) }

// Params returns the means and deviations, marked Fixed.
func (l *Standardize[T]) Params() []Param[T] {
	return []Param[T]{{Name: "mean", Value: l.mean, Fixed: true}, {Name: "std", Value: l.std, Fixed: true}}
}

// Refresh recomputes Σ log σ and 1/σ.
func (l *Standardize[T]) Refresh() {
	l.counted()
	var s float64
	for j, v := range l.std {
		s += math.Log(float64(v))
		l.inv[j] = 1 / v
	}
	l.sumLog = T(s)
}

// Inverse maps x → z (see Layer).
func (l *Standardize[T]) Inverse(z, logdet, x []T, _ *Workspace[T]) {
	checkLayer("Standardize.Inverse", len(l.mean), z, logdet, x)
	shiftThenScale(z, logdet, x, l.mean, l.inv, -l.sumLog)
}

// Forward maps z → x (see Layer).
func (l *Standardize[T]) Forward(x, logdet, z []T, _ *Workspace[T]) {
	checkLayer("Standardize.Forward", len(l.mean), x, logdet, z)
	scaleThenShift(x, logdet, z, l.std, l.mean, l.sumLog)
}
