package flow

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/mat"

	"github.com/flowkern/flowkern"
)

// halfLog2Pi is log(2π)/2.
const halfLog2Pi = 0.91893853320467274178032973640561764

// StandardNormal is the standard normal distribution N(0, I) over Dim
// features: log p(z) = −|z|²/2 − Dim·log(2π)/2.
type StandardNormal[T Float] struct{ dim int }

// NewStandardNormal returns N(0, I) over dim features.
func NewStandardNormal[T Float](dim int) (*StandardNormal[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: normal base of dimension %d outside 1…%d", dim, maxDim)
	}
	return &StandardNormal[T]{dim}, nil
}

// Dim returns the number of features.
func (b *StandardNormal[T]) Dim() int { return b.dim }

// Params returns nothing.
func (b *StandardNormal[T]) Params() []Param[T] { return nil }

// Refresh does nothing.
func (b *StandardNormal[T]) Refresh() {}

// LogProb writes each row's log-density (see Base).
func (b *StandardNormal[T]) LogProb(lp, z []T, _ *Workspace[T]) {
	checkBase("StandardNormal.LogProb", b.dim, lp, z)
	normalLogProb(lp, z, b.dim, T(float64(b.dim)*halfLog2Pi))
}

// Sample fills z with independent standard normal draws (see Base).
func (b *StandardNormal[T]) Sample(z []T, rng Rand, _ *Workspace[T]) {
	for i := range z {
		z[i] = T(rng.NormFloat64())
	}
}

// normalLogProb sets lp[r] = −|z_r|²/2 − c over rows of dim.
func normalLogProb[T Float](lp, z []T, dim int, c T) {
	for r := range lp {
		var s T
		for _, v := range z[r*dim : (r+1)*dim] {
			s += v * v
		}
		lp[r] = -s/2 - c
	}
}

// checkBase panics unless z has len(lp)·dim elements.
func checkBase[T Float](who string, dim int, lp, z []T) {
	if len(z) != len(lp)*dim {
		panic("flow." + who + ": " + itoa(len(z)) + " elements, want " + itoa(len(lp)) + " rows (len(lp)) × " + itoa(dim))
	}
}

// DiagNormal is a normal distribution with a trainable mean μ and
// per-feature log-scale λ: z_j ~ N(μ_j, exp(λ_j)²).
type DiagNormal[T Float] struct {
	mean, logScale []T
	c              T // Σ λ + Dim·log(2π)/2

	refreshes // Refresh calls, for training replicas
}

// NewDiagNormal returns the diagonal normal over dim features, starting
// as N(0, I).
func NewDiagNormal[T Float](dim int) (*DiagNormal[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: normal base of dimension %d outside 1…%d", dim, maxDim)
	}
	b := &DiagNormal[T]{mean: make([]T, dim), logScale: make([]T, dim)}
	b.Refresh()
	return b, nil
}

// Dim returns the number of features.
func (b *DiagNormal[T]) Dim() int { return len(b.mean) }

// Params returns the mean and the log-scale.
func (b *DiagNormal[T]) Params() []Param[T] {
	return []Param[T]{{Name: "mean", Value: b.mean}, {Name: "logscale", Value: b.logScale}}
}

// Refresh recomputes the normalising constant.
func (b *DiagNormal[T]) Refresh() {
	b.counted()
	s := float64(len(b.mean)) * halfLog2Pi
	for _, v := range b.logScale {
		s += float64(v)
	}
	b.c = T(s)
}

// LogProb writes each row's log-density (see Base).
func (b *DiagNormal[T]) LogProb(lp, z []T, ws *Workspace[T]) {
	n := len(b.mean)
	checkBase("DiagNormal.LogProb", n, lp, z)
	mk := ws.Mark()
	defer ws.Release(mk)
	inv, u := ws.Take(n), ws.Take(len(z))
	for j, v := range b.logScale {
		inv[j] = -v
	}
	expInPlace(inv)
	for i, v := range z {
		u[i] = (v - b.mean[i%n]) * inv[i%n]
	}
	normalLogProb(lp, u, n, b.c)
}

// Sample fills z with draws (see Base).
func (b *DiagNormal[T]) Sample(z []T, rng Rand, ws *Workspace[T]) {
	n := len(b.mean)
	mk := ws.Mark()
	defer ws.Release(mk)
	sc := ws.Take(n)
	copy(sc, b.logScale)
	expInPlace(sc)
	for i := range z {
		z[i] = T(rng.NormFloat64())*sc[i%n] + b.mean[i%n]
	}
}

