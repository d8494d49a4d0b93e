package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// limitWriter takes limit bytes, then fails every write, as a pipe whose
// reader has gone.
type limitWriter struct{ n, limit int }

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, errors.New("broken pipe")
	}
	w.n += len(p)
	return len(p), nil
}

// TestSampleStreams checks that sample writes what one batch of the
// library's Sample draws, though it draws sampleBatch rows at a time.
func TestSampleStreams(t *testing.T) {
	dir := t.TempDir()
	path, m := testModel[float64](t, dir)
	const n = 2*sampleBatch + 123
	x := make([]float64, n*m.Dim())
	if err := m.Sample(x, rand.New(rand.NewPCG(9, 0x666c6f776b65726e))); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := writeCSV(&want, columnNames("x", m.Dim()), x, m.Dim(), 64); err != nil {
		t.Fatal(err)
	}
	if got := runOK(t, "sample", "-model", path, "-n", strconv.Itoa(n), "-seed", "9"); got != want.String() {
		t.Errorf("streamed samples differ from one batch's (%d and %d bytes)", len(got), want.Len())
	}
}

// TestSampleHugeN asks for more samples than memory holds, or than can be
// counted: sample must refuse what cannot be counted and otherwise stream
// with memory that does not grow with -n, stopping at the first failed
// write. (-n 1e9 died out of memory; -n 2^63−1 panicked in makeslice;
// -n 2^60+1 on a 16-D model wrapped round and printed one sample.)
func TestSampleHugeN(t *testing.T) {
	dir := t.TempDir()
	path, _ := testModel[float64](t, dir)
	m16, err := flow.RealNVP[float32](16, 2, flow.Network{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	path16 := filepath.Join(dir, "m16.flow")
	if err := m16.Save(path16); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ model, n string }{
		{path16, "9223372036854775807"},
		{path16, "1152921504606846977"},
		{path, "4611686018427387904"}, // 2^62 rows of 3
	} {
		var out, errOut bytes.Buffer
		if code := run([]string{"sample", "-model", c.model, "-n", c.n}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "more values than can be counted") || out.Len() > 0 {
			t.Errorf("-n %s: exit %d, stderr %q, %d bytes out", c.n, code, errOut.String(), out.Len())
		}
	}
	for _, n := range []string{"1000000000", "1152921504606846977"} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		w := &limitWriter{limit: 4 << 20}
		var errOut bytes.Buffer
		code := run([]string{"sample", "-model", path, "-n", n}, w, &errOut)
		runtime.ReadMemStats(&after)
		if code != 1 || !strings.Contains(errOut.String(), "broken pipe") {
			t.Errorf("-n %s into a pipe that breaks after 4 MB: exit %d, stderr %q", n, code, errOut.String())
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("-n %s: allocated %d MB to write 4 MB", n, grew>>20)
		}
	}
}

// TestOutputThroughSymlink: -o onto a symbolic link writes its target and
// keeps the link (it replaced the link with a file).
func TestOutputThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	path, _ := testModel[float64](t, dir)
	target, link := filepath.Join(dir, "real.csv"), filepath.Join(dir, "link.csv")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	runOK(t, "sample", "-model", path, "-n", "5", "-o", link)
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("-o %s replaced the link: %v %v", link, info, err)
	}
	b, err := os.ReadFile(target)
	if err != nil || !strings.HasPrefix(string(b), "x1,x2,x3\n") || strings.Count(string(b), "\n") != 6 {
		t.Errorf("the link's target holds %q (%v)", b, err)
	}
}

// TestTrainDivergedRunExits1: at -lr 1e6 train saved a model with a
// validation NLL of 4.8e14 and exited 0. It must exit 1 saying the run
// diverged, with the best parameters written (here the initial ones),
// which evaluate to finite log-densities.
func TestTrainDivergedRunExits1(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		x := rng.NormFloat64()
		fmt.Fprintf(&b, "%g,%g\n", x, 0.5*x+0.3*rng.NormFloat64())
	}
	data := writeFile(t, dir, "d.csv", b.String())
	model := filepath.Join(dir, "m.flow")
	var out, errOut bytes.Buffer
	code := run([]string{"train", "-data", data, "-epochs", "3", "-lr", "1e6", "-layers", "2", "-hidden", "16", "-o", model}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "training diverged") {
		t.Fatalf("exit %d, stderr %q; stdout:\n%s", code, errOut.String(), out.String())
	}
	ev := runOK(t, "eval", "-model", model, "-data", data)
	if strings.Contains(ev, "NaN") || strings.Contains(ev, "Inf") {
		t.Errorf("the model written evaluates to\n%s", ev)
	}
}

