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
// which changes the result in about one case in 2²⁹ and by one ulp. The
// triangular kernels, which must give a hardware FMA's bits, round
// correctly (subScaled).
func fma[T Float](a, b, c T) T {
	return T(math.FMA(float64(a), float64(b), float64(c)))
}

// offHalfway returns s = a·b+c, rounded to float64 and halfway between two
// float32s, rounded to float32 as a·b+c: s moves one float64 step towards
// the exact a·b+c when it is not exact, as the rounding error of s (TwoSum:
// Knuth, TAOCP vol. 2, §4.2.2) tells.
func offHalfway(s float64, a, b, c32 float32) float32 {
	p, c := float64(a)*float64(b), float64(c32)
	bb := s - p
	e := (p - (s - bb)) + (c - bb)
	switch {
	case e > 0:
		s = math.Nextafter(s, math.Inf(1))
	case e < 0:
		s = math.Nextafter(s, math.Inf(-1))
	}
	return float32(s)
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

// sqrtT is the square root in T's precision, correctly rounded (float32
// through float64 too: 53 ≥ 2·24 + 2 bits make that double rounding
// harmless).
func sqrtT[T Float](x T) T { return T(math.Sqrt(float64(x))) }
