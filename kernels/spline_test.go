package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// splineCase is a batch of splines with random parameters of the given
// spread (±1e4 makes the softmaxes one-hot and the softplus linear).
func splineCase(rng *rand.Rand, rows, cols, bins int, spread float64) ([]float64, RQSpline[float64]) {
	s := RQSpline[float64]{Bins: bins, Bound: 3, MinWidth: 1e-3, MinHeight: 1e-3, MinDerivative: 1e-3}
	p := make([]float64, rows*cols*s.ParamsPer())
	for i := range p {
		p[i] = spread * rng.NormFloat64()
	}
	return p, s
}

var splineShapes = []struct {
	bins   int
	spread float64
}{{2, 1}, {3, 0.5}, {8, 1}, {8, 3}, {16, 1}, {8, 1e4}, {5, 1e-8}, {MaxBins, 1}}

// eval1 is one element's spline at x: g(x) and log g′(x).
func eval1(p []float64, s RQSpline[float64], x float64, inverse bool) (y, lad float64) {
	out, ld := []float64{0}, []float64{0}
	if inverse {
		SplineInverse(out, ld, []float64{x}, p, 1, s)
	} else {
		SplineForward(out, ld, []float64{x}, p, 1, s)
	}
	return out[0], ld[0]
}

// TestSplineShape checks each spline on a grid across [−B−1, B+1]: strictly
// increasing where the grid's steps exceed rounding, the identity outside
// [−B, B], ±B onto themselves with derivative 1, and continuous with a
// continuous derivative at every knot (approached from both sides).
func TestSplineShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range splineShapes {
		p, s := splineCase(rng, 1, 3, c.bins, c.spread)
		per := s.ParamsPer()
		for e := range 3 {
			pe := p[e*per : (e+1)*per]
			prev := math.Inf(-1)
			for x := -4.0; x <= 4; x += 1.0 / 512 {
				y, lad := eval1(pe, s, x, false)
				if !(y > prev) {
					t.Fatalf("K=%d spread %g: g(%v) = %v, not above g at the step before, %v", c.bins, c.spread, x, y, prev)
				}
				if math.Abs(x) > 3 && (y != x || lad != 0) {
					t.Fatalf("K=%d: outside the bound g(%v) = %v, log g′ %v; want the identity", c.bins, x, y, lad)
				}
				prev = y
			}
			for _, b := range []float64{-3, 3} {
				y, lad := eval1(pe, s, b, false)
				if math.Abs(y-b) > 1e-12 || math.Abs(lad) > 1e-9 {
					t.Errorf("K=%d spread %g: g(%v) = %v, log g′ = %v; want %v and 0", c.bins, c.spread, b, y, lad, b)
				}
			}
			var kn rqKnots[float64]
			kn.build(pe, 1, s)
			for j := 1; j < c.bins; j++ {
				k := kn.cx[j]
				lo, hi := math.Nextafter(k, math.Inf(-1)), math.Nextafter(k, math.Inf(1))
				ylo, llo := eval1(pe, s, lo, false)
				yhi, lhi := eval1(pe, s, hi, false)
				y, _ := eval1(pe, s, k, false)
				if math.Abs(ylo-yhi) > 1e-9 || math.Abs(y-kn.cy[j]) > 1e-9 {
					t.Errorf("K=%d spread %g: knot %d at %v: g jumps %v → %v (knot height %v)", c.bins, c.spread, j, k, ylo, yhi, kn.cy[j])
				}
				if c.spread < 1e3 && math.Abs(llo-lhi) > 1e-6 {
					t.Errorf("K=%d spread %g: knot %d at %v: log g′ jumps %v → %v", c.bins, c.spread, j, k, llo, lhi)
				}
			}
		}
	}
}

