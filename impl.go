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

// The kernel sets of the architecture are registered by package-level
// initializers (kernels_<arch>.go), which run before this init selects one.
func init() {
	if err := dispatch.Select(EnvImpl, os.Getenv(EnvImpl)); err != nil {
		panic("flowkern: " + err.Error())
	}
}

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
