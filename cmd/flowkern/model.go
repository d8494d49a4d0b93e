package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/flowkern/flowkern/flow"
)

// loadedModel is a model file opened in its own element type: the
// commands run through it without caring which.
type loadedModel interface {
	dim() int
	ctxDim() int // 0 for an unconditional model
	bits() int
	// logProb, encode and sample take the rows' contexts (nil for an
	// unconditional model).
	logProb(x, c []float64) ([]float64, error)
	encode(x, c []float64) ([]float64, error)
	// sampler returns a function that draws the next rows samples (given
	// their contexts c, nil for an unconditional model) from one random
	// stream seeded by seed: the draws of calls in turn are those of one
	// call for all their rows.
	sampler(seed uint64) func(rows int, c []float64) ([]float64, error)
	summary() []string
	numParams() int
	// names are the columns' names the model file keeps (data, then
	// context), or nil if it keeps none.
	names() []string
}

// openModel loads a model file in the element type it was saved in.
func openModel(path string) (loadedModel, flow.FileHeader, error) {
	if path == "" {
		return nil, flow.FileHeader{}, errors.New("no model: give -model FILE")
	}
	data, err := readModelFile(path)
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

// readModelFile reads a model file's bytes, no more than its header says
// (a device such as /dev/zero is not read into memory to its end), and
// refuses bytes after the model's end, as flow.Load does.
func readModelFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a model file", path)
	}
	r := bufio.NewReader(f)
	data, err := flow.ReadModelBytes(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch _, err := r.ReadByte(); {
	case err == nil:
		return nil, fmt.Errorf("%s: %w: bytes after the model's end", path, flow.ErrCorrupt)
	case err != io.EOF:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// typed adapts a Model[T] to loadedModel.
type typed[T float32 | float64] struct{ m *flow.Model[T] }

func (t typed[T]) dim() int    { return t.m.Dim() }
func (t typed[T]) ctxDim() int { return t.m.ContextDim() }
func (t typed[T]) bits() int   { return bitsOf[T]() }

// bitsOf is the size of T in bits.
func bitsOf[T float32 | float64]() int {
	var v T
	if _, ok := any(v).(float32); ok {
		return 32
	}
	return 64
}
func (t typed[T]) summary() []string { return t.m.Summary() }
func (t typed[T]) names() []string   { return t.m.Names() }

// columnsOf returns the names of m's columns: those its file keeps, or
// x1…, then c1… for a context.
func columnsOf(m loadedModel) []string {
	if n := m.names(); n != nil {
		return n
	}
	return append(columnNames("x", m.dim()), columnNames("c", m.ctxDim())...)
}
func (t typed[T]) numParams() int { return t.m.NumParams() }

func (t typed[T]) logProb(x, c []float64) ([]float64, error) {
	lp := make([]T, len(x)/t.m.Dim())
	var err error
	if t.m.ContextDim() > 0 {
		err = t.m.LogProbGiven(lp, convert[T](x), convert[T](c))
	} else {
		err = t.m.LogProb(lp, convert[T](x))
	}
	return convert[float64](lp), err
}

func (t typed[T]) encode(x, c []float64) ([]float64, error) {
	z := make([]T, len(x))
	var err error
	if t.m.ContextDim() > 0 {
		err = t.m.EncodeGiven(z, convert[T](x), convert[T](c))
	} else {
		err = t.m.Encode(z, convert[T](x))
	}
	return convert[float64](z), err
}

func (t typed[T]) sampler(seed uint64) func(rows int, c []float64) ([]float64, error) {
	rng := rand.New(rand.NewPCG(seed, 0x666c6f776b65726e))
	var x, ct []T
	var out []float64
	return func(rows int, c []float64) ([]float64, error) {
		x = slices.Grow(x[:0], rows*t.m.Dim())[:rows*t.m.Dim()]
		var err error
		if t.m.ContextDim() > 0 {
			ct = convertInto(ct, c)
			err = t.m.SampleGiven(x, ct, rng)
		} else {
			err = t.m.Sample(x, rng)
		}
		out = convertInto(out, x)
		return out, err
	}
}

func convert[D, S float32 | float64](s []S) []D { return convertInto[D](nil, s) }

// convertInto converts s into d's memory (grown as needed) and returns it.
func convertInto[D, S float32 | float64](d []D, s []S) []D {
	d = slices.Grow(d[:0], len(s))[:len(s)]
	for i, v := range s {
		d[i] = D(v)
	}
	return d
}

// readData reads a CSV file whose rows must have the model's dimension
// and, for a conditional model, its context after: it returns the rows'
// data and their contexts (nil for an unconditional model).
func readData(path string, m loadedModel) (x, c []float64, err error) {
	if path == "" {
		return nil, nil, errors.New("no data: give -data FILE")
	}
	t, err := readCSV(path, m.bits())
	if err != nil {
		return nil, nil, err
	}
	if cd := m.ctxDim(); t.cols != m.dim()+cd {
		if cd > 0 {
			return nil, nil, fmt.Errorf("%s: %d columns, the model wants %d: %d features, then a context of %d", path, t.cols, m.dim()+cd, m.dim(), cd)
		}
		return nil, nil, fmt.Errorf("%s: %d columns, the model has dimension %d", path, t.cols, m.dim())
	}
	x, c = splitColumns(t.values, t.cols, m.ctxDim())
	return x, c, nil
}

// splitColumns splits rows of cols values into their first cols − k
// values and their last k (nil if k is 0).
func splitColumns(v []float64, cols, k int) (x, c []float64) {
	if k == 0 {
		return v, nil
	}
	d := cols - k
	rows := len(v) / cols
	x, c = make([]float64, rows*d), make([]float64, rows*k)
	for r := range rows {
		copy(x[r*d:(r+1)*d], v[r*cols:r*cols+d])
		copy(c[r*k:(r+1)*k], v[r*cols+d:(r+1)*cols])
	}
	return x, c
}

// modelAndData parses the flags of a command that applies a model to a
// CSV file (-model, -data, -o with outDoc) and reads both: the data and,
// for a conditional model, the contexts in each row's last columns.
func modelAndData(name, outDoc string, args []string, stderr io.Writer) (m loadedModel, x, c []float64, out string, err error) {
	fs := newFlags(name, stderr)
	model := fs.String("model", "", "model file")
	data := fs.String("data", "", "CSV file of samples, one per row (a conditional model's: each followed by its context)")
	o := fs.String("o", "", outDoc)
	if err := parse(fs, args); err != nil {
		return nil, nil, nil, "", err
	}
	if err := required(fs, "-model and -data are", *model, *data); err != nil {
		return nil, nil, nil, "", err
	}
	if m, _, err = openModel(*model); err != nil {
		return nil, nil, nil, "", err
	}
	x, c, err = readData(*data, m)
	return m, x, c, *o, err
}

func runEval(args []string, stdout, stderr io.Writer) error {
	m, x, c, out, err := modelAndData("eval", "write each row's log-density to this CSV file", args, stderr)
	if err != nil {
		return helpOK(err)
	}
	start := time.Now()
	lp, err := m.logProb(x, c)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	mean, se := meanAndError(lp)
	report := stdout
	if out == "-" { // the log-densities go to standard output, the summary beside them
		report = stderr
	}
	fmt.Fprintf(report, "rows:         %d\nlog-density:  mean %.6f nats, standard error %.6f\nthroughput:   %.0f rows/s\n",
		len(lp), mean, se, float64(len(lp))/elapsed.Seconds())
	if out != "" {
		return writeOutput(out, stdout, func(w io.Writer) error { return writeCSV(w, []string{"logprob"}, lp, 1, m.bits()) })
	}
	return nil
}

func runEncode(args []string, stdout, stderr io.Writer) error {
	m, x, c, out, err := modelAndData("encode", "output CSV file (default: standard output)", args, stderr)
	if err != nil {
		return helpOK(err)
	}
	z, err := m.encode(x, c)
	if err != nil {
		return err
	}
	header := columnNames("z", m.dim())
	if names := m.names(); names != nil {
		for i, n := range names[:m.dim()] {
			header[i] = "z_" + n
		}
	}
	return writeOutput(out, stdout, func(w io.Writer) error { return writeCSV(w, header, z, m.dim(), m.bits()) })
}

func runSample(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", stderr)
	model := fs.String("model", "", "model file")
	n := fs.Int64("n", 1000, "number of samples (of a conditional model: for each context); written as they are drawn, in batches, so any number fits in memory")
	seed := fs.Uint64("seed", 1, "random seed")
	ctxFile := fs.String("context", "", "a conditional model's contexts, CSV, one per row: -n samples of each, written as the training data are (the samples, then their context)")
	out := fs.String("o", "", "output CSV file (default: standard output)")
	if err := parse(fs, args); err != nil {
		return helpOK(err)
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "flowkern sample: -n %d: need at least one sample\n", *n)
		return errUsage
	}
	if err := required(fs, "-model is", *model); err != nil {
		return err
	}
	m, _, err := openModel(*model)
	if err != nil {
		return err
	}
	d, cd := m.dim(), m.ctxDim()
	var ctxRows []float64 // one context per row of the file
	switch {
	case cd == 0 && *ctxFile != "":
		return fmt.Errorf("-context %s: the model is unconditional", *ctxFile)
	case cd == 0:
		ctxRows = []float64{}
	case *ctxFile == "":
		return fmt.Errorf("the model is conditional on a context of %d features: give -context FILE", cd)
	default:
		ct, err := readCSV(*ctxFile, m.bits())
		if err != nil {
			return err
		}
		if ct.cols != cd {
			return fmt.Errorf("%s: %d columns, the model's context has %d", *ctxFile, ct.cols, cd)
		}
		ctxRows = ct.values
	}
	contexts := max(1, len(ctxRows)/max(cd, 1))
	if *n > math.MaxInt64/int64(contexts)/int64(d+cd) {
		return fmt.Errorf("-n %d for %d contexts of %d values each: more values than can be counted", *n, contexts, d+cd)
	}
	header := columnsOf(m)
	return writeOutput(*out, stdout, func(w io.Writer) error {
		return streamSamples(newCSVWriter(w, header, d+cd, m.bits()), m.sampler(*seed), d, cd, *n, ctxRows)
	})
}

// sampleBatch is how many samples sample draws and writes at a time, so
// that its memory does not grow with -n.
const sampleBatch = 4096

// streamSamples writes n samples (of each context in ctxRows, each after
// its context's n samples) through cw, drawing sampleBatch at a time from
// draw, and stops at the first write error.
func streamSamples(cw *csvWriter, draw func(rows int, c []float64) ([]float64, error), d, cd int, n int64, ctxRows []float64) error {
	contexts := max(1, len(ctxRows)/max(cd, 1))
	w := d + cd
	var c, row []float64
	for r := range contexts {
		for done := int64(0); done < n; {
			k := int(min(sampleBatch, n-done))
			if cd > 0 {
				c = slices.Grow(c[:0], k*cd)[:k*cd]
				for i := range k {
					copy(c[i*cd:], ctxRows[r*cd:(r+1)*cd])
				}
			}
			x, err := draw(k, c)
			if err != nil {
				return err
			}
			row = slices.Grow(row[:0], k*w)[:k*w]
			for i := range k {
				copy(row[i*w:i*w+d], x[i*d:(i+1)*d])
				copy(row[i*w+d:(i+1)*w], c[i*cd:(i+1)*cd])
			}
			if err := cw.write(row); err != nil {
				return err
			}
			done += int64(k)
		}
	}
	return cw.flush()
}

// describeModel prints a model file's header and architecture.
func describeModel(path string, stdout io.Writer) error {
	m, h, err := openModel(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model:       %s\nformat:      flowkern model file, version %d\nelement:     %s\ndimension:   %d\ncontext:     %d\ncolumns:     %s\nparameters:  %d\nlayers (data side first):\n",
		path, h.Version, h.DType, m.dim(), m.ctxDim(), strings.Join(columnsOf(m), ", "), m.numParams())
	for _, l := range m.summary() {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	return nil
}

// meanAndError returns the mean of v and its standard error: −Inf and
// +Inf if a value is −Inf (a point with no density left).
func meanAndError(v []float64) (mean, se float64) {
	var m2 float64
	for i, x := range v {
		if math.IsInf(x, -1) {
			return x, math.Inf(1)
		}
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