// TestInterruptBeforeFirstEpoch: SIGINT before the first epoch printed
// "keeping the best model so far (epoch 0)" and then "no model written".
// It must say only the second, as an error.
func TestInterruptBeforeFirstEpoch(t *testing.T) {
	m, err := flow.RealNVP[float64](2, 2, flow.Network{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 200)
	for i := range x {
		x[i] = float64(i%7) / 7
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), "m.flow")
	var stdout bytes.Buffer
	o := trainOptions{arch: "realnvp", dtype: "float64", layers: 2, hidden: 4, epochs: 2, batch: 10, lr: 1e-3, out: out}
	_, err = fit(ctx, m, rows[float64]{x: x[:160]}, rows[float64]{x: x[160:]}, rows[float64]{}, o, &stdout)
	if err == nil || err.Error() != "interrupted before the first epoch ended: no model written" || strings.Contains(stdout.String(), "keeping") {
		t.Errorf("error %v, stdout %q", err, stdout.String())
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a model was written: %v", err)
	}
}

// TestEndlessInputsRefused: -data /dev/zero and -model /dev/zero grew to
// about 2.5 GB and died out of memory. A model file is read only as far as
// its header says; a CSV line has a length bound.
func TestEndlessInputsRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	model, _ := testModel[float64](t, dir)
	good, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	trailing := writeFile(t, dir, "trailing.flow", string(good)+"x")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "-model", "/dev/zero", "-data", model}, "/dev/zero: flow: not a flowkern model file"},
		{[]string{"info", "-model", "/dev/zero"}, "not a flowkern model file"},
		{[]string{"eval", "-model", model, "-data", "/dev/zero"}, "/dev/zero:1: a line longer than 16 MiB"},
		{[]string{"train", "-data", "/dev/zero", "-o", filepath.Join(dir, "t.flow")}, "a line longer than"},
		{[]string{"info", "-model", trailing}, "bytes after the model's end"},
		{[]string{"info", "-model", dir}, "is a directory"},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		runtime.ReadMemStats(&after)
		if code != 1 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut.String(), c.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
			t.Errorf("%v: allocated %d MB", c.args, grew>>20)
		}
	}
}

// TestTrainChecksOutputFirst: an unwritable -o was discovered only after
// the first epoch, when the checkpoint was saved.
func TestTrainChecksOutputFirst(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", "1,2\n3,4\n5,7\n0,1\n2,2\n1,1\n3,3\n4,1\n0,0\n2,5\n")
	for _, out := range []string{filepath.Join(dir, "missing", "m.flow"), dir} {
		var stdout, errOut bytes.Buffer
		code := run([]string{"train", "-data", data, "-epochs", "1", "-o", out}, &stdout, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), "cannot write there") || strings.Contains(stdout.String(), "training") {
			t.Errorf("-o %s: exit %d, stderr %q, stdout %q", out, code, errOut.String(), stdout.String())
		}
	}
}

// TestCSVEdges: a # comment line was taken as a header, a UTF-8 byte-order
// mark before a data row was rejected, and a float32 overflow was
// reported without file and line.
func TestCSVEdges(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		header        []string
		values        []float64
	}{
		{"comments.csv", "# made by hand\n# two columns\nheight,weight\n1,2\n# a note\n3,4\n", []string{"height", "weight"}, []float64{1, 2, 3, 4}},
		{"bom.csv", "\ufeff1,2\n3,4\n", nil, []float64{1, 2, 3, 4}},
		{"bomheader.csv", "\ufeffa,b\n1,2\n", []string{"a", "b"}, []float64{1, 2}},
	} {
		tb, err := readCSV(writeFile(t, dir, c.name, c.content), 64)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if strings.Join(tb.header, ",") != strings.Join(c.header, ",") || tb.cols != 2 || fmt.Sprint(tb.values) != fmt.Sprint(c.values) {
			t.Errorf("%s: header %q, %d columns, values %v", c.name, tb.header, tb.cols, tb.values)
		}
	}
	big := writeFile(t, dir, "big.csv", "x,y\n1,2\n3,1e39\n")
	if _, err := readCSV(big, 64); err != nil {
		t.Errorf("1e39 for float64: %v", err)
	}
	var out, errOut bytes.Buffer
	code := run([]string{"train", "-dtype", "float32", "-data", big, "-o", filepath.Join(dir, "m.flow")}, &out, &errOut)
	if want := big + ":3:3: column 2: 1e39 overflows float32"; code != 1 || !strings.Contains(errOut.String(), want) {
		t.Errorf("exit %d, stderr %q, want %q", code, errOut.String(), want)
	}
}
