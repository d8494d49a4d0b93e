package flow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/flowkern/flowkern"
)

// Schedule names a learning-rate schedule.
type Schedule int

const (
	// ScheduleCosine decays the rate from LR to 0 along a half cosine over
	// the whole run (after any warm-up).
	ScheduleCosine Schedule = iota
	// ScheduleConstant keeps LR (after any warm-up).
	ScheduleConstant
)

// TrainConfig configures Train. Zero fields take the defaults given.
type TrainConfig struct {
	Epochs      int      // passes over the training rows (50)
	Batch       int      // rows a step (512)
	LR          float64  // Adam's step size (1e-3)
	WeightDecay float64  // decoupled weight decay (AdamW); 0: none
	Clip        float64  // clip the gradient's global norm to this (5); negative: no clipping
	Schedule    Schedule // learning-rate schedule (cosine)
	Warmup      int      // steps of linear warm-up from 0 to LR; 0: none
	Seed        uint64   // seeds the shuffling and the validation split
	ValidFrac   float64  // share of the training rows held out when Train gets no validation set (0.1)
	Patience    int      // stop after this many epochs without a better validation NLL; 0: never
	Checkpoint  string   // if set, the best model so far is saved here (atomically) when it improves
	// Progress, if set, is called after every epoch and, within long
	// epochs, at most twice a second.
	Progress func(Progress)
}

// Progress reports how training goes.
type Progress struct {
	Epoch, Epochs int     // the epoch running or just done, from 1
	Step, Steps   int     // steps done, and in the whole run
	TrainNLL      float64 // mean NLL of the epoch's batches so far
	ValidNLL      float64 // NaN until the epoch is done
	LR            float64 // the learning rate of the last step
	GradNorm      float64 // the mean global gradient norm, before clipping, of the epoch's steps so far
	EpochDone     bool
	Improved      bool // the epoch gave the best validation NLL so far
	SamplesPerSec float64
	Elapsed       time.Duration
	Remaining     time.Duration // estimated
}

// EpochRecord is what one epoch of training did (TrainResult.History).
type EpochRecord struct {
	Epoch    int     // from 1
	Steps    int     // optimiser steps taken by the end of the epoch
	TrainNLL float64 // the mean NLL of the epoch's batches, each at the parameters before its step
	ValidNLL float64 // the validation NLL at the end of the epoch
	LR       float64 // the learning rate of the epoch's last step
	GradNorm float64 // the mean global gradient norm, before clipping, of the epoch's steps
	// SamplesPerSec is the training rate since the run started, and
	// Elapsed the time since then, at the end of the epoch.
	SamplesPerSec float64
	Elapsed       time.Duration
}

// Record is the EpochRecord of a Progress reported at the end of an epoch
// (EpochDone): the entry TrainResult.History gets for it.
func (p Progress) Record() EpochRecord {
	return EpochRecord{Epoch: p.Epoch, Steps: p.Step, TrainNLL: p.TrainNLL, ValidNLL: p.ValidNLL, LR: p.LR,
		GradNorm: p.GradNorm, SamplesPerSec: p.SamplesPerSec, Elapsed: p.Elapsed}
}

// TrainResult sums up a run.
type TrainResult struct {
	Epochs int // epochs completed
	Steps  int // optimiser steps taken
	// BestEpoch is the epoch whose parameters the model holds: 0 for the
	// parameters it started with (after any data initialisation), when no
	// epoch improved on their validation NLL or none finished.
	BestEpoch    int
	BestValidNLL float64 // their mean validation NLL
	// InitialValidNLL is the validation NLL before the first step (+Inf
	// if it was not finite, NaN if no step was taken); LastValidNLL that
	// of the last epoch completed (NaN if none was).
	InitialValidNLL, LastValidNLL float64
	Stopped                       StopReason
	// History has one record per epoch completed, in order.
	History []EpochRecord
}

// StopReason says why a training run ended.
type StopReason int

const (
	// StopFinished: every epoch ran.
	StopFinished StopReason = iota
	// StopEarly: the validation NLL had not improved for Patience epochs.
	StopEarly
	// StopInterrupted: the context was cancelled.
	StopInterrupted
)

