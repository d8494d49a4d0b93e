package bench

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/flowkern/flowkern"
)

// K3: solve L·X = Z in place for B = 4096 right-hand sides (TriSolve), or
// form L·Z (TriMul), n from 8 to 512, lower and upper. Each iteration
// first copies Z into X (the same for every implementation; n·B elements
// against n²·B flops). Peer: gonum's Dtrsm/Strsm and Dtrmm/Strmm.
func BenchmarkK3TriSolve(b *testing.B) {
	b.Run("f64", k3[float64](true))
	b.Run("f32", k3[float32](true))
}

// BenchmarkK3TriMul is K3's product, TriMul.
func BenchmarkK3TriMul(b *testing.B) {
	b.Run("f64", k3[float64](false))
	b.Run("f32", k3[float32](false))
}

// k3Sizes are K3's n.
var k3Sizes = []int{8, 16, 32, 64, 128, 256, 512}

func k3[T flowkern.Float](solve bool) func(b *testing.B) {
	return func(b *testing.B) {
		for _, uplo := range []blas.Uplo{blas.Lower, blas.Upper} {
			name := map[blas.Uplo]string{blas.Lower: "lower", blas.Upper: "upper"}[uplo]
			b.Run(name, func(b *testing.B) {
				for _, n := range k3Sizes {
					p := NewTri[T](n, SmallRows, uplo == blas.Upper, 4)
					flops := float64(n) * float64(n) * float64(p.B)
					f := flowkern.TriSolve[T]
					if !solve {
						f = flowkern.TriMul[T]
					}
					b.Run(fmt.Sprintf("n%dxB%d", n, p.B), func(b *testing.B) {
						for _, impl := range impls() {
							withImpl(b, impl, func(b *testing.B) {
								for b.Loop() {
									copy(p.X, p.Z)
									f(uplo, blas.NoTrans, blas.NonUnit, n, p.A, p.X, p.B)
								}
								reportFlops(b, flops)
							})
						}
						b.Run("gonum", func(b *testing.B) {
							for b.Loop() {
								copy(p.X, p.Z)
								gonumTri(solve, uplo, p)
							}
							reportFlops(b, flops)
						})
					})
				}
			})
		}
	}
}

// gonumTri solves (or multiplies) with gonum's BLAS in T's precision.
func gonumTri[T flowkern.Float](solve bool, uplo blas.Uplo, p *TriProblem[T]) {
	switch a := any(p.A).(type) {
	case []float64:
		x := any(p.X).([]float64)
		if solve {
			blas64.Implementation().Dtrsm(blas.Left, uplo, blas.NoTrans, blas.NonUnit, p.N, p.B, 1, a, p.N, x, p.B)
		} else {
			blas64.Implementation().Dtrmm(blas.Left, uplo, blas.NoTrans, blas.NonUnit, p.N, p.B, 1, a, p.N, x, p.B)
		}
	case []float32:
		x := any(p.X).([]float32)
		if solve {
			blas32.Implementation().Strsm(blas.Left, uplo, blas.NoTrans, blas.NonUnit, p.N, p.B, 1, a, p.N, x, p.B)
		} else {
			blas32.Implementation().Strmm(blas.Left, uplo, blas.NoTrans, blas.NonUnit, p.N, p.B, 1, a, p.N, x, p.B)
		}
	}
}

// K5: Y = relu(X·Wᵀ + b). Peer: gonum's Dgemm/Sgemm, then bias and ReLU.
func BenchmarkK5Dense(b *testing.B) {
	b.Run("f64", k5[float64])
	b.Run("f32", k5[float32])
}

func k5[T flowkern.Float](b *testing.B) {
	for _, s := range [][3]int{{4096, 128, 128}, {4096, 8, 128}, {4096, 128, 16}} {
		d := NewDense[T](s[0], s[1], s[2], 5)
		flops := 2 * float64(d.M) * float64(d.K) * float64(d.N)
		b.Run(fmt.Sprintf("%dx%dx%d", d.M, d.K, d.N), func(b *testing.B) {
			for _, impl := range impls() {
				withImpl(b, impl, func(b *testing.B) {
					for b.Loop() {
						flowkern.Dense(d.Y, d.X, d.W, d.B, d.M, d.K, d.N, flowkern.ActReLU)
					}
					reportFlops(b, flops)
				})
			}
			b.Run("gonum", func(b *testing.B) {
				for b.Loop() {
					gonumDense(d)
				}
				reportFlops(b, flops)
			})
		})
	}
}

// gonumDense is K5 with gonum's GEMM.
func gonumDense[T flowkern.Float](d *DenseProblem[T]) {
	switch x := any(d.X).(type) {
	case []float64:
		blas64.Implementation().Dgemm(blas.NoTrans, blas.Trans, d.M, d.N, d.K, 1, x, d.K, any(d.W).([]float64), d.K, 0, any(d.Y).([]float64), d.N)
	case []float32:
		blas32.Implementation().Sgemm(blas.NoTrans, blas.Trans, d.M, d.N, d.K, 1, x, d.K, any(d.W).([]float32), d.K, 0, any(d.Y).([]float32), d.N)
	}
	for i := range d.M {
		row := d.Y[i*d.N : (i+1)*d.N]
		for j, v := range row {
			row[j] = max(v+d.B[j], 0)
		}
	}
}
