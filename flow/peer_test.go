package flow

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestMatchesPyTorch loads the weights of the PyTorch RealNVP of
// bench/peers/peers.py (written by testdata/torch_realnvp.py) and checks our
// loss against PyTorch's. That model puts the affine map x₂·exp(s) + t on
// the density side, where this package (as TFP and distrax) puts
// (x₂ − t)·exp(−s); so it is ours with every coupling's Forward used as its
// density direction.
func TestMatchesPyTorch(t *testing.T) {
	var d struct {
		X      []float64
		Layers [][]struct{ W, B []float64 }
		Loss   float64
	}
	b, err := os.ReadFile(filepath.Join("testdata", "torch_realnvp.json"))
	checkNoErr(t, err)
	checkNoErr(t, json.Unmarshal(b, &d))
	const dim = 6
	couplings := make([]Layer[float64], len(d.Layers))
	for i := range d.Layers {
		c, err := NewAffineCoupling[float64](dim, MaskHalves(dim, i), Network{Hidden: []int{8, 8}}, newRand(1))
		checkNoErr(t, err)
		ps := c.Params()
		for k, lin := range d.Layers[i] {
			copy(ps[2*k].Value, lin.W)
			copy(ps[2*k+1].Value, lin.B)
		}
		c.Refresh()
		couplings[i] = &Inverted[float64]{c}
	}
	base, _ := NewStandardNormal[float64](dim)
	m, err := NewModel(base, couplings...)
	checkNoErr(t, err)
	lp := make([]float64, len(d.X)/dim)
	checkNoErr(t, m.LogProb(lp, d.X))
	var loss float64
	for _, v := range lp {
		loss -= v / float64(len(lp))
	}
	if relErr(loss, d.Loss) > 1e-13 {
		t.Errorf("mean NLL %.17g, PyTorch's %.17g", loss, d.Loss)
	}
}