// String returns "finished", "early stop" or "interrupted".
func (r StopReason) String() string {
	switch r {
	case StopFinished:
		return "finished"
	case StopEarly:
		return "early stop"
	case StopInterrupted:
		return "interrupted"
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

func (c TrainConfig) settled() (TrainConfig, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Epochs, 50)
	def(&c.Batch, 512)
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Clip == 0 {
		c.Clip = 5
	}
	if c.ValidFrac == 0 {
		c.ValidFrac = 0.1
	}
	switch {
	case c.Epochs < 1, c.Batch < 1, c.Warmup < 0, c.Patience < 0:
		return c, fmt.Errorf("flow: Train: epochs %d, batch %d, warm-up %d and patience %d must not be negative", c.Epochs, c.Batch, c.Warmup, c.Patience)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return c, fmt.Errorf("flow: Train: learning rate %v", c.LR)
	case math.IsNaN(c.Clip):
		return c, errors.New("flow: Train: clip NaN")
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return c, fmt.Errorf("flow: Train: weight decay %v", c.WeightDecay)
	case !(c.ValidFrac > 0 && c.ValidFrac < 1):
		return c, fmt.Errorf("flow: Train: validation share %v outside (0, 1)", c.ValidFrac)
	case c.Schedule != ScheduleCosine && c.Schedule != ScheduleConstant:
		return c, fmt.Errorf("flow: Train: unknown schedule %d", c.Schedule)
	}
	return c, nil
}

// Train fits the model's parameters to the rows of train by maximum
// likelihood with Adam, in minibatches shuffled by cfg.Seed, and returns
// with the parameters of the epoch that scored best on valid (or, if valid
// is nil, on a share of train held out by cfg.Seed).
//
// The parameters the model starts with (after any data initialisation,
// from the first batch) are scored on valid too, as epoch 0: a run in
// which no epoch improves on them ends with them (BestEpoch 0).
//
// Training is deterministic: for a given seed, kernel set and data, two
// runs give the same bits, whatever GOMAXPROCS. A step runs on up to
// GOMAXPROCS goroutines, which wait for one another between the step's
// phases (gradient, reduction, update) by spinning briefly, then yielding
// their thread. Each goroutine but the first computes on a copy of the
// model of its own, which it updates in place (for the layers and bases
// of this package, while the copies take at most 64 MiB: about twice the
// parameters each). A non-finite loss,
// gradient or parameter stops training with an error naming the step and
// the layer, and leaves the model at its last parameters with a finite
// loss (those a finite loss and gradient were last computed at). A
// non-finite validation NLL stops
// it with an error and the best parameters so far (those it started with,
// if no epoch finished). Cancelling ctx stops training at the next step;
// Train then keeps the best parameters so far and reports "interrupted"
// without an error.
// Data must be finite. Train must not run concurrently with other uses of
// the model.
func Train[T Float](ctx context.Context, m *Model[T], train, valid []T, cfg TrainConfig) (TrainResult, error) {
	if err := m.unconditional("Train"); err != nil {
		return TrainResult{}, err
	}
	return trainModel(ctx, m, train, nil, valid, nil, cfg)
}

// TrainGiven is Train for a conditional model: it fits p(x | c) to the
// rows of train given their contexts trainC (rows × ContextDim), keeping
// each row with its context when it shuffles and holds out; validC are
// valid's contexts (nil with valid nil).
func TrainGiven[T Float](ctx context.Context, m *Model[T], train, trainC, valid, validC []T, cfg TrainConfig) (TrainResult, error) {
	if err := m.conditional("TrainGiven"); err != nil {
		return TrainResult{}, err
	}
	rows, cd := len(train)/max(m.dim, 1), m.ctxDim
	if len(trainC) != rows*cd {
		return TrainResult{}, errorf(ErrDimension, "flow: TrainGiven: %d context values for %d training rows of %d features: want %d", len(trainC), rows, cd, rows*cd)
	}
	if vr := len(valid) / max(m.dim, 1); len(validC) != vr*cd {
		return TrainResult{}, errorf(ErrDimension, "flow: TrainGiven: %d context values for %d validation rows of %d features: want %d", len(validC), vr, cd, vr*cd)
	}
	return trainModel(ctx, m, train, trainC, valid, validC, cfg)
}

// trainModel is Train, or TrainGiven with contexts.
func trainModel[T Float](ctx context.Context, m *Model[T], train, trainC, valid, validC []T, cfg TrainConfig) (TrainResult, error) {
	res := TrainResult{BestValidNLL: math.Inf(1)}
	cfg, err := cfg.settled()
	if err != nil {
		return res, err
	}
	rows, cd := len(train)/max(m.dim, 1), m.ctxDim
	if err := m.checkBatch("Train", "training data", train, rows, true); err != nil {
		return res, err
	}
	if err := m.checkContext("Train", trainC, rows, nil); err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x747261696e))
	order := rng.Perm(rows)
	if valid == nil {
		hold := max(1, int(math.Round(cfg.ValidFrac*float64(rows))))
		if hold >= rows {
			return res, fmt.Errorf("flow: Train: %d rows are too few to hold out a validation set", rows)
		}
		valid = gatherRows(train, m.dim, order[rows-hold:])
		if cd > 0 {
			validC = gatherRows(trainC, cd, order[rows-hold:])
		}
		order = order[:rows-hold]
	} else if err := m.checkBatch("Train", "validation data", valid, len(valid)/max(m.dim, 1), true); err != nil {
		return res, err
	} else if err := m.checkContext("Train", validC, len(valid)/m.dim, nil); err != nil {
		return res, err
	}
	s, err := m.newGradState()
	if err != nil {
		return res, err
	}
	t := newTrainer(m, s, cfg, 1)
	t.best = make([]T, len(t.good))
	res.InitialValidNLL, res.LastValidNLL = math.NaN(), math.NaN()
	n := len(order)
	perEpoch := (n + cfg.Batch - 1) / cfg.Batch
	t.steps = perEpoch * cfg.Epochs
	batch, batchC := make([]T, min(cfg.Batch, n)*m.dim), make([]T, min(cfg.Batch, n)*cd)
	lp := make([]T, len(valid)/m.dim)
	start, lastReport, stale := time.Now(), time.Now(), 0
	res.Stopped = StopFinished
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		shuffle(rng, order)
		var sum float64
		var seen int
		t.normSum, t.normSteps = 0, 0
		for b := 0; b < n; b += cfg.Batch {
			if ctx.Err() != nil {
				res.Stopped = StopInterrupted
				t.restoreBest(&res)
				return res, nil
			}
			idx := order[b:min(b+cfg.Batch, n)]
			x, c := batch[:len(idx)*m.dim], batchC[:len(idx)*cd]
			gatherRowsInto(x, train, m.dim, idx)
			gatherRowsInto(c, trainC, cd, idx)
			if t.done == 0 { // epoch 0: the initial parameters, initialised from this batch
				if err := m.ensureInit(x, c); err != nil {
					return res, err
				}
				v, err := validationNLL(m, lp, valid, validC)
				if err != nil {
					return res, err
				}
				if !finite(v) {
					v = math.Inf(1)
				}
				res.InitialValidNLL, res.BestValidNLL = v, v
				t.get(t.best)
				t.get(t.good)
			}
			nll, err := t.step(x, c)
			if err != nil {
				t.set(t.good)
				return res, fmt.Errorf("flow: training stopped at step %d (epoch %d): %w; the model keeps its last parameters with a finite loss", t.done+1, epoch, err)
			}
			res.Steps = t.done
			sum += nll * float64(len(idx))
			seen += len(idx)
			if cfg.Progress != nil && time.Since(lastReport) > 500*time.Millisecond {
				lastReport = time.Now()
				cfg.Progress(t.progress(epoch, sum/float64(seen), math.NaN(), false, false, start))
			}
		}
		v, err := validationNLL(m, lp, valid, validC)
		if err != nil {
			return res, err
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.restoreBest(&res)
			return res, errorf(ErrDiverged, "flow: training stopped after epoch %d: validation NLL %v; the model keeps %s", epoch, v, res.bestName())
		}
		res.Epochs, res.LastValidNLL = epoch, v
		improved := v < res.BestValidNLL
		p := t.progress(epoch, sum/float64(seen), v, true, improved, start)
		res.History = append(res.History, p.Record())
		if improved {
			res.BestValidNLL, res.BestEpoch, stale = v, epoch, 0
			t.get(t.best)
			if cfg.Checkpoint != "" {
				if err := m.Save(cfg.Checkpoint); err != nil {
					return res, fmt.Errorf("flow: training stopped after epoch %d: checkpoint: %w", epoch, err)
				}
			}
		} else {
			stale++
		}
		if cfg.Progress != nil {
			lastReport = time.Now()
			cfg.Progress(p)
		}
		if cfg.Patience > 0 && stale >= cfg.Patience {
			res.Stopped = StopEarly
			break
		}
	}
	t.restoreBest(&res)
	return res, nil
}

