package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/flowkern/flowkern/flow"
)

// loadedModel is a model file opened in its own element type: the
// commands run through it without caring which.
type loadedModel interface {
	dim() int
	bits() int
	logProb(x []float64) ([]float64, error)
	encode(x []float64) ([]float64, error)
	sample(n int, seed uint64) ([]float64, error)
	summary() []string
	numParams() int
}

// openModel loads a model file in the element type it was saved in.
func openModel(path string) (loadedModel, flow.FileHeader, error) {
	if path == "" {
		return nil, flow.FileHeader{}, errors.New("no model: give -model FILE")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, flow.FileHeader{}, err
	}
	h, err := flow.ReadFileHeader(data)
	if err != nil {
		return nil, h, fmt.Errorf("%s: %w", path, err)
	}
	if h.DType == "float32" {
		m, err := flow.UnmarshalModel[float32](data)
		if err != nil {
			return nil, h, fmt.Errorf("%s: %w", path, err)
		}
		return typed[float32]{m}, h, nil
	}
	m, err := flow.UnmarshalModel[float64](data)
	if err != nil {
		return nil, h, fmt.Errorf("%s: %w", path, err)
	}
	return typed[float64]{m}, h, nil
}

// typed adapts a Model[T] to loadedModel.
type typed[T float32 | float64] struct{ m *flow.Model[T] }

func (t typed[T]) dim() int { return t.m.Dim() }
func (t typed[T]) bits() int {
	var v T
	if _, ok := any(v).(float32); ok {
		return 32
	}
	return 64
}
func (t typed[T]) summary() []string { return t.m.Summary() }
func (t typed[T]) numParams() int    { return t.m.NumParams() }

func (t typed[T]) logProb(x []float64) ([]float64, error) {
	lp := make([]T, len(x)/t.m.Dim())
	err := t.m.LogProb(lp, convert[T](x))
	return convert[float64](lp), err
}

func (t typed[T]) encode(x []float64) ([]float64, error) {
	z := make([]T, len(x))
	err := t.m.Encode(z, convert[T](x))
	return convert[float64](z), err
}

func (t typed[T]) sample(n int, seed uint64) ([]float64, error) {
	x := make([]T, n*t.m.Dim())
	err := t.m.Sample(x, rand.New(rand.NewPCG(seed, 0x666c6f776b65726e)))
	return convert[float64](x), err
}

func convert[D, S float32 | float64](s []S) []D {
	d := make([]D, len(s))
	for i, v := range s {
		d[i] = D(v)
	}
	return d
}

// readData reads a CSV file whose rows must have the model's dimension.
func readData(path string, m loadedModel) (*table, error) {
	if path == "" {
		return nil, errors.New("no data: give -data FILE")
	}
	t, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	if t.cols != m.dim() {
		return nil, fmt.Errorf("%s: %d columns, the model has dimension %d", path, t.cols, m.dim())
	}
	return t, nil
}

// modelAndData parses the flags of a command that applies a model to a
// CSV file (-model, -data, -o with outDoc) and reads both.
func modelAndData(name, outDoc string, args []string, stderr io.Writer) (m loadedModel, t *table, out string, err error) {
	fs := newFlags(name, stderr)
	model := fs.String("model", "", "model file")
	data := fs.String("data", "", "CSV file of samples, one per row")
	o := fs.String("o", "", outDoc)
	if err := parse(fs, args); err != nil {
		return nil, nil, "", err
	}
	if m, _, err = openModel(*model); err != nil {
		return nil, nil, "", err
	}
	t, err = readData(*data, m)
	return m, t, *o, err
}

func runEval(args []string, stdout, stderr io.Writer) error {
	m, t, out, err := modelAndData("eval", "write each row's log-density to this CSV file", args, stderr)
	if err != nil {
		return helpOK(err)
	}
	start := time.Now()
	lp, err := m.logProb(t.values)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	mean, se := meanAndError(lp)
	fmt.Fprintf(stdout, "rows:         %d\nlog-density:  mean %.6f nats, standard error %.6f\nthroughput:   %.0f rows/s\n",
		len(lp), mean, se, float64(len(lp))/elapsed.Seconds())
	if out != "" {
		return writeOutput(out, stdout, func(w io.Writer) error { return writeCSV(w, []string{"logprob"}, lp, 1, m.bits()) })
	}
	return nil
}

func runEncode(args []string, stdout, stderr io.Writer) error {
	m, t, out, err := modelAndData("encode", "output CSV file (default: standard output)", args, stderr)
	if err != nil {
		return helpOK(err)
	}
	z, err := m.encode(t.values)
	if err != nil {
		return err
	}
	return writeOutput(out, stdout, func(w io.Writer) error { return writeCSV(w, columnNames("z", m.dim()), z, m.dim(), m.bits()) })
}

func runSample(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", stderr)
	model := fs.String("model", "", "model file")
	n := fs.Int("n", 1000, "number of samples")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("o", "", "output CSV file (default: standard output)")
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "flowkern sample: -n %d: need at least one sample\n", *n)
		return errUsage
	}
	m, _, err := openModel(*model)
	if err != nil {
		return err
	}
	x, err := m.sample(*n, *seed)
	if err != nil {
		return err
	}
	return writeOutput(*out, stdout, func(w io.Writer) error { return writeCSV(w, columnNames("x", m.dim()), x, m.dim(), m.bits()) })
}

// describeModel prints a model file's header and architecture.
func describeModel(path string, stdout io.Writer) error {
	m, h, err := openModel(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model:       %s\nformat:      flowkern model file, version %d\nelement:     %s\ndimension:   %d\nparameters:  %d\nlayers (data side first):\n",
		path, h.Version, h.DType, m.dim(), m.numParams())
	for _, l := range m.summary() {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	return nil
}

// meanAndError returns the mean of v and its standard error.
func meanAndError(v []float64) (mean, se float64) {
	var m2 float64
	for i, x := range v {
		d := x - mean
		mean += d / float64(i+1)
		m2 += d * (x - mean)
	}
	if len(v) > 1 {
		se = math.Sqrt(m2 / float64(len(v)-1) / float64(len(v)))
	}
	return mean, se
}

// helpOK maps -h to success.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
