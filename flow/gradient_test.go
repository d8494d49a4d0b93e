package flow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowkern/flowkern"
)

// nll is the mean negative log-likelihood of the rows of x, given their
// contexts c for a conditional model.
func nll(t *testing.T, m *Model[float64], x, c []float64) float64 {
	lp := make([]float64, len(x)/m.Dim())
	if m.ContextDim() > 0 {
		checkNoErr(t, m.LogProbGiven(lp, x, c))
	} else {
		checkNoErr(t, m.LogProb(lp, x))
	}
	var s float64
	for _, v := range lp {
		s -= v
	}
	return s / float64(len(lp))
}

// checkGradient compares Grad with central differences of the mean NLL
// for every parameter value, and checks that every value that can move
// gets a non-zero gradient (unless dead ReLUs may hold some at zero).
func checkGradient(t *testing.T, m *Model[float64], x []float64, allMove bool) {
	t.Helper()
	checkGradientGiven(t, m, x, nil, allMove)
}

// checkGradientGiven is checkGradient for a conditional model, given the
// contexts c.
func checkGradientGiven(t *testing.T, m *Model[float64], x, c []float64, allMove bool) {
	t.Helper()
	ps := m.Params()
	g := make([][]float64, len(ps))
	for i, p := range ps {
		g[i] = make([]float64, len(p.Value))
	}
	var got float64
	var err error
	if m.ContextDim() > 0 {
		got, err = m.GradGiven(g, x, c)
	} else {
		got, err = m.Grad(g, x)
	}
	checkNoErr(t, err)
	if want := nll(t, m, x, c); relErr(got, want) > 1e-12 {
		t.Fatalf("Grad's NLL %v, LogProb's %v", got, want)
	}
	refresh := func() {
		for _, l := range m.layers {
			l.Refresh()
		}
		m.base.Refresh()
	}
	const h = 1e-5
	var worst float64
	for i, p := range ps {
		for j := range p.Value {
			if p.Fixed {
				if g[i][j] != 0 {
					t.Fatalf("fixed parameter %s[%d] has gradient %v", p.Name, j, g[i][j])
				}
				continue
			}
			v := p.Value[j]
			p.Value[j] = v + h
			refresh()
			up := nll(t, m, x, c)
			p.Value[j] = v - h
			refresh()
			down := nll(t, m, x, c)
			p.Value[j] = v
			refresh()
			fd := (up - down) / (2 * h)
			if p.Value[j] == 0 && fd == 0 && g[i][j] == 0 {
				continue // a weight MADE's mask holds at zero
			}
			err := math.Abs(g[i][j]-fd) / math.Max(math.Abs(fd), 1e-2)
			worst = math.Max(worst, err)
			if err > 1e-6 {
				t.Errorf("%s[%d]: gradient %.10g, central difference %.10g", p.Name, j, g[i][j], fd)
			}
			if g[i][j] == 0 && allMove {
				t.Errorf("%s[%d]: zero gradient", p.Name, j)
			}
		}
	}
	t.Logf("worst relative error %.2g over %d parameters", worst, m.NumParams())
}

// TestLayerGradients checks the backward pass of every trainable layer
// kind (in a model over each base) against finite differences.
func TestLayerGradients(t *testing.T) {
	const dim, rows = 4, 9
	cases := layerCases[float64]()
	for _, c := range cases[:5] { // every coupling, inverted: the PyTorch peer's parameterisation
		cases = append(cases, layerCase[float64]{"inverted " + c.name, func(d int, r Rand) (Layer[float64], error) {
			l, err := c.build(d, r)
			return &Inverted[float64]{l}, err
		}})
	}
	for _, c := range cases {
		if strings.HasPrefix(c.name, "iaf") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			rng := newRand(13)
			l, err := c.build(dim, rng)
			checkNoErr(t, err)
			perturb(l.Params(), l.Refresh, rng, 0.3)
			bases := []Base[float64]{}
			b1, _ := NewStandardNormal[float64](dim)
			b2, _ := NewDiagNormal[float64](dim)
			perturb(b2.Params(), b2.Refresh, rng, 0.3)
			b3, _ := NewFullNormal[float64]([]float64{0.1, -0.2, 0.3, 0}, []float64{1, 0.3, 0, 0.1, 0.3, 2, 0.2, 0, 0, 0.2, 1, 0.4, 0.1, 0, 0.4, 1.5})
			perturb(b3.Params(), b3.Refresh, rng, 0.2)
			bases = append(bases, b1, b2, b3)
			for _, b := range bases {
				m, err := NewModel(b, l)
				checkNoErr(t, err)
				checkGradient(t, m, randomBatch[float64](rng, rows, dim), !strings.Contains(c.name, "relu") && !strings.Contains(c.name, "spline")) // a spline bin no sample falls in has no gradient
			}
		})
	}
}

