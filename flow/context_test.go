package flow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/datasets"
)

// conditionalCases builds a layer of every kind that takes a context,
// reading cd context features.
func conditionalCases[T Float](cd int) []layerCase[T] {
	net := func(s Scale) Network {
		return Network{Hidden: []int{8, 8}, Activation: flowkern.ActTanh, Scale: s, Context: cd}
	}
	return []layerCase[T]{
		{"coupling/exp", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskHalves(d, 0), net(ScaleExp), r)
		}},
		{"coupling/sigmoid", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskAlternate(d, 1), net(ScaleSigmoid), r)
		}},
		{"coupling/additive", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskHalves(d, 1), net(ScaleNone), r)
		}},
		{"coupling/no-hidden", func(d int, r Rand) (Layer[T], error) {
			return NewAffineCoupling[T](d, MaskHalves(d, 0), Network{Hidden: []int{}, Context: cd}, r)
		}},
		{"maf", func(d int, r Rand) (Layer[T], error) {
			return NewMaskedAutoregressive[T](d, reversed(d), net(ScaleExp), r)
		}},
		{"maf/no-hidden", func(d int, r Rand) (Layer[T], error) {
			return NewMaskedAutoregressive[T](d, nil, Network{Hidden: []int{}, Context: cd}, r)
		}},
		{"iaf", func(d int, r Rand) (Layer[T], error) { return NewIAF[T](d, nil, net(ScaleExp), r) }},
		{"spline", func(d int, r Rand) (Layer[T], error) {
			return NewSplineCoupling[T](d, MaskHalves(d, 0), net(ScaleExp), flowkern.Spline{Bins: 5, Bound: 3}, r)
		}},
		{"spline/inverted", func(d int, r Rand) (Layer[T], error) {
			l, err := NewSplineCoupling[T](d, MaskAlternate(d, 0), net(ScaleExp), DefaultSpline, r)
			return &Inverted[T]{l}, err
		}},
		{"spline-ar", func(d int, r Rand) (Layer[T], error) {
			return NewSplineAutoregressive[T](d, reversed(d), net(ScaleExp), flowkern.Spline{Bins: 4, Bound: 3}, r)
		}},
	}
}

// conditionalModel returns two layers of c over dim features, a
// permutation between them, over a diagonal normal base, at random
// parameters: the first layer's gradients pass through the second's
// gradient for its input.
func conditionalModel[T Float](t *testing.T, c layerCase[T], dim int, seed uint64) *Model[T] {
	t.Helper()
	rng := newRand(seed)
	var ls []Layer[T]
	for range 2 {
		l, err := c.build(dim, rng)
		checkNoErr(t, err)
		perturb(l.Params(), l.Refresh, rng, 0.3)
		ls = append(ls, l)
	}
	p, err := NewRandomPermutation[T](dim, rng)
	checkNoErr(t, err)
	b, err := NewDiagNormal[T](dim)
	checkNoErr(t, err)
	perturb(b.Params(), b.Refresh, rng, 0.2)
	m, err := NewModel(b, ls[0], p, ls[1])
	checkNoErr(t, err)
	return m
}

