package flow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowkern/flowkern/flow"
)

// FeatureScale is a layer of the caller's own: it scales each feature by a
// learned factor, x = z·exp(a), so Inverse is z = x·exp(−a) with
// log|det ∂z/∂x| = −Σa. It trains (flow.Trainable), saves and loads
// (flow.SavableLayer and flow.RegisterLayer), and takes its scratch memory
// from the Workspace it is handed.
type FeatureScale struct {
	a []float64 // log-scales, the parameter
}

func (l *FeatureScale) Dim() int { return len(l.a) }

func (l *FeatureScale) Params() []flow.Param[float64] {
	return []flow.Param[float64]{{Name: "log-scale", Value: l.a}}
}

func (l *FeatureScale) Refresh() {}

func (l *FeatureScale) Inverse(z, logdet, x []float64, ws *flow.Workspace[float64]) {
	l.apply(z, logdet, x, ws, -1)
}

func (l *FeatureScale) Forward(x, logdet, z []float64, ws *flow.Workspace[float64]) {
	l.apply(x, logdet, z, ws, 1)
}

// apply multiplies by exp(sign·a), with the factors in workspace memory.
func (l *FeatureScale) apply(out, logdet, in []float64, ws *flow.Workspace[float64], sign float64) {
	mk := ws.Mark()
	defer ws.Release(mk)
	f := ws.Take(len(l.a))
	var sum float64
	for j, a := range l.a {
		f[j], sum = math.Exp(sign*a), sum+sign*a
	}
	for i, v := range in {
		out[i] = v * f[i%len(f)]
	}
	for r := range logdet {
		logdet[r] += sum
	}
}

// InverseGrad: z = x·e^(−a), so ∂L/∂x = dz·e^(−a) and
// ∂L/∂a = Σ_rows (−dz·z) − Σ_rows dld.
func (l *FeatureScale) InverseGrad(dx, dz, dld, x []float64, g [][]float64, ws *flow.Workspace[float64]) {
	var sumDld float64
	for _, v := range dld {
		sumDld += v
	}
	n := len(l.a)
	for j, a := range l.a {
		e := math.Exp(-a)
		for i := j; i < len(x); i += n {
			dx[i] = dz[i] * e
			g[0][j] -= dz[i] * x[i] * e
		}
		g[0][j] -= sumDld
	}
}

func (l *FeatureScale) LayerKind() string { return "example.featurescale" }

func (l *FeatureScale) MarshalConfig() ([]byte, error) { return []byte("{}"), nil }

func init() {
	flow.RegisterLayer("example.featurescale", func(dim int, config []byte) (flow.Layer[float64], error) {
		var c struct{}
		if err := json.Unmarshal(config, &c); err != nil {
			return nil, err
		}
		return &FeatureScale{a: make([]float64, dim)}, nil
	})
}

// Example_customLayer builds a model from a layer of one's own and built-in
// ones, trains it, writes it, reads it back and evaluates it.
func Example_customLayer() {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 4000*2) // N(0, 5²) in each column
	for i := range x {
		x[i] = 5 * rng.NormFloat64()
	}
	rev, err := flow.NewReverse[float64](2)
	if err != nil {
		panic(err)
	}
	base, err := flow.NewStandardNormal[float64](2)
	if err != nil {
		panic(err)
	}
	m, err := flow.NewModel(base, &FeatureScale{a: make([]float64, 2)}, rev)
	if err != nil {
		panic(err)
	}
	res, err := flow.Train(context.Background(), m, x, nil, flow.TrainConfig{Epochs: 30, Batch: 200, LR: 0.05, Seed: 1})
	if err != nil {
		panic(err)
	}
	scale := m.Layers()[0].(*FeatureScale)
	fmt.Printf("learned scales: %.0f %.0f\n", math.Exp(scale.a[0]), math.Exp(scale.a[1]))

	var file bytes.Buffer
	if _, err := m.WriteTo(&file); err != nil {
		panic(err)
	}
	back, err := flow.ReadModel[float64](&file)
	if err != nil {
		panic(err)
	}
	lp, lpBack := make([]float64, 3), make([]float64, 3)
	if err := m.LogProb(lp, x[:6]); err != nil {
		panic(err)
	}
	if err := back.LogProb(lpBack, x[:6]); err != nil {
		panic(err)
	}
	fmt.Println(res.Stopped, "; loaded model gives the same log-densities:", lp[0] == lpBack[0] && lp[2] == lpBack[2])
	// Output:
	// learned scales: 5 5
	// finished ; loaded model gives the same log-densities: true
}