// TestArchitectureGradients checks the standard architectures at random
// parameters.
func TestArchitectureGradients(t *testing.T) {
	c := Network{Hidden: []int{6, 6}, Activation: flowkern.ActTanh}
	builds := map[string]func(Rand) (*Model[float64], error){
		"realnvp": func(r Rand) (*Model[float64], error) { return RealNVP[float64](4, 3, c, r) },
		"maf":     func(r Rand) (*Model[float64], error) { return MAF[float64](4, 2, c, r) },
		"glow":    func(r Rand) (*Model[float64], error) { return Glow[float64](4, 2, c, r) },
	}
	for name, build := range builds {
		t.Run(name, func(t *testing.T) {
			m := randomModel(t, build, 4)
			checkGradient(t, m, randomBatch[float64](newRand(5), 2*chunkRows+3, 4), true)
		})
	}
}

// TestGradErrors checks Grad's refusals.
func TestGradErrors(t *testing.T) {
	iaf, _ := NewIAF[float64](2, nil, Network{}, newRand(1))
	b, _ := NewStandardNormal[float64](2)
	m, _ := NewModel[float64](b, iaf)
	if _, err := m.Grad(nil, []float64{1, 2}); err == nil || !strings.Contains(err.Error(), "inverted masked autoregressive") {
		t.Errorf("IAF: %v", err)
	}
	m2, _ := RealNVP[float64](2, 1, Network{}, newRand(1))
	if _, err := m2.Grad(nil, []float64{1, 2}); err == nil || !strings.Contains(err.Error(), "gradient slices") {
		t.Errorf("missing gradient slices: %v", err)
	}
}

// TestInverseGradMatchesTaped checks that the public InverseGrad of the
// layers training drives from a tape (couplings, MADE) computes what the
// taped path computes, bit for bit.
func TestInverseGradMatchesTaped(t *testing.T) {
	const dim, rows = 5, 7
	checked := 0
	for _, c := range layerCases[float64]() {
		rng := newRand(21)
		l, err := c.build(dim, rng)
		checkNoErr(t, err)
		tl, ok := l.(tapedLayer[float64])
		if !ok {
			continue
		}
		perturb(l.Params(), l.Refresh, rng, 0.3)
		x, dz, dld := randomBatch[float64](rng, rows, dim), randomBatch[float64](rng, rows, dim), randomBatch[float64](rng, rows, 1)
		grads := func() [][]float64 {
			g := make([][]float64, len(l.Params()))
			for i, p := range l.Params() {
				g[i] = make([]float64, len(p.Value))
			}
			return g
		}
		var ws Workspace[float64]
		g1, dx1 := grads(), make([]float64, rows*dim)
		l.(Trainable[float64]).InverseGrad(dx1, append([]float64(nil), dz...), dld, x, g1, &ws)
		g2, dx2, z := grads(), make([]float64, rows*dim), make([]float64, rows*dim)
		var tp tape[float64]
		tl.inverseTaped(&tp, z, make([]float64, rows), x, &ws)
		tl.inverseGradTaped(dx2, append([]float64(nil), dz...), dld, &tp, g2, &ws)
		if fmt.Sprint(dx1, g1) != fmt.Sprint(dx2, g2) {
			t.Errorf("%s: InverseGrad and the taped path differ", c.name)
		}
		checked++
	}
	if checked < 4 {
		t.Fatalf("only %d taped layer kinds checked", checked)
	}
}

// TestFullNormalGradientWide checks FullNormal's gradient where its
// triangular solves and the dense product of its factor's gradient run on
// the vector kernels (12 features, 40 samples), under every kernel set.
func TestFullNormalGradientWide(t *testing.T) {
	const dim, rows = 12, 40
	rng := newRand(21)
	mean, cov := make([]float64, dim), make([]float64, dim*dim)
	for i := range dim {
		mean[i] = rng.NormFloat64()
		for j := range dim {
			cov[i*dim+j] = 0.1 / float64(1+(i-j)*(i-j))
		}
		cov[i*dim+i] = 1 + float64(i)/dim
	}
	b, err := NewFullNormal[float64](mean, cov)
	checkNoErr(t, err)
	perturb(b.Params(), b.Refresh, rng, 0.2)
	l, err := NewActNorm[float64](dim)
	checkNoErr(t, err)
	m, err := NewModel[float64](b, l)
	checkNoErr(t, err)
	x := randomBatch[float64](rng, rows, dim)
	for _, set := range flowkern.Diagnose().Sets {
		if !set.Available {
			continue
		}
		t.Run(set.Name, func(t *testing.T) {
			before := flowkern.Impl()
			checkNoErr(t, flowkern.Use(set.Name))
			defer flowkern.Use(before)
			checkGradient(t, m, x, true)
		})
	}
}