// TestConditionalLayers checks every layer kind with a context, in
// float64: the round trip, the log-determinant against a finite-difference
// Jacobian at fixed contexts, that the context changes the density, that
// one context broadcast equals it repeated, and the gradients against
// finite differences.
func TestConditionalLayers(t *testing.T) {
	const dim, cd, rows = 4, 3, 9
	for _, c := range conditionalCases[float64](cd) {
		t.Run(c.name, func(t *testing.T) {
			m := conditionalModel(t, c, dim, 31)
			if m.ContextDim() != cd {
				t.Fatalf("ContextDim %d, want %d", m.ContextDim(), cd)
			}
			rng := newRand(7)
			x, ctx := randomBatch[float64](rng, rows, dim), randomBatch[float64](rng, rows, cd)
			z, back := make([]float64, len(x)), make([]float64, len(x))
			checkNoErr(t, m.EncodeGiven(z, x, ctx))
			checkNoErr(t, m.DecodeGiven(back, z, ctx))
			var rt float64
			for i := range x {
				rt = math.Max(rt, relErr(back[i], x[i]))
			}
			lp := make([]float64, rows)
			checkNoErr(t, m.LogProbGiven(lp, x, ctx))
			var fd float64
			base := make([]float64, 1)
			for r := range rows {
				cr := ctx[r*cd : (r+1)*cd]
				want := fdLogDet(func(out, in []float64) { checkNoErr(t, m.EncodeGiven(out, in, cr)) }, x[r*dim:(r+1)*dim], 1e-5)
				m.base.LogProb(base, z[r*dim:(r+1)*dim], &Workspace[float64]{})
				fd = math.Max(fd, relErr(lp[r]-base[0], want))
			}
			if rt > 1e-12 || fd > 1e-6 {
				t.Errorf("round trip %.2g (bound 1e-12), log-det vs finite differences %.2g (1e-6)", rt, fd)
			}

			// The context matters, and one context for all rows is the
			// same as it repeated.
			other := randomBatch[float64](rng, rows, cd)
			lp2 := make([]float64, rows)
			checkNoErr(t, m.LogProbGiven(lp2, x, other))
			if lp2[0] == lp[0] {
				t.Errorf("log p(x | c) does not change with c")
			}
			one := ctx[:cd]
			rep := make([]float64, rows*cd)
			for r := range rows {
				copy(rep[r*cd:], one)
			}
			checkNoErr(t, m.LogProbGiven(lp, x, one))
			checkNoErr(t, m.LogProbGiven(lp2, x, rep))
			for r := range lp {
				if lp[r] != lp2[r] {
					t.Fatalf("row %d: log p with one context %v, with it repeated %v", r, lp[r], lp2[r])
				}
			}
			if !strings.HasPrefix(c.name, "iaf") {
				checkGradientGiven(t, m, x, ctx, false)
			}
			t.Logf("round trip %.2g, finite-difference log-det %.2g", rt, fd)
		})
	}
}

// TestConditionalLayers32 checks the round trip and LogProbGiven against
// float64 in float32.
func TestConditionalLayers32(t *testing.T) {
	const dim, cd, rows = 5, 2, 600 // more than a chunk: the contexts cut with the rows
	for i, c := range conditionalCases[float32](cd) {
		c64 := conditionalCases[float64](cd)[i]
		t.Run(c.name, func(t *testing.T) {
			m := conditionalModel(t, c, dim, 17)
			m64 := conditionalModel(t, c64, dim, 17)
			rng := newRand(9)
			x, ctx := randomBatch[float32](rng, rows, dim), randomBatch[float32](rng, rows, cd)
			z, back := make([]float32, len(x)), make([]float32, len(x))
			checkNoErr(t, m.EncodeGiven(z, x, ctx))
			checkNoErr(t, m.DecodeGiven(back, z, ctx))
			for i := range x {
				if e := relErr(float64(back[i]), float64(x[i])); e > 1e-4 {
					t.Fatalf("element %d: round trip off by %.2g", i, e)
				}
			}
			lp, lp64 := make([]float32, rows), make([]float64, rows)
			checkNoErr(t, m.LogProbGiven(lp, x, ctx))
			checkNoErr(t, m64.LogProbGiven(lp64, widen(x), widen(ctx)))
			for r := range lp {
				if e := relErr(float64(lp[r]), lp64[r]); e > 1e-4 {
					t.Fatalf("row %d: float32 log p %v, float64 %v", r, lp[r], lp64[r])
				}
			}
		})
	}
}

func widen(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, e := range v {
		w[i] = float64(e)
	}
	return w
}

// TestConditionalSampling checks SampleGiven and SampleAndLogProbGiven:
// the log-densities equal LogProbGiven's, per-row contexts and one for all.
func TestConditionalSampling(t *testing.T) {
	const dim, cd, rows = 4, 2, 300
	m := conditionalModel(t, conditionalCases[float64](cd)[0], dim, 5)
	ctx := randomBatch[float64](newRand(2), rows, cd)
	for _, c := range [][]float64{ctx, ctx[:cd]} {
		x, lp, want := make([]float64, rows*dim), make([]float64, rows), make([]float64, rows)
		checkNoErr(t, m.SampleAndLogProbGiven(x, lp, c, newRand(3)))
		checkNoErr(t, m.LogProbGiven(want, x, c))
		for r := range lp {
			if lp[r] != want[r] {
				t.Fatalf("row %d: SampleAndLogProbGiven %v, LogProbGiven %v", r, lp[r], want[r])
			}
		}
		again := make([]float64, len(x))
		checkNoErr(t, m.SampleGiven(again, c, newRand(3)))
		for i := range x {
			if x[i] != again[i] {
				t.Fatalf("SampleGiven and SampleAndLogProbGiven drew differently at %d", i)
			}
		}
	}
}

