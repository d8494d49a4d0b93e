package flow

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// correlated returns rows of a 2-D non-Gaussian: y = x² + noise.
func correlated(rows int, seed uint64) []float64 {
	rng := newRand(seed)
	x := make([]float64, 2*rows)
	for r := range rows {
		a := rng.NormFloat64()
		x[2*r], x[2*r+1] = a, 0.5*a*a+0.3*rng.NormFloat64()
	}
	return x
}

func validNLL(t *testing.T, m *Model[float64], x []float64) float64 {
	return nll(t, m, x, nil)
}

func TestTrainLearns(t *testing.T) {
	m, err := RealNVP[float64](2, 4, Network{Hidden: []int{32, 32}}, newRand(1))
	checkNoErr(t, err)
	train, valid := correlated(2000, 1), correlated(500, 2)
	before := validNLL(t, m, valid)
	var epochs int
	res, err := Train(context.Background(), m, train, valid, TrainConfig{Epochs: 15, Batch: 128, LR: 3e-3, Seed: 3,
		Progress: func(p Progress) {
			if p.EpochDone {
				epochs++
			}
		}})
	checkNoErr(t, err)
	after := validNLL(t, m, valid)
	if after != res.BestValidNLL {
		t.Errorf("the model's validation NLL %v is not the best epoch's %v", after, res.BestValidNLL)
	}
	if !(after < before-0.3) || epochs != 15 || res.Stopped != StopFinished {
		t.Errorf("validation NLL %.4f → %.4f over %d epochs (%s): did not learn", before, after, epochs, res.Stopped)
	}
	t.Logf("validation NLL %.4f → %.4f, best epoch %d", before, after, res.BestEpoch)
}

// TestTrainDeterministic trains twice, with different GOMAXPROCS, and
// compares the parameters bit for bit: a small Glow, a RealNVP large
// enough (34k parameters, three blocks of the gradient) that the update,
// the reduction and the refresh run on several goroutines, its gradient
// clipped at every step, and a model holding one coupling twice.
func TestTrainDeterministic(t *testing.T) {
	x := correlated(1500, 5)
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	for _, c := range []struct {
		name  string
		build func() (*Model[float32], error)
		cfg   TrainConfig
	}{
		{"glow", func() (*Model[float32], error) { return Glow[float32](2, 2, Network{Hidden: []int{16}}, newRand(4)) },
			TrainConfig{Epochs: 3, Batch: 600, Seed: 9, Warmup: 3, WeightDecay: 1e-4}},
		{"realnvp", func() (*Model[float32], error) {
			return RealNVP[float32](2, 2, Network{Hidden: []int{128, 128}}, newRand(5))
		}, TrainConfig{Epochs: 1, Batch: 600, Seed: 9, Clip: 0.01}},
		// One coupling twice: its parameters appear in two groups of the
		// update, which must not run concurrently (the race detector
		// watches this case in CI).
		{"shared", func() (*Model[float32], error) {
			c, err := NewAffineCoupling[float32](2, []int{0}, Network{Hidden: []int{128, 128}}, newRand(6))
			if err != nil {
				return nil, err
			}
			p, err := NewPermutation[float32]([]int{1, 0})
			if err != nil {
				return nil, err
			}
			b, err := NewStandardNormal[float32](2)
			if err != nil {
				return nil, err
			}
			return NewModel[float32](b, c, p, c)
		}, TrainConfig{Epochs: 1, Batch: 600, Seed: 9}},
	} {
		run := func(procs int) []Param[float32] {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			m, err := c.build()
			checkNoErr(t, err)
			_, err = Train(context.Background(), m, x32, nil, c.cfg)
			checkNoErr(t, err)
			return m.Params()
		}
		a, b := run(1), run(4)
		n := 0
		for i := range a {
			n += len(a[i].Value)
			for j := range a[i].Value {
				if math.Float32bits(a[i].Value[j]) != math.Float32bits(b[i].Value[j]) {
					t.Fatalf("%s: %s[%d]: %v, then %v", c.name, a[i].Name, j, a[i].Value[j], b[i].Value[j])
				}
			}
		}
		if c.name == "realnvp" && (n < parallelRefresh || n < 2*gradBlock) {
			t.Errorf("%d parameters: too few for the parallel paths", n)
		}
	}
}

