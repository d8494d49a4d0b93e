package flow

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/mat"

	"github.com/flowkern/flowkern"
)

// DiagParam names how an LU layer keeps its diagonal d non-zero.
type DiagParam int

const (
	// DiagExp is d = sign·exp(θ) (Glow).
	DiagExp DiagParam = iota
	// DiagSoftplus is d = sign·(softplus(θ) + ε), ε = 1e-3: |d| grows
	// only linearly in θ.
	DiagSoftplus
)

const softplusEps = 1e-3

// LULinear is the invertible linear layer of Glow, LU-parameterised:
//
//	Inverse:  z = W x,   W = P·L·(U + diag(d))
//
// with P a fixed permutation matrix, L unit lower triangular, U strictly
// upper triangular and d a diagonal kept away from zero by DiagParam with
// a fixed sign. log|det ∂z/∂x| = Σ log|d_i|. Inverse is a matrix product;
// Forward solves the two triangular systems for the whole batch at once.
type LULinear[T Float] struct {
	dim          int
	perm         []int // row i of W is row perm[i] of L·(U + diag d)
	sign         []int // ±1
	kind         DiagParam
	lower, upper []T // strictly triangular parts, packed row by row
	theta        []T // the diagonal's parameters

	w, l, u   []T // derived: W, and L and U + diag(d) as dim×dim
	logAbsDet T
	acc       []float64 // Refresh's sums of a row of W (kept: a warm refresh allocates nothing)

	refreshes // Refresh calls, for training replicas
}

