package flow

import (
	"strings"
	"testing"
)

// unregistered is a layer that says it is savable under a kind nobody
// registered.
type unregistered struct{ Permutation[float64] }

func (*unregistered) LayerKind() string              { return "test.unregistered" }
func (*unregistered) MarshalConfig() ([]byte, error) { return []byte("{}"), nil }

// TestLayerRegistry checks the registry's refusals: a built-in, empty or
// repeated kind panics; a layer of an unregistered kind, or one that is
// not savable, cannot be saved; a file naming a kind registered for
// another element type cannot be read.
func TestLayerRegistry(t *testing.T) {
	build := func(dim int, _ []byte) (Layer[float32], error) { return NewReverse[float32](dim) }
	for _, kind := range []string{"", "coupling", "test.twice"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterLayer(%q): no panic", kind)
				}
			}()
			if kind == "test.twice" {
				RegisterLayer("test.twice", build)
			}
			RegisterLayer(kind, build)
		}()
	}
	base, _ := NewStandardNormal[float64](2)
	p, _ := NewReverse[float64](2)
	m, _ := NewModel[float64](base, &unregistered{*p})
	if _, err := m.MarshalBinary(); err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("saving an unregistered kind: %v", err)
	}
	m, _ = NewModel[float64](base, struct{ Layer[float64] }{p})
	if _, err := m.MarshalBinary(); err == nil || !strings.Contains(err.Error(), "SavableLayer") {
		t.Errorf("saving a layer that is not savable: %v", err)
	}
	// A float32 registration does not make float64 files readable.
	m, _ = NewModel[float64](base, p)
	good, _ := m.MarshalBinary()
	bad := withSpec(t, good, func(s *modelSpec) { s.Layers[0].Kind, s.Layers[0].Config = "test.twice", []byte("{}") })
	if _, err := UnmarshalModel[float64](bad); err == nil || !strings.Contains(err.Error(), "unknown layer kind") {
		t.Errorf("a kind registered for float32 only, read as float64: %v", err)
	}
	if _, err := UnmarshalModel[float32](bad); err != nil {
		t.Errorf("the same file as float32: %v", err)
	}
}