// trainer holds Adam's state over a run.
type trainer[T Float] struct {
	m           *Model[T]
	s           *gradState[T]
	cfg         TrainConfig
	grad        []T
	mom, vel    []float64 // Adam's moment estimates
	good, best  []T       // the last parameters with a finite loss; those of the best epoch
	done, steps int
	offs        []int  // where each parameter starts in grad, mom and vel, and the total
	failed      []bool // per parameter: the last update left it non-finite
	// The epoch's gradient norms before clipping (their sum and count),
	// and the last step's learning rate.
	normSum   float64
	normSteps int
	lastRate  float64
	distinct  bool // no layer appears twice in the model (refresh may run them concurrently)
	groups    []paramGroup
	// The step under way (from 1) and its learning rate, which updatePart
	// reads; updatePart and refreshOne bound once (a warm step allocates
	// nothing).
	stepK     int
	stepRate  float64
	updater   func(w int, tm *team)
	refresher func(i int, ws *Workspace[T])
}

// paramGroup is the parameters first…last−1 of one part of the model
// (see refreshPart).
type paramGroup struct{ first, last, part int }

// newTrainer returns a trainer of m's parameters s under cfg, for a
// schedule of steps steps.
func newTrainer[T Float](m *Model[T], s *gradState[T], cfg TrainConfig, steps int) *trainer[T] {
	n, k := s.size(), len(s.params)
	t := &trainer[T]{m: m, s: s, cfg: cfg, grad: make([]T, n), mom: make([]float64, n), vel: make([]float64, n),
		good: make([]T, n), steps: steps, offs: make([]int, k+1), failed: make([]bool, k)}
	for i, p := range s.params {
		t.offs[i+1] = t.offs[i] + len(p.Value)
	}
	t.distinct = distinctLayers(m.layers)
	s.replicable = t.distinct // a layer that appears twice is updated by worker 0 alone, in the model
	t.updater, t.refresher = t.updatePart, t.refreshOne
	for i, part := range s.owner {
		if len(t.groups) == 0 || t.groups[len(t.groups)-1].part != part {
			t.groups = append(t.groups, paramGroup{i, i, part})
		}
		t.groups[len(t.groups)-1].last = i + 1
	}
	return t
}

