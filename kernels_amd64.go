//go:build amd64 && gc && !purego && !noasm

package flowkern

import "github.com/klauspost/cpuid/v2"

//go:generate go run -C gen ./amd64 -pkg flowkern -out ../kernels_amd64.s -stubs ../kernels_amd64_stubs.go

// The amd64 kernel sets. cpuid reports AVX and AVX-512 features only when
// the OS saves the registers they need (XCR0), so these checks include OS
// support. Kernels not yet in assembly stay portable.
func init() {
	register(&kernelSet{
		name:      "avx2",
		requires:  "AVX2 and FMA",
		available: cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3),
		f64:       withAsm(portable[float64](), expAvx2F64, logAvx2F64, tanhAvx2F64),
		f32:       withAsm(portable[float32](), expAvx2F32, logAvx2F32, tanhAvx2F32),
	})
	register(&kernelSet{
		name:      "avx512",
		requires:  "AVX-512 F, VL, DQ and BW",
		available: cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.FMA3),
		f64:       withAsm(portable[float64](), expAvx512F64, logAvx512F64, tanhAvx512F64),
		f32:       withAsm(portable[float32](), expAvx512F32, logAvx512F32, tanhAvx512F32),
	})
}

// withAsm returns fs with the assembly kernels given in place of the
// portable ones, each wrapped so that the race detector sees its memory
// accesses.
func withAsm[T float32 | float64](fs funcs[T], exp, log, tanh func(dst, x []T)) funcs[T] {
	fs.exp, fs.log, fs.tanh = unaryAsm(exp), unaryAsm(log), unaryAsm(tanh)
	return fs
}

// unaryAsm wraps an elementwise assembly kernel with race annotations.
func unaryAsm[T float32 | float64](f func(dst, x []T)) func(dst, x []T) {
	return func(dst, x []T) {
		raceRead(x[:len(dst)])
		raceWrite(dst)
		f(dst, x)
	}
}
