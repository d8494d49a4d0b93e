package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
)

// k7Params is M1's parameter count: K7 takes the optimiser step M2 takes.
const k7Params = 157824

// BenchmarkK7Adam times K7: one Adam step (flowkern.AdamUpdate, β 0.9 and
// 0.999, ε 1e-8, weight decay 0.01, a clipping factor 0.5) on M1's 157,824
// parameters, their gradient and moments drawn from N(0, 1), in ns a
// parameter ("ns/elem", as the other elementwise workloads), on every
// available kernel set.
func BenchmarkK7Adam(b *testing.B) {
	b.Run("f64", k7[float64])
	b.Run("f32", k7[float32])
}

func k7[T flowkern.Float](b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	w, g, old := make([]T, k7Params), make([]T, k7Params), make([]T, k7Params)
	m, v := make([]float64, k7Params), make([]float64, k7Params)
	for i := range w {
		w[i], g[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
		m[i], v[i] = 0.1*rng.NormFloat64(), 0.01*rng.Float64()
	}
	a := flowkern.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0.01, 0.5, 10)
	for _, impl := range impls() {
		withImpl(b, impl, func(b *testing.B) {
			for b.Loop() {
				flowkern.AdamUpdate(w, g, old, m, v, a)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/k7Params, "ns/elem")
		})
	}
}
