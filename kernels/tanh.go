package kernels

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"
)

// Hyperbolic tangent in two ranges, both as in the Cephes library (S. L.
// Moshier, tanh.c and tanhf.c), whose published coefficients internal/algo holds:
//
//   - |x| < 0.625: tanh x = x + x·s·P(s)/Q(s), s = x², with P of degree 2
//     and Q of degree 3 (float64); x + x·s·P(s) with P of degree 4
//     (float32).
//   - |x| ≥ 0.625: tanh|x| = 1 − 2/(exp(2|x|) + 1), well conditioned there.
//
// |x| is clamped first at a point beyond which tanh rounds to ±1 (20 for
// float64, 10 for float32), so exp never overflows; the sign is copied back
// last, so tanh(−0) = −0. The SIMD kernels evaluate both ranges and select,
// sharing one division between the float64 rational and 2/(e+1).

// tanh64 is tanh for one float64, within 2 ulp of the true value.
func tanh64(x float64) float64 {
	if isNaN(x) {
		return x
	}
	a := min(math.Abs(x), algo.TanhClamp64)
	var t float64
	if a < algo.TanhSplit {
		s := mul(a, a)
		num := mul(mul(a, s), math.FMA(math.FMA(algo.TanhP0, s, algo.TanhP1), s, algo.TanhP2))
		den := math.FMA(math.FMA(s+algo.TanhQ0, s, algo.TanhQ1), s, algo.TanhQ2)
		t = a + num/den
	} else {
		t = 1 - 2/(exp64(2*a)+1)
	}
	return math.Copysign(t, x)
}

// tanh32 is tanh for one float32, within 2 ulp of the true value.
func tanh32(x float32) float32 {
	if isNaN(x) {
		return x
	}
	a := min(float32(math.Abs(float64(x))), algo.TanhClamp32)
	var t float32
	if a < algo.TanhSplit {
		s := mul(a, a)
		p := fma(fma(fma(fma(algo.TanhfP0, s, algo.TanhfP1), s, algo.TanhfP2), s, algo.TanhfP3), s, algo.TanhfP4)
		t = fma(mul(p, s), a, a)
	} else {
		t = 1 - 2/(exp32(2*a)+1)
	}
	return float32(math.Copysign(float64(t), float64(x)))
}

// tanhT is tanh in T's precision.
func tanhT[T Float](x T) T {
	if is32[T]() {
		return T(tanh32(float32(x)))
	}
	return T(tanh64(float64(x)))
}

// Tanh sets dst[i] = tanh(x[i]) for i < len(dst); len(x) ≥ len(dst).
//
// Within 2 ulp of the true value for float64 and float32. Special values as
// math.Tanh: tanh(±0) = ±0, tanh(±Inf) = ±1, tanh(NaN) = NaN. dst may be x
// itself.
func Tanh[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = tanhT(v)
	}
}
