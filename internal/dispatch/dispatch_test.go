package dispatch

import (
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	s, why, err := choose("ENV", "")
	if err != nil || !s.Available || !strings.Contains(why, "best available") {
		t.Fatalf(`choose("") = %v, %q, %v; want the best available set`, s.Name, why, err)
	}
	if s != sets[firstAvailable()] {
		t.Fatalf(`choose("") = %s, want %s`, s.Name, sets[firstAvailable()].Name)
	}
	s, why, err = choose("ENV", "generic")
	if err != nil || s.Name != "generic" || !strings.Contains(why, "ENV") {
		t.Fatalf(`choose("generic") = %v, %q, %v`, s, why, err)
	}
	for _, tc := range []struct{ env, want string }{
		{"avx9", "unknown kernel set (known: avx512, avx2, neon, generic)"},
		{"Generic", "unknown kernel set"},
	} {
		_, _, err := choose("ENV", tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "ENV") {
			t.Errorf("choose(%q) error = %v, want one containing %q and the variable's name", tc.env, err, tc.want)
		}
	}
	// A known set that this binary lacks or this CPU cannot run is an
	// error that says which, never a silent fallback.
	for _, name := range Known {
		s, err := Lookup(name)
		if err == nil {
			if !s.Available {
				t.Errorf("Lookup(%q) returned an unavailable set", name)
			}
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "not built into this binary") && !strings.Contains(msg, "lacks") {
			t.Errorf("Lookup(%q) error %q says neither that it is not built in nor what the CPU lacks", name, msg)
		}
	}
}

// TestRegisterAndUse checks that a registered set goes first, that an
// unavailable one cannot be used or selected, and that Use switches.
func TestRegisterAndUse(t *testing.T) {
	saved := sets
	defer func() { sets = saved }()
	Register(&Set{Name: "avx512", Requires: "a CPU it lacks", Available: false})
	Register(&Set{Name: "avx2", Requires: "AVX2", Available: true, F64: Portable[float64](), F32: Portable[float32]()})
	if sets[0].Name != "avx2" || sets[len(sets)-1].Name != "generic" {
		t.Fatalf("registry order %s", builtIn())
	}
	if err := Use("avx512", "test"); err == nil || !strings.Contains(err.Error(), "a CPU it lacks") {
		t.Errorf("Use of an unavailable set: %v", err)
	}
	if err := Use("avx2", "test"); err != nil || Current().Name != "avx2" || Reason() != "test" {
		t.Errorf("Use(avx2): %v, current %s (%s)", err, Current().Name, Reason())
	}
	if err := Select("ENV", ""); err != nil || Current().Name != "avx2" {
		t.Errorf("Select without a name: %v, current %s, want avx2, the best available", err, Current().Name)
	}
	if err := Use("generic", "test"); err != nil {
		t.Fatal(err)
	}
}

func firstAvailable() int {
	for i, s := range sets {
		if s.Available {
			return i
		}
	}
	return -1
}
