package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// TestConditionalCommands trains a conditional model on the conditional
// data set from the command line and evaluates, encodes and samples it
// with contexts, for every architecture.
func TestConditionalCommands(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	runOK(t, "data", "-set", "cond-banana", "-n", "600", "-seed", "1", "-o", train)
	runOK(t, "data", "-set", "cond-banana", "-n", "200", "-seed", "2", "-o", test)
	contexts := writeFile(t, dir, "c.csv", "c1,c2\n0.5,-0.5\n-1,1\n0,0\n")
	model := filepath.Join(dir, "m.flow")
	for _, arch := range []string{"realnvp", "maf", "glow", "nsf", "nsf-ar"} {
		out := runOK(t, "train", "-data", train, "-test", test, "-context", "2", "-arch", arch, "-layers", "2", "-hidden", "16",
			"-epochs", "2", "-batch", "100", "-o", model)
		for _, s := range []string{"rows of 2 given a context of 2", "best epoch", "test log-likelihood"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: train output lacks %q:\n%s", arch, s, out)
			}
		}
		m, err := flow.Load[float64](model)
		if err != nil {
			t.Fatal(err)
		}
		if m.Dim() != 2 || m.ContextDim() != 2 {
			t.Fatalf("%s: model of dimension %d and context %d, want 2 and 2", arch, m.Dim(), m.ContextDim())
		}
		if s := runOK(t, "eval", "-model", model, "-data", test); !strings.Contains(s, "rows:         200") {
			t.Errorf("%s: eval: %s", arch, s)
		}
		if rows := parseRows(t, runOK(t, "encode", "-model", model, "-data", test)); len(rows) != 200 || len(rows[0]) != 2 {
			t.Errorf("%s: encode wrote %d rows", arch, len(rows))
		}
		if s := runOK(t, "info", "-model", model); !strings.Contains(s, "context:     2") || !strings.Contains(s, "conditional on a context of 2 features") {
			t.Errorf("%s: info does not show the context:\n%s", arch, s)
		}
	}
	// sample: -n samples for each context row, each written with its
	// context, in the training data's layout.
	s := runOK(t, "sample", "-model", model, "-context", contexts, "-n", "4")
	rows := parseRows(t, s)
	if len(rows) != 12 || len(rows[0]) != 4 || !strings.HasPrefix(s, "x1,x2,c1,c2\n") {
		t.Fatalf("sample wrote %d rows of %d columns:\n%s", len(rows), len(rows[0]), s)
	}
	for i, r := range rows {
		want := [][]float64{{0.5, -0.5}, {-1, 1}, {0, 0}}[i/4]
		if r[2] != want[0] || r[3] != want[1] {
			t.Errorf("sample row %d has context %v, want %v", i, r[2:], want)
		}
	}
}

// TestConditionalCommandErrors checks the conditional commands' refusals.
func TestConditionalCommandErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	runOK(t, "data", "-set", "cond-banana", "-n", "300", "-seed", "1", "-o", data)
	plain, _ := testModel[float64](t, dir) // m.flow
	model := filepath.Join(dir, "conditional.flow")
	runOK(t, "train", "-data", data, "-context", "2", "-layers", "2", "-hidden", "8", "-epochs", "1", "-o", model)
	three := writeFile(t, dir, "three.csv", "1,2,3\n4,5,6\n")
	nan := writeFile(t, dir, "nan.csv", "1,2,3,NaN\n4,5,6,7\n")
	ctx3 := writeFile(t, dir, "ctx3.csv", "1,2,3\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "-model", model, "-data", three}, 1, "3 columns, the model wants 4: 2 features, then a context of 2"},
		{[]string{"eval", "-model", model, "-data", nan}, 1, "nan.csv:1:7: column 4: \"NaN\" is not a finite number"},
		{[]string{"sample", "-model", model}, 1, "conditional on a context of 2 features: give -context FILE"},
		{[]string{"sample", "-model", model, "-context", ctx3}, 1, "3 columns, the model's context has 2"},
		{[]string{"sample", "-model", plain, "-context", ctx3}, 1, "the model is unconditional"},
		{[]string{"train", "-data", three, "-context", "3", "-o", model}, 1, "leave no features beside a context of 3"},
		{[]string{"train", "-data", three, "-context", "-1", "-o", model}, 2, "-context -1"},
	} {
		var out, errOut strings.Builder
		if code := run(c.args, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("flowkern %s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, errOut.String(), c.code, c.want)
		}
	}
}
