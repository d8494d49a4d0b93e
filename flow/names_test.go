package flow

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestNames checks SetNames' rules, that model files keep the names (as
// version 3, written only for a model with names), and that a version 2
// file holding names is refused.
func TestNames(t *testing.T) {
	m, err := RealNVP[float64](2, 2, Network{Hidden: []int{4}}, newRand(1))
	checkNoErr(t, err)
	for _, c := range []struct {
		names []string
		want  string
	}{
		{[]string{"a"}, "1 names for 2 columns"},
		{[]string{"a", ""}, "column 2: empty name"},
		{[]string{"a", "a"}, "columns 1 and 2 are both named"},
		{[]string{"a", "b\nc"}, "control character"},
		{[]string{"a", "\xff"}, "not valid UTF-8"},
		{[]string{"a", strings.Repeat("x", 257)}, "257 bytes"},
	} {
		if err := m.SetNames(c.names); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetNames(%q): %v, want %q", c.names, err, c.want)
		}
	}
	plain, err := m.MarshalBinary()
	checkNoErr(t, err)
	if v := binary.LittleEndian.Uint32(plain[8:]); v != 1 {
		t.Errorf("a model without names written as version %d", v)
	}
	names := []string{"height (cm)", "weight, kg"}
	checkNoErr(t, m.SetNames(names))
	data, err := m.MarshalBinary()
	checkNoErr(t, err)
	if v := binary.LittleEndian.Uint32(data[8:]); v != 3 {
		t.Errorf("a model with names written as version %d", v)
	}
	back, err := UnmarshalModel[float64](data)
	checkNoErr(t, err)
	if !slices.Equal(back.Names(), names) {
		t.Errorf("names %q came back as %q", names, back.Names())
	}
	v2 := resum(append(append(slices.Clone(data[:8]), 2, 0, 0, 0), data[12:]...))
	if _, err := UnmarshalModel[float64](v2); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "column names in a version 2 file") {
		t.Errorf("names in a version 2 file: %v", err)
	}
	bad := withSpec(t, data, func(s *modelSpec) { s.Names = []string{"x", "x"} })
	if _, err := UnmarshalModel[float64](bad); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "both named") {
		t.Errorf("duplicate names in a file: %v", err)
	}
	checkNoErr(t, m.SetNames(nil))
	if m.Names() != nil {
		t.Error("SetNames(nil) kept the names")
	}
}