// FullNormal is a normal distribution N(μ, L·Lᵀ) with a trainable mean
// and Cholesky factor L: lower triangular, its diagonal exp(λ) > 0.
// log p(z) = −|L⁻¹(z − μ)|²/2 − Σ λ_j − Dim·log(2π)/2, with L⁻¹ applied to
// the whole batch by one triangular solve.
type FullNormal[T Float] struct {
	dim            int
	mean, off, lam []T // off: L's strictly lower entries packed by rows
	l              []T // derived: L as dim×dim
	c              T

	refreshes // Refresh calls, for training replicas
}

// NewFullNormal returns N(mean, cov) for a symmetric positive definite
// cov (dim×dim, row-major), factorised by gonum's Cholesky.
func NewFullNormal[T Float](mean, cov []float64) (*FullNormal[T], error) {
	n := len(mean)
	if n < 1 || n > maxDim || len(cov) != n*n {
		return nil, fmt.Errorf("flow: full normal with %d means and a covariance of %d elements", n, len(cov))
	}
	for i, v := range mean {
		if !finite(float64(T(v))) {
			return nil, fmt.Errorf("flow: full normal: mean[%d] = %v is not a finite %s", i, v, dtypeOf[T]())
		}
	}
	for i := range n {
		for j := range i {
			if a, b := cov[i*n+j], cov[j*n+i]; a != b {
				return nil, fmt.Errorf("flow: full normal: covariance is not symmetric: [%d,%d] = %v, [%d,%d] = %v", i, j, a, j, i, b)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), cov...))) {
		return nil, fmt.Errorf("flow: full normal: covariance is not symmetric positive definite")
	}
	var lo mat.TriDense
	ch.LTo(&lo)
	for i := range n {
		for j := range i + 1 {
			v := T(lo.At(i, j))
			if !finite(float64(v)) || i == j && !(v > 0) {
				return nil, fmt.Errorf("flow: full normal: the covariance's Cholesky factor has %v at [%d,%d], which %s cannot hold", lo.At(i, j), i, j, dtypeOf[T]())
			}
		}
	}
	b := &FullNormal[T]{dim: n, mean: make([]T, n), off: make([]T, n*(n-1)/2), lam: make([]T, n), l: make([]T, n*n)}
	k := 0
	for i := range n {
		b.mean[i] = T(mean[i])
		b.lam[i] = T(math.Log(lo.At(i, i)))
		for j := range i {
			b.off[k] = T(lo.At(i, j))
			k++
		}
	}
	b.Refresh()
	return b, nil
}

// Dim returns the number of features.
func (b *FullNormal[T]) Dim() int { return b.dim }

// Params returns the mean, L's strictly lower entries (packed by rows)
// and the log of its diagonal.
func (b *FullNormal[T]) Params() []Param[T] {
	return []Param[T]{{Name: "mean", Value: b.mean}, {Name: "lower", Value: b.off}, {Name: "logdiag", Value: b.lam}}
}

// Refresh rebuilds L and the normalising constant.
func (b *FullNormal[T]) Refresh() {
	b.counted()
	n := b.dim
	clear(b.l)
	s := float64(n) * halfLog2Pi
	k := 0
	for i := range n {
		for j := range i {
			b.l[i*n+j] = b.off[k]
			k++
		}
		b.l[i*n+i] = T(math.Exp(float64(b.lam[i])))
		s += float64(b.lam[i])
	}
	b.c = T(s)
}

// LogProb writes each row's log-density (see Base).
func (b *FullNormal[T]) LogProb(lp, z []T, ws *Workspace[T]) {
	n, rows := b.dim, len(lp)
	checkBase("FullNormal.LogProb", n, lp, z)
	mk := ws.Mark()
	defer ws.Release(mk)
	y := ws.Take(n * rows) // n×rows
	toColumns(y, z, rows, n, nil, b.mean)
	flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, n, b.l, y, rows)
	for r := range lp {
		lp[r] = 0
	}
	for j := range n {
		for r, v := range y[j*rows : (j+1)*rows] {
			lp[r] += v * v
		}
	}
	for r := range lp {
		lp[r] = -lp[r]/2 - b.c
	}
}

// Sample fills z with draws μ + L·ε (see Base).
func (b *FullNormal[T]) Sample(z []T, rng Rand, ws *Workspace[T]) {
	n := b.dim
	rows := len(z) / n
	mk := ws.Mark()
	defer ws.Release(mk)
	y := ws.Take(n * rows)
	for i := range z[:rows*n] { // ε, a sample's draws in turn
		z[i] = T(rng.NormFloat64())
	}
	toColumns(y, z, rows, n, nil, nil)
	flowkern.TriMul(blas.Lower, blas.NoTrans, blas.NonUnit, n, b.l, y, rows)
	fromColumns(z, y, rows, n, b.mean)
}
