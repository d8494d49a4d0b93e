package flowkern

import (
	"runtime"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// CPUInfo describes the processor as flowkern sees it.
type CPUInfo struct {
	Arch     string   // runtime.GOARCH
	Brand    string   // the processor's name, when it reports one
	Features []string // the features kernel sets look at that this CPU and OS provide
}

// CPU returns what flowkern detected about the processor. On x86 the
// features come from cpuid, which also checks that the OS saves the vector
// registers (YMM for AVX2, ZMM for AVX-512); on arm64 from the OS's hardware
// capabilities through golang.org/x/sys/cpu.
func CPU() CPUInfo {
	info := CPUInfo{Arch: runtime.GOARCH, Brand: cpuid.CPU.BrandName}
	switch runtime.GOARCH {
	case "amd64", "386":
		for _, f := range []cpuid.FeatureID{cpuid.SSE2, cpuid.AVX, cpuid.AVX2, cpuid.FMA3,
			cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512DQ, cpuid.AVX512BW} {
			if cpuid.CPU.Supports(f) {
				info.Features = append(info.Features, f.String())
			}
		}
	case "arm64":
		for _, f := range []struct {
			name string
			has  bool
		}{{"FP", cpu.ARM64.HasFP}, {"ASIMD", cpu.ARM64.HasASIMD}, {"FPHP", cpu.ARM64.HasFPHP}, {"SVE", cpu.ARM64.HasSVE}} {
			if f.has {
				info.Features = append(info.Features, f.name)
			}
		}
	}
	return info
}

// AssemblyBuilt reports whether this binary may hold assembly kernels: false
// under the purego and noasm build tags.
func AssemblyBuilt() bool {
	return assemblyBuilt
}
