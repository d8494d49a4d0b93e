package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// BenchmarkM2RealNVPTrainStep times M2: one training step of the M1 model
// (mean NLL, backward, Adam) on batches of 512 cycling through 64
// pre-drawn batches, as the PyTorch peer does.
func BenchmarkM2RealNVPTrainStep(b *testing.B) {
	b.Run("f64", func(b *testing.B) { trainStepBench(b, m1Model[float64](b)) })
	b.Run("f32", func(b *testing.B) { trainStepBench(b, m1Model[float32](b)) })
}

func trainStepBench[T flow.Float](b *testing.B, m *flow.Model[T]) {
	const batch, pool = 512, 64
	rng := rand.New(rand.NewPCG(5, 5))
	x := make([]T, pool*batch*modelDim)
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	opt, err := flow.NewAdam(m, flow.TrainConfig{Schedule: flow.ScheduleConstant}, 1)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		k := i % pool
		if _, err := opt.Step(x[k*batch*modelDim : (k+1)*batch*modelDim]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportSamples(b, batch)
}
