package flowkern

import (
	"strings"
	"testing"
)

func TestChooseFromEnvironment(t *testing.T) {
	s, why, err := choose("")
	if err != nil || !s.available || !strings.Contains(why, "best available") {
		t.Fatalf(`choose("") = %v, %q, %v; want the best available set`, s.name, why, err)
	}
	if s != registry[firstAvailable()] {
		t.Fatalf(`choose("") = %s, want %s`, s.name, registry[firstAvailable()].name)
	}
	s, why, err = choose("generic")
	if err != nil || s.name != "generic" || !strings.Contains(why, EnvImpl) {
		t.Fatalf(`choose("generic") = %v, %q, %v`, s, why, err)
	}
	for _, tc := range []struct{ env, want string }{
		{"avx9", "unknown kernel set (known: avx512, avx2, neon, generic)"},
		{"Generic", "unknown kernel set"},
	} {
		_, _, err := choose(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), EnvImpl) {
			t.Errorf("choose(%q) error = %v, want one containing %q and %s", tc.env, err, tc.want, EnvImpl)
		}
	}
	// A known set that this binary lacks or this CPU cannot run is an
	// error that says which, never a silent fallback.
	for _, name := range knownImpls {
		s, err := lookup(name)
		if err == nil {
			if !s.available {
				t.Errorf("lookup(%q) returned an unavailable set", name)
			}
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "not built into this binary") && !strings.Contains(msg, "lacks") {
			t.Errorf("lookup(%q) error %q says neither that it is not built in nor what the CPU lacks", name, msg)
		}
	}
}

func firstAvailable() int {
	for i, s := range registry {
		if s.available {
			return i
		}
	}
	return -1
}
