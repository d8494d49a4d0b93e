package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

func TestDataTrainEval(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	runOK(t, "data", "-set", "8gaussians", "-n", "600", "-seed", "1", "-o", train)
	runOK(t, "data", "-set", "8gaussians", "-n", "300", "-seed", "2", "-o", test)
	model := filepath.Join(dir, "m.flow")
	for _, arch := range []string{"realnvp", "maf", "glow", "nsf", "nsf-ar"} {
		out := runOK(t, "train", "-data", train, "-test", test, "-arch", arch, "-layers", "2", "-hidden", "16",
			"-epochs", "3", "-batch", "100", "-bins", "5", "-o", model)
		for _, s := range []string{"epoch 3/3", "valid NLL", "samples/s", "best epoch", "test log-likelihood"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: train output lacks %q:\n%s", arch, s, out)
			}
		}
		m, err := flow.Load[float64](model)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Layers()[0].(*flow.Standardize[float64]); !ok {
			t.Errorf("%s: the model does not start with a Standardize layer", arch)
		}
		if !strings.Contains(runOK(t, "eval", "-model", model, "-data", test), "rows:         300") {
			t.Errorf("%s: eval of the trained model", arch)
		}
	}
	out := runOK(t, "train", "-data", train, "-epochs", "1", "-dtype", "float32", "-hidden", "8", "-layers", "2", "-o", model)
	if !strings.Contains(out, "float32") || !strings.Contains(runOK(t, "info", "-model", model), "float32") {
		t.Errorf("a float32 model was not written:\n%s", out)
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "1,2\n3,oops\n")
	good := writeFile(t, dir, "good.csv", "1,2\n3,4\n5,7\n0,1\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "-data", bad, "-o", filepath.Join(dir, "m.flow")}, 1, "bad.csv:2:3"},
		{[]string{"train", "-data", good, "-arch", "nvp", "-o", filepath.Join(dir, "m.flow")}, 1, "-arch \"nvp\""},
		{[]string{"train", "-data", good}, 2, "-data and -o are required"},
		{[]string{"train", "-data", good, "-epochs", "0", "-o", filepath.Join(dir, "m.flow")}, 2, "-epochs 0: want at least 1"},
		{[]string{"train", "-data", good, "-batch", "0", "-o", filepath.Join(dir, "m.flow")}, 2, "-batch 0"},
		{[]string{"train", "-data", good, "-lr", "0", "-o", filepath.Join(dir, "m.flow")}, 2, "-lr 0"},
		{[]string{"train", "-data", good, "-lr", "NaN", "-o", filepath.Join(dir, "m.flow")}, 2, "-lr NaN"},
		{[]string{"train", "-data", good, "-hidden", "-3", "-o", filepath.Join(dir, "m.flow")}, 2, "-hidden -3"},
		{[]string{"train", "-data", good, "-arch", "nsf", "-bins", "1", "-o", filepath.Join(dir, "m.flow")}, 2, "-bins 1 -tail 3: flowkern: spline Bins = 1"},
		{[]string{"train", "-data", good, "-arch", "nsf", "-tail", "-1", "-o", filepath.Join(dir, "m.flow")}, 2, "spline Bound = -1"},
		{[]string{"train", "-data", good, "-patience", "-1", "-o", filepath.Join(dir, "m.flow")}, 2, "-patience -1"},
		{[]string{"train", "-data", good, "-warmup", "-5", "-o", filepath.Join(dir, "m.flow")}, 2, "-warmup -5"},
		{[]string{"train", "-data", good, "-clip", "-1", "-o", filepath.Join(dir, "m.flow")}, 2, "-clip -1"},
		{[]string{"train", "-data", good, "-clip", "Inf", "-o", filepath.Join(dir, "m.flow")}, 2, "-clip +Inf"},
		{[]string{"train", "-data", good, "-weight-decay", "NaN", "-o", filepath.Join(dir, "m.flow")}, 2, "-weight-decay NaN"},
		{[]string{"train", "-data", good, "-valid-frac", "1", "-o", filepath.Join(dir, "m.flow")}, 2, "-valid-frac 1"},
		{[]string{"train", "-data", good, "-valid-frac", "0", "-o", filepath.Join(dir, "m.flow")}, 2, "-valid-frac 0"},
		{[]string{"train", "-data", good, "-schedule", "step", "-o", filepath.Join(dir, "m.flow")}, 2, "-schedule \"step\""},
		{[]string{"data", "-set", "spiral"}, 1, "unknown data set"},
		{[]string{"demo", "-data", "mixture16"}, 1, "want one of"},
	} {
		var out, errOut strings.Builder
		if code := run(c.args, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("flowkern %s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, errOut.String(), c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m.flow")); err == nil {
		t.Error("a failed training wrote a model")
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	out := runOK(t, "demo", "-n", "400", "-epochs", "2", "-hidden", "8", "-layers", "2", "-out", dir)
	for _, s := range []string{"test log-likelihood", "kernel set", "points/s", "density.png", "samples.png", "loss.png"} {
		if !strings.Contains(out, s) {
			t.Errorf("demo output lacks %q:\n%s", s, out)
		}
	}
	for _, f := range []string{"density.png", "samples.png", "loss.png", "model.flow"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(b) < 100 {
			t.Errorf("%s: %d bytes, %v", f, len(b), err)
		}
		if strings.HasSuffix(f, ".png") && string(b[1:4]) != "PNG" {
			t.Errorf("%s is not a PNG", f)
		}
	}
}
