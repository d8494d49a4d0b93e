package kernels

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"
)

// Exponential: x = k·ln2 + r (Cody–Waite, two-constant ln2), exp(r) by a
// polynomial, 2^k built in the exponent bits.
//
// k is rounded with the "shift" trick the SIMD kernels need (AVX2 has no
// packed float64→int64 conversion): z = fma(x, 1/ln2, shift) holds k in its
// low mantissa bits, and z − shift is k exactly.
//
// float64 exp takes k in eighths (exp64, internal/algo's eighths: |r| ≤
// ln2/16, 2^(j/8) from a table, a polynomial of degree 7). float32 exp and
// expm1 take whole k, |r| ≤ ln2/2, and exp(r) ≈ 1 + r + r²·Q(r), a minimax
// polynomial of degree 11 (float64, expm1) and 6 (float32) whose error is
// at most 0.034 and 0.054 ulp (internal/algo, computed by gen/remez).
//
// 2^k is applied as 2^(k>>1) · 2^(k−k>>1), two exact scalings while the result
// is normal, so subnormal results come out rounded once, like math.Exp's.
//
// The argument is clamped to [algo.ExpLo64, algo.ExpHi64] (float32: Lo32,
// Hi32) instead of tested against thresholds: overflow to +Inf and underflow
// to 0 then happen in the final scaling, which costs the SIMD kernels two
// min/max instead of three compare-and-selects.

// expReduce64 returns k and r with x = k·ln2 + r, |r| ≤ ln2/2 (+ rounding).
func expReduce64(x float64) (k, r float64) {
	k = math.FMA(x, algo.Log2E, algo.Shift64) - algo.Shift64
	r = math.FMA(-k, algo.Ln2Hi64, x)
	r = math.FMA(-k, algo.Ln2Lo64, r)
	return k, r
}

// expm1Poly64 returns Q(r) ≈ (exp(r) − 1 − r)/r², of degree 9, by Horner's
// rule with fused multiply-adds.
func expm1Poly64(r float64) float64 {
	p := math.FMA(algo.ExpQ9_64, r, algo.ExpQ8_64)
	p = math.FMA(p, r, algo.ExpQ7_64)
	p = math.FMA(p, r, algo.ExpQ6_64)
	p = math.FMA(p, r, algo.ExpQ5_64)
	p = math.FMA(p, r, algo.ExpQ4_64)
	p = math.FMA(p, r, algo.ExpQ3_64)
	p = math.FMA(p, r, algo.ExpQ2_64)
	p = math.FMA(p, r, algo.ExpQ1_64)
	return math.FMA(p, r, algo.ExpQ0_64)
}

// clamp returns x limited to [lo, hi] for a non-NaN x: plain comparisons,
// cheaper than the min and max builtins, which must order ±0 and NaN.
func clamp[T Float](x, lo, hi T) T {
	if x > hi {
		return hi
	}
	if x < lo {
		return lo
	}
	return x
}

// exp64 is exp for one float64, within 1 ulp of the true value (0.59
// measured). It reduces by eighths of ln2 (internal/algo's eighths):
// x = (m/8)·ln2 + r, exp(x) = 2^(m>>3) · T·exp(r), T = 2^((m&7)/8) =
// hi·(1 + rel) from tables, and T·exp(r) ≈ hi + hi·(rel + r·a), a = (exp(r)
// − 1)/r, so the last fused multiply-add's rounding is the only large one
// (the term rel·(exp(r) − 1) left out is below 0.03 ulp).
func exp64(x float64) float64 {
	if isNaN(x) {
		return x
	}
	x = clamp(x, algo.ExpLo64, algo.ExpHi64)
	z := math.FMA(x, algo.Log2E, algo.ExpTabShift64) // m/8, m in z's low bits
	k := z - algo.ExpTabShift64
	r := math.FMA(-k, algo.Ln2Hi64, x)
	r = math.FMA(-k, algo.Ln2Lo64, r)
	m := int64(math.Float64bits(z) - math.Float64bits(algo.ExpTabShift64))
	hi, rel := algo.Exp2EighthsHi(int(m)), algo.Exp2EighthsRel(int(m))
	a := math.FMA(expTabPoly64(r), r, 1) // (exp(r) − 1)/r
	p := math.FMA(hi, math.FMA(r, a, rel), hi)
	e := m >> 3
	e1 := e >> 1
	return p * pow2i64(e1) * pow2i64(e-e1)
}

