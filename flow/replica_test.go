package flow

import (
	"math"
	"runtime"
	"testing"
	"time"
)

// replicaCase is a model trained by Adam steps in TestReplicas.
type replicaCase struct {
	name      string
	build     func() (*Model[float64], error)
	ctx       int  // context features per row
	replicate bool // whether steps on two goroutines use replicas
}

// replicaCases covers every kind of part that counts its refreshes
// (couplings, MADE's masked weights, ActNorm's data initialisation, LU,
// the normal bases, a conditional model's fixed context statistics), and
// a layer of the caller's, which keeps the workers on the model itself.
func replicaCases() []replicaCase {
	net := Network{Hidden: []int{24, 24}}
	return []replicaCase{
		{"realnvp", func() (*Model[float64], error) { return RealNVP[float64](3, 2, net, newRand(1)) }, 0, true},
		{"maf", func() (*Model[float64], error) { return MAF[float64](3, 2, net, newRand(2)) }, 0, true},
		{"glow", func() (*Model[float64], error) { return Glow[float64](4, 2, Network{Hidden: []int{16}}, newRand(3)) }, 0, true},
		{"nsf-ar, full normal base", func() (*Model[float64], error) {
			l, err := NewSplineAutoregressive[float64](3, reversed(3), Network{Hidden: []int{12}}, DefaultSpline, newRand(4))
			if err != nil {
				return nil, err
			}
			b, err := NewFullNormal[float64]([]float64{0.1, 0, -0.2}, []float64{1, 0.3, 0, 0.3, 2, 0.1, 0, 0.1, 1})
			if err != nil {
				return nil, err
			}
			return NewModel[float64](b, l)
		}, 0, true},
		{"conditional, diagonal base", func() (*Model[float64], error) {
			c, err := NewAffineCoupling[float64](3, MaskHalves(3, 0), Network{Hidden: []int{16}, Context: 2}, newRand(5))
			if err != nil {
				return nil, err
			}
			b, err := NewDiagNormal[float64](3)
			if err != nil {
				return nil, err
			}
			m, err := NewModel[float64](b, c)
			if err != nil {
				return nil, err
			}
			x, cx := replicaData(3, 2, 50, 7)
			return StandardizedGiven(m, x, cx)
		}, 2, true},
		{"layer of the caller's", func() (*Model[float64], error) {
			c, err := NewAffineCoupling[float64](3, MaskHalves(3, 0), net, newRand(6))
			if err != nil {
				return nil, err
			}
			b, err := NewStandardNormal[float64](3)
			if err != nil {
				return nil, err
			}
			return NewModel[float64](b, &shiftLayer{b: []float64{0.5, -0.25, 1}}, c)
		}, 0, false},
	}
}

// replicaData returns rows rows of dim correlated features and their
// contexts of cd features, from seed.
func replicaData(dim, cd, rows int, seed uint64) (x, c []float64) {
	rng := newRand(seed)
	x, c = make([]float64, rows*dim), make([]float64, rows*cd)
	for r := range rows {
		a := rng.NormFloat64()
		for j := range dim {
			x[r*dim+j] = a*float64(j+1)/2 + 0.5*rng.NormFloat64()
		}
		for j := range cd {
			c[r*cd+j] = a + rng.NormFloat64()
		}
	}
	return x, c
}

// TestReplicas trains each case by Adam steps on two goroutines, where
// workers compute on replicas of the model, and on one, and compares the
// parameters bit for bit after every step. Between steps the parameters
// change outside the trainer, followed by a layer's Refresh or the
// model's, and GOMAXPROCS drops to one for a step (the model is updated
// without the replicas): each time the replicas must follow the model.
func TestReplicas(t *testing.T) {
	const steps, batch = 8, 600 // three chunks a step: a team of two
	procs := [steps]int{2, 2, 2, 1, 2, 2, 2, 2}
	for _, c := range replicaCases() {
		t.Run(c.name, func(t *testing.T) {
			ref, err := c.build()
			checkNoErr(t, err)
			m, err := c.build()
			checkNoErr(t, err)
			cfg := TrainConfig{LR: 1e-2, WeightDecay: 1e-3}
			refOpt, err := NewAdam(ref, cfg, steps)
			checkNoErr(t, err)
			opt, err := NewAdam(m, cfg, steps)
			checkNoErr(t, err)
			dim := m.Dim()
			replicated := false
			for k := range steps {
				x, cx := replicaData(dim, c.ctx, batch, uint64(10+k))
				switch k {
				case 2: // a layer's parameter changed, that layer refreshed
					for _, mm := range []*Model[float64]{ref, m} {
						l := mm.layers[len(mm.layers)-1]
						p := l.Params()[0]
						p.Value[len(p.Value)/2] += 0.125
						l.Refresh()
					}
				case 5: // every parameter changed, the model refreshed
					for _, mm := range []*Model[float64]{ref, m} {
						for _, p := range mm.Params() {
							if !p.Fixed {
								for i := range p.Value {
									p.Value[i] *= 0.96875
								}
							}
						}
						mm.Refresh()
					}
				}
				step := func(o *Adam[float64], n int) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
					if c.ctx > 0 {
						_, err = o.StepGiven(x, cx)
					} else {
						_, err = o.Step(x)
					}
					checkNoErr(t, err)
				}
				step(refOpt, 1)
				step(opt, procs[k])
				s := opt.t.s
				if procs[k] == 2 && len(s.replicas) > 0 {
					replicated = true
					if r := s.replicas[0]; !r.current {
						t.Errorf("step %d: the replica is not marked current after the step", k)
					}
				}
				if n, _ := m.refreshCount(); k == 3 && len(s.replicas) > 0 && s.replicas[0].synced == n {
					t.Errorf("step %d on one goroutine: the replica claims to follow the updated model", k)
				}
				sameParams(t, k, ref, m)
			}
			if replicated != c.replicate {
				t.Errorf("replicas used: %v, want %v", replicated, c.replicate)
			}
		})
	}
}

