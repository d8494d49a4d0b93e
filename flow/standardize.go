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
	sumLog    T
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
	l := &Standardize[T]{append([]T(nil), mean...), append([]T(nil), std...), 0}
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
	rows := len(x) / dim
	mean, std := make([]T, dim), make([]T, dim)
	for j := range dim {
		var m, m2 float64
		for r := range rows {
			v := float64(x[r*dim+j])
			d := v - m
			m += d / float64(r+1)
			m2 += d * (v - m)
		}
		s := math.Sqrt(m2 / float64(rows))
		if !finite(m) || !finite(s) {
			return nil, fmt.Errorf("flow: FitStandardize: column %d has a non-finite mean or deviation", j)
		}
		if s == 0 {
			s = 1
		}
		mean[j], std[j] = T(m), T(s)
	}
	return NewStandardize(mean, std)
}

// Dim returns the number of features.
func (l *Standardize[T]) Dim() int { return len(l.mean) }

// Params returns the means and deviations, marked Fixed.
func (l *Standardize[T]) Params() []Param[T] {
	return []Param[T]{{Name: "mean", Value: l.mean, Fixed: true}, {Name: "std", Value: l.std, Fixed: true}}
}

// Refresh recomputes Σ log σ.
func (l *Standardize[T]) Refresh() {
	var s float64
	for _, v := range l.std {
		s += math.Log(float64(v))
	}
	l.sumLog = T(s)
}

// Inverse maps x → z (see Layer).
func (l *Standardize[T]) Inverse(z, logdet, x []T, _ *Workspace[T]) {
	n := len(l.mean)
	checkLayer("Standardize.Inverse", n, z, logdet, x)
	for r := range logdet {
		zr, xr := z[r*n:(r+1)*n], x[r*n:(r+1)*n]
		for j, v := range xr {
			zr[j] = (v - l.mean[j]) / l.std[j]
		}
		logdet[r] -= l.sumLog
	}
}

// Forward maps z → x (see Layer).
func (l *Standardize[T]) Forward(x, logdet, z []T, _ *Workspace[T]) {
	n := len(l.mean)
	checkLayer("Standardize.Forward", n, x, logdet, z)
	for r := range logdet {
		xr, zr := x[r*n:(r+1)*n], z[r*n:(r+1)*n]
		for j, v := range zr {
			xr[j] = v*l.std[j] + l.mean[j]
		}
		logdet[r] += l.sumLog
	}
}
