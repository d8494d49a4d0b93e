package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
)

// K6: rational-quadratic splines, K = 8 bins on [−3, 3] with nflows'
// minimums: x of 4096×8 from N(0, 1.5²), unnormalised parameters 4096×8×23
// from N(0, 1); forward and inverse with the per-row log-determinant, and
// the forward pass's backward pass. Peer: PyTorch (bench/peers).
func BenchmarkK6Spline(b *testing.B) {
	b.Run("f64", k6[float64])
	b.Run("f32", k6[float32])
}

func k6[T flowkern.Float](b *testing.B) {
	const rows, cols = SmallRows, 8
	s := flowkern.Spline{Bins: 8, Bound: 3}
	rng := rand.New(rand.NewPCG(6, 6))
	n, per := rows*cols, s.ParamsPer()
	x, y, p := make([]T, n), make([]T, n), make([]T, n*per)
	for i := range x {
		x[i] = T(1.5 * rng.NormFloat64())
	}
	for i := range p {
		p[i] = T(rng.NormFloat64())
	}
	ld, dIn, dP, dOut := make([]T, rows), make([]T, n), make([]T, n*per), make([]T, n)
	flowkern.SplineForward(y, ld, x, p, cols, s)
	for i := range dOut {
		dOut[i] = T(rng.NormFloat64())
	}
	// Forward and inverse read the input and the parameters and write the
	// output and the row sums; backward reads dOut, the input, the
	// parameters and dLogdet and writes dIn and the parameters' gradients.
	bytes := map[string]int{"forward": 2*n + n*per + rows, "inverse": 2*n + n*per + rows, "backward": 3*n + 2*n*per + rows}
	for _, dir := range []string{"forward", "inverse", "backward"} {
		b.Run(dir+"/4096x8/K8", func(b *testing.B) {
			for _, impl := range impls() {
				withImpl(b, impl, func(b *testing.B) {
					for b.Loop() {
						switch dir {
						case "forward":
							flowkern.SplineForward(dIn, ld, x, p, cols, s)
						case "inverse":
							flowkern.SplineInverse(dIn, ld, y, p, cols, s)
						default:
							flowkern.SplineForwardGrad(dIn, dP, dOut, ld, x, p, cols, s)
						}
					}
					report(b, n, bytes[dir]*size[T]())
				})
			}
		})
	}
}