// sameParams fails the test unless a and b hold the same parameter bits.
func sameParams(t *testing.T, step int, a, b *Model[float64]) {
	t.Helper()
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j, v := range pa[i].Value {
			if math.Float64bits(v) != math.Float64bits(pb[i].Value[j]) {
				t.Fatalf("after step %d: %s[%d] is %v on one goroutine, %v on two", step, pa[i].Name, j, v, pb[i].Value[j])
			}
		}
	}
}

// TestReplicaRefreshCounts checks that every layer and base of the
// package that has parameters counts its Refresh calls, so that training
// can tell when its replicas are stale, and that an inverted layer counts
// with its inner one.
func TestReplicaRefreshCounts(t *testing.T) {
	mk := func(build func() (Layer[float64], error)) Layer[float64] {
		l, err := build()
		checkNoErr(t, err)
		return l
	}
	net := Network{Hidden: []int{4}}
	layers := []Layer[float64]{
		mk(func() (Layer[float64], error) { return NewActNorm[float64](2) }),
		mk(func() (Layer[float64], error) { return NewAffineCoupling[float64](2, []int{0}, net, newRand(1)) }),
		mk(func() (Layer[float64], error) { return NewLULinear[float64](2, DiagExp, newRand(1)) }),
		mk(func() (Layer[float64], error) {
			return NewMaskedAutoregressive[float64](2, []int{0, 1}, net, newRand(1))
		}),
		mk(func() (Layer[float64], error) { return NewIAF[float64](2, []int{0, 1}, net, newRand(1)) }),
		mk(func() (Layer[float64], error) {
			return NewSplineCoupling[float64](2, []int{0}, net, DefaultSpline, newRand(1))
		}),
		mk(func() (Layer[float64], error) {
			return NewSplineAutoregressive[float64](2, []int{0, 1}, net, DefaultSpline, newRand(1))
		}),
		mk(func() (Layer[float64], error) { return NewStandardize[float64]([]float64{0, 1}, []float64{1, 2}) }),
	}
	diag, err := NewDiagNormal[float64](2)
	checkNoErr(t, err)
	full, err := NewFullNormal[float64]([]float64{0, 0}, []float64{1, 0, 0, 1})
	checkNoErr(t, err)
	parts := []interface{ Refresh() }{diag, full}
	for _, l := range layers {
		parts = append(parts, l)
	}
	for _, p := range parts {
		before, ok := partRefreshes[float64](p)
		if !ok {
			t.Errorf("%T does not count its refreshes", p)
			continue
		}
		p.Refresh()
		if after, _ := partRefreshes[float64](p); after != before+1 {
			t.Errorf("%T: Refresh count %d, then %d", p, before, after)
		}
	}
	if _, ok := partRefreshes[float64](&shiftLayer{}); ok {
		t.Error("a layer of the caller's counts as counting its refreshes")
	}
	// A type of the caller's that embeds one of ours may refresh without
	// the embedded Refresh: its count says nothing.
	embedding := struct{ *AffineCoupling[float64] }{layers[1].(*AffineCoupling[float64])}
	if _, ok := partRefreshes[float64](embedding); ok {
		t.Error("a type embedding an AffineCoupling counts as counting its refreshes")
	}
}

// shiftLayer is a layer of the caller's, z = x − b, which training can
// differentiate but whose refreshes training cannot count.
type shiftLayer struct{ b []float64 }

func (l *shiftLayer) Dim() int { return len(l.b) }

func (l *shiftLayer) Inverse(z, logdet, x []float64, _ *Workspace[float64]) {
	for i, v := range x {
		z[i] = v - l.b[i%len(l.b)]
	}
}

