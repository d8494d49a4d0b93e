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
	if math.IsInf(r, 0) || math.IsInf(float64(got), 0) {
		if float64(got) == r {
			return 0
		}
		return math.Inf(1)
	}
	// Divide before converting: a subnormal difference would be quantized.
	diff := new(big.Float).SetPrec(bigPrec).Sub(newBig(float64(got)), ref)
	d, _ := diff.Quo(diff, newBig(ULPOf[T](r))).Float64()
	return math.Abs(d)
}

// ErrULP32 is ErrULP for a float32 result against a float64 reference,
// which is exact to far below a float32 ulp, without math/big.
func ErrULP32(got float32, ref float64) float64 {
	if math.IsInf(ref, 0) || math.IsInf(float64(got), 0) {
		if float64(got) == ref {
			return 0
		}
		return math.Inf(1)
	}
	return math.Abs(float64(got)-ref) / ULPOf[float32](ref)
}

// ULPOf returns the ulp of T in the binade of the real number r: 2^(e−p+1)
// for 2^e ≤ |r| < 2^(e+1) and precision p, and the subnormal spacing below
// the smallest normal.
func ULPOf[T Float](r float64) float64 {
	_, e := math.Frexp(math.Abs(r)) // |r| = m·2^e, m in [1/2, 1)
	if Is32[T]() {
		return math.Ldexp(1, max(e-24, -149))
	}
	return math.Ldexp(1, max(e-53, -1074))
}
