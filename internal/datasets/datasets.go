// Package datasets holds the built-in data sets of the flowkern command
// and of the tests: the 2-D toy densities of the flow literature (moons as
// scikit-learn draws them, the others as in FFJORD, Grathwohl et al.
// 2019), two 16-D sets for tests beyond the plane, and a conditional set
// whose true density is known in closed form.
package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// Set is a built-in data set.
type Set struct {
	// Dim is the number of values in a row; in a conditional set the last
	// Context of them are the row's context.
	Dim, Context int
	// Doc describes the set.
	Doc string
	// LogProb, if not nil, is the true log-density of a row: log p(x | c)
	// of its first Dim − Context values given the rest, for a conditional
	// set.
	LogProb func(row []float64) float64
	draw    func(r *rand.Rand) []float64
}

var sets = map[string]Set{
	"moons": {Dim: 2, draw: func(r *rand.Rand) []float64 {
		t := math.Pi * r.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if r.IntN(2) == 1 {
			x, y = 1-x, 0.5-y
		}
		return []float64{2*(x+0.1*r.NormFloat64()) - 1, 2*(y+0.1*r.NormFloat64()) - 0.2}
	}, Doc: "two interleaved half circles"},
	"circles": {Dim: 2, draw: func(r *rand.Rand) []float64 {
		t, rad := 2*math.Pi*r.Float64(), 1.0
		if r.IntN(2) == 1 {
			rad = 0.5
		}
		return []float64{3 * (rad*math.Cos(t) + 0.08*r.NormFloat64()), 3 * (rad*math.Sin(t) + 0.08*r.NormFloat64())}
	}, Doc: "two concentric rings"},
	"checkerboard": {Dim: 2, draw: func(r *rand.Rand) []float64 {
		x1 := 4*r.Float64() - 2
		x2 := r.Float64() - float64(2*r.IntN(2)) + math.Mod(math.Floor(x1)+4, 2)
		return []float64{2 * x1, 2 * x2}
	}, Doc: "a 4×4 checkerboard"},
	"8gaussians": {Dim: 2, draw: func(r *rand.Rand) []float64 {
		k := float64(r.IntN(8)) * math.Pi / 4
		return []float64{(4*math.Cos(k) + 0.5*r.NormFloat64()) / math.Sqrt2, (4*math.Sin(k) + 0.5*r.NormFloat64()) / math.Sqrt2}
	}, Doc: "eight Gaussians on a circle"},
	"mixture16": {Dim: 16, draw: func(r *rand.Rand) []float64 {
		// Five Gaussian clusters with fixed centres and per-cluster scales.
		c := r.IntN(5)
		v := make([]float64, 16)
		for j := range v {
			centre := 3 * math.Sin(float64(7*c+3*j+1))
			v[j] = centre + (0.3+0.15*float64(c))*r.NormFloat64()
		}
		return v
	}, Doc: "a 16-D mixture of five Gaussians", LogProb: mixtureLogProb},
	"chain16": {Dim: 16, draw: func(r *rand.Rand) []float64 {
		// Correlated and non-Gaussian: each coordinate a noisy sine of the
		// one before (a stable nonlinear autoregression).
		v := make([]float64, 16)
		v[0] = r.NormFloat64()
		for j := 1; j < 16; j++ {
			v[j] = math.Sin(2*v[j-1]) + 0.3*v[j-1] + 0.4*r.NormFloat64()
		}
		return v
	}, Doc: "a 16-D correlated non-Gaussian: each coordinate a noisy sine of the last", LogProb: chainLogProb},
	"cond-banana": {Dim: 4, Context: 2, draw: drawBanana, LogProb: bananaLogProb,
		Doc: "x ∈ R² given c ∈ [−1, 1]²: a banana whose centre, spread and bend move with c (columns x1, x2, c1, c2)"},
}

// mixtureLogProb is mixture16's log-density: the five clusters weighted
// alike, summed in the log domain from the largest.
func mixtureLogProb(row []float64) float64 {
	var lc [5]float64
	for c := range lc {
		s := 0.3 + 0.15*float64(c)
		lc[c] = math.Log(0.2)
		for j, v := range row {
			e := (v - 3*math.Sin(float64(7*c+3*j+1))) / s
			lc[c] += -0.5*e*e - math.Log(s) - 0.5*math.Log(2*math.Pi)
		}
	}
	top := lc[0]
	for _, v := range lc[1:] {
		top = max(top, v)
	}
	var sum float64
	for _, v := range lc {
		sum += math.Exp(v - top)
	}
	return top + math.Log(sum)
}

// chainLogProb is chain16's log-density: x₁ standard normal, each next
// coordinate normal about sin 2x + 0.3x of the last with deviation 0.4.
func chainLogProb(row []float64) float64 {
	const half = 0.9189385332046727 // ½ log 2π
	lp := -0.5*row[0]*row[0] - half
	for j := 1; j < len(row); j++ {
		p := row[j-1]
		e := (row[j] - math.Sin(2*p) - 0.3*p) / 0.4
		lp += -0.5*e*e - math.Log(0.4) - half
	}
	return lp
}

// The conditional banana: c uniform on [−1, 1]², x₁ | c normal with mean
// c₁ and deviation s₁ = exp(0.3·c₂), x₂ | x₁, c normal with mean
// sin 2c₂ + ½(1 + c₁)(x₁ − c₁)² and deviation s₂ = 0.3·exp(c₁/2).

func bananaMoments(x1, c1, c2 float64) (s1, m2, s2 float64) {
	d := x1 - c1
	return math.Exp(0.3 * c2), math.Sin(2*c2) + 0.5*(1+c1)*d*d, 0.3 * math.Exp(0.5*c1)
}

func drawBanana(r *rand.Rand) []float64 {
	c1, c2 := 2*r.Float64()-1, 2*r.Float64()-1
	s1 := math.Exp(0.3 * c2)
	x1 := c1 + s1*r.NormFloat64()
	_, m2, s2 := bananaMoments(x1, c1, c2)
	return []float64{x1, m2 + s2*r.NormFloat64(), c1, c2}
}

func bananaLogProb(row []float64) float64 {
	x1, x2, c1, c2 := row[0], row[1], row[2], row[3]
	s1, m2, s2 := bananaMoments(x1, c1, c2)
	e1, e2 := (x1-c1)/s1, (x2-m2)/s2
	return -0.5*(e1*e1+e2*e2) - math.Log(s1*s2) - math.Log(2*math.Pi)
}

// Names lists the data sets, by row width, then name.
func Names() []string {
	var names []string
	for n := range sets {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := sets[names[i]], sets[names[j]]
		return a.Dim < b.Dim || a.Dim == b.Dim && names[i] < names[j]
	})
	return names
}

// Get returns the named set.
func Get(name string) (Set, error) {
	s, ok := sets[name]
	if !ok {
		return Set{}, fmt.Errorf("unknown data set %q (want %s)", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// Draw returns n rows of the set from seed.
func (s Set) Draw(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x64617461))
	x := make([]float64, 0, n*s.Dim)
	for range n {
		x = append(x, s.draw(rng)...)
	}
	return x
}

// MeanLogProb returns the mean true log-density of the rows of x, or NaN
// if the set's density is not known.
func (s Set) MeanLogProb(x []float64) float64 {
	if s.LogProb == nil || len(x) == 0 {
		return math.NaN()
	}
	var sum float64
	for r := 0; r < len(x); r += s.Dim {
		sum += s.LogProb(x[r : r+s.Dim])
	}
	return sum / float64(len(x)/s.Dim)
}
