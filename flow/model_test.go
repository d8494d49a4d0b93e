package flow

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"

	"github.com/flowkern/flowkern"
)

// modelCases builds every standard architecture, and models over the
// other bases, at random parameters.
func modelCases[T Float](dim int) []struct {
	name  string
	build func(rng Rand) (*Model[T], error)
} {
	c := Network{Hidden: []int{16, 16}}
	return []struct {
		name  string
		build func(rng Rand) (*Model[T], error)
	}{
		{"realnvp", func(r Rand) (*Model[T], error) { return RealNVP[T](dim, 4, c, r) }},
		{"maf", func(r Rand) (*Model[T], error) { return MAF[T](dim, 3, c, r) }},
		{"glow", func(r Rand) (*Model[T], error) { return Glow[T](dim, 2, c, r) }},
		{"nsf", func(r Rand) (*Model[T], error) { return NSF[T](dim, 3, c, flowkern.Spline{Bins: 6, Bound: 3}, r) }},
		{"nsf-ar", func(r Rand) (*Model[T], error) { return NSFAR[T](dim, 2, c, flowkern.Spline{Bins: 4, Bound: 3}, r) }},
		{"iaf+diagnormal", func(r Rand) (*Model[T], error) {
			b, err := NewDiagNormal[T](dim)
			if err != nil {
				return nil, err
			}
			l1, _ := NewIAF[T](dim, nil, c, r)
			p, _ := NewRandomPermutation[T](dim, r)
			l2, _ := NewIAF[T](dim, nil, c, r)
			return NewModel(b, l1, p, l2)
		}},
		{"standardize+coupling+fullnormal", func(r Rand) (*Model[T], error) {
			cov := make([]float64, dim*dim)
			for i := range dim {
				for j := range dim {
					cov[i*dim+j] = 0.3 / float64(1+abs(i-j))
				}
				cov[i*dim+i] = 1.5
			}
			b, err := NewFullNormal[T](make([]float64, dim), cov)
			if err != nil {
				return nil, err
			}
			st, _ := NewStandardize([]T{1, -2, 3, 0.5, 7, 2}[:dim], []T{2, 0.5, 3, 1, 4, 0.25}[:dim])
			cp, _ := NewAffineCoupling[T](dim, MaskAlternate(dim, 0), Network{Hidden: []int{8}, Scale: ScaleSigmoid}, r)
			lu, _ := NewLULinear[T](dim, DiagSoftplus, r)
			return NewModel(b, st, cp, lu)
		}},
	}
}

func abs(i int) int { return max(i, -i) }

// randomModel builds c at random parameters, its ActNorms initialised
// from a batch.
func randomModel[T Float](t *testing.T, build func(Rand) (*Model[T], error), seed uint64) *Model[T] {
	t.Helper()
	return randomModelScaled(t, build, seed, 0.2)
}

// randomModelScaled is randomModel with noise of the given scale.
func randomModelScaled[T Float](t *testing.T, build func(Rand) (*Model[T], error), seed uint64, scale float64) *Model[T] {
	t.Helper()
	rng := newRand(seed)
	m, err := build(rng)
	checkNoErr(t, err)
	for _, l := range m.layers {
		if _, ok := l.(*Standardize[T]); ok {
			continue
		}
		perturb(l.Params(), l.Refresh, rng, scale)
	}
	perturb(m.base.Params(), m.base.Refresh, rng, scale/2)
	lp := make([]T, 64)
	checkNoErr(t, m.LogProb(lp, randomBatch[T](rng, 64, m.dim)))
	return m
}

// TestModelRoundTripAndDensity checks every architecture at random
// parameters: Decode(Encode(x)) = x, and LogProb against the base density
// of Encode(x) plus the log-determinant of a finite-difference Jacobian.
func TestModelRoundTripAndDensity(t *testing.T) {
	const dim, rows = 6, 11
	for _, c := range modelCases[float64](dim) {
		t.Run(c.name, func(t *testing.T) {
			m := randomModel(t, c.build, 7)
			rng := newRand(9)
			x := randomBatch[float64](rng, rows, dim)
			z, back, lp, base := make([]float64, len(x)), make([]float64, len(x)), make([]float64, rows), make([]float64, rows)
			checkNoErr(t, m.Encode(z, x))
			checkNoErr(t, m.Decode(back, z))
			checkNoErr(t, m.LogProb(lp, x))
			var ws Workspace[float64]
			m.base.LogProb(base, z, &ws)
			var rt, fd float64
			for i := range x {
				rt = math.Max(rt, relErr(back[i], x[i]))
			}
			for r := range rows {
				ld := fdLogDet(func(out, in []float64) { checkNoErr(t, m.Encode(out, in)) }, x[r*dim:(r+1)*dim], 1e-5)
				fd = math.Max(fd, relErr(lp[r], base[r]+ld))
			}
			if rt > 1e-12 || fd > 1e-6 {
				t.Errorf("round trip %.2g (bound 1e-12), log p vs finite differences %.2g (1e-6)", rt, fd)
			}
			t.Logf("round trip %.2g, log p vs finite differences %.2g", rt, fd)
		})
	}
}

