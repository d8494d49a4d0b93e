// Package algo holds the constants that define flowkern's exp, log and
// tanh: the range reductions' splits, the polynomials' coefficients and the
// thresholds. The portable kernels (package kernels) and the assembly
// generators (gen/amd64, gen/arm64) all read them from here, so the SIMD
// kernels cannot drift from the reference they are tested against.
package algo

// Exponential (kernels/exp.go): x = k·ln2 + r by the shift trick and a
// two-constant ln2, then a Taylor polynomial.
const (
	Log2E = 1.44269504088896340735992468100189214 // 1/ln2

	// Ln2Hi64 + Ln2Lo64 = ln2 (fdlibm e_exp.c); Ln2Hi64 has 32 trailing
	// zero bits, so k·Ln2Hi64 is exact for every k reached.
	Ln2Hi64 = 6.93147180369123816490e-01
	Ln2Lo64 = 1.90821492927058770002e-10
	Shift64 = 0x1.8p52

	// ExpLo64 and ExpHi64 bound exp's argument. Beyond them exp is 0 or
	// +Inf, and the clamped argument keeps the reduction finite, so that
	// p·2^k underflows or overflows by itself: +Inf exactly above
	// log(MaxFloat64) ≈ 709.78 (the next float above it is 9e-14 beyond,
	// far more than the polynomial's error), 0 below log(2^-1075) ≈
	// −745.13 (within 1 ulp of the smallest subnormal at the edge). No
	// compare-and-select is needed for either, nor for ±Inf arguments.
	ExpLo64 = -746
	ExpHi64 = 710

	// Ln2Hi32 + Ln2Lo32 = ln2 (fdlibm e_expf.c: 0x3f317200, 0x35bfbe8e).
	Ln2Hi32 = 6.9314575195e-01
	Ln2Lo32 = 1.4286067653e-06
	Shift32 = 0x1.8p23

	// ExpLo32 and ExpHi32 are ExpLo64 and ExpHi64 for float32: exp(89)
	// overflows, exp(−104) is below half the smallest subnormal
	// (2^-150 ≈ e^-103.972), and the float32 thresholds, 88.72283 and
	// −103.97208, lie where the true value is 2.6e-7 (relative) past the
	// rounding boundary, 4 float32 ulps.
	ExpLo32 = -104
	ExpHi32 = 89

	// ExpDegree64 and ExpDegree32 are the Taylor polynomials' degrees:
	// truncation after them leaves at most 0.02 and 0.09 ulp on
	// |r| ≤ ln2/2.
	ExpDegree64 = 13
	ExpDegree32 = 7
)

// The Taylor coefficients 1/n!, n = 2…13, as untyped constants (so that
// each use rounds the exact rational once, to its own type).
const (
	ExpC2  = 1.0 / 2
	ExpC3  = 1.0 / 6
	ExpC4  = 1.0 / 24
	ExpC5  = 1.0 / 120
	ExpC6  = 1.0 / 720
	ExpC7  = 1.0 / 5040
	ExpC8  = 1.0 / 40320
	ExpC9  = 1.0 / 362880
	ExpC10 = 1.0 / 3628800
	ExpC11 = 1.0 / 39916800
	ExpC12 = 1.0 / 479001600
	ExpC13 = 1.0 / 6227020800
)

// ExpPoly returns the coefficients of P(r) = (exp(r) − 1 − r)/r² for the
// Taylor polynomial of the given degree (up to 13), highest first:
// 1/degree!, …, 1/2!, each rounded to float64.
func ExpPoly(degree int) []float64 {
	all := []float64{ExpC2, ExpC3, ExpC4, ExpC5, ExpC6, ExpC7, ExpC8, ExpC9, ExpC10, ExpC11, ExpC12, ExpC13}
	cs := make([]float64, degree-1)
	for i := range cs {
		cs[i] = all[degree-2-i]
	}
	return cs
}

// Logarithm (kernels/log.go): fdlibm's e_log.c and e_logf.c.
const (
	Ln2Hi64Log = 6.93147180369123816490e-01
	Ln2Lo64Log = 1.90821492927058770002e-10
	Lg1_64     = 6.666666666666735130e-01
	Lg2_64     = 3.999999999940941908e-01
	Lg3_64     = 2.857142874366239149e-01
	Lg4_64     = 2.222219843214978396e-01
	Lg5_64     = 1.818357216161805012e-01
	Lg6_64     = 1.531383769920937332e-01
	Lg7_64     = 1.479819860511658591e-01
	SqrtHalf64 = 0x3fe6a09e667f3bcd // bits of √2/2

	Ln2Hi32Log = 6.9313812256e-01 // 0x3f317180
	Ln2Lo32Log = 9.0580006145e-06 // 0x3717f7d1
	Lg1_32     = 0xaaaaaa.0p-24
	Lg2_32     = 0xccce13.0p-25
	Lg3_32     = 0x91e9ee.0p-25
	Lg4_32     = 0xf89e26.0p-26
	SqrtHalf32 = 0x3f3504f3 // bits of √2/2
)

// Hyperbolic tangent (kernels/tanh.go): the Cephes library's tanh.c and
// tanhf.c (S. L. Moshier) below TanhSplit, 1 − 2/(exp(2|x|) + 1) above;
// |x| is clamped at TanhClamp64/32, beyond which tanh rounds to ±1.
const (
	TanhSplit   = 0.625
	TanhClamp64 = 20
	TanhClamp32 = 10

	TanhP0 = -9.64399179425052238628e-1
	TanhP1 = -9.92877231001918586564e1
	TanhP2 = -1.61468768441708447952e3
	TanhQ0 = 1.12811678491632931402e2
	TanhQ1 = 2.23548839060100448583e3
	TanhQ2 = 4.84406305325125486048e3

	TanhfP0 = -5.70498872745e-3
	TanhfP1 = 2.06390887954e-2
	TanhfP2 = -5.37397155531e-2
	TanhfP3 = 1.33314422036e-1
	TanhfP4 = -3.33332819422e-1
)