// TestSplineRoundTrip checks g⁻¹(g(x)) = x and that the two log-determinants
// cancel, in float64 and float32, on random x inside and outside the bound,
// on the knots and on ±B.
func TestSplineRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range splineShapes {
		const rows, cols = 64, 4
		p, s := splineCase(rng, rows, cols, c.bins, c.spread)
		x := make([]float64, rows*cols)
		for i := range x {
			x[i] = 4 * (2*rng.Float64() - 1)
		}
		x[0], x[1], x[2], x[3] = -3, 3, math.Nextafter(3, 4), -0.0
		var kn rqKnots[float64]
		kn.build(p[element(4, cols, s.ParamsPer()):], cols, s)
		x[4] = kn.cx[c.bins/2] // an interior knot of its own spline
		y, z := make([]float64, len(x)), make([]float64, len(x))
		ld1, ld2 := make([]float64, rows), make([]float64, rows)
		SplineForward(y, ld1, x, p, cols, s)
		SplineInverse(z, ld2, y, p, cols, s)
		// The inverse is as well conditioned as g′ is large: an error of a
		// few ulps of y becomes one of a few ulps over g′(x) in x.
		per := s.ParamsPer()
		for i := range x {
			_, lad := eval1(paramsOf(p, i, cols, per), s, x[i], false)
			tol := 1e-12*(1+math.Abs(x[i])) + 8*3*0x1p-53/math.Exp(lad)
			if math.Abs(z[i]-x[i]) > tol {
				t.Fatalf("K=%d spread %g: g⁻¹(g(%v)) = %v, off by more than %.3g", c.bins, c.spread, x[i], z[i], tol)
			}
		}
		for r := range ld1 {
			if math.Abs(ld1[r]+ld2[r]) > 1e-6*(1+math.Abs(ld1[r])) { // loose for the ill-conditioned bins of logits of 1e4
				t.Fatalf("K=%d spread %g: row %d: log-determinants %v and %v do not cancel", c.bins, c.spread, r, ld1[r], ld2[r])
			}
		}
		// float32, from the same parameters; not for logits of 1e4, whose
		// splines are flat (g′ ~ 10⁻⁶) over most of [−B, B], more than
		// float32 can invert.
		if c.spread > 100 {
			continue
		}
		p32, x32 := to32(p), to32(x)
		s32 := RQSpline[float32]{Bins: s.Bins, Bound: 3, MinWidth: 1e-3, MinHeight: 1e-3, MinDerivative: 1e-3}
		y32, z32 := make([]float32, len(x)), make([]float32, len(x))
		l32 := make([]float32, rows)
		SplineForward(y32, l32, x32, p32, cols, s32)
		SplineInverse(z32, l32, y32, p32, cols, s32)
		for i := range x32 {
			lad := make([]float32, 1)
			SplineForward(make([]float32, 1), lad, x32[i:i+1], paramsOf(p32, i, cols, per), 1, s32)
			tol := 1e-5*(1+math.Abs(float64(x32[i]))) + 8*3*0x1p-24/math.Exp(float64(lad[0]))
			if d := math.Abs(float64(z32[i] - x32[i])); d > tol || math.IsNaN(d) {
				t.Fatalf("float32 K=%d spread %g: g⁻¹(g(%v)) = %v, off by more than %.3g", c.bins, c.spread, x32[i], z32[i], tol)
			}
		}
	}
}

// paramsOf gathers element i's parameters from a batch of rows of cols
// elements, as one element's alone.
func paramsOf[T Float](p []T, i, cols, per int) []T {
	e := element(i, cols, per)
	u := make([]T, per)
	for k := range u {
		u[k] = p[e+k*cols]
	}
	return u
}

func to32(s []float64) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(v)
	}
	return r
}

// TestSplineLogDet holds log g′ to a central finite difference of g, both
// directions.
func TestSplineLogDet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range splineShapes {
		if c.spread > 100 {
			continue // bins of 1e-3: the difference would straddle knots
		}
		p, s := splineCase(rng, 1, 1, c.bins, c.spread)
		for range 200 {
			x := 2.9 * (2*rng.Float64() - 1)
			for _, inv := range []bool{false, true} {
				const h = 1e-6
				yp, _ := eval1(p, s, x+h, inv)
				ym, _ := eval1(p, s, x-h, inv)
				_, lad := eval1(p, s, x, inv)
				fd := math.Log((yp - ym) / (2 * h))
				if math.Abs(fd-lad) > 1e-4*(1+math.Abs(lad)) {
					t.Fatalf("K=%d spread %g inverse=%v: at %v log g′ = %v, finite difference %v", c.bins, c.spread, inv, x, lad, fd)
				}
			}
		}
	}
}

