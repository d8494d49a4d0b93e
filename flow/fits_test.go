package flow

import (
	"bytes"
	"encoding/binary"
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

// TestLoadRejectsInconsistentFiles checks two files with valid checksums
// that no writer of this format produces: bytes after the architecture's
// JSON, and a float32 model holding a value float32 cannot represent
// (read as float64, it would load without a word).
func TestLoadRejectsInconsistentFiles(t *testing.T) {
	m, err := RealNVP[float32](2, 1, Network{Hidden: []int{3}}, newRand(1))
	checkNoErr(t, err)
	good, err := m.MarshalBinary()
	checkNoErr(t, err)
	specLen := binary.LittleEndian.Uint32(good[12:])
	trailing := bytes.Clone(good[:16+specLen])
	trailing = append(trailing, []byte(` {"extra":1}`)...)
	binary.LittleEndian.PutUint32(trailing[12:], specLen+12)
	trailing = resum(append(append(trailing, good[16+specLen:len(good)-4]...), 0, 0, 0, 0))
	if _, err := UnmarshalModel[float32](trailing); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "after the description") {
		t.Errorf("bytes after the architecture: %v", err)
	}
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint64(huge[len(huge)-4-8:], math.Float64bits(1e300)) // the last parameter
	huge = resum(huge)
	for _, read := range []func([]byte) error{
		func(b []byte) error { _, err := UnmarshalModel[float64](b); return err },
		func(b []byte) error { _, err := UnmarshalModel[float32](b); return err },
	} {
		if err := read(huge); !errors.Is(err, ErrCorrupt) {
			t.Errorf("a float32 file holding 1e300: %v", err)
		}
	}
	if _, err := UnmarshalModel[float64](good); err != nil {
		t.Errorf("the float32 file itself, read as float64: %v", err)
	}
}
