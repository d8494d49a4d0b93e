package flowkern

import (
	"fmt"
	"os"
	"runtime"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"

	"github.com/flowkern/flowkern/internal/dispatch"
)

// EnvImpl is the environment variable that names the kernel set to use
// instead of the fastest available one: generic, avx2, avx512 or neon.
const EnvImpl = "FLOWKERN_IMPL"

// implErr is what was wrong with EnvImpl's value, if anything.
var implErr error

// The kernel sets of the architecture are registered by package-level
// initializers (kernels_<arch>.go), which run before this init selects one.
// A value of EnvImpl that names no set this binary and CPU can run is not
// a panic here, before any caller could report it: it is kept for
// ImplError, and the fastest available set runs meanwhile.
func init() {
	env := os.Getenv(EnvImpl)
	if err := dispatch.Select(EnvImpl, env); err != nil {
		implErr = fmt.Errorf("flowkern: %w", err)
		if err := dispatch.Select(EnvImpl, ""); err != nil {
			panic("flowkern: no kernel set available: " + err.Error()) // the generic set always is
		}
		dispatch.Use(dispatch.Current().Name, fmt.Sprintf("best available on this CPU; %s=%q ignored: not a set it can run (see ImplError)", EnvImpl, env))
	}
}

// ImplError returns, when the environment variable FLOWKERN_IMPL names a
// kernel set that is unknown, not built into this binary or that this CPU
// cannot run, an error saying which; nil otherwise. The kernels then run
// on the fastest available set, which Diagnose reports with the reason.
// A program that lets its users force a set should check ImplError when it
// starts and stop with the error, as the flowkern command does.
func ImplError() error { return implErr }

// Impl returns the name of the kernel set in use: avx512, avx2, neon or
// generic.
func Impl() string { return dispatch.Current().Name }

// Use switches every kernel to the kernel set called name, for tests and
// benchmarks that compare sets in one process. It returns an error, and
// changes nothing, if name is not built in or this CPU cannot run it.
// Calls already running finish with the set they started with.
func Use(name string) error {
	if err := dispatch.Use(name, "set by flowkern.Use"); err != nil {
		return fmt.Errorf("flowkern.Use(%q): %w", name, err)
	}
	return nil
}

// KernelSet describes a kernel set built into this binary.
type KernelSet struct {
	Name      string // generic, avx2, avx512 or neon
	Requires  string // the CPU features it needs
	Available bool   // whether this CPU and OS provide them
}

// Diagnostics is what flowkern sees of the machine and what it runs there.
type Diagnostics struct {
	Arch     string      // runtime.GOARCH
	CPU      string      // the processor's name, when it reports one
	Features []string    // the features kernel sets look at that this CPU and OS provide
	Assembly bool        // whether this binary holds assembly kernels (false under the purego and noasm tags)
	Sets     []KernelSet // the kernel sets built into this binary, fastest first
	Impl     string      // the kernel set in use
	Reason   string      // why it is in use
}

// Diagnose reports the CPU's features, the kernel sets built in and the
// one in use, with the reason. On x86 the features come from cpuid, which
// also checks that the OS saves the vector registers (YMM for AVX2, ZMM for
// AVX-512); on arm64 from the OS's hardware capabilities.
func Diagnose() Diagnostics {
	d := Diagnostics{Arch: runtime.GOARCH, CPU: cpuid.CPU.BrandName, Assembly: assemblyBuilt,
		Impl: dispatch.Current().Name, Reason: dispatch.Reason()}
	switch runtime.GOARCH {
	case "amd64", "386":
		for _, f := range []cpuid.FeatureID{cpuid.SSE2, cpuid.AVX, cpuid.AVX2, cpuid.FMA3,
			cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512DQ, cpuid.AVX512BW} {
			if cpuid.CPU.Supports(f) {
				d.Features = append(d.Features, f.String())
			}
		}
	case "arm64":
		for _, f := range []struct {
			name string
			has  bool
		}{{"FP", cpu.ARM64.HasFP}, {"ASIMD", cpu.ARM64.HasASIMD}, {"FPHP", cpu.ARM64.HasFPHP}, {"SVE", cpu.ARM64.HasSVE}} {
			if f.has {
				d.Features = append(d.Features, f.name)
			}
		}
	}
	for _, s := range dispatch.Sets() {
		d.Sets = append(d.Sets, KernelSet{Name: s.Name, Requires: s.Requires, Available: s.Available})
	}
	return d
}