// TestModelRoundTrip32 checks the float32 models' round trip: within 1e-5
// for the standard architectures, 1e-4 for the last model, whose sigmoid
// scales, softplus LU and small deviations amplify rounding more.
func TestModelRoundTrip32(t *testing.T) {
	const dim, rows = 6, 300
	for _, c := range modelCases[float32](dim) {
		t.Run(c.name, func(t *testing.T) {
			m := randomModel(t, c.build, 7)
			x := randomBatch[float32](newRand(2), rows, dim)
			z, back := make([]float32, len(x)), make([]float32, len(x))
			checkNoErr(t, m.Encode(z, x))
			checkNoErr(t, m.Decode(back, z))
			var rt float64
			for i := range x {
				rt = math.Max(rt, relErr(float64(back[i]), float64(x[i])))
			}
			bound := 1e-5
			if strings.HasPrefix(c.name, "standardize") {
				bound = 1e-4
			}
			if rt > bound {
				t.Errorf("round trip %.2g, bound %g", rt, bound)
			}
			t.Logf("round trip %.2g", rt)
		})
	}
}

// TestDensityIntegratesToOne integrates exp(log p) of 2-D models at random
// parameters over a grid that holds their mass (the parameters' noise is
// kept small enough for the tails to fit in the grid), and checks that the
// density is not the base's.
func TestDensityIntegratesToOne(t *testing.T) {
	builds := map[string]func(Rand) (*Model[float64], error){
		"realnvp": func(r Rand) (*Model[float64], error) {
			return RealNVP[float64](2, 4, Network{Hidden: []int{16}}, r)
		},
		"maf": func(r Rand) (*Model[float64], error) { return MAF[float64](2, 3, Network{Hidden: []int{16}}, r) },
	}
	for name, build := range builds {
		t.Run(name, func(t *testing.T) {
			m := randomModelScaled(t, build, 5, 0.1)
			const lim = 12.0
			n := 1200
			if testing.Short() {
				n = 600
			}
			h := 2 * lim / float64(n)
			x := make([]float64, 0, 2*n*n)
			for i := range n {
				for j := range n {
					x = append(x, -lim+(float64(i)+0.5)*h, -lim+(float64(j)+0.5)*h)
				}
			}
			lp := make([]float64, n*n)
			checkNoErr(t, m.LogProb(lp, x))
			var sum, diff float64
			for k, v := range lp {
				sum += math.Exp(v)
				diff = math.Max(diff, math.Abs(v-(-(x[2*k]*x[2*k]+x[2*k+1]*x[2*k+1])/2-2*halfLog2Pi)))
			}
			sum *= h * h
			if diff < 0.1 {
				t.Errorf("the model's log-density is within %v of the base's: parameters not random enough", diff)
			}
			if math.Abs(sum-1) > 1e-3 {
				t.Errorf("∫ p = %.6f, want 1 within 1e-3", sum)
			}
			t.Logf("∫ p = %.6f", sum)
		})
	}
}

// TestSampleAndLogProb checks that SampleAndLogProb equals Sample then
// LogProb exactly, and that sampling follows the random source.
func TestSampleAndLogProb(t *testing.T) {
	for _, c := range modelCases[float64](4) {
		t.Run(c.name, func(t *testing.T) {
			m := randomModel(t, c.build, 3)
			const rows = 600
			x1, x2, lp1, lp2 := make([]float64, rows*4), make([]float64, rows*4), make([]float64, rows), make([]float64, rows)
			checkNoErr(t, m.Sample(x1, newRand(11)))
			checkNoErr(t, m.LogProb(lp1, x1))
			checkNoErr(t, m.SampleAndLogProb(x2, lp2, newRand(11)))
			for i := range x1 {
				if x1[i] != x2[i] {
					t.Fatalf("sample %d: %v then %v", i, x1[i], x2[i])
				}
			}
			for r := range lp1 {
				if lp1[r] != lp2[r] || math.IsNaN(lp1[r]) {
					t.Fatalf("row %d: LogProb %v, SampleAndLogProb %v", r, lp1[r], lp2[r])
				}
			}
		})
	}
}

