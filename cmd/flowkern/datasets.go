package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// The built-in data sets: the 2-D toy densities of the flow literature
// (moons as scikit-learn draws them, the others as in FFJORD, Grathwohl
// et al. 2019) and two 16-D sets for tests beyond the plane.
var datasets = map[string]struct {
	dim  int
	draw func(rng *rand.Rand) []float64
	doc  string
}{
	"moons": {2, func(r *rand.Rand) []float64 {
		t := math.Pi * r.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if r.IntN(2) == 1 {
			x, y = 1-x, 0.5-y
		}
		return []float64{2*(x+0.1*r.NormFloat64()) - 1, 2*(y+0.1*r.NormFloat64()) - 0.2}
	}, "two interleaved half circles"},
	"circles": {2, func(r *rand.Rand) []float64 {
		t, rad := 2*math.Pi*r.Float64(), 1.0
		if r.IntN(2) == 1 {
			rad = 0.5
		}
		return []float64{3 * (rad*math.Cos(t) + 0.08*r.NormFloat64()), 3 * (rad*math.Sin(t) + 0.08*r.NormFloat64())}
	}, "two concentric rings"},
	"checkerboard": {2, func(r *rand.Rand) []float64 {
		x1 := 4*r.Float64() - 2
		x2 := r.Float64() - float64(2*r.IntN(2)) + math.Mod(math.Floor(x1)+4, 2)
		return []float64{2 * x1, 2 * x2}
	}, "a 4×4 checkerboard"},
	"8gaussians": {2, func(r *rand.Rand) []float64 {
		k := float64(r.IntN(8)) * math.Pi / 4
		return []float64{(4*math.Cos(k) + 0.5*r.NormFloat64()) / math.Sqrt2, (4*math.Sin(k) + 0.5*r.NormFloat64()) / math.Sqrt2}
	}, "eight Gaussians on a circle"},
	"mixture16": {16, func(r *rand.Rand) []float64 {
		// Five Gaussian clusters with fixed centres and per-cluster scales.
		c := r.IntN(5)
		v := make([]float64, 16)
		for j := range v {
			centre := 3 * math.Sin(float64(7*c+3*j+1))
			v[j] = centre + (0.3+0.15*float64(c))*r.NormFloat64()
		}
		return v
	}, "a 16-D mixture of five Gaussians"},
	"chain16": {16, func(r *rand.Rand) []float64 {
		// Correlated and non-Gaussian: each coordinate a noisy sine of the
		// one before (a stable nonlinear autoregression).
		v := make([]float64, 16)
		v[0] = r.NormFloat64()
		for j := 1; j < 16; j++ {
			v[j] = math.Sin(2*v[j-1]) + 0.3*v[j-1] + 0.4*r.NormFloat64()
		}
		return v
	}, "a 16-D correlated non-Gaussian: each coordinate a noisy sine of the last"},
}

// datasetNames lists the data sets, 2-D first.
func datasetNames() []string {
	var names []string
	for n := range datasets {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := datasets[names[i]], datasets[names[j]]
		return a.dim < b.dim || a.dim == b.dim && names[i] < names[j]
	})
	return names
}

// draw returns n rows of the named data set from seed.
func draw(name string, n int, seed uint64) ([]float64, int, error) {
	d, ok := datasets[name]
	if !ok {
		return nil, 0, fmt.Errorf("unknown data set %q (want %s)", name, strings.Join(datasetNames(), ", "))
	}
	rng := rand.New(rand.NewPCG(seed, 0x64617461))
	x := make([]float64, 0, n*d.dim)
	for range n {
		x = append(x, d.draw(rng)...)
	}
	return x, d.dim, nil
}