// TestSplineGradients holds both backward passes to central finite
// differences of L = Σ w·out + Σ v·logdet, in the input and in every
// parameter.
func TestSplineGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range splineShapes {
		if c.spread > 100 || c.bins > 16 {
			continue
		}
		const rows, cols = 3, 2
		p, s := splineCase(rng, rows, cols, c.bins, c.spread)
		x := make([]float64, rows*cols)
		for i := range x {
			x[i] = 3.5 * (2*rng.Float64() - 1)
		}
		w, v := make([]float64, len(x)), make([]float64, rows)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for _, inv := range []bool{false, true} {
			run, grad := SplineForward[float64], SplineForwardGrad[float64]
			if inv {
				run, grad = SplineInverse[float64], SplineInverseGrad[float64]
			}
			loss := func(x, p []float64) float64 {
				out, ld := make([]float64, len(x)), make([]float64, rows)
				run(out, ld, x, p, cols, s)
				var l float64
				for i, o := range out {
					l += w[i] * o
				}
				for r, d := range ld {
					l += v[r] * d
				}
				return l
			}
			dIn, dP := make([]float64, len(x)), make([]float64, len(p))
			grad(dIn, dP, w, v, x, p, cols, s)
			check := func(what string, s []float64, got []float64) {
				for i := range s {
					const h = 1e-6
					old := s[i]
					s[i] = old + h
					lp := loss(x, p)
					s[i] = old - h
					lm := loss(x, p)
					s[i] = old
					fd := (lp - lm) / (2 * h)
					if math.Abs(fd-got[i]) > 1e-5*(1+math.Abs(fd)) {
						t.Fatalf("K=%d spread %g inverse=%v: ∂L/∂%s[%d] = %v, finite difference %v", c.bins, c.spread, inv, what, i, got[i], fd)
					}
				}
			}
			check("in", x, dIn)
			check("params", p, dP)
		}
	}
}

// TestSplineSpecialInputs: NaN stays NaN, ±Inf and everything beyond ±B pass
// through exactly with a zero log-determinant, whatever the parameters;
// huge logits give finite results inside.
func TestSplineSpecialInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	p, s := splineCase(rng, 1, 8, 8, 1e4)
	x := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -3.0000001, 0, 2.999, -1e-300}
	for _, inv := range []bool{false, true} {
		out, ld := make([]float64, len(x)), make([]float64, 1)
		if inv {
			SplineInverse(out, ld, x, p, len(x), s)
		} else {
			SplineForward(out, ld, x, p, len(x), s)
		}
		if !math.IsNaN(out[0]) {
			t.Errorf("inverse=%v: g(NaN) = %v", inv, out[0])
		}
		for i := 1; i < 5; i++ {
			if out[i] != x[i] {
				t.Errorf("inverse=%v: g(%v) = %v, want the identity", inv, x[i], out[i])
			}
		}
		for i := 5; i < len(x); i++ {
			if math.IsNaN(out[i]) || math.IsInf(out[i], 0) || math.Abs(out[i]) > 3 {
				t.Errorf("inverse=%v: g(%v) = %v with logits of 1e4", inv, x[i], out[i])
			}
		}
		if math.IsNaN(ld[0]) || math.IsInf(ld[0], 0) {
			t.Errorf("inverse=%v: log-determinant %v", inv, ld[0])
		}
	}
}

// TestSplineInverseDoesNotCancel: in a bin whose upper derivative dwarfs
// its slope, the quadratic's β is negative, and the textbook root
// 2γ/(−β − √Δ) would cancel; the inverse must still round-trip to within
// its conditioning in float32.
func TestSplineInverseDoesNotCancel(t *testing.T) {
	s := RQSpline[float32]{Bins: 2, Bound: 3, MinWidth: 1e-3, MinHeight: 1e-3, MinDerivative: 1e-3}
	p := []float32{0, 0, 0, 0, 1e4} // even bins, δ = 1, derivative 10⁴ between them
	worst := 0.0
	for x := float32(-2.99); x < 0; x += 0.01 {
		y, lad, z := []float32{0}, []float32{0}, []float32{0}
		SplineForward(y, lad, []float32{x}, p, 1, s)
		SplineInverse(z, []float32{0}, y, p, 1, s)
		tol := 1e-5*3 + 8*3*0x1p-24/math.Exp(float64(lad[0]))
		worst = max(worst, math.Abs(float64(z[0]-x))/tol)
		if math.Abs(float64(z[0]-x)) > tol {
			t.Fatalf("g⁻¹(g(%v)) = %v, off by more than %.3g", x, z[0], tol)
		}
	}
	t.Logf("worst error %.2f of the tolerance", worst)
}
