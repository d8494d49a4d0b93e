package flow

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestArchitectureFitsElementType checks that every float field of an
// architecture is validated against the element type the model runs in:
// a clamp or ε that float32 cannot hold is refused by the constructors and
// by the loader (a model file written as float64 and read as float32),
// instead of loading and then panicking in a kernel or computing NaN.
func TestArchitectureFitsElementType(t *testing.T) {
	for _, c := range []struct {
		name string
		net  Network
	}{
		{"clamp beyond float32", Network{Hidden: []int{4}, Clamp: 1e39}},
		{"clamp whose reciprocal overflows float32", Network{Hidden: []int{4}, Clamp: 1e-45}},
		{"sigmoid ε zero in float32", Network{Hidden: []int{4}, Scale: ScaleSigmoid, Eps: 1e-50}},
	} {
		if _, err := RealNVP[float32](2, 2, c.net, newRand(1)); err == nil || !strings.Contains(err.Error(), "float32") {
			t.Errorf("RealNVP[float32], %s: error %v, want one naming float32", c.name, err)
		}
		if _, err := MAF[float32](2, 2, c.net, newRand(1)); err == nil {
			t.Errorf("MAF[float32], %s: no error", c.name)
		}
		m, err := RealNVP[float64](2, 2, c.net, newRand(1))
		if err != nil {
			t.Fatalf("RealNVP[float64], %s: %v", c.name, err)
		}
		data, err := m.MarshalBinary()
		checkNoErr(t, err)
		if _, err := UnmarshalModel[float32](data); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "float32") {
			t.Errorf("a float64 file with a %s, read as float32: error %v, want ErrCorrupt naming float32", c.name, err)
		}
		if _, err := UnmarshalModel[float64](data); err != nil {
			t.Errorf("the same file read as float64: %v", err)
		}
	}
}

// TestFullNormalRefusesWhatItCannotHold checks NewFullNormal's refusals: a
// non-finite mean, an asymmetric covariance (its Cholesky factorisation
// reads one triangle only) and a factor the element type cannot hold.
func TestFullNormalRefusesWhatItCannotHold(t *testing.T) {
	id := []float64{1, 0, 0, 1}
	if _, err := NewFullNormal[float64]([]float64{math.NaN(), 0}, id); err == nil {
		t.Error("a NaN mean was accepted")
	}
	if _, err := NewFullNormal[float32]([]float64{1e39, 0}, id); err == nil {
		t.Error("a mean beyond float32 was accepted as float32")
	}
	if _, err := NewFullNormal[float64]([]float64{0, 0}, []float64{1, 0.5, -0.5, 1}); err == nil || !strings.Contains(err.Error(), "symmetric") {
		t.Errorf("an asymmetric covariance: %v", err)
	}
	tiny := []float64{1e-100, 0, 0, 1}
	if _, err := NewFullNormal[float32]([]float64{0, 0}, tiny); err == nil {
		t.Error("a variance of 1e-100 was accepted as float32 (its factor is zero there)")
	}
	b, err := NewFullNormal[float64]([]float64{0, 0}, tiny)
	checkNoErr(t, err)
	lp := make([]float64, 1)
	var ws Workspace[float64]
	b.LogProb(lp, []float64{0, 0}, &ws)
	if !finite(lp[0]) {
		t.Errorf("the float64 base with variance 1e-100 gives log p(0) = %v", lp[0])
	}
}