// TestTrainDivergence makes training fail and checks the error and that
// the model keeps its last good parameters.
func TestTrainDivergence(t *testing.T) {
	t.Run("bad layer", func(t *testing.T) {
		a, _ := NewActNorm[float64](2)
		checkNoErr(t, a.InitFrom([]float64{0, 0, 1, 1}))
		a.logS[1] = -800 // exp(800) overflows: the layer's output is infinite
		a.Refresh()
		b, _ := NewStandardNormal[float64](2)
		m, _ := NewModel[float64](b, a)
		_, err := Train(context.Background(), m, correlated(100, 1), nil, TrainConfig{Epochs: 2, Batch: 10})
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "step 1 ") || !strings.Contains(err.Error(), "layer 0 (ActNorm)") {
			t.Fatalf("error %v, want one naming step 1 and layer 0", err)
		}
		if a.logS[1] != -800 {
			t.Errorf("parameters changed by the failed step")
		}
	})
	t.Run("huge steps", func(t *testing.T) {
		// Steps of 10³ in the LU diagonal's log overflow exp.
		lu, _ := NewLULinear[float64](2, DiagExp, newRand(2))
		b, _ := NewStandardNormal[float64](2)
		m, _ := NewModel[float64](b, lu)
		data := correlated(400, 3)
		_, err := Train(context.Background(), m, data, nil, TrainConfig{Epochs: 50, Batch: 20, LR: 1e3, Clip: -1, Schedule: ScheduleConstant})
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "training stopped at step") || !strings.Contains(err.Error(), "layer 0 (LU linear") {
			t.Fatalf("error %v, want a divergence (ErrDiverged) in layer 0", err)
		}
		if v := nll(t, m, data, nil); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("the model's NLL is %v after the divergence: not its last good parameters", v)
		}
		t.Log(err)
	})
}

func TestTrainEarlyStopCheckpointInterrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "best.flow")
	m, _ := RealNVP[float64](2, 2, Network{Hidden: []int{64, 64}}, newRand(7))
	train, valid := correlated(60, 1), correlated(300, 2) // few rows: it overfits
	res, err := Train(context.Background(), m, train, valid, TrainConfig{Epochs: 400, Batch: 60, LR: 1e-2, Patience: 3, Checkpoint: path, Schedule: ScheduleConstant})
	checkNoErr(t, err)
	if res.Stopped != StopEarly || res.Epochs != res.BestEpoch+3 {
		t.Errorf("%+v: want an early stop three epochs after the best", res)
	}
	if got := validNLL(t, m, valid); got != res.BestValidNLL {
		t.Errorf("the model's validation NLL %v, the best epoch's %v", got, res.BestValidNLL)
	}
	saved, err := Load[float64](path)
	checkNoErr(t, err)
	if got := validNLL(t, saved, valid); got != res.BestValidNLL {
		t.Errorf("the checkpoint's validation NLL %v, the best epoch's %v", got, res.BestValidNLL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res, err = Train(ctx, m, correlated(5000, 3), nil, TrainConfig{Epochs: 5, Batch: 10,
		Progress: func(Progress) { cancel() }})
	if err != nil || res.Stopped != StopInterrupted {
		t.Errorf("interrupted run: %+v, %v", res, err)
	}
}

func TestTrainConfigErrors(t *testing.T) {
	m, _ := RealNVP[float64](2, 1, Network{}, newRand(1))
	x := correlated(20, 1)
	for _, c := range []TrainConfig{{LR: -1}, {Batch: -1}, {ValidFrac: 1.5}, {Schedule: 9}, {WeightDecay: math.NaN()}, {Clip: math.NaN()}, {LR: math.NaN()}, {ValidFrac: math.NaN()}} {
		if _, err := Train(context.Background(), m, x, nil, c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := Train(context.Background(), m, x[:2], nil, TrainConfig{}); err == nil {
		t.Error("one row: no error")
	}
	if _, err := Train(context.Background(), m, append(x, math.NaN(), 0), nil, TrainConfig{}); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN data: %v", err)
	}
}

// TestTrainDenseMatchesTrain checks that training on matrices is training
// on their rows: the same result and parameters, bit for bit.
func TestTrainDenseMatchesTrain(t *testing.T) {
	data, valid := correlated(300, 4), correlated(60, 5)
	cfg := TrainConfig{Epochs: 3, Batch: 50, Seed: 2}
	a, _ := RealNVP[float32](2, 2, Network{Hidden: []int{8}}, newRand(1))
	b, _ := RealNVP[float32](2, 2, Network{Hidden: []int{8}}, newRand(1))
	ra, err := Train(context.Background(), a, toFloat32(data), toFloat32(valid), cfg)
	checkNoErr(t, err)
	rb, err := TrainDense(context.Background(), b, mat.NewDense(300, 2, data), mat.NewDense(60, 2, valid), cfg)
	checkNoErr(t, err)
	if !sameRun(ra, rb) {
		t.Fatalf("Train gave %+v, TrainDense %+v", ra, rb)
	}
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j := range pa[i].Value {
			if pa[i].Value[j] != pb[i].Value[j] {
				t.Fatalf("%s[%d]: %v after Train, %v after TrainDense", pa[i].Name, j, pa[i].Value[j], pb[i].Value[j])
			}
		}
	}
	if _, err := TrainDense(context.Background(), b, mat.NewDense(3, 3, nil), nil, cfg); !errors.Is(err, ErrDimension) {
		t.Errorf("a 3-column matrix for a 2-D model: %v", err)
	}
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// sameRun reports whether two training results agree in everything but
// their timings.
func sameRun(a, b TrainResult) bool {
	untimed := func(r TrainResult) TrainResult {
		r.History = slices.Clone(r.History)
		for i := range r.History {
			r.History[i].SamplesPerSec, r.History[i].Elapsed = 0, 0
		}
		return r
	}
	return reflect.DeepEqual(untimed(a), untimed(b))
}

// TestTrainHistory checks the per-epoch records against the run: epochs
// in order, steps counted, the best epoch's validation NLL, the schedule's
// learning rates, gradient norms from the steps, and the records the
// Progress callback saw.
func TestTrainHistory(t *testing.T) {
	data := correlated(1000, 6)
	m, err := RealNVP[float64](2, 2, Network{Hidden: []int{16}}, newRand(3))
	checkNoErr(t, err)
	var seen []EpochRecord
	cfg := TrainConfig{Epochs: 4, Batch: 100, LR: 2e-3, Seed: 1, Progress: func(p Progress) {
		if p.EpochDone {
			seen = append(seen, p.Record())
		}
	}}
	res, err := Train(context.Background(), m, data, nil, cfg)
	checkNoErr(t, err)
	if len(res.History) != 4 || !reflect.DeepEqual(seen, res.History) {
		t.Fatalf("history %+v, Progress saw %+v", res.History, seen)
	}
	perEpoch := 9 // 900 training rows in batches of 100
	for i, r := range res.History {
		lr := 2e-3 * 0.5 * (1 + math.Cos(math.Pi*float64((i+1)*perEpoch-1)/float64(4*perEpoch)))
		if r.Epoch != i+1 || r.Steps != (i+1)*perEpoch || math.Abs(r.LR-lr) > 1e-15 ||
			!(r.GradNorm > 0) || math.IsInf(r.GradNorm, 0) || !(r.TrainNLL > 0) || !(r.SamplesPerSec > 0) || r.Elapsed <= 0 {
			t.Errorf("record %d: %+v (learning rate want %v)", i, r, lr)
		}
	}
	if last := res.History[len(res.History)-1]; last.ValidNLL != res.LastValidNLL {
		t.Errorf("last record's validation NLL %v, result's %v", last.ValidNLL, res.LastValidNLL)
	}
	if res.BestEpoch > 0 && res.History[res.BestEpoch-1].ValidNLL != res.BestValidNLL {
		t.Errorf("best epoch %d: record %v, result %v", res.BestEpoch, res.History[res.BestEpoch-1].ValidNLL, res.BestValidNLL)
	}
}

// TestTrainingStepNoAllocations checks that a warm training step (Adam's
// Step and StepGiven) allocates nothing, on one goroutine and on several,
// with the team's helpers lingering from the last step or started anew.
func TestTrainingStepNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes the kernels' sync.Pool scratch drop buffers")
	}
	const rows, dim, cd = 3*chunkRows + 5, 6, 3
	x, c := randomBatch[float32](newRand(4), rows, dim), randomBatch[float32](newRand(5), rows, cd)
	for _, procs := range allocProcs() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		steps := map[string]func(){}
		for _, mc := range modelCases[float32](dim) {
			m := randomModel(t, mc.build, 1)
			opt, err := NewAdam(m, TrainConfig{Schedule: ScheduleConstant, LR: 1e-5}, 1)
			if err != nil { // a model with a layer training cannot differentiate (IAF)
				continue
			}
			steps[mc.name] = func() { opt.Step(x) }
		}
		for _, lc := range conditionalCases[float32](cd) {
			m := conditionalModel(t, lc, dim, 2)
			opt, err := NewAdam(m, TrainConfig{Schedule: ScheduleConstant, LR: 1e-5}, 1)
			if err != nil {
				continue
			}
			steps["conditional "+lc.name] = func() { opt.StepGiven(x, c) }
		}
		if len(steps) < 10 {
			t.Fatalf("only %d trainable models", len(steps))
		}
		for name, step := range steps {
			for _, gap := range callGaps[:procs] {
				if a := allocsPerCall(2+18*(procs-1), 5+15*(procs-1), gap, step); !allowedAllocs(procs, a) {
					t.Errorf("GOMAXPROCS %d, %v between steps: %s: %v allocations a step", procs, gap, name, a)
				}
			}
		}
	}
}
