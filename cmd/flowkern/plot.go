package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// runPlot draws a model against data: for a 2-D unconditional model its
// log-density over the data's region (and, with -samples, its samples
// beside the data); otherwise a corner plot of samples against the data
// for chosen columns. Titles name the data, the model and the data's mean
// log-likelihood under it.
func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plot", stderr)
	model := fs.String("model", "", "model file")
	data := fs.String("data", "", "CSV file of samples, one per row (a conditional model's: each followed by its context)")
	out := fs.String("o", "", "PNG file: a 2-D model's log-density, or a corner plot of samples against the data")
	samplesOut := fs.String("samples", "", "for a 2-D model, also draw its samples beside the data to this PNG file")
	colsFlag := fs.String("cols", "", "data columns of the corner plot, from 1, comma-separated (default: the first four)")
	n := fs.Int("n", 3000, "rows of data, and samples, drawn as points")
	seed := fs.Uint64("seed", 1, "random seed of the samples")
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	if err := required(fs, "-model, -data and -o are", *model, *data, *out); err != nil {
		return err
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "flowkern plot: -n %d: want at least 1\n", *n)
		return errUsage
	}
	m, _, err := openModel(*model)
	if err != nil {
		return err
	}
	d, cd := m.dim(), m.ctxDim()
	cols, err := plotColumns(*colsFlag, d)
	if err != nil {
		fmt.Fprintf(stderr, "flowkern plot: %v\n", err)
		return errUsage
	}
	x, c, err := readData(*data, m)
	if err != nil {
		return err
	}
	lp, err := m.logProb(x, c)
	if err != nil {
		return err
	}
	mean, _ := meanAndError(lp)
	rows := len(x) / d
	what := fmt.Sprintf("%s under %s: log-likelihood %.4f nats (%d rows)", dataLabel(*data), filepath.Base(*model), mean, rows)
	shown := min(rows, *n)
	var shownC []float64
	if cd > 0 {
		shownC = c[:shown*cd]
	}
	samples, err := m.sampler(*seed)(shown, shownC)
	if err != nil {
		return err
	}
	names := columnsOf(m)
	if d == 2 && cd == 0 && *colsFlag == "" {
		logProb := func(pts []float64) ([]float64, error) { return m.logProb(pts, nil) }
		if err := plotDensity(*out, logProb, x, names, what); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: the model's log-density\n", *out)
		if *samplesOut != "" {
			if err := plotSamplesBeside(*samplesOut, x[:2*shown], samples, names, what); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: its samples beside the data\n", *samplesOut)
		}
		return nil
	}
	if *samplesOut != "" {
		return fmt.Errorf("-samples: for 2-D unconditional models (the corner plot in -o has the samples)")
	}
	if len(cols) < 2 {
		return fmt.Errorf("-cols %s: a corner plot needs two columns or more", *colsFlag)
	}
	given := ""
	if cd > 0 {
		given = ", each sample given its data row's context"
	}
	if err := cornerPlot(*out, x[:shown*d], samples, d, cols, names, what+given); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: samples against the data, columns %v\n", *out, plusOne(cols))
	return nil
}

// plotColumns parses -cols (columns from 1) into indices, by default the
// first four of dim.
func plotColumns(s string, dim int) ([]int, error) {
	if s == "" {
		cols := make([]int, min(dim, 4))
		for i := range cols {
			cols[i] = i
		}
		return cols, nil
	}
	var cols []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 || c > dim {
			return nil, fmt.Errorf("-cols %s: %q is not a column from 1 to %d", s, f, dim)
		}
		if seen[c] {
			return nil, fmt.Errorf("-cols %s: column %d twice", s, c)
		}
		seen[c] = true
		cols = append(cols, c-1)
	}
	return cols, nil
}

// plusOne returns the columns numbered from 1.
func plusOne(cols []int) []int {
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = c + 1
	}
	return out
}

// dataLabel names a data file in a title.
func dataLabel(path string) string {
	if path == "-" {
		return "standard input"
	}
	return filepath.Base(path)
}
