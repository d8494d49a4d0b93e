package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// TestColumnNamesRoundTrip trains on a file with named columns (a
// model trained on height,weight sampled back as x1,x2): the model file
// keeps the names, sample writes them, encode names its columns after
// them, info shows them; and a conditional model keeps its context's.
func TestColumnNamesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(8, 9))
	var b, bc strings.Builder
	b.WriteString("height,weight\n")
	bc.WriteString("# with a context\nheight,weight,age\n")
	for range 600 {
		h := 170 + 10*rng.NormFloat64()
		w := 0.9*h - 85 + 8*rng.NormFloat64()
		fmt.Fprintf(&b, "%.2f,%.2f\n", h, w)
		fmt.Fprintf(&bc, "%.2f,%.2f,%.1f\n", h, w, 20+40*rng.Float64())
	}
	data := writeFile(t, dir, "people.csv", b.String())
	model := filepath.Join(dir, "m.flow")
	runOK(t, "train", "-data", data, "-epochs", "2", "-layers", "2", "-hidden", "8", "-o", model)
	if s := runOK(t, "sample", "-model", model, "-n", "3"); !strings.HasPrefix(s, "height,weight\n") {
		t.Errorf("sample wrote\n%s", s)
	}
	if s := runOK(t, "encode", "-model", model, "-data", data); !strings.HasPrefix(s, "z_height,z_weight\n") {
		t.Errorf("encode wrote\n%s", s[:min(len(s), 80)])
	}
	if s := runOK(t, "info", "-model", model); !strings.Contains(s, "columns:     height, weight") || !strings.Contains(s, "version 3") {
		t.Errorf("info wrote\n%s", s)
	}
	cdata := writeFile(t, dir, "people-age.csv", bc.String())
	cmodel := filepath.Join(dir, "c.flow")
	runOK(t, "train", "-data", cdata, "-context", "1", "-epochs", "2", "-layers", "2", "-hidden", "8", "-o", cmodel)
	ages := writeFile(t, dir, "ages.csv", "age\n30\n")
	if s := runOK(t, "sample", "-model", cmodel, "-context", ages, "-n", "2"); !strings.HasPrefix(s, "height,weight,age\n") {
		t.Errorf("conditional sample wrote\n%s", s)
	}
	dup := writeFile(t, dir, "dup.csv", "a,a\n1,2\n3,4\n5,6\n7,8\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"train", "-data", dup, "-o", filepath.Join(dir, "d.flow")}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "both named \"a\"") {
		t.Errorf("duplicate names: exit %d, stderr %q", code, errOut.String())
	}
}

// TestStandardStreams reads data from standard input (-data -) and writes
// results to standard output (-o -).
func TestStandardStreams(t *testing.T) {
	dir := t.TempDir()
	model, _ := testModel[float64](t, dir)
	rows := "x1,x2,x3\n0.1,0.2,0.3\n1,-1,0.5\n"
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader(rows)
	lp := runOK(t, "eval", "-model", model, "-data", "-", "-o", "-")
	if lines := strings.Split(strings.TrimSpace(lp), "\n"); len(lines) != 3 || lines[0] != "logprob" {
		t.Errorf("eval -data - -o - wrote\n%s", lp)
	}
	file := writeFile(t, dir, "x.csv", rows)
	if want := runOK(t, "eval", "-model", model, "-data", file, "-o", "-"); want != lp {
		t.Errorf("from a file:\n%s\nfrom standard input:\n%s", want, lp)
	}
	stdin = strings.NewReader("not,a\nnumber,here\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"eval", "-model", model, "-data", "-"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "standard input") {
		t.Errorf("bad standard input: exit %d, stderr %q", code, errOut.String())
	}
}
