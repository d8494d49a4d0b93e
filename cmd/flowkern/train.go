package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/flow"
	"github.com/flowkern/flowkern/internal/atomicfile"
)

// trainOptions are the train command's settings.
type trainOptions struct {
	data, valid, test, out, arch, dtype string
	layers, hidden, epochs, batch       int
	context                             int // the last context columns of a row are its context
	bins                                int
	lr, tail                            float64
	seed                                uint64
	// The trainer's options beyond those.
	patience, warmup             int
	clip, weightDecay, validFrac float64
	schedule                     string
	logPath, plotPath            string // -log, -plot
	label                        string // the data's name in pictures (default: -data's file name)
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", stderr)
	var o trainOptions
	fs.StringVar(&o.data, "data", "", "training data, CSV, one sample per row")
	fs.IntVar(&o.context, "context", 0, "train a conditional model p(x | c): the last K columns of each row (in every data file) are its context c")
	fs.StringVar(&o.valid, "valid", "", "validation data (default: -valid-frac of -data held out)")
	fs.StringVar(&o.test, "test", "", "test data, evaluated at the end")
	fs.StringVar(&o.arch, "arch", "realnvp", "architecture: "+archList)
	fs.IntVar(&o.layers, "layers", 8, "couplings (realnvp, nsf), MADE layers (maf, nsf-ar) or blocks (glow)")
	splineFlags(fs, &o)
	fs.IntVar(&o.hidden, "hidden", 128, "width of the conditioners' two hidden layers")
	fs.IntVar(&o.epochs, "epochs", 50, "passes over the training data")
	fs.IntVar(&o.batch, "batch", 512, "rows a step")
	fs.Float64Var(&o.lr, "lr", 1e-3, "Adam's learning rate (after any warm-up; see -schedule)")
	fs.StringVar(&o.schedule, "schedule", "cosine", "learning-rate schedule: cosine (decay to 0 over the run) or constant")
	fs.IntVar(&o.warmup, "warmup", 0, "steps of linear learning-rate warm-up from 0 (default 0: none)")
	fs.Float64Var(&o.clip, "clip", 5, "clip the gradient's global norm to this (0: no clipping)")
	fs.Float64Var(&o.weightDecay, "weight-decay", 0, "decoupled weight decay, AdamW's (default 0: none)")
	fs.IntVar(&o.patience, "patience", 0, "stop after this many epochs without a better validation NLL (default 0: never)")
	fs.Float64Var(&o.validFrac, "valid-frac", 0.1, "share of -data held out for validation when -valid is not given")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the initial weights, the shuffling and the validation split")
	fs.StringVar(&o.dtype, "dtype", "float64", "element type: float64 or float32")
	fs.StringVar(&o.out, "o", "", "where to write the model (the best one so far is kept there during training)")
	fs.StringVar(&o.logPath, "log", "", "write each epoch's record (NLLs, learning rate, gradient norm, speed) to this CSV file as training goes")
	fs.StringVar(&o.plotPath, "plot", "", "draw the training and validation NLL against the epochs to this PNG file, the best epoch marked")
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	if err := required(fs, "-data and -o are", o.data, o.out); err != nil {
		return err
	}
	if o.out == "-" {
		fmt.Fprintln(stderr, "flowkern train: -o -: the model needs a file (training rewrites it as the model improves)")
		return errUsage
	}
	if dashes := btoi(o.data == "-") + btoi(o.valid == "-") + btoi(o.test == "-"); dashes > 1 {
		fmt.Fprintln(stderr, "flowkern train: only one of -data, -valid and -test can read standard input")
		return errUsage
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(stderr, "flowkern train:", err)
		return errUsage
	}
	for _, f := range []struct{ flag, path string }{{"-o", o.out}, {"-plot", o.plotPath}} {
		if f.path == "" {
			continue
		}
		if err := atomicfile.Check(f.path); err != nil { // before the data are read and training starts
			return fmt.Errorf("%s %s: cannot write there: %w", f.flag, f.path, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch o.dtype {
	case "float64":
		return trainCSV[float64](ctx, o, stdout)
	case "float32":
		return trainCSV[float32](ctx, o, stdout)
	}
	return fmt.Errorf("-dtype %q: want float64 or float32", o.dtype)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// config is the trainer's configuration the options give (the zero
// values the library would replace by its defaults are never passed: a
// -clip of 0 is "no clipping", which the library spells −1).
func (o trainOptions) config() flow.TrainConfig {
	c := flow.TrainConfig{Epochs: o.epochs, Batch: o.batch, LR: o.lr, Seed: o.seed, Patience: o.patience,
		Warmup: o.warmup, Clip: o.clip, WeightDecay: o.weightDecay, ValidFrac: o.validFrac}
	if c.Clip == 0 {
		c.Clip = -1
	}
	if o.schedule == "constant" {
		c.Schedule = flow.ScheduleConstant
	}
	return c
}

// check validates the numbers the user gave: the library would take a
// zero as "the default", which is not what -epochs 0 asks for.
func (o trainOptions) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"-layers", o.layers}, {"-hidden", o.hidden}, {"-epochs", o.epochs}, {"-batch", o.batch}} {
		if f.v < 1 {
			return fmt.Errorf("%s %d: want at least 1", f.name, f.v)
		}
	}
	if o.context < 0 {
		return fmt.Errorf("-context %d: want 0 or more columns", o.context)
	}
	if !(o.lr > 0) || math.IsInf(o.lr, 0) {
		return fmt.Errorf("-lr %v: want a finite value above 0", o.lr)
	}
	switch {
	case o.patience < 0:
		return fmt.Errorf("-patience %d: want 0 (never stop early) or more epochs", o.patience)
	case o.warmup < 0:
		return fmt.Errorf("-warmup %d: want 0 or more steps", o.warmup)
	case !(o.clip >= 0) || math.IsInf(o.clip, 0):
		return fmt.Errorf("-clip %v: want a finite norm, or 0 for no clipping", o.clip)
	case !(o.weightDecay >= 0) || math.IsInf(o.weightDecay, 0):
		return fmt.Errorf("-weight-decay %v: want a finite value of 0 or more", o.weightDecay)
	case !(o.validFrac > 0 && o.validFrac < 1):
		return fmt.Errorf("-valid-frac %v: want a share between 0 and 1", o.validFrac)
	case o.schedule != "cosine" && o.schedule != "constant":
		return fmt.Errorf("-schedule %q: want cosine or constant", o.schedule)
	}
	if o.arch == "nsf" || o.arch == "nsf-ar" {
		if err := flowkern.CheckSpline[float32](o.spline()); err != nil {
			return fmt.Errorf("-bins %d -tail %v: %w", o.bins, o.tail, err)
		}
	}
	return nil
}

// archList names the architectures -arch takes.
const archList = "realnvp, maf, glow, nsf or nsf-ar"

// splineFlags adds the spline flags of -arch nsf.
func splineFlags(fs *flag.FlagSet, o *trainOptions) {
	fs.IntVar(&o.bins, "bins", flow.DefaultSpline.Bins, "spline bins (nsf, nsf-ar)")
	fs.Float64Var(&o.tail, "tail", flow.DefaultSpline.Bound, "the splines act on [−tail, tail] of the standardised data, the identity outside (nsf, nsf-ar)")
}

// spline is the spline shape the options give.
func (o trainOptions) spline() flowkern.Spline { return flowkern.Spline{Bins: o.bins, Bound: o.tail} }

// trainCSV reads the data files and trains.
func trainCSV[T float32 | float64](ctx context.Context, o trainOptions, stdout io.Writer) error {
	train, err := readCSV(o.data, bitsOf[T]())
	if err != nil {
		return err
	}
	if train.cols-o.context < 1 {
		return fmt.Errorf("%s: %d columns leave no features beside a context of %d", o.data, train.cols, o.context)
	}
	read := func(path string) (rows[T], error) {
		if path == "" {
			return rows[T]{}, nil
		}
		t, err := readCSV(path, bitsOf[T]())
		if err != nil {
			return rows[T]{}, err
		}
		if t.cols != train.cols {
			return rows[T]{}, fmt.Errorf("%s: %d columns, the training data %d", path, t.cols, train.cols)
		}
		return splitRows[T](t, o.context), nil
	}
	valid, err := read(o.valid)
	if err != nil {
		return err
	}
	test, err := read(o.test)
	if err != nil {
		return err
	}
	tr := splitRows[T](train, o.context)
	m, err := buildModel[T](o, tr, train.cols-o.context)
	if err != nil {
		return err
	}
	if train.header != nil { // kept in the model file, written back by sample and encode
		if err := m.SetNames(train.header); err != nil {
			return fmt.Errorf("%s: header: %w", o.data, err)
		}
	}
	_, err = fit(ctx, m, tr, valid, test, o, stdout)
	return err
}

// rows are data rows and their contexts (nil without a context).
type rows[T float32 | float64] struct{ x, c []T }

// splitRows splits a table's rows into features and their last k columns,
// the context.
func splitRows[T float32 | float64](t *table, k int) rows[T] {
	x, c := splitColumns(t.values, t.cols, k)
	if k == 0 {
		return rows[T]{x: convert[T](x)}
	}
	return rows[T]{convert[T](x), convert[T](c)}
}

// buildModel returns the architecture o names over dim features (reading
// a context of o.context), with the training data's standardisation in
// front (and the contexts', for a conditional model), so that densities
// are in the data's own units.
func buildModel[T float32 | float64](o trainOptions, train rows[T], dim int) (*flow.Model[T], error) {
	var err error
	rng := rand.New(rand.NewPCG(o.seed, 0x696e6974))
	c := flow.Network{Hidden: []int{o.hidden, o.hidden}, Context: o.context}
	var core *flow.Model[T]
	switch o.arch {
	case "realnvp":
		core, err = flow.RealNVP[T](dim, o.layers, c, rng)
	case "maf":
		core, err = flow.MAF[T](dim, o.layers, c, rng)
	case "glow":
		core, err = flow.Glow[T](dim, o.layers, c, rng)
	case "nsf":
		core, err = flow.NSF[T](dim, o.layers, c, o.spline(), rng)
	case "nsf-ar":
		core, err = flow.NSFAR[T](dim, o.layers, c, o.spline(), rng)
	default:
		return nil, fmt.Errorf("-arch %q: want %s", o.arch, archList)
	}
	if err != nil {
		return nil, err
	}
	if o.context > 0 {
		return flow.StandardizedGiven(core, train.x, train.c)
	}
	return flow.Standardized(core, train.x)
}

// diverged reports whether a run ended far worse than its best epoch (or
// the parameters it started with): a last validation NLL more than
// max(1, |best|) nats above the best's.
func diverged(r flow.TrainResult) bool {
	return r.LastValidNLL > r.BestValidNLL+max(1, math.Abs(r.BestValidNLL))
}

// fit trains m, saving the best model to o.out as it goes, and reports the
// validation (and test) log-likelihood.
func fit[T float32 | float64](ctx context.Context, m *flow.Model[T], train, valid, test rows[T], o trainOptions, stdout io.Writer) (flow.TrainResult, error) {
	live := isTerminal(stdout)
	given := ""
	if o.context > 0 {
		given = fmt.Sprintf(" given a context of %d", o.context)
	}
	fmt.Fprintf(stdout, "training %s (%d layers, hidden %d, %s) on %d rows of %d%s: %d parameters\n",
		o.arch, o.layers, o.hidden, o.dtype, len(train.x)/m.Dim(), m.Dim(), given, m.NumParams())
	cfg := o.config()
	cfg.Checkpoint = o.out
	var log *epochLog
	if o.logPath != "" {
		var err error
		if log, err = newEpochLog(o.logPath); err != nil {
			return flow.TrainResult{}, err
		}
	}
	cfg.Progress = func(p flow.Progress) {
		showProgress(stdout, p, live)
		if p.EpochDone {
			log.add(p.Record())
		}
	}
	var res flow.TrainResult
	var err error
	if o.context > 0 {
		res, err = flow.TrainGiven(ctx, m, train.x, train.c, valid.x, valid.c, cfg)
	} else {
		res, err = flow.Train(ctx, m, train.x, valid.x, cfg)
	}
	if live {
		fmt.Fprintln(stdout)
	}
	if lerr := log.close(); lerr != nil && err == nil {
		err = lerr
	}
	if o.plotPath != "" && len(res.History) > 0 {
		label := o.label
		if label == "" {
			label = filepath.Base(o.data)
		}
		if perr := plotLoss(o.plotPath, res, fmt.Sprintf("%s (%d layers, hidden %d) on %s", o.arch, o.layers, o.hidden, label)); perr != nil && err == nil {
			err = fmt.Errorf("-plot %s: %w", o.plotPath, perr)
		} else if perr == nil {
			fmt.Fprintf(stdout, "loss curves: %s\n", o.plotPath)
		}
	}
	if o.logPath != "" {
		fmt.Fprintf(stdout, "epoch records: %s (%d epochs)\n", o.logPath, len(res.History))
	}
	if err != nil {
		return res, err
	}
	switch {
	case res.Epochs == 0 && res.Stopped == flow.StopInterrupted:
		return res, fmt.Errorf("%w before the first epoch ended: no model written", errInterrupted)
	case res.Epochs == 0:
		return res, errors.New("training ended before the first epoch: no model written")
	case res.Stopped == flow.StopInterrupted:
		fmt.Fprintf(stdout, "interrupted: keeping the best model so far (epoch %d)\n", res.BestEpoch)
	case res.Stopped == flow.StopEarly:
		fmt.Fprintf(stdout, "stopped early: no better validation NLL since epoch %d\n", res.BestEpoch)
	}
	if err := m.Save(o.out); err != nil {
		return res, err
	}
	if res.BestEpoch == 0 {
		fmt.Fprintf(stdout, "no epoch improved on the initial parameters: validation log-likelihood %.4f nats; model written with them to %s\n", -res.BestValidNLL, o.out)
	} else {
		fmt.Fprintf(stdout, "best epoch %d: validation log-likelihood %.4f nats; model written to %s\n", res.BestEpoch, -res.BestValidNLL, o.out)
	}
	if res.Stopped == flow.StopInterrupted {
		return res, fmt.Errorf("%w: the best model so far (epoch %d) is in %s", errInterrupted, res.BestEpoch, o.out)
	}
	if diverged(res) {
		return res, fmt.Errorf("training diverged: the validation NLL ended at %.6g (epoch %d), far above the best, %.6g (epoch %d, the model written); a smaller -lr may help", res.LastValidNLL, res.Epochs, res.BestValidNLL, res.BestEpoch)
	}
	if test.x != nil {
		lp := make([]T, len(test.x)/m.Dim())
		if o.context > 0 {
			err = m.LogProbGiven(lp, test.x, test.c)
		} else {
			err = m.LogProb(lp, test.x)
		}
		if err != nil {
			return res, err
		}
		mean, se := meanAndError(convert[float64](lp))
		fmt.Fprintf(stdout, "test log-likelihood: %.4f ± %.4f nats (mean ± standard error, %d rows)\n", mean, se, len(lp))
	}
	return res, nil
}

// showProgress prints a progress report: a line per epoch, and on a
// terminal a line that updates in place within the epoch.
func showProgress(w io.Writer, p flow.Progress, live bool) {
	left := p.Remaining.Round(time.Second)
	if !p.EpochDone {
		if live {
			fmt.Fprintf(w, "\r  epoch %d/%d  step %d/%d  train NLL %.4f  %.0f samples/s  %v left   ",
				p.Epoch, p.Epochs, p.Step, p.Steps, p.TrainNLL, p.SamplesPerSec, left)
		}
		return
	}
	mark := ""
	if p.Improved {
		mark = "  *"
	}
	if live {
		fmt.Fprint(w, "\r\033[K")
	}
	fmt.Fprintf(w, "  epoch %d/%d  train NLL %.4f  valid NLL %.4f  %.0f samples/s  %v left%s\n",
		p.Epoch, p.Epochs, p.TrainNLL, p.ValidNLL, p.SamplesPerSec, left, mark)
}