// NewLULinear returns an LU layer over dim features: the identity if rng
// is nil, else W a random orthogonal matrix (the Q of a Gaussian matrix's
// QR factorisation, by gonum) factorised with partial pivoting.
func NewLULinear[T Float](dim int, kind DiagParam, rng Rand) (*LULinear[T], error) {
	if dim < 1 || dim > maxDim {
		return nil, fmt.Errorf("flow: LU dimension %d outside 1…%d", dim, maxDim)
	}
	if kind != DiagExp && kind != DiagSoftplus {
		return nil, fmt.Errorf("flow: unknown LU diagonal parameterisation %d", kind)
	}
	l := newLU[T](dim, kind)
	d := make([]float64, dim)
	for i := range d {
		d[i], l.perm[i], l.sign[i] = 1, i, 1
	}
	if rng != nil {
		g := mat.NewDense(dim, dim, nil)
		for i := range dim {
			for j := range dim {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		var qr mat.QR
		qr.Factorize(g)
		var q mat.Dense
		qr.QTo(&q)
		var lu mat.LU
		lu.Factorize(&q)
		var lo, up mat.TriDense
		lu.LTo(&lo)
		lu.UTo(&up)
		// Q = P·L·U: row i of Q is row piv[i] of L·U.
		copy(l.perm, lu.RowPivots(nil))
		k := 0
		for i := range dim {
			for j := range i {
				l.lower[k] = T(lo.At(i, j))
				k++
			}
		}
		k = 0
		for i := range dim {
			d[i] = up.At(i, i)
			for j := i + 1; j < dim; j++ {
				l.upper[k] = T(up.At(i, j))
				k++
			}
		}
	}
	for i, v := range d {
		if v < 0 {
			l.sign[i] = -1
		}
		l.theta[i] = T(diagTheta(kind, math.Abs(v)))
	}
	l.Refresh()
	return l, nil
}

func newLU[T Float](dim int, kind DiagParam) *LULinear[T] {
	tri := dim * (dim - 1) / 2
	return &LULinear[T]{dim: dim, kind: kind, perm: make([]int, dim), sign: make([]int, dim),
		lower: make([]T, tri), upper: make([]T, tri), theta: make([]T, dim),
		w: make([]T, dim*dim), l: make([]T, dim*dim), u: make([]T, dim*dim)}
}

// diagTheta returns the parameter θ that gives |d| = a.
func diagTheta(kind DiagParam, a float64) float64 {
	if kind == DiagExp {
		return math.Log(a)
	}
	y := math.Max(a-softplusEps, 1e-12)
	return y + math.Log(-math.Expm1(-y)) // softplus⁻¹
}

// diagValue returns |d| for the parameter θ.
func diagValue(kind DiagParam, theta float64) float64 {
	if kind == DiagExp {
		return math.Exp(theta)
	}
	return math.Max(theta, 0) + math.Log1p(math.Exp(-math.Abs(theta))) + softplusEps
}

// Dim returns the number of features.
func (l *LULinear[T]) Dim() int { return l.dim }

// Params returns L's and U's free entries (packed by rows) and the
// diagonal's parameters θ.
func (l *LULinear[T]) Params() []Param[T] {
	return []Param[T]{{Name: "lower", Value: l.lower}, {Name: "upper", Value: l.upper}, {Name: "theta", Value: l.theta}}
}

// Refresh recomputes W, the triangular factors and log|det W|.
func (l *LULinear[T]) Refresh() {
	l.counted()
	n := l.dim
	clear(l.l)
	clear(l.u)
	var sum float64
	kl, ku := 0, 0
	for i := range n {
		l.l[i*n+i] = 1
		for j := range i {
			l.l[i*n+j] = l.lower[kl]
			kl++
		}
		d := diagValue(l.kind, float64(l.theta[i]))
		sum += math.Log(d)
		l.u[i*n+i] = T(float64(l.sign[i]) * d)
		for j := i + 1; j < n; j++ {
			l.u[i*n+j] = l.upper[ku]
			ku++
		}
	}
	l.logAbsDet = T(sum)
	// W's row i is row perm[i] of L times U + diag(d): each element the
	// sum over k ≤ j, from k = 0, of L[perm[i],k]·U[k,j] in float64. The
	// sums run side by side along U's rows, which are read in order (a
	// loop down U's columns took 35 s at dim 2048).
	if len(l.acc) != n {
		l.acc = make([]float64, n)
	}
	acc := l.acc
	for i := range n {
		li := l.l[l.perm[i]*n : (l.perm[i]+1)*n]
		clear(acc)
		for k := range n {
			a, uk := float64(li[k]), l.u[k*n:(k+1)*n]
			for j := k; j < n; j++ {
				acc[j] += a * float64(uk[j])
			}
		}
		row := l.w[i*n : (i+1)*n]
		for j, v := range acc {
			row[j] = T(v)
		}
	}
}

// checkDerived reports parameters whose derived W or triangular factors
// the element type cannot hold (a DiagExp θ of 800, or of 90 in float32):
// such a layer maps every point to ±Inf or NaN.
func (l *LULinear[T]) checkDerived() error {
	if !finite(float64(l.logAbsDet)) {
		return fmt.Errorf("LU log|det W| = %v", l.logAbsDet)
	}
	for _, m := range []struct {
		name string
		v    []T
	}{{"W", l.w}, {"U + diag(d)", l.u}} {
		for i, v := range m.v {
			if !finite(float64(v)) {
				return fmt.Errorf("LU %s[%d,%d] = %v: its parameters overflow %s", m.name, i/l.dim, i%l.dim, v, dtypeOf[T]())
			}
		}
	}
	return nil
}

// Inverse maps x → z = W x (see Layer).
func (l *LULinear[T]) Inverse(z, logdet, x []T, ws *Workspace[T]) {
	checkLayer("LULinear.Inverse", l.dim, z, logdet, x)
	flowkern.Dense(z, x, l.w, nil, len(logdet), l.dim, l.dim, flowkern.ActIdentity)
	for r := range logdet {
		logdet[r] += l.logAbsDet
	}
}

// Forward maps z → x = W⁻¹ z by two batched triangular solves (see
// Layer).
func (l *LULinear[T]) Forward(x, logdet, z []T, ws *Workspace[T]) {
	checkLayer("LULinear.Forward", l.dim, x, logdet, z)
	rows, n := len(logdet), l.dim
	mk := ws.Mark()
	defer ws.Release(mk)
	y := ws.Take(n * rows)                // n×rows: column r is sample r
	toColumns(y, z, rows, n, l.perm, nil) // Pᵀ z
	flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.Unit, n, l.l, y, rows)
	flowkern.TriSolve(blas.Upper, blas.NoTrans, blas.NonUnit, n, l.u, y, rows)
	fromColumns(x, y, rows, n, nil)
	for r := range logdet {
		logdet[r] -= l.logAbsDet
	}
}
