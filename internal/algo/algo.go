// Package algo holds the constants that define flowkern's exp, log and
// tanh: the range reductions' splits, the polynomials' coefficients and the
// thresholds. The portable kernels (package kernels) and the assembly
// generators (gen/amd64, gen/arm64) all read them from here, so the SIMD
// kernels cannot drift from the reference they are tested against.
package algo

// Exponential (kernels/exp.go): x = k·ln2 + r by the shift trick and a
// two-constant ln2, then a minimax polynomial.
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
)

// The polynomial: exp(r) ≈ 1 + r + r²·Q(r) on |r| ≤ ln2/2, Q of degree 9
// (float64) and 4 (float32), the coefficients of Q chosen to minimise the
// relative error. They were computed by gen/remez (Remez exchange in 256-bit
// arithmetic on |r| ≤ 0.34658; the two lowest coefficients rounded first,
// the others refitted around them): `go run ./remez -degree 9` and
// `go run ./remez -degree 4 -type float32` in gen/ print them. Rounded as
// here, the polynomial's relative error is at most 3.71e-18 (0.034 ulp) in
// float64 and 3.19e-9 (0.054 ulp) in float32. The Taylor series needed
// degree 13 and 7 for 0.02 and 0.09 ulp: two and one more multiply-adds.
const (
	ExpQ0_64 = 0x1.000000000000ap-01
	ExpQ1_64 = 0x1.5555555555503p-03
	ExpQ2_64 = 0x1.5555555550605p-05
	ExpQ3_64 = 0x1.1111111124d26p-07
	ExpQ4_64 = 0x1.6c16c184b5cabp-10
	ExpQ5_64 = 0x1.a01a013d63a43p-13
	ExpQ6_64 = 0x1.a019988b0b18fp-16
	ExpQ7_64 = 0x1.71def3bce58afp-19
	ExpQ8_64 = 0x1.28aedd640c054p-22
	ExpQ9_64 = 0x1.add8d6b7999eap-26

	ExpQ0_32 = 0x1.fffffcp-02
	ExpQ1_32 = 0x1.55548cp-03
	ExpQ2_32 = 0x1.555858p-05
	ExpQ3_32 = 0x1.123de8p-07
	ExpQ4_32 = 0x1.6ac83ap-10
)

// ExpPoly64 returns Q's coefficients for float64, highest first, the order
// of Horner's rule.
func ExpPoly64() []float64 {
	return []float64{ExpQ9_64, ExpQ8_64, ExpQ7_64, ExpQ6_64, ExpQ5_64, ExpQ4_64, ExpQ3_64, ExpQ2_64, ExpQ1_64, ExpQ0_64}
}

// ExpPoly32 is ExpPoly64 for float32; each coefficient is a float32.
func ExpPoly32() []float64 {
	return []float64{ExpQ4_32, ExpQ3_32, ExpQ2_32, ExpQ1_32, ExpQ0_32}
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

// LogPoly64 returns fdlibm's Lg7_64, …, Lg1_64, highest first: the
// coefficients of P(z) in log's R(z) = z·P(z), for Horner's rule in z.
func LogPoly64() []float64 {
	return []float64{Lg7_64, Lg6_64, Lg5_64, Lg4_64, Lg3_64, Lg2_64, Lg1_64}
}

// LogPoly32 is LogPoly64 for float32: Lg4_32, …, Lg1_32.
func LogPoly32() []float64 {
	return []float64{Lg4_32, Lg3_32, Lg2_32, Lg1_32}
}

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
