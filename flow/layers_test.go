package flow

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flowkern/flowkern"
)

// layerCase builds one layer of each kind and setting, at random
// parameters, for dimension dim.
type layerCase[T Float] struct {
	name  string
	build func(dim int, rng Rand) (Layer[T], error)
}

func layerCases[T Float]() []layerCase[T] {
	small := Network{Hidden: []int{8, 8}, Activation: flowkern.ActTanh}
	with := func(s Scale, clamp float64) Network { c := small; c.Scale, c.Clamp = s, clamp; return c }
	return []layerCase[T]{
		{"coupling/exp/halves", func(d int, r Rand) (Layer[T], error) { return NewAffineCoupling[T](d, MaskHalves(d, 0), small, r) }},
		{"coupling/exp-noclamp/alternate", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskAlternate(d, 1), with(ScaleExp, -1), r)
		}},
		{"coupling/sigmoid/halves-odd", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskHalves(d, 1), with(ScaleSigmoid, 0), r)
		}},
		{"coupling/additive/custom", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, []int{d - 1}, with(ScaleNone, 0), r)
		}},
		{"coupling/relu-deep", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskHalves(d, 0), Network{Hidden: []int{16, 16, 16}}, r)
		}},
		{"maf/exp", func(d int, r Rand) (Layer[T], error) { return NewMaskedAutoregressive[T](d, nil, small, r) }},
		{"maf/sigmoid/order", func(d int, r Rand) (Layer[T], error) {
			return NewMaskedAutoregressive[T](d, reversed(d), with(ScaleSigmoid, 0), r)
		}},
		{"maf/additive", func(d int, r Rand) (Layer[T], error) {
			return NewMaskedAutoregressive[T](d, nil, with(ScaleNone, 0), r)
		}},
		{"iaf/exp", func(d int, r Rand) (Layer[T], error) { return NewIAF[T](d, nil, small, r) }},
		{"lu/exp", func(d int, r Rand) (Layer[T], error) { return NewLULinear[T](d, DiagExp, r) }},
		{"lu/softplus", func(d int, r Rand) (Layer[T], error) { return NewLULinear[T](d, DiagSoftplus, r) }},
		{"lu/identity-init", func(d int, _ Rand) (Layer[T], error) { return NewLULinear[T](d, DiagExp, nil) }},
		{"actnorm", func(d int, r Rand) (Layer[T], error) {
			l, err := NewActNorm[T](d)
			if err == nil {
				x := make([]T, 50*d)
				for i := range x {
					x[i] = T(3*r.NormFloat64() + 1)
				}
				err = l.InitFrom(x)
			}
			return l, err
		}},
		{"spline/halves", func(d int, r Rand) (Layer[T], error) {
			return NewSplineCoupling[T](d, MaskHalves(d, 0), small, flowkern.Spline{Bins: 4, Bound: 3}, r)
		}},
		{"spline/alternate-K8-bound2", func(d int, r Rand) (Layer[T], error) {
			return NewSplineCoupling[T](d, MaskAlternate(d, 1), small, flowkern.Spline{Bins: 8, Bound: 2}, r)
		}},
		{"spline/inverted", func(d int, r Rand) (Layer[T], error) {
			l, err := NewSplineCoupling[T](d, MaskHalves(d, 1), small, DefaultSpline, r)
			return &Inverted[T]{l}, err
		}},
		{"spline-ar", func(d int, r Rand) (Layer[T], error) {
			return NewSplineAutoregressive[T](d, nil, small, flowkern.Spline{Bins: 5, Bound: 3}, r)
		}},
		{"iaf-spline/order", func(d int, r Rand) (Layer[T], error) {
			l, err := NewSplineAutoregressive[T](d, reversed(d), small, DefaultSpline, r)
			return &Inverted[T]{l}, err
		}},
		{"permutation/reverse", func(d int, _ Rand) (Layer[T], error) { return NewReverse[T](d) }},
		{"permutation/random", func(d int, r Rand) (Layer[T], error) { return NewRandomPermutation[T](d, r) }},
		{"standardize", func(d int, r Rand) (Layer[T], error) {
			x := make([]T, 40*d)
			for i := range x {
				x[i] = T(5*r.NormFloat64() - 2)
			}
			return FitStandardize(x, d)
		}},
	}
}

func reversed(d int) []int {
	p := make([]int, d)
	for i := range p {
		p[i] = d - 1 - i
	}
	return p
}

// TestLayerRoundTripAndLogDet checks every layer at random parameters in
// float64: Forward(Inverse(x)) = x, Forward's log-det = −Inverse's, and
// Inverse's log-det against the log-determinant of a central-difference
// Jacobian.
func TestLayerRoundTripAndLogDet(t *testing.T) {
	for _, dim := range []int{2, 5, 6} {
		for _, c := range layerCases[float64]() {
			t.Run(fmt.Sprintf("%s/dim%d", c.name, dim), func(t *testing.T) {
				rng := newRand(uint64(dim))
				l, err := c.build(dim, rng)
				checkNoErr(t, err)
				perturb(l.Params(), l.Refresh, rng, 0.3)
				const rows = 7
				x := randomBatch[float64](rng, rows, dim)
				z, back := make([]float64, len(x)), make([]float64, len(x))
				ldInv, ldFwd := make([]float64, rows), make([]float64, rows)
				var ws Workspace[float64]
				l.Inverse(z, ldInv, x, &ws)
				l.Forward(back, ldFwd, z, &ws)
				var rt, ld, fd float64
				for i := range x {
					rt = math.Max(rt, relErr(back[i], x[i]))
				}
				for r := range rows {
					ld = math.Max(ld, relErr(-ldFwd[r], ldInv[r]))
					want := fdLogDet(func(out, in []float64) {
						l.Inverse(out, make([]float64, 1), in, &ws)
					}, x[r*dim:(r+1)*dim], 1e-5)
					fd = math.Max(fd, relErr(ldInv[r], want))
				}
				if rt > 1e-12 || ld > 1e-12 || fd > 1e-6 {
					t.Errorf("round trip %.2g (bound 1e-12), log-det forward vs inverse %.2g (1e-12), vs finite differences %.2g (1e-6)", rt, ld, fd)
				}
				t.Logf("round trip %.2g, fwd/inv log-det %.2g, finite-difference log-det %.2g", rt, ld, fd)
			})
		}
	}
}

