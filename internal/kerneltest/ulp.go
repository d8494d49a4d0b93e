package kerneltest

import (
	"math"
	"math/big"
	"unsafe"

	"github.com/flowkern/flowkern/kernels"
)

// Float is the set of element types under test.
type Float = kernels.Float

// Is32 reports whether T is float32-sized.
func Is32[T Float]() bool {
	var x T
	return unsafe.Sizeof(x) == 4
}

// Eps returns the machine epsilon of T (2^-52 or 2^-23).
func Eps[T Float]() float64 {
	if Is32[T]() {
		return 0x1p-23
	}
	return 0x1p-52
}

// ordinal maps a float to an integer that orders like the float, with
// adjacent floats one apart and −0 = +0.
func ordinal[T Float](x T) int64 {
	if Is32[T]() {
		b := int32(math.Float32bits(float32(x)))
		if b < 0 {
			b = math.MinInt32 - b
		}
		return int64(b)
	}
	b := int64(math.Float64bits(float64(x)))
	if b < 0 {
		b = math.MinInt64 - b
	}
	return b
}

// ULPDist returns how many floats of type T lie between a and b, counting
// one end: 0 when equal (and for two NaNs), 1 for neighbours, and
// math.MaxUint64 when exactly one is NaN. −0 and +0 are 0 apart.
func ULPDist[T Float](a, b T) uint64 {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an || bn:
		return math.MaxUint64
	}
	d := ordinal(a) - ordinal(b)
	if d < 0 {
		return uint64(-d)
	}
	return uint64(d)
}

// ErrULP returns |got − ref| in units of the ulp of T at ref: the fractional
// error against a reference more precise than T.
func ErrULP[T Float](got T, ref *big.Float) float64 {
	r, _ := ref.Float64()
	if Is32[T]() {
		r = float64(float32(r))
	}
	if math.IsInf(r, 0) || math.IsInf(float64(got), 0) {
		if float64(got) == r {
			return 0
		}
		return math.Inf(1)
	}
	diff := new(big.Float).SetPrec(bigPrec).Sub(newBig(float64(got)), ref)
	d, _ := diff.Float64()
	return math.Abs(d) / ulpAt[T](r)
}

// ulpAt returns the spacing of T's floats at |r|: the smaller of the gaps
// above and below, so that at a power of two the error is never understated.
func ulpAt[T Float](r float64) float64 {
	a := math.Abs(r)
	if Is32[T]() {
		f := float32(a)
		up := math.Nextafter32(f, float32(math.Inf(1))) - f
		down := f - math.Nextafter32(f, 0)
		if f == 0 {
			down = up
		}
		return float64(min(up, down))
	}
	up := math.Nextafter(a, math.Inf(1)) - a
	down := a - math.Nextafter(a, 0)
	if a == 0 {
		down = up
	}
	return min(up, down)
}