// expTabPoly64 returns Q(r) ≈ (exp(r) − 1 − r)/r² of degree 5 on |r| ≤
// ln2/16, by Horner's rule with fused multiply-adds.
func expTabPoly64(r float64) float64 {
	p := math.FMA(algo.ExpTabQ5_64, r, algo.ExpTabQ4_64)
	p = math.FMA(p, r, algo.ExpTabQ3_64)
	p = math.FMA(p, r, algo.ExpTabQ2_64)
	p = math.FMA(p, r, algo.ExpTabQ1_64)
	return math.FMA(p, r, algo.ExpTabQ0_64)
}

// pow2i64 returns 2^e for an integer e in the normal exponent range.
func pow2i64(e int64) float64 {
	return math.Float64frombits(uint64(e+1023) << 52)
}

// expm1_64 is exp(x)−1 for x in [−40, 40] (callers clamp), accurate to about
// 1 ulp including near 0, where exp(x)−1 would cancel.
func expm1_64(x float64) float64 {
	k, r := expReduce64(x)
	q := math.FMA(mul(r, r), expm1Poly64(r), r) // exp(r) − 1
	s := pow2i64(int64(k))
	return math.FMA(s, q, s-1) // 2^k·(q+1) − 1
}

// expReduce32 is expReduce64 in float32.
func expReduce32(x float32) (k, r float32) {
	k = fma(x, algo.Log2E, algo.Shift32) - algo.Shift32
	r = fma(-k, algo.Ln2Hi32, x)
	r = fma(-k, algo.Ln2Lo32, r)
	return k, r
}

// expm1Poly32 is expm1Poly64 in float32: Q of degree 4.
func expm1Poly32(r float32) float32 {
	p := fma(algo.ExpQ4_32, r, algo.ExpQ3_32)
	p = fma(p, r, algo.ExpQ2_32)
	p = fma(p, r, algo.ExpQ1_32)
	return fma(p, r, algo.ExpQ0_32)
}

// pow2_32 returns 2^k for an integral k in the normal exponent range.
func pow2_32(k float32) float32 {
	return math.Float32frombits(uint32(int32(k)+127) << 23)
}

// exp32 is exp for one float32, within 1 ulp of the true value.
func exp32(x float32) float32 {
	if isNaN(x) {
		return x
	}
	k, r := expReduce32(clamp(x, algo.ExpLo32, algo.ExpHi32))
	p := fma(fma(expm1Poly32(r), r, 1), r, 1)
	k1 := float32(int32(k) >> 1)
	return p * pow2_32(k1) * pow2_32(k-k1)
}

// expm1_32 is expm1_64 in float32, for x in [−20, 20].
func expm1_32(x float32) float32 {
	k, r := expReduce32(x)
	q := fma(mul(r, r), expm1Poly32(r), r)
	s := pow2_32(k)
	return fma(s, q, s-1)
}

// expT is exp in T's precision.
func expT[T Float](x T) T {
	if is32[T]() {
		return T(exp32(float32(x)))
	}
	return T(exp64(float64(x)))
}

// expm1T is exp(x)−1 in T's precision, for any x ≤ 40 (float64) or ≤ 20
// (float32); smaller x is clamped where the result is −1 to the last bit.
func expm1T[T Float](x T) T {
	if is32[T]() {
		return T(expm1_32(max(float32(x), -20)))
	}
	return T(expm1_64(max(float64(x), -40)))
}

// Exp sets dst[i] = exp(x[i]) for i < len(dst); len(x) ≥ len(dst).
//
// Within 1 ulp of the true value for float64 and float32. Special values as
// math.Exp: exp(NaN) = NaN, exp(+Inf) = +Inf, exp(−Inf) = 0; results beyond
// the largest float are +Inf, results below half the smallest subnormal 0.
// dst may be x itself.
func Exp[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = expT(v)
	}
}