// TestLayerRoundTrip32 checks the round trip in float32.
func TestLayerRoundTrip32(t *testing.T) {
	for _, c := range layerCases[float32]() {
		t.Run(c.name, func(t *testing.T) {
			const dim, rows = 6, 9
			rng := newRand(3)
			l, err := c.build(dim, rng)
			checkNoErr(t, err)
			perturb(l.Params(), l.Refresh, rng, 0.3)
			x := randomBatch[float32](rng, rows, dim)
			z, back := make([]float32, len(x)), make([]float32, len(x))
			ldInv, ldFwd := make([]float32, rows), make([]float32, rows)
			var ws Workspace[float32]
			l.Inverse(z, ldInv, x, &ws)
			l.Forward(back, ldFwd, z, &ws)
			var rt, ld float64
			for i := range x {
				rt = math.Max(rt, relErr(float64(back[i]), float64(x[i])))
			}
			for r := range rows {
				ld = math.Max(ld, relErr(-float64(ldFwd[r]), float64(ldInv[r])))
			}
			if rt > 1e-5 || ld > 1e-5 {
				t.Errorf("round trip %.2g, log-det forward vs inverse %.2g (bound 1e-5)", rt, ld)
			}
			t.Logf("round trip %.2g, fwd/inv log-det %.2g", rt, ld)
		})
	}
}

// TestSplineLayersStartAsIdentity: a new spline coupling or spline
// autoregressive layer (network output zero) maps every point to itself
// with a zero log-determinant, inside the bound and out, both ways.
func TestSplineLayersStartAsIdentity(t *testing.T) {
	for i, s := range []flowkern.Spline{DefaultSpline, {Bins: 3, Bound: 1, MinDerivative: 0.1}, {Bins: 5, Bound: 2}} {
		var l Layer[float64]
		var err error
		if i < 2 {
			l, err = NewSplineCoupling[float64](5, MaskHalves(5, 1), Network{Hidden: []int{7}}, s, newRand(4))
		} else {
			l, err = NewSplineAutoregressive[float64](5, nil, Network{Hidden: []int{7}}, s, newRand(4))
		}
		checkNoErr(t, err)
		x := randomBatch[float64](newRand(5), 20, 5)
		for i := range x {
			x[i] *= 2
		}
		for _, inverse := range []bool{false, true} {
			out, ld := make([]float64, len(x)), make([]float64, 20)
			var ws Workspace[float64]
			if inverse {
				l.Inverse(out, ld, x, &ws)
			} else {
				l.Forward(out, ld, x, &ws)
			}
			for i := range x {
				if math.Abs(out[i]-x[i]) > 1e-12 {
					t.Fatalf("%+v inverse=%v: %v maps to %v", s, inverse, x[i], out[i])
				}
			}
			for r, v := range ld {
				if math.Abs(v) > 1e-12 {
					t.Fatalf("%+v inverse=%v: row %d log-determinant %v", s, inverse, r, v)
				}
			}
		}
	}
}

// TestSplineLayersNonFinite: a spline layer whose parameters went NaN or
// Inf fails training with ErrDiverged naming it; data far beyond the bound
// passes through its splines exactly, never NaN.
func TestSplineLayersNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		m, err := NSF[float64](4, 2, Network{Hidden: []int{5}}, DefaultSpline, newRand(7))
		checkNoErr(t, err)
		ps := m.Params()
		ps[len(ps)-1].Value[0] = bad // layer 1's output bias
		m.Refresh()
		g := make([][]float64, len(ps))
		for i, p := range ps {
			g[i] = make([]float64, len(p.Value))
		}
		_, err = m.Grad(g, randomBatch[float64](newRand(8), 10, 4))
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "spline coupling") {
			t.Errorf("parameter %v: error %v, want ErrDiverged naming the spline coupling", bad, err)
		}
	}
	ar, err := NSFAR[float64](3, 1, Network{Hidden: []int{5}}, DefaultSpline, newRand(9))
	checkNoErr(t, err)
	cp, err := NSF[float64](3, 2, Network{Hidden: []int{5}}, DefaultSpline, newRand(9))
	checkNoErr(t, err)
	for _, m := range []*Model[float64]{ar, cp} {
		perturb(m.Params(), m.Refresh, newRand(10), 0.5)
		x := []float64{1e300, -1e300, 5, -1e10, 3e8, -7}
		z, lp := make([]float64, len(x)), make([]float64, 2)
		checkNoErr(t, m.Encode(z, x))
		checkNoErr(t, m.LogProb(lp, x))
		for i, v := range z {
			if v != x[i] {
				t.Errorf("far outside the bound %v encodes to %v, want itself", x[i], v)
			}
		}
		for r, v := range lp {
			if math.IsNaN(v) {
				t.Errorf("row %d: log p NaN", r)
			}
		}
	}
}
