package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// TestTrainLogMatchesResult trains through fit with -log and -plot and
// checks the CSV row by row against the run's TrainResult.History (every
// value parses back to the same bits), and that the plot was drawn.
func TestTrainLogMatchesResult(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 2*800)
	for i := 0; i < len(x); i += 2 {
		x[i] = rng.NormFloat64()
		x[i+1] = 0.6*x[i] + 0.4*rng.NormFloat64()
	}
	m, err := flow.RealNVP[float64](2, 2, flow.Network{Hidden: []int{8}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	o := trainOptions{arch: "realnvp", dtype: "float64", layers: 2, hidden: 8, epochs: 5, batch: 100, lr: 3e-3,
		clip: 5, schedule: "constant", validFrac: 0.1, warmup: 4, weightDecay: 1e-4, seed: 3,
		out: filepath.Join(dir, "m.flow"), logPath: filepath.Join(dir, "loss.csv"), plotPath: filepath.Join(dir, "loss.png")}
	var stdout bytes.Buffer
	res, err := fit(context.Background(), m, rows[float64]{x: x}, rows[float64]{}, rows[float64]{}, o, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(o.logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != epochLogHeader || len(lines) != len(res.History)+1 || len(res.History) != 5 {
		t.Fatalf("log:\n%s\nfor %d records", b, len(res.History))
	}
	for i, r := range res.History {
		f := strings.Split(lines[i+1], ",")
		num := func(k int) float64 {
			v, err := strconv.ParseFloat(f[k], 64)
			if err != nil {
				t.Fatalf("line %d: %v", i+2, err)
			}
			return v
		}
		if len(f) != 8 || f[0] != strconv.Itoa(r.Epoch) || f[1] != strconv.Itoa(r.Steps) ||
			num(2) != r.TrainNLL || num(3) != r.ValidNLL || num(4) != r.LR || num(5) != r.GradNorm ||
			num(6) != r.SamplesPerSec || num(7) != r.Elapsed.Seconds() {
			t.Errorf("line %d %q, record %+v", i+2, lines[i+1], r)
		}
	}
	// The options reached the trainer: a constant rate after 4 warm-up steps.
	if r := res.History[len(res.History)-1]; r.LR != 3e-3 || res.History[0].LR != 3e-3 {
		t.Errorf("learning rates %v … %v, want the constant 3e-3 after warm-up", res.History[0].LR, r.LR)
	}
	if st, err := os.Stat(o.plotPath); err != nil || st.Size() < 1000 {
		t.Errorf("loss plot: %v %v", st, err)
	}
}
