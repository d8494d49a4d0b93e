package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
)

// BenchmarkM1Floor times the dense work of one M1 call at batch 1 and
// nothing else: the 24 matrix-vector products of M1's eight conditioners
// (8 → 128 → 128 → 16, ReLU, weights in DenseT's layout, each coupling's
// input taken from the previous coupling's output, so that the couplings
// wait on one another as in the model), back to back. It is what
// M1RealNVPLogProb at b=1 would take with no other step at all (argument
// checks, gathers, the affine kernel), and reports the rate at which the
// products read their weights (631 kB in float32, 1.26 MB in float64).
// "hidden" times the eight 128×128 products alone, "outputs" the eight
// 128 → 16 output layers alone, whose sums are chains of 128 dependent
// fused multiply-adds (the order every kernel set keeps).
func BenchmarkM1Floor(b *testing.B) {
	b.Run("f32", m1Floor[float32])
	b.Run("f64", m1Floor[float64])
}

// m1Layer is one of M1's dense layers: k inputs, n outputs, Wᵀ and bias.
type m1Layer[T flowkern.Float] struct {
	k, n  int
	wt, b []T
	act   flowkern.Activation
}

func m1Floor[T flowkern.Float](b *testing.B) {
	const couplings, half, hidden, outs = 8, modelDim / 2, 128, modelDim
	rng := rand.New(rand.NewPCG(3, 3))
	layer := func(k, n int, act flowkern.Activation) m1Layer[T] {
		l := m1Layer[T]{k: k, n: n, wt: make([]T, k*n), b: make([]T, n), act: act}
		for i := range l.wt {
			l.wt[i] = T(rng.NormFloat64() / math.Sqrt(float64(k)))
		}
		return l
	}
	nets := make([][3]m1Layer[T], couplings)
	for c := range nets {
		nets[c] = [3]m1Layer[T]{layer(half, hidden, flowkern.ActReLU), layer(hidden, hidden, flowkern.ActReLU),
			layer(hidden, outs, flowkern.ActIdentity)}
	}
	x, h1, h2, y := make([]T, half), make([]T, hidden), make([]T, hidden), make([]T, outs)
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	run := func(l m1Layer[T], out, in []T) { flowkern.DenseT(out, in, l.wt, l.b, 1, l.k, l.n, l.act) }
	bytes := func(layers ...int) int {
		n := 0
		for _, net := range nets {
			for _, i := range layers {
				n += len(net[i].wt) + len(net[i].b)
			}
		}
		return n * size[T]()
	}
	reportCall := func(b *testing.B, weights int) {
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(ns/1e3, "µs/call")
		b.ReportMetric(float64(weights)/ns, "GB/s")
	}
	b.Run("dense", func(b *testing.B) {
		for b.Loop() {
			for _, net := range nets {
				run(net[0], h1, x)
				run(net[1], h2, h1)
				run(net[2], y, h2)
				copy(x, y[:half])
			}
		}
		reportCall(b, bytes(0, 1, 2))
	})
	b.Run("hidden", func(b *testing.B) {
		for b.Loop() {
			for _, net := range nets {
				run(net[1], h2, h1)
				h1, h2 = h2, h1
			}
		}
		reportCall(b, bytes(1))
	})
	b.Run("outputs", func(b *testing.B) {
		for b.Loop() {
			for _, net := range nets {
				run(net[2], y, h2)
				h2[0] = y[0]
			}
		}
		reportCall(b, bytes(2))
	})
}
