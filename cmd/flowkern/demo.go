package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/datasets"
)

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	set := fs.String("data", "moons", "2-D data set: "+strings.Join(twoD(), ", "))
	n := fs.Int("n", 10000, "training rows (and as many test rows)")
	o := trainOptions{dtype: "float64", batch: 512, lr: 3e-3, clip: 5, schedule: "cosine", validFrac: 0.1}
	fs.StringVar(&o.arch, "arch", "realnvp", "architecture: "+archList)
	fs.IntVar(&o.layers, "layers", 8, "couplings (realnvp, nsf), MADE layers (maf, nsf-ar) or blocks (glow)")
	splineFlags(fs, &o)
	fs.IntVar(&o.hidden, "hidden", 64, "width of the conditioners' two hidden layers")
	fs.IntVar(&o.epochs, "epochs", 40, "passes over the training data")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the data, the initial weights and the shuffling")
	dir := fs.String("out", "flowkern-demo", "directory for the model and the pictures")
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	data, err := datasets.Get(*set)
	if err != nil || data.Dim != 2 || data.Context != 0 {
		return fmt.Errorf("-data %q: want one of %s", *set, strings.Join(twoD(), ", "))
	}
	if *n < 10 {
		return fmt.Errorf("-n %d: need at least 10 rows", *n)
	}
	if err := o.check(); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	o.out = filepath.Join(*dir, "model.flow")
	train, test := data.Draw(*n, o.seed), data.Draw(*n, o.seed+1000)
	fmt.Fprintf(stdout, "data: %s, %d training and %d test points (kernel set %s)\n", *set, *n, *n, flowkern.Impl())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, err := buildModel[float64](o, rows[float64]{x: train}, 2)
	if err != nil {
		return err
	}
	lossPNG := filepath.Join(*dir, "loss.png")
	o.plotPath, o.label = lossPNG, *set
	if _, err := fit(ctx, m, rows[float64]{x: train}, rows[float64]{}, rows[float64]{x: test}, o, stdout); err != nil {
		return err
	}
	lp := make([]float64, len(test)/2)
	start, reps := time.Now(), 0
	for time.Since(start) < 300*time.Millisecond || reps < 1 {
		if err := m.LogProb(lp, test); err != nil {
			return err
		}
		reps++
	}
	fmt.Fprintf(stdout, "density evaluation: %.0f points/s (kernel set %s, %d threads)\n",
		float64(reps*len(lp))/time.Since(start).Seconds(), flowkern.Impl(), maxProcs())
	mean, _ := meanAndError(lp)
	what := fmt.Sprintf("%s, %s (%d layers, hidden %d)", *set, o.arch, o.layers, o.hidden)
	names := []string{"x1", "x2"}
	densityPNG, samplesPNG := filepath.Join(*dir, "density.png"), filepath.Join(*dir, "samples.png")
	logProb := func(pts []float64) ([]float64, error) {
		z := make([]float64, len(pts)/2)
		return z, m.LogProb(z, pts)
	}
	title := fmt.Sprintf("%s: log-density; test log-likelihood %.3f nats", what, mean)
	if err := plotDensity(densityPNG, logProb, train, names, title); err != nil {
		return err
	}
	samples, err := typed[float64]{m}.sampler(o.seed)(min(len(test)/2, 3000), nil)
	if err != nil {
		return err
	}
	if err := plotSamplesBeside(samplesPNG, test[:len(samples)], samples, names, what+": test data and model samples"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pictures: %s (learned log-density), %s (samples beside the data), %s (loss curves)\n", densityPNG, samplesPNG, lossPNG)
	return nil
}

// twoD lists the 2-D data sets.
func twoD() []string {
	var names []string
	for _, n := range datasets.Names() {
		if d, _ := datasets.Get(n); d.Dim == 2 && d.Context == 0 {
			names = append(names, n)
		}
	}
	return names
}

func runData(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data", stderr)
	set := fs.String("set", "moons", "data set: "+strings.Join(datasets.Names(), ", "))
	n := fs.Int("n", 10000, "rows")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("o", "", "output CSV file (default: standard output)")
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	if *n < 1 {
		return fmt.Errorf("-n %d: need at least one row", *n)
	}
	data, err := datasets.Get(*set)
	if err != nil {
		return err
	}
	x := data.Draw(*n, *seed)
	header := append(columnNames("x", data.Dim-data.Context), columnNames("c", data.Context)...)
	if err := writeOutput(*out, stdout, func(w io.Writer) error { return writeCSV(w, header, x, data.Dim, 64) }); err != nil {
		return err
	}
	if data.LogProb != nil {
		what := "log-density"
		if data.Context > 0 {
			what = fmt.Sprintf("conditional log-density (given the last %d columns)", data.Context)
		}
		fmt.Fprintf(stderr, "%s: the true %s of these rows averages %.4f nats\n", *set, what, data.MeanLogProb(x))
	}
	return nil
}

func maxProcs() int { return runtime.GOMAXPROCS(0) }
