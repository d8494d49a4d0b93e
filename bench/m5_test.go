package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// M5: Glow, D = 64, 8 blocks of ActNorm, LU-parameterised linear layer and
// affine coupling (network 32 → 128 → 128 → 64, ReLU): log p of 4096
// samples, and drawing 4096. Sampling runs the LU layers' triangular
// solves; log p their products.
func BenchmarkM5Glow(b *testing.B) {
	const rows = 4096
	b.Run("f64/logprob", func(b *testing.B) { logProbBench(b, m5Model[float64](b), rows) })
	b.Run("f32/logprob", func(b *testing.B) { logProbBench(b, m5Model[float32](b), rows) })
	b.Run("f64/sample", func(b *testing.B) { sampleBench(b, m5Model[float64](b), rows) })
	b.Run("f32/sample", func(b *testing.B) { sampleBench(b, m5Model[float32](b), rows) })
}

// glowDim is M5's D.
const glowDim = 64

func m5Model[T flow.Float](b *testing.B) *flow.Model[T] {
	rng := rand.New(rand.NewPCG(5, 5))
	m, err := flow.Glow[T](glowDim, 8, flow.Network{Hidden: []int{128, 128}}, rng)
	if err != nil {
		b.Fatal(err)
	}
	randomParams(m, rng)
	return m
}