// TestGradChunkInGroups checks that taking a chunk's rows through the
// network gradRows at a time gives the gradient and log-likelihood of all
// of them at once: bit for bit where a layer's gradient is a sum over the
// rows continued from one group to the next (the dense layers'), to
// rounding where a layer sums each group first (ActNorm, LU), for every
// trainable kind of layer and base, and for a conditional model, whose
// contexts are cut into the same groups.
func TestGradChunkInGroups(t *testing.T) {
	all := allKinds(t)
	var trainable []Layer[float64]
	for _, l := range all.layers {
		if _, err := (&Model[float64]{layers: []Layer[float64]{l}, base: all.base}).newGradState(); err == nil {
			trainable = append(trainable, l)
		}
	}
	if len(trainable) < len(all.layers)-1 {
		t.Fatalf("%d of %d layers trainable", len(trainable), len(all.layers))
	}
	m, err := NewModel(all.base, trainable...)
	checkNoErr(t, err)
	cond, err := MAF[float64](3, 2, Network{Hidden: []int{8}, Context: 2}, newRand(32))
	checkNoErr(t, err)
	for _, l := range cond.layers {
		perturb(l.Params(), l.Refresh, newRand(33), 0.3)
	}
	for name, m := range map[string]*Model[float64]{"every kind": m, "conditional": cond} {
		rng := newRand(31)
		rows := 3*gradRows[float64]() + 7
		x, c := make([]float64, rows*m.Dim()), make([]float64, rows*m.ContextDim())
		for _, v := range [][]float64{x, c} {
			for i := range v {
				v[i] = rng.NormFloat64()
			}
		}
		s, err := m.newGradState()
		checkNoErr(t, err)
		whole, grouped := make([]float64, s.size()), make([]float64, s.size())
		var ws Workspace[float64]
		checkNoErr(t, m.ensureInit(x, c))
		ws.setContext(c, m.ContextDim())
		a := m.gradGroup(x, -0.5, s.views(whole, len(m.layers)), &ws, 0)
		b := m.gradChunk(x, -0.5, s.views(grouped, len(m.layers)), &ws)
		if math.Abs(a-b) > 1e-12*math.Abs(a) {
			t.Errorf("%s: log-likelihood sum %v at once, %v in groups", name, a, b)
		}
		var scale float64
		for _, v := range whole {
			scale = math.Max(scale, math.Abs(v))
		}
		for i := range whole {
			if math.Abs(whole[i]-grouped[i]) > 1e-12*scale {
				t.Fatalf("%s: gradient value %d: %v at once, %v in groups", name, i, whole[i], grouped[i])
			}
		}
	}
}

// TestSumSquares checks the documented order of the four partial sums
// against a direct restatement, for lengths 0…13 and 1000…1027 (values
// of many magnitudes, so that another order would round differently),
// and, up to 13, with a NaN, an infinity or squares that overflow float64
// at every position.
func TestSumSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	var lengths []int
	for n := range 14 {
		lengths = append(lengths, n, 1000+n, 1014+n)
	}
	for _, n := range lengths {
		f := make([]float64, n)
		for i := range f {
			f[i] = rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20))
		}
		var part [4]float64
		for i, v := range f {
			part[i%4] += v * v
		}
		want := (part[0] + part[1]) + (part[2] + part[3])
		if got, bad := sumSquares(f); got != want || bad != -1 {
			t.Fatalf("n = %d: %v, %d, want %v, -1", n, got, bad, want)
		}
		f32 := make([]float32, n)
		for i, v := range f {
			f32[i] = float32(v)
		}
		if _, bad := sumSquares(f32); bad != -1 {
			t.Fatalf("n = %d, float32: bad %d, want -1", n, bad)
		}
		for i := range min(n, 14) {
			for _, v := range []float64{math.NaN(), math.Inf(-1), 1e200} {
				g := append([]float64(nil), f...)
				g[i] = v
				wantBad := i
				if v == 1e200 { // finite: its square overflows, which the norm shows, but no value is bad
					wantBad = -1
				}
				sq, bad := sumSquares(g)
				if bad != wantBad || !math.IsNaN(sq) && !math.IsInf(sq, 1) {
					t.Fatalf("n = %d, %v at %d: %v, %d, want a non-finite sum and %d", n, v, i, sq, bad, wantBad)
				}
			}
		}
	}
}
