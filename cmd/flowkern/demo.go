package main

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/flow"
	"github.com/flowkern/flowkern/internal/datasets"
)

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	set := fs.String("data", "moons", "2-D data set: "+strings.Join(twoD(), ", "))
	n := fs.Int("n", 10000, "training rows (and as many test rows)")
	o := trainOptions{dtype: "float64", batch: 512, lr: 3e-3}
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
	densityPNG, samplesPNG := filepath.Join(*dir, "density.png"), filepath.Join(*dir, "samples.png")
	if err := plotDensity(m, train, densityPNG); err != nil {
		return err
	}
	if err := plotSamples(m, train, o.seed, samplesPNG); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pictures: %s (learned density), %s (samples over the data)\n", densityPNG, samplesPNG)
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

// bounds returns a square around the data: its 0.5% and 99.5% quantiles
// widened by a quarter.
func bounds(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	pad := (hi - lo) / 8
	return lo - pad, hi + pad
}

// densityGrid is the model's density on a square grid, for a heat map.
type densityGrid struct {
	n      int
	lo, hi float64
	z      []float64
}

func (g *densityGrid) Dims() (c, r int)   { return g.n, g.n }
func (g *densityGrid) Z(c, r int) float64 { return g.z[r*g.n+c] }
func (g *densityGrid) X(c int) float64    { return g.lo + (float64(c)+0.5)*(g.hi-g.lo)/float64(g.n) }
func (g *densityGrid) Y(r int) float64    { return g.lo + (float64(r)+0.5)*(g.hi-g.lo)/float64(g.n) }

func plotDensity(m *flow.Model[float64], data []float64, path string) error {
	lo, hi := bounds(data)
	g := &densityGrid{n: 200, lo: lo, hi: hi}
	pts := make([]float64, 0, 2*g.n*g.n)
	for r := range g.n {
		for c := range g.n {
			pts = append(pts, g.X(c), g.Y(r))
		}
	}
	g.z = make([]float64, g.n*g.n)
	if err := m.LogProb(g.z, pts); err != nil {
		return err
	}
	for i, v := range g.z {
		g.z[i] = math.Exp(v)
	}
	p := plot.New()
	p.Title.Text = "learned density"
	hm := plotter.NewHeatMap(g, moreland.SmoothBlueRed().Palette(255))
	hm.Rasterized = true
	p.Add(hm)
	return p.Save(5*vg.Inch, 5*vg.Inch, path)
}

func plotSamples(m *flow.Model[float64], data []float64, seed uint64, path string) error {
	n := min(len(data)/2, 3000)
	s, err := typed[float64]{m}.sampler(seed)(n, nil)
	if err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "model samples (red) over the data (grey)"
	for _, set := range []struct {
		v []float64
		c color.Color
	}{{data[:2*n], color.Gray{Y: 170}}, {s, color.RGBA{R: 200, G: 30, B: 30, A: 255}}} {
		xy := make(plotter.XYs, n)
		for i := range xy {
			xy[i].X, xy[i].Y = set.v[2*i], set.v[2*i+1]
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius = set.c, vg.Points(1.2)
		p.Add(sc)
	}
	lo, hi := bounds(data)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	return p.Save(5*vg.Inch, 5*vg.Inch, path)
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
