package kernels

import "math"

// Exponential: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite, two-constant
// ln2), exp(r) by a polynomial, 2^k built in the exponent bits.
//
// k is rounded with the "shift" trick the SIMD kernels need (AVX2 has no
// packed float64→int64 conversion): z = fma(x, 1/ln2, 1.5·2^52) holds k in its
// low mantissa bits, and z − 1.5·2^52 is k exactly.
//
// The polynomial is the Taylor series of exp at 0, the coefficients 1/n!
// rounded to the nearest float; truncation after degree 13 (float64) and 7
// (float32) leaves at most 0.02 and 0.09 ulp on |r| ≤ ln2/2.
//
// 2^k is applied as 2^(k>>1) · 2^(k−k>>1), two exact scalings while the result
// is normal, so subnormal results come out rounded once, like math.Exp's.

const (
	log2e = 1.44269504088896340735992468100189214 // 1/ln2

	// ln2Hi64 + ln2Lo64 = ln2 (fdlibm e_exp.c); ln2Hi64 has 32 trailing zero
	// bits, so k·ln2Hi64 is exact for every k reached here.
	ln2Hi64 = 6.93147180369123816490e-01
	ln2Lo64 = 1.90821492927058770002e-10
	shift64 = 0x1.8p52

	// expOverflow64 is log(MaxFloat64): above it exp is +Inf (Go's pure-Go
	// math.Exp uses the same bound). expUnderflow64 is log(2^-1075): below
	// it exp rounds to 0.
	expOverflow64  = 7.09782712893383973096e+02
	expUnderflow64 = -7.45133219101941108420e+02

	// ln2Hi32 + ln2Lo32 = ln2 (fdlibm e_expf.c: 0x3f317200, 0x35bfbe8e).
	ln2Hi32 = 6.9314575195e-01
	ln2Lo32 = 1.4286067653e-06
	shift32 = 0x1.8p23

	// expOverflow32 is the largest float32 whose exp rounds to a finite
	// float32 (0x42b17217); expUnderflow32 the smallest whose exp rounds to a
	// non-zero one (0xc2cff1b4). Both found by exhaustive search against
	// float64 math.Exp.
	expOverflow32  = 88.72283
	expUnderflow32 = -103.97208
)

// Taylor coefficients 1/n!, n = 0…13.
const (
	inv2f  = 1.0 / 2
	inv3f  = 1.0 / 6
	inv4f  = 1.0 / 24
	inv5f  = 1.0 / 120
	inv6f  = 1.0 / 720
	inv7f  = 1.0 / 5040
	inv8f  = 1.0 / 40320
	inv9f  = 1.0 / 362880
	inv10f = 1.0 / 3628800
	inv11f = 1.0 / 39916800
	inv12f = 1.0 / 479001600
	inv13f = 1.0 / 6227020800
)

// expReduce64 returns k and r with x = k·ln2 + r, |r| ≤ ln2/2 (+ rounding).
func expReduce64(x float64) (k, r float64) {
	k = math.FMA(x, log2e, shift64) - shift64
	r = math.FMA(-k, ln2Hi64, x)
	r = math.FMA(-k, ln2Lo64, r)
	return k, r
}

// expm1Poly64 returns (exp(r) − 1 − r)/r², a polynomial of degree 11.
func expm1Poly64(r float64) float64 {
	p := math.FMA(inv13f, r, inv12f)
	p = math.FMA(p, r, inv11f)
	p = math.FMA(p, r, inv10f)
	p = math.FMA(p, r, inv9f)
	p = math.FMA(p, r, inv8f)
	p = math.FMA(p, r, inv7f)
	p = math.FMA(p, r, inv6f)
	p = math.FMA(p, r, inv5f)
	p = math.FMA(p, r, inv4f)
	p = math.FMA(p, r, inv3f)
	return math.FMA(p, r, inv2f)
}

// pow2_64 returns 2^k for an integral k in the normal exponent range.
func pow2_64(k float64) float64 {
	return math.Float64frombits(uint64(int64(k)+1023) << 52)
}

// exp64 is exp for one float64, within 1 ulp of the true value.
func exp64(x float64) float64 {
	switch {
	case isNaN(x):
		return x
	case x > expOverflow64:
		return math.Inf(1)
	case x < expUnderflow64:
		return 0
	}
	k, r := expReduce64(x)
	// exp(r) = 1 + r + r²·P(r), summed so the last rounding is the only large one.
	p := math.FMA(math.FMA(expm1Poly64(r), r, 1), r, 1)
	k1 := float64(int64(k) >> 1)
	return p * pow2_64(k1) * pow2_64(k-k1)
}

// expm1_64 is exp(x)−1 for x in [−40, 40] (callers clamp), accurate to about
// 1 ulp including near 0, where exp(x)−1 would cancel.
func expm1_64(x float64) float64 {
	k, r := expReduce64(x)
	q := math.FMA(mul(r, r), expm1Poly64(r), r) // exp(r) − 1
	s := pow2_64(k)
	return math.FMA(s, q, s-1) // 2^k·(q+1) − 1
}

// expReduce32 is expReduce64 in float32.
func expReduce32(x float32) (k, r float32) {
	k = fma(x, log2e, shift32) - shift32
	r = fma(-k, ln2Hi32, x)
	r = fma(-k, ln2Lo32, r)
	return k, r
}

// expm1Poly32 returns (exp(r) − 1 − r)/r², a polynomial of degree 5.
func expm1Poly32(r float32) float32 {
	p := fma(inv7f, r, inv6f)
	p = fma(p, r, inv5f)
	p = fma(p, r, inv4f)
	p = fma(p, r, inv3f)
	return fma(p, r, inv2f)
}

// pow2_32 returns 2^k for an integral k in the normal exponent range.
func pow2_32(k float32) float32 {
	return math.Float32frombits(uint32(int32(k)+127) << 23)
}

// exp32 is exp for one float32, within 1 ulp of the true value.
func exp32(x float32) float32 {
	switch {
	case isNaN(x):
		return x
	case x > expOverflow32:
		return float32(math.Inf(1))
	case x < expUnderflow32:
		return 0
	}
	k, r := expReduce32(x)
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
