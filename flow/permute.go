package flow

import "fmt"

// Permutation reorders the features: Inverse sets z_i = x_perm[i] and
// Forward undoes it. Its log-determinant is zero.
type Permutation[T Float] struct{ perm []int }

// NewPermutation returns the permutation perm of 0…len(perm)−1.
func NewPermutation[T Float](perm []int) (*Permutation[T], error) {
	if len(perm) < 1 || len(perm) > maxDim {
		return nil, fmt.Errorf("flow: permutation of %d columns outside 1…%d", len(perm), maxDim)
	}
	if err := checkPerm(perm, len(perm)); err != nil {
		return nil, fmt.Errorf("flow: permutation: %w", err)
	}
	return &Permutation[T]{append([]int(nil), perm...)}, nil
}

// NewReverse returns the permutation that reverses dim features.
func NewReverse[T Float](dim int) (*Permutation[T], error) {
	p := make([]int, max(dim, 0))
	for i := range p {
		p[i] = dim - 1 - i
	}
	return NewPermutation[T](p)
}

// NewRandomPermutation returns a permutation of dim features drawn from
// rng (Fisher–Yates).
func NewRandomPermutation[T Float](dim int, rng Rand) (*Permutation[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: permutation of %d columns outside 1…%d", dim, maxDim)
	}
	p := identityPerm(dim)
	for i := dim - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return NewPermutation[T](p)
}

// Perm returns a copy of the permutation.
func (l *Permutation[T]) Perm() []int { return append([]int(nil), l.perm...) }

// Dim returns the number of features.
func (l *Permutation[T]) Dim() int { return len(l.perm) }

// Params returns nothing: a permutation has no parameters.
func (l *Permutation[T]) Params() []Param[T] { return nil }

// Refresh does nothing.
func (l *Permutation[T]) Refresh() {}

// Inverse maps x → z (see Layer).
func (l *Permutation[T]) Inverse(z, logdet, x []T, _ *Workspace[T]) {
	checkLayer("Permutation.Inverse", len(l.perm), z, logdet, x)
	gatherCols(z, x, len(l.perm), l.perm)
}

// Forward maps z → x (see Layer).
func (l *Permutation[T]) Forward(x, logdet, z []T, _ *Workspace[T]) {
	checkLayer("Permutation.Forward", len(l.perm), x, logdet, z)
	scatterCols(x, len(l.perm), z, l.perm)
}