// TestConditionalErrors checks the refusals of the conditional API.
func TestConditionalErrors(t *testing.T) {
	const dim, cd = 4, 2
	m := conditionalModel(t, conditionalCases[float64](cd)[0], dim, 5)
	plain, err := RealNVP[float64](dim, 2, Network{Hidden: []int{4}}, newRand(1))
	checkNoErr(t, err)
	x, lp, z := randomBatch[float64](newRand(4), 3, dim), make([]float64, 3), make([]float64, 3*dim)
	ctx := randomBatch[float64](newRand(5), 3, cd)
	bad := append([]float64(nil), ctx...)
	bad[3] = math.NaN()
	cases := []struct {
		name string
		err  error
		want string
		is   error
	}{
		{"LogProb on a conditional model", m.LogProb(lp, x), "use LogProbGiven", ErrDimension},
		{"Encode on a conditional model", m.Encode(z, x), "use EncodeGiven", ErrDimension},
		{"Sample on a conditional model", m.Sample(z, newRand(1)), "use SampleGiven", ErrDimension},
		{"Grad on a conditional model", func() error { _, err := m.Grad(nil, x); return err }(), "use GradGiven", ErrDimension},
		{"LogProbGiven on an unconditional model", plain.LogProbGiven(lp, x, ctx), "no context", ErrDimension},
		{"a context of the wrong length", m.LogProbGiven(lp, x, ctx[:5]), "context of 5 values for 3 rows", ErrDimension},
		{"a context per row, one short", m.DecodeGiven(z, x, ctx[:4]), "want 2 (one context for all) or 6", ErrDimension},
		{"NaN in the context", m.LogProbGiven(lp, x, bad), "context row 1, column 1 is NaN", ErrNonFinite},
		{"context overlapping the output", m.EncodeGiven(z, x, z[:cd]), "overlap", nil},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || (c.is != nil && !errors.Is(c.err, c.is)) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
	l1, _ := NewAffineCoupling[float64](dim, MaskHalves(dim, 0), Network{Context: 2}, newRand(1))
	l2, _ := NewAffineCoupling[float64](dim, MaskHalves(dim, 1), Network{Context: 3}, newRand(1))
	b, _ := NewStandardNormal[float64](dim)
	if _, err := NewModel(b, l1, l2); err == nil || !strings.Contains(err.Error(), "context of 3 features, an earlier layer 2") {
		t.Errorf("layers with different contexts: %v", err)
	}
	if _, err := NewAffineCoupling[float64](dim, MaskHalves(dim, 0), Network{Context: -1}, newRand(1)); err == nil {
		t.Error("a negative context was accepted")
	}
	// A conditional layer run without a context panics with a message.
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "reads a context of 2 features") {
			t.Errorf("a conditional layer without its context: %v", r)
		}
	}()
	l1.Inverse(make([]float64, dim), make([]float64, 1), make([]float64, dim), &Workspace[float64]{})
}