// distinctLayers reports whether layers holds no layer twice (and all are
// of comparable types, pointers as the package's are).
func distinctLayers[T Float](layers []Layer[T]) bool {
	seen := make(map[Layer[T]]bool, len(layers))
	for _, l := range layers {
		if !reflect.TypeOf(l).Comparable() || seen[l] {
			return false
		}
		seen[l] = true
	}
	return true
}

// parallelRefresh is the number of parameters from which refresh runs
// the layers' Refresh on several goroutines.
const parallelRefresh = 1 << 15

// Adam's decay rates and ε (PyTorch's defaults).
const adamB1, adamB2, adamEps = 0.9, 0.999, 1e-8

// newAdamStep returns the scalars of step k (from 1) at learning rate lr,
// weight decay wd, the gradient multiplied by scale (clipping), as
// flowkern.NewAdamStep computes them but for 1 − β₁ and 1 − β₂, which are
// the nearest floats to 0.1 and 0.001 (the constants' exact differences).
func newAdamStep(lr, wd, scale float64, k int) flowkern.AdamStep {
	a := flowkern.NewAdamStep(lr, adamB1, adamB2, adamEps, wd, scale, k)
	a.C1, a.C2 = 1-adamB1, 1-adamB2
	return a
}

// step takes one optimiser step on the batch x (given the contexts c) and
// returns its mean NLL.
// If the gradient fails, nothing changes; if the update would make a
// parameter non-finite, the parameters are restored (the moment estimates
// keep the step) and the error names the first such parameter.
//
// The team that computed the gradient updates the parameters: each worker
// the groups whose gradient it reduced (every parameter's update is
// independent of the others', so the bits are those of one worker), and
// refreshes their layers while the new values are in its cache
// (updatePart).
func (t *trainer[T]) step(x, c []T) (float64, error) {
	t.stepK, t.stepRate = t.done+1, t.rate(t.done)
	nll, err := t.m.gradientThen(t.s, t.grad, x, c, t.updater)
	if err != nil {
		return nll, err
	}
	t.normSum += t.s.norm()
	t.normSteps++
	t.done, t.lastRate = t.stepK, t.stepRate
	for i, bad := range t.failed {
		if bad {
			t.set(t.good)
			return nll, errorf(ErrDiverged, "non-finite %s of %s after the update", t.s.params[i].Name, t.m.partName(t.s.owner[i]))
		}
	}
	if !t.distinct {
		t.refresh()
	}
	return nll, nil
}

