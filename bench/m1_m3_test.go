package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// The model workloads of BENCHMARKS.md (in this folder): M1 RealNVP log-density (D = 16,
// 8 couplings, conditioner 8 → 128 → 128 → 16, ReLU, clamp 2) at batches
// 4096, 64, 16, 4 and 1 (and at 4096 conditional on a 4-D context), and M3 MAF (D = 16, 5 MADE layers of 2×128 hidden,
// reversals between) log-density and sampling at 4096. Parameters are
// random (not the zero-initialised identity) so that every path works.

const modelDim = 16

func randomParams[T flow.Float](m *flow.Model[T], rng *rand.Rand) {
	for _, p := range m.Params() {
		for i := range p.Value {
			p.Value[i] += T(0.05 * rng.NormFloat64())
		}
	}
	m.Refresh()
}

func m1Model[T flow.Float](b *testing.B) *flow.Model[T] {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := flow.RealNVP[T](modelDim, 8, flow.Network{Hidden: []int{128, 128}}, rng)
	if err != nil {
		b.Fatal(err)
	}
	randomParams(m, rng)
	return m
}

// m1ContextModel is M1's model conditional on a context of cd features.
func m1ContextModel[T flow.Float](b *testing.B, cd int) *flow.Model[T] {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := flow.RealNVP[T](modelDim, 8, flow.Network{Hidden: []int{128, 128}, Context: cd}, rng)
	if err != nil {
		b.Fatal(err)
	}
	randomParams(m, rng)
	return m
}

func m3Model[T flow.Float](b *testing.B) *flow.Model[T] {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := flow.MAF[T](modelDim, 5, flow.Network{Hidden: []int{128, 128}}, rng)
	if err != nil {
		b.Fatal(err)
	}
	randomParams(m, rng)
	return m
}

// logProbBench times LogProb on batches of rows.
func logProbBench[T flow.Float](b *testing.B, m *flow.Model[T], rows int) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]T, rows*m.Dim())
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	lp := make([]T, rows)
	b.ResetTimer()
	for b.Loop() {
		if err := m.LogProb(lp, x); err != nil {
			b.Fatal(err)
		}
	}
	reportSamples(b, rows)
}

// logProbGivenBench times LogProbGiven on batches of rows, each with its
// own context.
func logProbGivenBench[T flow.Float](b *testing.B, m *flow.Model[T], rows int) {
	rng := rand.New(rand.NewPCG(2, 2))
	x, c := make([]T, rows*m.Dim()), make([]T, rows*m.ContextDim())
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	for i := range c {
		c[i] = T(rng.NormFloat64())
	}
	lp := make([]T, rows)
	b.ResetTimer()
	for b.Loop() {
		if err := m.LogProbGiven(lp, x, c); err != nil {
			b.Fatal(err)
		}
	}
	reportSamples(b, rows)
}

// reportSamples sets samples/s and µs per call.
func reportSamples(b *testing.B, rows int) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(rows)/ns*1e9, "samples/s")
	b.ReportMetric(ns/1e3, "µs/call")
}

func BenchmarkM1RealNVPLogProb(b *testing.B) {
	for _, rows := range []int{4096, 64, 16, 4, 1} {
		b.Run(fmt.Sprintf("f64/b=%d", rows), func(b *testing.B) { logProbBench(b, m1Model[float64](b), rows) })
		b.Run(fmt.Sprintf("f32/b=%d", rows), func(b *testing.B) { logProbBench(b, m1Model[float32](b), rows) })
	}
	// Conditional: the same model with a 4-D context beside every
	// network's inputs.
	b.Run("f64/b=4096/context=4", func(b *testing.B) { logProbGivenBench(b, m1ContextModel[float64](b, 4), 4096) })
	b.Run("f32/b=4096/context=4", func(b *testing.B) { logProbGivenBench(b, m1ContextModel[float32](b, 4), 4096) })
}

func BenchmarkM3MAF(b *testing.B) {
	const rows = 4096
	b.Run("f64/logprob", func(b *testing.B) { logProbBench(b, m3Model[float64](b), rows) })
	b.Run("f32/logprob", func(b *testing.B) { logProbBench(b, m3Model[float32](b), rows) })
	b.Run("f64/sample", func(b *testing.B) { sampleBench(b, m3Model[float64](b), rows) })
	b.Run("f32/sample", func(b *testing.B) { sampleBench(b, m3Model[float32](b), rows) })
}

func sampleBench[T flow.Float](b *testing.B, m *flow.Model[T], rows int) {
	x := make([]T, rows*m.Dim())
	rng := rand.New(rand.NewPCG(3, 3))
	b.ResetTimer()
	for b.Loop() {
		if err := m.Sample(x, rng); err != nil {
			b.Fatal(err)
		}
	}
	reportSamples(b, rows)
}
