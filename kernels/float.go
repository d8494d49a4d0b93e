package kernels

import (
	"math"
	"unsafe"
)

// Float is the set of element types the kernels accept.
type Float interface {
	~float32 | ~float64
}

// is32 reports whether T is a 4-byte float. It is a constant per
// instantiation, so branches on it are compiled away.
func is32[T Float]() bool {
	var x T
	return unsafe.Sizeof(x) == 4
}

// fma returns a·b+c rounded once, in T's precision.
//
// float32 goes through math.FMA in float64: a·b is exact there, so the only
// difference from a hardware float32 FMA is the double rounding of the sum,
// which changes the result in about one case in 2²⁹ and by one ulp.
func fma[T Float](a, b, c T) T {
	return T(math.FMA(float64(a), float64(b), float64(c)))
}

// mul returns a·b rounded to T. The explicit conversion stops the compiler
// from fusing the product into a following addition (the Go spec allows
// fusion; the SIMD kernels must be able to reproduce every rounding).
func mul[T Float](a, b T) T {
	return T(a * b)
}

// isNaN reports whether x is NaN.
func isNaN[T Float](x T) bool {
	return x != x
}