// updatePart is worker w's part of step's update (see step), at step
// t.stepK and rate t.stepRate: the groups it owns, in its replica if the
// step has replicas (then it gathers the others' groups into it).
func (t *trainer[T]) updatePart(w int, tm *team) {
	if !t.distinct && w > 0 { // a layer that appears twice shares its parameters: worker 0 takes all, in order
		return
	}
	s := t.s
	replicated := s.call.replicated
	if replicated && w > 0 {
		s.replicas[w-1].current = false // until the step is done
	}
	a := newAdamStep(t.stepRate, t.cfg.WeightDecay, t.clipScale(s.norm()), t.stepK)
	own := s.paramsOf(w)
	for _, g := range t.groups {
		if t.distinct && t.groupOwner(g, tm.size) != w {
			continue
		}
		for i := g.first; i < g.last; i++ {
			t.update(a, i, own[i].Value)
		}
		if t.distinct {
			s.modelOf(w).refreshPart(g.part)
		}
	}
	if replicated {
		t.gather(w, tm, own)
	}
}

// groupOwner is the worker of a team of size that updates group g.
func (t *trainer[T]) groupOwner(g paramGroup, size int) int {
	return owner((t.offs[g.first]+t.offs[g.last])/2, t.offs[len(t.s.params)], size)
}

// gather completes worker w's model after an update with replicas, own
// being its parameters: it copies each group another worker updated from
// that worker's model and refreshes the group's part while the values are
// in its cache. No one reads the parts it refreshes: each worker copies
// only from the owner of a group, which refreshed it (a MADE's Refresh
// rewrites its masked weights) before the barrier.
func (t *trainer[T]) gather(w int, tm *team, own []Param[T]) {
	tm.wait() // every group is updated and refreshed in its owner's model
	m := t.s.modelOf(w)
	for _, g := range t.groups {
		if o := t.groupOwner(g, tm.size); o != w {
			from := t.s.paramsOf(o)
			for i := g.first; i < g.last; i++ {
				copy(own[i].Value, from[i].Value)
			}
			m.refreshPart(g.part)
		}
	}
}

// clipScale is the factor that clips a gradient of the given norm.
func (t *trainer[T]) clipScale(norm float64) float64 {
	if t.cfg.Clip > 0 && norm > t.cfg.Clip {
		return t.cfg.Clip / norm
	}
	return 1
}

// update takes step a on parameter i, whose values are v (the model's or
// a replica's; a fixed one only keeps its values in good), and records
// whether it failed.
func (t *trainer[T]) update(a flowkern.AdamStep, i int, v []T) {
	lo, hi := t.offs[i], t.offs[i+1]
	if t.s.params[i].Fixed {
		copy(t.good[lo:hi], v)
		t.failed[i] = false
		return
	}
	t.failed[i] = !flowkern.AdamUpdate(v, t.grad[lo:hi], t.good[lo:hi], t.mom[lo:hi], t.vel[lo:hi], a)
}

// rate is the learning rate of step k (from 0).
func (t *trainer[T]) rate(k int) float64 {
	c := t.cfg
	if k < c.Warmup {
		return c.LR * float64(k+1) / float64(c.Warmup)
	}
	if c.Schedule == ScheduleConstant {
		return c.LR
	}
	span := max(1, t.steps-c.Warmup)
	return c.LR * 0.5 * (1 + math.Cos(math.Pi*float64(k-c.Warmup)/float64(span)))
}

// get copies the parameters into dst; set copies src into them.
func (t *trainer[T]) get(dst []T) {
	off := 0
	for _, p := range t.s.params {
		off += copy(dst[off:], p.Value)
	}
}

func (t *trainer[T]) set(src []T) {
	off := 0
	for _, p := range t.s.params {
		off += copy(p.Value, src[off:])
	}
	t.refresh()
}

// refresh calls every layer's Refresh and the base's, on several
// goroutines for a large model: each touches only its own layer.
func (t *trainer[T]) refresh() {
	n := len(t.m.layers)
	if t.offs[len(t.s.params)] < parallelRefresh || !t.distinct {
		for _, l := range t.m.layers {
			l.Refresh()
		}
		t.m.base.Refresh()
		return
	}
	t.m.spread(n+1, t.refresher)
}