func (l *shiftLayer) Forward(x, logdet, z []float64, _ *Workspace[float64]) {
	for i, v := range z {
		x[i] = v + l.b[i%len(l.b)]
	}
}

func (l *shiftLayer) Params() []Param[float64] { return []Param[float64]{{Name: "shift", Value: l.b}} }

func (l *shiftLayer) Refresh() {}

func (l *shiftLayer) InverseGrad(dx, dz, dld, x []float64, g [][]float64, _ *Workspace[float64]) {
	copy(dx, dz)
	for i, v := range dz {
		g[0][i%len(l.b)] -= v
	}
}

// TestReplicasFit checks the bound on the replicas' memory: a trainer
// with more workers or larger parameters than replicaBudget allows shares
// the model.
func TestReplicasFit(t *testing.T) {
	for _, c := range []struct {
		n, params, size int
		fit             bool
	}{
		{1, replicaBudget / 16, 8, true},
		{1, replicaBudget/16 + 1, 8, false},
		{2, replicaBudget / 32, 8, true},
		{2, replicaBudget / 32, 4, true},
		{3, replicaBudget / 32, 8, false},
		{63, 1 << 30, 4, false}, // no overflow
		{1, 0, 8, true},
	} {
		if got := replicasFit(c.n, c.params, c.size); got != c.fit {
			t.Errorf("%d replicas of %d parameters of %d bytes: fit %v, want %v", c.n, c.params, c.size, got, c.fit)
		}
	}
}

// BenchmarkTrainScaling times training steps of the M2 workload
// (RealNVP, 16-D, eight couplings of 128×128, batch 512) on one goroutine,
// and on GOMAXPROCS with replicas and without (every worker on the model),
// on three copies of one model in turns of scalingTurn steps, so that all
// meet the same spells of a shared machine (whole runs in turn differ by
// more than replicas make). The first two steps of a turn, which find
// another model's data in the caches, are not counted. It reports each
// one's time a step and the speed-ups over one goroutine: go test ./flow
// -run '^$' -bench TrainScaling -cpu 2.
func BenchmarkTrainScaling(b *testing.B) {
	b.Run("f64", func(b *testing.B) { benchTrainScaling[float64](b) })
	b.Run("f32", func(b *testing.B) { benchTrainScaling[float32](b) })
}

// scalingTurn is how many steps BenchmarkTrainScaling takes on one model
// before it turns to the next.
const scalingTurn = 16

func benchTrainScaling[T Float](b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	if procs < 2 {
		b.Skip("one goroutine: nothing to compare")
	}
	const dim, batch, pool = 16, 512, 16
	rng := newRand(1)
	x := make([]T, pool*batch*dim)
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	arms := []struct {
		procs      int
		replicable bool
		opt        *Adam[T]
		spent      time.Duration
		steps      int
	}{{procs: 1}, {procs: procs}, {procs: procs, replicable: true}}
	for i := range arms {
		m, err := RealNVP[T](dim, 8, Network{Hidden: []int{128, 128}}, newRand(2))
		if err != nil {
			b.Fatal(err)
		}
		prng := newRand(3)
		for _, p := range m.Params() {
			for j := range p.Value {
				p.Value[j] += T(0.05 * prng.NormFloat64())
			}
		}
		m.Refresh()
		if arms[i].opt, err = NewAdam(m, TrainConfig{Schedule: ScheduleConstant}, 1); err != nil {
			b.Fatal(err)
		}
		arms[i].opt.t.s.replicable = arms[i].replicable
	}
	k := 0
	step := func() {
		a, j := &arms[(k/scalingTurn)%len(arms)], k%scalingTurn
		if j == 0 {
			runtime.GOMAXPROCS(a.procs)
		}
		start := time.Now()
		if _, err := a.opt.Step(x[(k%pool)*batch*dim : (k%pool+1)*batch*dim]); err != nil {
			b.Fatal(err)
		}
		if j >= 2 {
			a.spent += time.Since(start)
			a.steps++
		}
		k++
	}
	defer runtime.GOMAXPROCS(procs)
	for range len(arms) * scalingTurn { // warm: replicas made, buffers touched
		step()
	}
	for i := range arms {
		arms[i].spent, arms[i].steps = 0, 0
	}
	for b.Loop() {
		step()
	}
	per := func(i int) float64 { return float64(arms[i].spent) / float64(max(arms[i].steps, 1)) }
	b.ReportMetric(per(0)/1e3, "µs/step-one")
	b.ReportMetric(per(1)/1e3, "µs/step-shared")
	b.ReportMetric(per(2)/1e3, "µs/step-replicas")
	b.ReportMetric(per(0)/per(1), "speedup-shared")
	b.ReportMetric(per(0)/per(2), "speedup-replicas")
}