// TestParallelMatchesSerial checks that a batch split across goroutines
// gives the serial path's bits.
func TestParallelMatchesSerial(t *testing.T) {
	for _, c := range modelCases[float32](6) {
		t.Run(c.name, func(t *testing.T) {
			m := randomModel(t, c.build, 1)
			const rows = 5*chunkRows + 17
			x := randomBatch[float32](newRand(4), rows, 6)
			run := func(procs int) ([]float32, []float32, []float32) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				lp, z, back := make([]float32, rows), make([]float32, len(x)), make([]float32, len(x))
				checkNoErr(t, m.LogProb(lp, x))
				checkNoErr(t, m.Encode(z, x))
				checkNoErr(t, m.Decode(back, z))
				return lp, z, back
			}
			a1, a2, a3 := run(1)
			b1, b2, b3 := run(4)
			for i, pair := range [][2][]float32{{a1, b1}, {a2, b2}, {a3, b3}} {
				for k := range pair[0] {
					if math.Float32bits(pair[0][k]) != math.Float32bits(pair[1][k]) {
						t.Fatalf("output %d, element %d: serial %v, parallel %v", i, k, pair[0][k], pair[1][k])
					}
				}
			}
		})
	}
}

// TestConcurrentUse evaluates one model from many goroutines (run it with
// -race) and checks every result against the serial one.
func TestConcurrentUse(t *testing.T) {
	m := randomModel(t, modelCases[float64](6)[2].build, 1) // glow: every kind of layer state
	x := randomBatch[float64](newRand(6), 300, 6)
	want := make([]float64, 300)
	checkNoErr(t, m.LogProb(want, x))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			lp, z := make([]float64, 300), make([]float64, len(x))
			for range 5 {
				if err := m.LogProb(lp, x); err != nil {
					t.Error(err)
				}
				if err := m.Sample(z, newRand(uint64(g))); err != nil {
					t.Error(err)
				}
			}
			for i := range lp {
				if lp[i] != want[i] {
					t.Errorf("goroutine %d row %d: %v, want %v", g, i, lp[i], want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestNoAllocations checks that evaluation allocates nothing once warm,
// on one goroutine and on several (chunks of 256 rows spread over a team),
// with the team's helpers lingering from the last call or started anew.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes the kernels' sync.Pool scratch drop buffers")
	}
	for _, procs := range allocProcs() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, c := range modelCases[float32](6) {
			m := randomModel(t, c.build, 1)
			x := randomBatch[float32](newRand(4), 3*chunkRows+5, 6)
			lp, z := make([]float32, 3*chunkRows+5), make([]float32, len(x))
			rng := newRand(9)
			calls := map[string]func(){
				"LogProb":          func() { m.LogProb(lp, x) },
				"Encode":           func() { m.Encode(z, x) },
				"Decode":           func() { m.Decode(z, x) },
				"Sample":           func() { m.Sample(z, rng) },
				"SampleAndLogProb": func() { m.SampleAndLogProb(z, lp, rng) },
			}
			if procs > 1 { // the same team and workspace paths: two suffice, with more calls
				calls = map[string]func(){"LogProb": calls["LogProb"], "Sample": calls["Sample"]}
			}
			for name, f := range calls {
				for _, gap := range callGaps[:procs] {
					if a := allocsPerCall(2+48*(procs-1), 5+35*(procs-1), gap, f); !allowedAllocs(procs, a) {
						t.Errorf("GOMAXPROCS %d, %v between calls: %s %s: %v allocations a call", procs, gap, c.name, name, a)
					}
				}
			}
		}
	}
}

// TestModelErrors checks the errors of bad batches.
func TestModelErrors(t *testing.T) {
	m, err := RealNVP[float64](3, 2, Network{}, newRand(1))
	checkNoErr(t, err)
	x := []float64{1, 2, 3, 4, 5, 6}
	nan := []float64{1, 2, 3, 4, math.NaN(), 6}
	for _, c := range []struct {
		name, want string
		err        error
		kind       error // the sentinel it must be, if any
	}{
		{"empty", "empty batch", m.LogProb(nil, nil), ErrDimension},
		{"ragged", "not whole rows", m.LogProb(make([]float64, 2), x[:5]), ErrDimension},
		{"room", "output room for 3", m.LogProb(make([]float64, 3), x), ErrDimension},
		{"nan", "x row 1, column 1 is NaN", m.LogProb(make([]float64, 2), nan), ErrNonFinite},
		{"inf", "z row 0, column 0 is +Inf", m.Decode(make([]float64, 3), []float64{math.Inf(1), 0, 0}), ErrNonFinite},
		{"encode length", "output room for 1", m.Encode(make([]float64, 3), x), ErrDimension},
		{"sample", "not whole rows", m.Sample(make([]float64, 4), newRand(1)), ErrDimension},
		{"sample rng", "nil random source", m.Sample(make([]float64, 3), nil), nil},
		{"matrix", "2 columns", func() error { _, err := m.LogProbDense(mat.NewDense(1, 2, nil)); return err }(), ErrDimension},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
		if c.kind != nil && !errors.Is(c.err, c.kind) {
			t.Errorf("%s: error %v is not %v", c.name, c.err, c.kind)
		}
	}
	if _, err := NewModel[float64](nil); err == nil {
		t.Error("NewModel without a base: no error")
	}
	b, _ := NewStandardNormal[float64](3)
	l, _ := NewReverse[float64](4)
	if _, err := NewModel[float64](b, l); err == nil || !strings.Contains(err.Error(), "dimension 4") {
		t.Errorf("dimension mismatch: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := NewAffineCoupling[float64](4, []int{0, 0}, Network{}, newRand(1)); return err },
		func() error {
			_, err := NewAffineCoupling[float64](4, []int{0}, Network{Activation: flowkern.Activation(42)}, newRand(1))
			return err
		},
		func() error {
			_, err := NewAffineCoupling[float64](4, []int{0}, Network{Hidden: []int{0}}, newRand(1))
			return err
		},
		func() error {
			_, err := NewMaskedAutoregressive[float64](3, []int{0, 1, 1}, Network{}, newRand(1))
			return err
		},
		func() error { _, err := NewStandardize([]float64{0}, []float64{0}); return err },
		func() error { _, err := NewFullNormal[float64]([]float64{0, 0}, []float64{1, 2, 2, 1}); return err },
		func() error { _, err := RealNVP[float64](1, 2, Network{}, newRand(1)); return err },
		func() error { _, err := RealNVP[float64](2, 2, Network{}, nil); return err },
		func() error { _, err := MAF[float32](2, 2, Network{Hidden: []int{4}}, nil); return err },
		func() error { _, err := NewIAF[float32](2, nil, Network{}, nil); return err },
	} {
		if f() == nil {
			t.Error("a bad constructor argument gave no error")
		}
	}
}

// TestActNormInitFromData checks that a model initialises ActNorm from the
// first batch so that the batch leaves it standardized.
func TestActNormInitFromData(t *testing.T) {
	a, _ := NewActNorm[float64](3)
	b, _ := NewStandardNormal[float64](3)
	m, _ := NewModel[float64](b, a)
	rng := newRand(2)
	x := make([]float64, 3000)
	for i := range x {
		x[i] = 4*rng.NormFloat64() + float64(i%3)
	}
	checkNoErr(t, m.LogProb(make([]float64, 1000), x))
	if !a.Initialized() {
		t.Fatal("ActNorm not initialised by LogProb")
	}
	z := make([]float64, len(x))
	checkNoErr(t, m.Encode(z, x))
	for j := range 3 {
		var s, s2 float64
		for r := range 1000 {
			s += z[r*3+j]
			s2 += z[r*3+j] * z[r*3+j]
		}
		if mean, v := s/1000, s2/1000-(s/1000)*(s/1000); math.Abs(mean) > 1e-9 || math.Abs(v-1) > 1e-6 {
			t.Errorf("column %d after ActNorm: mean %v, variance %v", j, mean, v)
		}
	}
}

// TestFullNormalMatchesGonum checks the full-covariance base against
// gonum's distmv.Normal.
func TestFullNormalMatchesGonum(t *testing.T) {
	const n = 4
	cov := []float64{2, 0.3, -0.2, 0.1, 0.3, 1, 0.4, 0, -0.2, 0.4, 1.5, 0.2, 0.1, 0, 0.2, 0.7}
	mean := []float64{1, -1, 0.5, 2}
	b, err := NewFullNormal[float64](mean, cov)
	checkNoErr(t, err)
	ref, ok := distmv.NewNormal(mean, mat.NewSymDense(n, cov), nil)
	if !ok {
		t.Fatal("gonum rejects the covariance")
	}
	z := randomBatch[float64](newRand(8), 50, n)
	lp := make([]float64, 50)
	var ws Workspace[float64]
	b.LogProb(lp, z, &ws)
	for r := range lp {
		if want := ref.LogProb(z[r*n : (r+1)*n]); relErr(lp[r], want) > 1e-13 {
			t.Errorf("row %d: %v, gonum %v", r, lp[r], want)
		}
	}
	// Samples have the covariance asked for.
	draws := 200000
	if testing.Short() {
		draws = 50000
	}
	s := make([]float64, draws*n)
	b.Sample(s, newRand(3), &ws)
	for i := range n {
		for j := range n {
			var c float64
			for r := range draws {
				c += (s[r*n+i] - mean[i]) * (s[r*n+j] - mean[j])
			}
			if c /= float64(draws); math.Abs(c-cov[i*n+j]) > 0.06 {
				t.Errorf("sample covariance (%d,%d) = %.3f, want %.3f", i, j, c, cov[i*n+j])
			}
		}
	}
}

// ExampleRealNVP builds a model and evaluates a density.
func ExampleRealNVP() {
	m, err := RealNVP[float64](2, 4, Network{Hidden: []int{32, 32}}, newRand(1))
	if err != nil {
		panic(err)
	}
	x := []float64{0, 0, 1, -1} // two samples of dimension 2
	lp := make([]float64, 2)
	if err := m.LogProb(lp, x); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f %.4f\n", lp[0], lp[1]) // a new model is the standard normal
	// Output: -1.8379 -2.8379
}

// TestStandardized checks that Standardized puts a fitted Standardize
// layer in front of the model's own layers: the log-densities are those of
// the model built by hand, and bad data is refused.
func TestStandardized(t *testing.T) {
	x := correlated(200, 3)
	for i := range x {
		x[i] = 40*x[i] + 7
	}
	m, err := RealNVP[float64](2, 2, Network{Hidden: []int{8}}, newRand(4))
	checkNoErr(t, err)
	s, err := Standardized(m, x)
	checkNoErr(t, err)
	if len(s.Layers()) != len(m.Layers())+1 || s.Layers()[1] != m.Layers()[0] {
		t.Fatalf("Standardized has layers %v, want a Standardize layer and then %v", s.Layers(), m.Layers())
	}
	st, err := FitStandardize(x, 2)
	checkNoErr(t, err)
	byHand, err := NewModel(m.Base(), append([]Layer[float64]{st}, m.Layers()...)...)
	checkNoErr(t, err)
	got, want := make([]float64, 200), make([]float64, 200)
	checkNoErr(t, s.LogProb(got, x))
	checkNoErr(t, byHand.LogProb(want, x))
	for r := range got {
		if got[r] != want[r] {
			t.Fatalf("row %d: log p %v, by hand %v", r, got[r], want[r])
		}
	}
	x[3] = math.NaN()
	if _, err := Standardized(m, x); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN data: %v", err)
	}
	if _, err := Standardized(m, x[:3]); !errors.Is(err, ErrDimension) {
		t.Errorf("ragged data: %v", err)
	}
}

// TestOverlapIsAnError checks that outputs overlapping inputs are refused
// at the model level, as the kernels refuse them: the model reads its
// input in chunks on several goroutines while it writes, so an overlap
// would give wrong values silently.
func TestOverlapIsAnError(t *testing.T) {
	m, err := RealNVP[float64](3, 2, Network{Hidden: []int{4}}, newRand(1))
	checkNoErr(t, err)
	buf := randomBatch[float64](newRand(2), 40, 3)
	n := 36
	for name, err := range map[string]error{
		"Encode shifted":     m.Encode(buf[2:n+2], buf[:n]),
		"Encode in place":    m.Encode(buf[:n], buf[:n]),
		"Decode shifted":     m.Decode(buf[:n], buf[3:n+3]),
		"LogProb into x":     m.LogProb(buf[:12], buf[:n]),
		"SampleAndLogProb":   m.SampleAndLogProb(buf[:n], buf[n-12:n], newRand(3)),
		"LogProb at x's end": m.LogProb(buf[n-1:n+11], buf[:n]),
	} {
		if err == nil || !strings.Contains(err.Error(), "overlaps") {
			t.Errorf("%s: error %v, want one saying what overlaps", name, err)
		}
	}
	out := make([]float64, n)
	if err := m.Encode(out, buf[:n]); err != nil {
		t.Errorf("separate slices: %v", err)
	}
}
