package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/flow"
)

// M4: NSF, D = 16, 8 spline couplings on alternating halves, networks
// 8 → 128 → 128 → 8·(3·8 − 1) (ReLU), K = 8, B = 3, standard normal
// base: log p of 4096 samples, and drawing 4096.
func BenchmarkM4NSF(b *testing.B) {
	const rows = 4096
	b.Run("f64/logprob", func(b *testing.B) { logProbBench(b, m4Model[float64](b), rows) })
	b.Run("f32/logprob", func(b *testing.B) { logProbBench(b, m4Model[float32](b), rows) })
	b.Run("f64/sample", func(b *testing.B) { sampleBench(b, m4Model[float64](b), rows) })
	b.Run("f32/sample", func(b *testing.B) { sampleBench(b, m4Model[float32](b), rows) })
}

func m4Model[T flow.Float](b *testing.B) *flow.Model[T] {
	rng := rand.New(rand.NewPCG(4, 4))
	m, err := flow.NSF[T](modelDim, 8, flow.Network{Hidden: []int{128, 128}}, flowkern.Spline{Bins: 8, Bound: 3}, rng)
	if err != nil {
		b.Fatal(err)
	}
	randomParams(m, rng)
	return m
}