// TestConditionalSaveLoad saves conditional models of every kind (file
// version 2) and checks that they load back bit for bit, and that an
// unconditional model is still written as version 1.
func TestConditionalSaveLoad(t *testing.T) {
	const dim, cd, rows = 4, 3, 11
	dir := t.TempDir()
	rng := newRand(8)
	x, ctx := randomBatch[float64](rng, rows, dim), randomBatch[float64](rng, rows, cd)
	for _, c := range conditionalCases[float64](cd) {
		m := conditionalModel(t, c, dim, 12)
		path := filepath.Join(dir, strings.ReplaceAll(c.name, "/", "-")+".flow")
		checkNoErr(t, m.Save(path))
		got, err := Load[float64](path)
		checkNoErr(t, err)
		lp, lp2 := make([]float64, rows), make([]float64, rows)
		checkNoErr(t, m.LogProbGiven(lp, x, ctx))
		checkNoErr(t, got.LogProbGiven(lp2, x, ctx))
		for r := range lp {
			if lp[r] != lp2[r] {
				t.Fatalf("%s row %d: log p %v, loaded %v", c.name, r, lp[r], lp2[r])
			}
		}
		data, _ := m.MarshalBinary()
		h, err := ReadFileHeader(data)
		checkNoErr(t, err)
		if h.Version != 2 || h.Context != cd {
			t.Errorf("%s: header %+v, want version 2 and context %d", c.name, h, cd)
		}
		if !strings.Contains(strings.Join(got.Summary(), "\n"), fmt.Sprintf("context %d", cd)) {
			t.Errorf("%s: the summary does not show the context: %q", c.name, got.Summary())
		}
	}
	plain, _ := RealNVP[float64](dim, 2, Network{Hidden: []int{4}}, newRand(1))
	data, _ := plain.MarshalBinary()
	if h, _ := ReadFileHeader(data); h.Version != 1 {
		t.Errorf("an unconditional model is written as version %d, want 1", h.Version)
	}
}

// TestStandardizedGiven checks that a model standardising its contexts
// equals the model given standardised contexts, keeps its statistics
// fixed in training, and saves and loads them.
func TestStandardizedGiven(t *testing.T) {
	const dim, cd, rows = 3, 2, 40
	m := conditionalModel(t, conditionalCases[float64](cd)[0], dim, 3)
	rng := newRand(4)
	x, c := randomBatch[float64](rng, rows, dim), randomBatch[float64](rng, rows, cd)
	for i := range c {
		c[i] = 5*c[i] + 10 // far from standard
	}
	sm, err := StandardizedGiven(m, x, c)
	checkNoErr(t, err)
	st, err := FitStandardize(c, cd)
	checkNoErr(t, err)
	cs := make([]float64, len(c))
	for i, v := range c {
		cs[i] = (v - st.mean[i%cd]) * st.inv[i%cd]
	}
	xm, err := Standardized(m, x)
	checkNoErr(t, err)
	lp, want := make([]float64, rows), make([]float64, rows)
	checkNoErr(t, sm.LogProbGiven(lp, x, c))
	checkNoErr(t, xm.LogProbGiven(want, x, cs))
	for r := range lp {
		if lp[r] != want[r] {
			t.Fatalf("row %d: log p with the contexts standardised by the model %v, by hand %v", r, lp[r], want[r])
		}
	}
	checkGradientGiven(t, sm, x[:9*dim], c[:9*cd], false)

	path := filepath.Join(t.TempDir(), "s.flow")
	checkNoErr(t, sm.Save(path))
	got, err := Load[float64](path)
	checkNoErr(t, err)
	checkNoErr(t, got.LogProbGiven(want, x, c))
	for r := range lp {
		if lp[r] != want[r] {
			t.Fatalf("row %d: log p %v, loaded %v", r, lp[r], want[r])
		}
	}
	if s := got.Summary()[0]; !strings.Contains(s, "standardised") {
		t.Errorf("summary %q does not show the context's standardisation", s)
	}
	if _, err := StandardizedGiven(m, x, c[:5]); err == nil {
		t.Error("StandardizedGiven took 5 context values for 40 rows")
	}
}

