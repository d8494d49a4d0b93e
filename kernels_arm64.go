//go:build arm64 && gc && !purego && !noasm

package flowkern

import (
	"golang.org/x/sys/cpu"

	"github.com/flowkern/flowkern/kernels"
)

// The NEON kernel set. ASIMD is architectural on arm64, but it is read
// from the OS's hardware capabilities all the same. Kernels not yet in
// assembly stay portable.
func init() {
	f64, f32 := portable[float64](), portable[float32]()
	f64.exp = wholeVectors(expNeonF64, kernels.Exp[float64], 2)
	f32.exp = wholeVectors(expNeonF32, kernels.Exp[float32], 4)
	f64.log = wholeVectors(logNeonF64, kernels.Log[float64], 2)
	f32.log = wholeVectors(logNeonF32, kernels.Log[float32], 4)
	f64.tanh = wholeVectors(tanhNeonF64, kernels.Tanh[float64], 2)
	f32.tanh = wholeVectors(tanhNeonF32, kernels.Tanh[float32], 4)
	register(&kernelSet{
		name:      "neon",
		requires:  "ASIMD (NEON)",
		available: cpu.ARM64.HasASIMD,
		f64:       f64,
		f32:       f32,
	})
}

// wholeVectors runs an elementwise NEON kernel over the whole vectors of
// the slice and the portable kernel — the same formula — over the last
// len(dst) mod lanes elements, so no load or store passes the slice's end.
func wholeVectors[T float32 | float64](asm, tail func(dst, x []T), lanes int) func(dst, x []T) {
	return func(dst, x []T) {
		n := len(dst) - len(dst)%lanes
		raceRead(x[:n])
		raceWrite(dst[:n])
		asm(dst[:n], x[:n])
		tail(dst[n:], x[n:len(dst)])
	}
}
