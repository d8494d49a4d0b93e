package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// testModel saves a 3-D RealNVP at random parameters and returns its
// path and the model.
func testModel[T float32 | float64](t *testing.T, dir string) (string, *flow.Model[T]) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := flow.RealNVP[T](3, 3, flow.Network{Hidden: []int{8}}, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		for i := range p.Value {
			p.Value[i] += T(0.2 * rng.NormFloat64())
		}
	}
	m.Refresh()
	path := filepath.Join(dir, "m.flow")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return path, m
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("flowkern %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseColumn reads the numbers of a one-column CSV with a header.
func parseRows(t *testing.T, s string) [][]float64 {
	var rows [][]float64
	for i, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if i == 0 {
			continue
		}
		var row []float64
		for _, f := range strings.Split(line, ",") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return rows
}

func TestEvalEncodeSampleInfo(t *testing.T) {
	dir := t.TempDir()
	path, m := testModel[float64](t, dir)
	data := writeFile(t, dir, "x.csv", "a,b,c\n0.5,-1,2\n\n1e-3, 4 ,-0.25\n3,3,3\n")
	x := []float64{0.5, -1, 2, 1e-3, 4, -0.25, 3, 3, 3}
	want := make([]float64, 3)
	if err := m.LogProb(want, x); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "lp.csv")
	summary := runOK(t, "eval", "-model", path, "-data", data, "-o", out)
	for _, s := range []string{"rows:         3", "standard error", "rows/s"} {
		if !strings.Contains(summary, s) {
			t.Errorf("eval summary lacks %q:\n%s", s, summary)
		}
	}
	got, _ := os.ReadFile(out)
	for r, row := range parseRows(t, string(got)) {
		if row[0] != want[r] {
			t.Errorf("row %d: eval wrote %v, LogProb gives %v (the CSV must round-trip exactly)", r, row[0], want[r])
		}
	}
	z := make([]float64, 9)
	if err := m.Encode(z, x); err != nil {
		t.Fatal(err)
	}
	for r, row := range parseRows(t, runOK(t, "encode", "-model", path, "-data", data)) {
		for j, v := range row {
			if v != z[r*3+j] {
				t.Errorf("encode row %d column %d: %v, want %v", r, j, v, z[r*3+j])
			}
		}
	}
	s1 := runOK(t, "sample", "-model", path, "-n", "50", "-seed", "7")
	s2 := runOK(t, "sample", "-model", path, "-n", "50", "-seed", "7")
	s3 := runOK(t, "sample", "-model", path, "-n", "50", "-seed", "8")
	if s1 != s2 || s1 == s3 || len(parseRows(t, s1)) != 50 {
		t.Errorf("sample is not reproducible by seed, or has the wrong rows")
	}
	info := runOK(t, "info", "-model", path)
	for _, s := range []string{"version 1", "float64", "dimension:   3", "parameters:  " + strconv.Itoa(m.NumParams()), "affine coupling", "standard normal"} {
		if !strings.Contains(info, s) {
			t.Errorf("info lacks %q:\n%s", s, info)
		}
	}
}

func TestFloat32ModelWritesShortFloats(t *testing.T) {
	dir := t.TempDir()
	path, m := testModel[float32](t, dir)
	out := runOK(t, "sample", "-model", path, "-n", "20", "-seed", "3")
	x := make([]float32, 60)
	if err := m.Sample(x, rand.New(rand.NewPCG(3, 0x666c6f776b65726e))); err != nil {
		t.Fatal(err)
	}
	for r, row := range parseRows(t, out) {
		for j, v := range row {
			if float32(v) != x[r*3+j] {
				t.Fatalf("row %d column %d: %v, want %v", r, j, v, x[r*3+j])
			}
		}
	}
	if strings.Contains(out, "00000") {
		t.Errorf("float32 values not written in their shortest form:\n%s", out[:200])
	}
}

func TestModelCommandErrors(t *testing.T) {
	dir := t.TempDir()
	path, _ := testModel[float64](t, dir)
	bad := writeFile(t, dir, "bad.csv", "1,2,3\n4,x5,6\n")
	ragged := writeFile(t, dir, "ragged.csv", "1,2,3\n4,5\n")
	wide := writeFile(t, dir, "wide.csv", "1,2,3,4\n")
	nan := writeFile(t, dir, "nan.csv", "1,2,3\n1,NaN,3\n")
	corrupt := writeFile(t, dir, "corrupt.flow", "FLOWKERN\x01\x00\x00\x00garbage")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "-model", path, "-data", bad}, "bad.csv:2:3: column 2: \"x5\" is not a finite number"},
		{[]string{"eval", "-model", path, "-data", ragged}, "ragged.csv:2: 2 values, the first row has 3"},
		{[]string{"eval", "-model", path, "-data", wide}, "4 columns, the model has dimension 3"},
		{[]string{"encode", "-model", path, "-data", nan}, "nan.csv:2:3: column 2: \"NaN\" is not a finite number"},
		{[]string{"eval", "-model", corrupt, "-data", bad}, "corrupt"},
		{[]string{"sample", "-model", filepath.Join(dir, "none.flow")}, "no such file"},
	} {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("flowkern %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(c.args, " "), code, errOut.String(), c.want)
		}
	}
	if code := run([]string{"sample", "-model", path, "-n", "0"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("sample -n 0: exit %d, want 2", code)
	}
}