// TestConditionalQuality fits a conditional NSF to a small sample of the
// conditional banana (internal/datasets), whose true density p(x | c) is
// known, and checks that its test log-likelihood comes near the truth's,
// and far above that of the same model fitted without the context (p(x)).
func TestConditionalQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	set, err := datasets.Get("cond-banana")
	checkNoErr(t, err)
	const n, cd = 3000, 2
	split := func(v []float64) (x, c []float64) {
		for r := 0; r < len(v); r += set.Dim {
			x = append(x, v[r:r+set.Dim-cd]...)
			c = append(c, v[r+set.Dim-cd:r+set.Dim]...)
		}
		return x, c
	}
	trainRows, testRows := set.Draw(n, 1), set.Draw(n, 2)
	x, c := split(trainRows)
	tx, tc := split(testRows)
	cfg := TrainConfig{Epochs: 40, Batch: 128, LR: 3e-3, Seed: 1}
	fit := func(width int) float64 {
		core, err := NSF[float64](2, 4, Network{Hidden: []int{32, 32}, Context: width}, flowkern.Spline{Bins: 8, Bound: 4}, newRand(1))
		checkNoErr(t, err)
		lp := make([]float64, n)
		if width == 0 {
			m, err := Standardized(core, x)
			checkNoErr(t, err)
			_, err = Train(context.Background(), m, x, nil, cfg)
			checkNoErr(t, err)
			checkNoErr(t, m.LogProb(lp, tx))
		} else {
			m, err := StandardizedGiven(core, x, c)
			checkNoErr(t, err)
			_, err = TrainGiven(context.Background(), m, x, c, nil, nil, cfg)
			checkNoErr(t, err)
			checkNoErr(t, m.LogProbGiven(lp, tx, tc))
		}
		var mean float64
		for _, v := range lp {
			mean += v / n
		}
		return mean
	}
	given, without := fit(cd), fit(0)
	truth := set.MeanLogProb(testRows)
	t.Logf("test log-likelihood given the context %.4f, without it %.4f; the true conditional density's %.4f", given, without, truth)
	if truth-given > 0.25 || given > truth+0.1 || given-without < 0.5 {
		t.Errorf("test log-likelihood given the context %.4f, without it %.4f, the truth's %.4f: want within 0.25 of the truth and 0.5 above the model without", given, without, truth)
	}
}

// TestConditionalNoAllocations checks that conditional evaluation, with a
// context per row, one for all, and standardised contexts, allocates
// nothing once warm, on one goroutine and on several.
func TestConditionalNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes the kernels' sync.Pool scratch drop buffers")
	}
	const dim, cd, rows = 4, 3, 3*chunkRows + 5
	rng := newRand(4)
	x, c := randomBatch[float32](rng, rows, dim), randomBatch[float32](rng, rows, cd)
	for _, procs := range allocProcs() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, lc := range conditionalCases[float32](cd) {
			m := conditionalModel(t, lc, dim, 2)
			sm, err := StandardizedGiven(m, x, c)
			checkNoErr(t, err)
			lp, z := make([]float32, rows), make([]float32, len(x))
			calls := map[string]func(){
				"LogProbGiven":              func() { m.LogProbGiven(lp, x, c) },
				"LogProbGiven, one context": func() { m.LogProbGiven(lp, x, c[:cd]) },
				"EncodeGiven":               func() { m.EncodeGiven(z, x, c) },
				"DecodeGiven":               func() { m.DecodeGiven(z, x, c) },
				"standardised LogProbGiven": func() { sm.LogProbGiven(lp, x, c) },
				"SampleGiven":               func() { m.SampleGiven(z, c, rng) },
			}
			if procs > 1 { // the same team and workspace paths: two suffice, with more calls
				calls = map[string]func(){"LogProbGiven": calls["LogProbGiven"], "SampleGiven": calls["SampleGiven"]}
			}
			for name, f := range calls {
				if a := allocsPerCall(2+48*(procs-1), 5+35*(procs-1), 0, f); !allowedAllocs(procs, a) {
					t.Errorf("GOMAXPROCS %d: %s %s: %v allocations a call", procs, lc.name, name, a)
				}
			}
		}
	}
}

