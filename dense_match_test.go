package flowkern_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
	"github.com/flowkern/flowkern/kernels"
)

// TestSIMDDenseMatchesPortable holds every set's Dense, DenseT and
// DenseGrad to the portable Dense and DenseGrad, bit for bit in both types:
// the vector kernels run the portable kernel's chains (fused multiply-adds
// in the same order) in their lanes. (A float32 chain could differ where
// the portable float32 FMA rounds twice, about one operation in 2^29; with
// these inputs none does.) Shapes cover every row and column tail of the
// vector kernels, and batches below the size where they take over. The
// last m mod 8 rows go in groups of 4, 2 and 1 rows across bands of up to
// eight vectors of columns: every m mod 8 meets every band width (n up to
// 257 is 16 float32 vectors of AVX-512 and a tail).
func TestSIMDDenseMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, m := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 17} {
			for _, k := range []int{0, 1, 5, 33} {
				for _, n := range []int{1, 3, 4, 7, 8, 15, 16, 17, 33, 64, 100, 128, 257} {
					for _, act := range []flowkern.Activation{flowkern.ActIdentity, flowkern.ActReLU, flowkern.ActTanh} {
						denseMatch[float64](t, rng, m, k, n, act, m*k > 2 && n%2 == 1)
						denseMatch[float32](t, rng, m, k, n, act, m*k > 2 && n%2 == 1)
					}
				}
			}
		}
	})
}

// denseMatch compares one shape; special puts NaN, ±Inf and a huge value
// in x and leaves the bias out (but for ReLU at some widths: its bias is
// fused into the vector kernel, a zero one when there is none).
func denseMatch[T flowkern.Float](t *testing.T, rng *rand.Rand, m, k, n int, act flowkern.Activation, special bool) {
	t.Helper()
	x, w, b := make([]T, m*k), make([]T, n*k), make([]T, n)
	for _, s := range [][]T{x, w, b} {
		for i := range s {
			s[i] = T(rng.NormFloat64())
		}
	}
	if special {
		x[0], x[1], x[2] = T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1))
		x[len(x)-1] = T(1e30)
		if act != flowkern.ActReLU || n%4 == 1 { // ReLU with and without a bias
			b = nil
		}
	}
	got, want := make([]T, m*n), make([]T, m*n)
	flowkern.Dense(got, x, w, b, m, k, n, act)
	kernels.Dense(want, x, w, b, m, k, n, kernels.Activation(act))
	same(t, "y", got, want, m, k, n, act)
	// DenseT on Wᵀ gives Dense's bits.
	wt := make([]T, len(w))
	for j := range n {
		for p := range k {
			wt[p*n+j] = w[j*k+p]
		}
	}
	gotT := make([]T, m*n)
	flowkern.DenseT(gotT, x, wt, b, m, k, n, act)
	same(t, "DenseT y", gotT, want, m, k, n, act)
	// The backward pass from the same output, dw and db accumulating onto
	// the same starting values.
	dy := make([]T, m*n)
	for i := range dy {
		dy[i] = T(rng.NormFloat64())
	}
	if special && len(dy) > 2 { // infinite and negative gradients through ReLU's zeros
		dy[0], dy[1], dy[2] = T(math.Inf(1)), T(math.Inf(-1)), -dy[2]*dy[2]
	}
	dw0, db0 := make([]T, n*k), make([]T, n)
	for _, s := range [][]T{dw0, db0} {
		for i := range s {
			s[i] = T(rng.NormFloat64())
		}
	}
	g, r := newGrads(dy, dw0, db0, m, k), newGrads(dy, dw0, db0, m, k)
	flowkern.DenseGrad(g.dx, g.dw, g.db, g.dy, x, w, want, m, k, n, act)
	kernels.DenseGrad(r.dx, r.dw, r.db, r.dy, x, w, want, m, k, n, kernels.Activation(act))
	same(t, "dz", g.dy, r.dy, m, k, n, act)
	same(t, "dx", g.dx, r.dx, m, k, n, act)
	same(t, "dw", g.dw, r.dw, m, k, n, act)
	same(t, "db", g.db, r.db, m, k, n, act)
}

type grads[T flowkern.Float] struct{ dx, dw, db, dy []T }

func newGrads[T flowkern.Float](dy, dw, db []T, m, k int) grads[T] {
	return grads[T]{make([]T, m*k), append([]T(nil), dw...), append([]T(nil), db...), append([]T(nil), dy...)}
}

// same fails unless got and want are equal bit for bit.
func same[T flowkern.Float](t *testing.T, what string, got, want []T, m, k, n int, act flowkern.Activation) {
	t.Helper()
	for i := range got {
		if d := kerneltest.ULPDist(got[i], want[i]); d != 0 || (got[i] == 0 && math.Signbit(float64(got[i])) != math.Signbit(float64(want[i]))) {
			t.Fatalf("%s m=%d k=%d n=%d %v: %s[%d] = %v, portable %v (%d ulp)", flowkern.Impl(), m, k, n, act, what, i, got[i], want[i], d)
		}
	}
}
