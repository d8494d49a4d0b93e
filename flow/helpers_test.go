package flow

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// perturb adds N(0, scale²) noise to every trainable parameter, then
// refreshes, so that layers are far from the identity they start as.
func perturb[T Float](ps []Param[T], refresh func(), rng *rand.Rand, scale float64) {
	for _, p := range ps {
		if p.Fixed {
			continue
		}
		for i := range p.Value {
			p.Value[i] += T(scale * rng.NormFloat64())
		}
	}
	refresh()
}

// randomBatch returns rows×dim standard normal values.
func randomBatch[T Float](rng *rand.Rand, rows, dim int) []T {
	x := make([]T, rows*dim)
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	return x
}

// relErr is |a − b| relative to max(1, |b|).
func relErr(a, b float64) float64 { return math.Abs(a-b) / math.Max(1, math.Abs(b)) }

// fdLogDet returns log|det J| of f at x by central differences (step h)
// and gonum's LU.
func fdLogDet(f func(out, in []float64), x []float64, h float64) float64 {
	n := len(x)
	j := mat.NewDense(n, n, nil)
	plus, minus := make([]float64, n), make([]float64, n)
	xp := append([]float64(nil), x...)
	for c := range n {
		xp[c] = x[c] + h
		f(plus, xp)
		xp[c] = x[c] - h
		f(minus, xp)
		xp[c] = x[c]
		for r := range n {
			j.Set(r, c, (plus[r]-minus[r])/(2*h))
		}
	}
	var lu mat.LU
	lu.Factorize(j)
	ld, _ := lu.LogDet()
	return ld
}

// checkNoErr fails the test on err.
func checkNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