// refreshOne is refreshPart for spread.
func (t *trainer[T]) refreshOne(i int, _ *Workspace[T]) { t.m.refreshPart(i) }

// refreshPart refreshes part i of the model: layer i, the base for
// len(layers); the context's standardisation (fixed) needs none.
func (m *Model[T]) refreshPart(i int) {
	switch n := len(m.layers); {
	case i < n:
		m.layers[i].Refresh()
	case i == n:
		m.base.Refresh()
	}
}

// restoreBest sets the parameters of the best epoch, or those training
// started with if no epoch improved on them, once a step has been taken.
func (t *trainer[T]) restoreBest(res *TrainResult) {
	if t.done > 0 {
		t.set(t.best)
	}
}

// bestName names the parameters restoreBest keeps.
func (r TrainResult) bestName() string {
	if r.BestEpoch == 0 {
		return "the parameters it started with"
	}
	return fmt.Sprintf("the best parameters so far (epoch %d)", r.BestEpoch)
}

// validationNLL is the mean negative log-likelihood of the rows of valid
// (given validC), using lp for their log-densities.
func validationNLL[T Float](m *Model[T], lp, valid, validC []T) (float64, error) {
	if err := m.logProb("Train", lp, valid, validC); err != nil {
		return 0, err
	}
	var v float64
	for _, e := range lp {
		v -= float64(e)
	}
	return v / float64(len(lp)), nil
}

func (t *trainer[T]) progress(epoch int, trainNLL, validNLL float64, done, improved bool, start time.Time) Progress {
	el := time.Since(start)
	p := Progress{Epoch: epoch, Epochs: t.cfg.Epochs, Step: t.done, Steps: t.steps, TrainNLL: trainNLL, ValidNLL: validNLL,
		LR: t.lastRate, GradNorm: t.normSum / float64(max(t.normSteps, 1)), EpochDone: done, Improved: improved, Elapsed: el}
	if el > 0 && t.done > 0 {
		p.SamplesPerSec = float64(t.done) * float64(t.cfg.Batch) / el.Seconds()
		p.Remaining = time.Duration(float64(el) / float64(t.done) * float64(t.steps-t.done))
	}
	return p
}

// shuffle permutes v by Fisher–Yates from rng.
func shuffle(rng *rand.Rand, v []int) {
	for i := len(v) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		v[i], v[j] = v[j], v[i]
	}
}

// gatherRows returns the rows idx of x (rows of dim).
func gatherRows[T Float](x []T, dim int, idx []int) []T {
	out := make([]T, len(idx)*dim)
	gatherRowsInto(out, x, dim, idx)
	return out
}

func gatherRowsInto[T Float](dst, x []T, dim int, idx []int) {
	for k, r := range idx {
		copy(dst[k*dim:(k+1)*dim], x[r*dim:(r+1)*dim])
	}
}

// Adam takes single optimiser steps on a model, as Train does, for
// training loops of the caller's own. Between steps the model may be
// used, and its parameters changed as Model.Params says (Refresh must
// follow): the copies of the model that steps on several goroutines
// compute on (see Train) are brought up to date by the next step after
// any Refresh.
type Adam[T Float] struct{ t *trainer[T] }

// NewAdam returns an optimiser for m with cfg's LR, WeightDecay, Clip,
// Schedule and Warmup (the other fields are Train's), over a run of
// totalSteps steps (for the schedule).
func NewAdam[T Float](m *Model[T], cfg TrainConfig, totalSteps int) (*Adam[T], error) {
	cfg, err := cfg.settled()
	if err != nil {
		return nil, err
	}
	s, err := m.newGradState()
	if err != nil {
		return nil, err
	}
	return &Adam[T]{newTrainer(m, s, cfg, max(totalSteps, 1))}, nil
}

// Step computes the gradient of the mean NLL of the rows of x and updates
// the parameters; it returns the NLL before the update. On an error (a
// bad batch, or a non-finite loss, gradient or parameter, naming the
// layer) the parameters are those before the step.
func (a *Adam[T]) Step(x []T) (float64, error) {
	if err := a.t.m.unconditional("Adam.Step"); err != nil {
		return 0, err
	}
	return a.t.step(x, nil)
}

// StepGiven is Step for a conditional model, on the rows of x given their
// contexts c (as for LogProbGiven).
func (a *Adam[T]) StepGiven(x, c []T) (float64, error) {
	if err := a.t.m.conditional("Adam.StepGiven"); err != nil {
		return 0, err
	}
	return a.t.step(x, c)
}
