package bench

import (
	"math/rand/v2"

	"github.com/flowkern/flowkern"
)

// Sizes of the workloads (BENCHMARKS.md in this folder).
const (
	SmallRows = 4096    // B of the small cases
	LargeElem = 1 << 22 // elements of the large cases
)

// Elementwise holds the inputs and outputs of K0–K2 for a batch of Rows
// rows of Cols: X normal, S uniform in [−2, 2], T normal, ExpArg uniform in
// [−20, 20], LogArg uniform in [10⁻³, 10³].
type Elementwise[T flowkern.Float] struct {
	Rows, Cols              int
	X, S, T, ExpArg, LogArg []T
	Out, Out2, Out3         []T
	Logdet                  []T
}

// NewElementwise returns the K0–K2 data for rows×cols.
func NewElementwise[T flowkern.Float](rows, cols int, seed uint64) *Elementwise[T] {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := rows * cols
	w := &Elementwise[T]{Rows: rows, Cols: cols}
	w.X, w.S, w.T = make([]T, n), make([]T, n), make([]T, n)
	w.ExpArg, w.LogArg = make([]T, n), make([]T, n)
	w.Out, w.Out2, w.Out3, w.Logdet = make([]T, n), make([]T, n), make([]T, n), make([]T, rows)
	for i := range n {
		w.X[i] = T(rng.NormFloat64())
		w.S[i] = T(4*rng.Float64() - 2)
		w.T[i] = T(rng.NormFloat64())
		w.ExpArg[i] = T(40*rng.Float64() - 20)
		w.LogArg[i] = T(1e-3 + (1e3-1e-3)*rng.Float64())
	}
	return w
}

// TriProblem holds K3's lower or upper triangular n×n matrix A (diagonal in
// [1, 2], off-diagonal entries of at most 0.1/n) and right-hand sides Z of
// n×B, with X, the buffer solved in place.
type TriProblem[T flowkern.Float] struct {
	N, B int
	A, Z []T
	X    []T
}

// NewTri returns a K3 problem.
func NewTri[T flowkern.Float](n, b int, upper bool, seed uint64) *TriProblem[T] {
	rng := rand.New(rand.NewPCG(seed, 2))
	p := &TriProblem[T]{N: n, B: b, A: make([]T, n*n), Z: make([]T, n*b), X: make([]T, n*b)}
	for i := range n {
		for j := range n {
			switch {
			case i == j:
				p.A[i*n+j] = T(1 + rng.Float64())
			case (j < i) != upper:
				p.A[i*n+j] = T((2*rng.Float64() - 1) * 0.1 / float64(n))
			}
		}
	}
	for i := range p.Z {
		p.Z[i] = T(rng.NormFloat64())
	}
	return p
}

// DenseProblem holds K5's X (m×k), W (n×k), b (n) and Y (m×n).
type DenseProblem[T flowkern.Float] struct {
	M, K, N int
	X, W, B []T
	Y       []T
}

// NewDense returns a K5 problem.
func NewDense[T flowkern.Float](m, k, n int, seed uint64) *DenseProblem[T] {
	rng := rand.New(rand.NewPCG(seed, 3))
	d := &DenseProblem[T]{M: m, K: k, N: n, X: make([]T, m*k), W: make([]T, n*k), B: make([]T, n), Y: make([]T, m*n)}
	for _, s := range [][]T{d.X, d.W, d.B} {
		for i := range s {
			s[i] = T(rng.NormFloat64())
		}
	}
	return d
}
