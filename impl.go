package flowkern

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// EnvImpl is the environment variable that names the kernel set to use
// instead of the fastest available one.
const EnvImpl = "FLOWKERN_IMPL"

// knownImpls are the kernel sets flowkern has on some architecture, best
// first; a binary holds those of its architecture and build tags.
var knownImpls = []string{"avx512", "avx2", "neon", "generic"}

// registry holds the kernel sets built into this binary, best first. The
// portable set is always last and always available.
var registry = []*kernelSet{{
	name:      "generic",
	requires:  "nothing (portable Go)",
	available: true,
	f64:       portable[float64](),
	f32:       portable[float32](),
}}

// selected is the kernel set in use and why it was chosen.
type selected struct {
	set *kernelSet
	why string
}

var active atomic.Pointer[selected]

func init() {
	s, why, err := choose(os.Getenv(EnvImpl))
	if err != nil {
		panic("flowkern: " + err.Error())
	}
	active.Store(&selected{s, why})
}

// current returns the kernel set in use.
func current() *kernelSet {
	return active.Load().set
}

// choose returns the kernel set that env (the value of FLOWKERN_IMPL) asks
// for, or the best available one when env is empty, with the reason.
func choose(env string) (*kernelSet, string, error) {
	if env == "" {
		for _, s := range registry {
			if s.available {
				return s, "best available on this CPU", nil
			}
		}
	}
	s, err := lookup(env)
	if err != nil {
		return nil, "", fmt.Errorf("%s=%q: %w", EnvImpl, env, err)
	}
	return s, fmt.Sprintf("forced by %s", EnvImpl), nil
}

// lookup returns the built-in, available kernel set called name.
func lookup(name string) (*kernelSet, error) {
	for _, s := range registry {
		if s.name != name {
			continue
		}
		if !s.available {
			return nil, fmt.Errorf("kernel set %s needs %s, which this CPU or OS lacks", name, s.requires)
		}
		return s, nil
	}
	for _, k := range knownImpls {
		if k == name {
			return nil, fmt.Errorf("kernel set %s is not built into this binary (built in: %s)", name, builtIn())
		}
	}
	return nil, fmt.Errorf("unknown kernel set (known: %s)", strings.Join(knownImpls, ", "))
}

func builtIn() string {
	names := make([]string, len(registry))
	for i, s := range registry {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// ImplInfo describes a kernel set built into this binary.
type ImplInfo struct {
	Name      string // generic, avx2, avx512 or neon
	Requires  string // the CPU features it needs
	Available bool   // whether this CPU and OS provide them
}

// Impls returns the kernel sets built into this binary, fastest first.
func Impls() []ImplInfo {
	out := make([]ImplInfo, len(registry))
	for i, s := range registry {
		out[i] = ImplInfo{Name: s.name, Requires: s.requires, Available: s.available}
	}
	return out
}

// Impl returns the name of the kernel set in use.
func Impl() string {
	return current().name
}

// ImplReason says why the kernel set in use was chosen.
func ImplReason() string {
	return active.Load().why
}

// Use switches every kernel to the kernel set called name, for tests and
// benchmarks that compare sets in one process. It returns an error, and
// changes nothing, if name is not built in or this CPU cannot run it. Calls
// already running finish with the set they started with.
func Use(name string) error {
	s, err := lookup(name)
	if err != nil {
		return fmt.Errorf("flowkern.Use(%q): %w", name, err)
	}
	active.Store(&selected{s, "set by flowkern.Use"})
	return nil
}
