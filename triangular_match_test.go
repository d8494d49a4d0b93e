package flowkern_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
	"github.com/flowkern/flowkern/kernels"
)

// TestSIMDTriMatchesPortable holds every kernel set's TriSolve and TriMul to
// the portable kernels' bits, in float64 and float32, for every uplo,
// transpose and diagonal kind: n across the block sizes of every set
// (tiles of 4 and 8 rows) up to 300, and nrhs across their vector and
// strip widths (every nrhs to 400 for a few n),
// X in guarded buffers at every offset, A with zero coefficients (whole
// blocks and scattered), and X and A with NaN, ±Inf, ±0 and subnormals.
func TestSIMDTriMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if flowkern.Impl() == "generic" {
			t.Skip("the portable set is the reference")
		}
		t.Run("f64", matchTri[float64])
		t.Run("f32", matchTri[float32])
	})
}

// triCase is one problem's shape and the kinds of values it holds.
type triCase struct {
	n, nrhs int
	zeros   float64 // fraction of A's coefficients that are zero
	special bool    // NaN, ±Inf, ±0 and subnormals in X and A
}

func triCases(short bool) []triCase {
	var cs []triCase
	ns := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 25, 31, 33, 40}
	nrhss := []int{0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 63, 64, 65, 95, 96, 97, 129, 191, 192, 193, 257}
	for _, n := range ns {
		for _, nrhs := range nrhss {
			cs = append(cs, triCase{n: n, nrhs: nrhs})
		}
	}
	// Every nrhs up to past two of the widest strips (24 AVX-512 float32
	// vectors is 384 columns), for n around the tile sizes.
	for _, n := range []int{1, 6, 9, 17} {
		for nrhs := 0; nrhs <= 400; nrhs++ {
			cs = append(cs, triCase{n: n, nrhs: nrhs})
		}
	}
	big := []triCase{{64, 200, 0, false}, {65, 97, 0, false}, {100, 33, 0, false}, {130, 260, 0, false}, {257, 70, 0, false}}
	if !short {
		big = append(big, triCase{300, 257, 0, false}, triCase{129, 1000, 0, false})
	}
	cs = append(cs, big...)
	for _, n := range []int{9, 17, 40, 100} {
		for _, z := range []float64{0.02, 0.3, 1} {
			cs = append(cs, triCase{n: n, nrhs: 50, zeros: z})
		}
		cs = append(cs, triCase{n: n, nrhs: 41, special: true}, triCase{n: n, nrhs: 41, zeros: 0.1, special: true})
	}
	return cs
}

func matchTri[T flowkern.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	checked := 0
	for ci, c := range triCases(testing.Short()) {
		for _, uplo := range []blas.Uplo{blas.Lower, blas.Upper} {
			for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, diag := range []blas.Diag{blas.NonUnit, blas.Unit} {
					a := triProblemMatrix[T](rng, uplo, c)
					x := make([]T, c.n*c.nrhs)
					for i := range x {
						x[i] = T(rng.NormFloat64())
					}
					if c.special {
						sprinkle(rng, x, 0.05)
					}
					for _, solve := range []bool{true, false} {
						name, f, ref := "TriSolve", flowkern.TriSolve[T], kernels.TriSolve[T]
						if !solve {
							name, f, ref = "TriMul", flowkern.TriMul[T], kernels.TriMul[T]
						}
						what := fmt.Sprintf("%s uplo=%c tA=%c diag=%c n=%d nrhs=%d zeros=%g special=%v", name, uplo, tA, diag, c.n, c.nrhs, c.zeros, c.special)
						want := append([]T(nil), x...)
						ref(uplo, tA, diag, c.n, a, want, c.nrhs)
						xb := kerneltest.NewBuffer[T](len(x), (ci+int(uplo))%8).Fill(x)
						ab := kerneltest.NewBuffer[T](len(a), ci%8).Fill(a)
						f(uplo, tA, diag, c.n, ab.S(), xb.S(), c.nrhs)
						xb.CheckGuards(t, what+" x")
						ab.CheckGuards(t, what+" a")
						if got := xb.S(); !kerneltest.Same(got, want) {
							for i := range got {
								if !kerneltest.Same(got[i:i+1], want[i:i+1]) {
									t.Fatalf("%s: x[%d] (row %d, column %d) = %v, portable %v", what, i, i/c.nrhs, i%c.nrhs, got[i], want[i])
								}
							}
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d problems match the portable kernels bit for bit", checked)
}

// triProblemMatrix is TriMatrix with the case's zeros and special values
// (unit diagonals are left as the guard NaN, which must not be read).
func triProblemMatrix[T flowkern.Float](rng *rand.Rand, uplo blas.Uplo, c triCase) []T {
	a := kerneltest.TriMatrix[T](rng, uplo, c.n)
	for i := range c.n {
		for j := range c.n {
			if i == j || (j < i) != (uplo == blas.Lower) {
				continue
			}
			if rng.Float64() < c.zeros {
				a[i*c.n+j] = 0
			}
		}
	}
	if c.special {
		sprinkle(rng, a, 0.02)
	}
	return a
}

// sprinkle replaces a fraction of s with NaN, ±Inf, ±0, subnormals and
// huge values.
func sprinkle[T flowkern.Float](rng *rand.Rand, s []T, frac float64) {
	tiny, huge := T(math.SmallestNonzeroFloat32), T(math.MaxFloat32/4)
	if !kerneltest.Is32[T]() {
		var smallest, largest float64 = math.SmallestNonzeroFloat64, math.MaxFloat64 / 4
		tiny, huge = T(smallest), T(largest)
	}
	specials := []T{T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)), 0, T(math.Copysign(0, -1)), tiny, -3 * tiny, huge, -huge}
	for i := range s {
		if rng.Float64() < frac {
			s[i] = specials[rng.IntN(len(specials))]
		}
	}
}