// TestConditionalConcurrent evaluates a conditional model from several
// goroutines, each with its own contexts, against the serial results.
func TestConditionalConcurrent(t *testing.T) {
	const dim, cd, rows = 4, 2, 600
	m := conditionalModel(t, conditionalCases[float64](cd)[4], dim, 6)
	x := randomBatch[float64](newRand(1), rows, dim)
	var wg sync.WaitGroup
	for g := range 6 {
		c := randomBatch[float64](newRand(uint64(10+g)), rows, cd)
		want := make([]float64, rows)
		checkNoErr(t, m.LogProbGiven(want, x, c))
		wg.Go(func() {
			lp := make([]float64, rows)
			for range 4 {
				if err := m.LogProbGiven(lp, x, c); err != nil {
					t.Error(err)
				}
			}
			for r := range lp {
				if lp[r] != want[r] {
					t.Errorf("goroutine %d row %d: %v, want %v", g, r, lp[r], want[r])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestConditionalGradients32 checks GradGiven in float32 against float64
// (the float64 gradients are held to finite differences in
// TestConditionalLayers) on the same parameters, for every layer kind.
func TestConditionalGradients32(t *testing.T) {
	const dim, cd, rows = 4, 3, 9
	for i, c := range conditionalCases[float32](cd) {
		if strings.HasPrefix(c.name, "iaf") {
			continue
		}
		c64 := conditionalCases[float64](cd)[i]
		t.Run(c.name, func(t *testing.T) {
			m, m64 := conditionalModel(t, c, dim, 31), conditionalModel(t, c64, dim, 31)
			for j, p := range m.Params() { // the float64 model gets the float32 values exactly
				for k, v := range p.Value {
					m64.Params()[j].Value[k] = float64(v)
				}
			}
			m64.Refresh()
			rng := newRand(7)
			x, ctx := randomBatch[float32](rng, rows, dim), randomBatch[float32](rng, rows, cd)
			g, g64 := gradBuffers(m.Params()), gradBuffers(m64.Params())
			nll, err := m.GradGiven(g, x, ctx)
			checkNoErr(t, err)
			nll64, err := m64.GradGiven(g64, widen(x), widen(ctx))
			checkNoErr(t, err)
			if relErr(nll, nll64) > 1e-5 {
				t.Errorf("NLL %v in float32, %v in float64", nll, nll64)
			}
			var scale, worst float64
			for j := range g64 {
				for _, v := range g64[j] {
					scale = math.Max(scale, math.Abs(v))
				}
			}
			for j := range g {
				for k, v := range g[j] {
					worst = math.Max(worst, math.Abs(float64(v)-g64[j][k])/scale)
				}
			}
			if worst > 1e-4 {
				t.Errorf("float32 gradients off float64's by %.2g of the largest", worst)
			}
			t.Logf("float32 gradients within %.2g of float64's largest", worst)
		})
	}
}

// gradBuffers returns zeroed gradient slices shaped as ps.
func gradBuffers[T Float](ps []Param[T]) [][]T {
	g := make([][]T, len(ps))
	for i, p := range ps {
		g[i] = make([]T, len(p.Value))
	}
	return g
}

// TestConditionalDense checks the *mat.Dense versions of the conditional
// methods against the slice ones, and their refusals.
func TestConditionalDense(t *testing.T) {
	const dim, cd, rows = 3, 2, 20
	m := conditionalModel(t, conditionalCases[float64](cd)[0], dim, 8)
	rng := newRand(5)
	x, c := randomBatch[float64](rng, rows, dim), randomBatch[float64](rng, rows, cd)
	xm, cm := mat.NewDense(rows, dim, x), mat.NewDense(rows, cd, c)
	lp, err := m.LogProbDenseGiven(xm, cm)
	checkNoErr(t, err)
	want := make([]float64, rows)
	checkNoErr(t, m.LogProbGiven(want, x, c))
	for r := range want {
		if lp[r] != want[r] {
			t.Fatalf("row %d: LogProbDenseGiven %v, LogProbGiven %v", r, lp[r], want[r])
		}
	}
	z, err := m.EncodeDenseGiven(xm, cm)
	checkNoErr(t, err)
	back, err := m.DecodeDenseGiven(z, cm)
	checkNoErr(t, err)
	if !mat.EqualApprox(back, xm, 1e-12) {
		t.Error("DecodeDenseGiven(EncodeDenseGiven(x)) is not x")
	}
	s, err := m.SampleDenseGiven(5, mat.NewDense(1, cd, []float64{0.1, 0.2}), rng)
	checkNoErr(t, err)
	if r, k := s.Dims(); r != 5 || k != dim {
		t.Errorf("SampleDenseGiven: %d×%d", r, k)
	}
	if _, err := m.LogProbDenseGiven(xm, mat.NewDense(rows, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns, the model's context width is 2") {
		t.Errorf("a context matrix of 3 columns: %v", err)
	}
	res, err := TrainDenseGiven(context.Background(), m, xm, cm, nil, nil, TrainConfig{Epochs: 2, Batch: 5, Seed: 1})
	checkNoErr(t, err)
	if res.Epochs != 2 {
		t.Errorf("TrainDenseGiven ran %d epochs", res.Epochs)
	}
}
