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

// The float64 exp of the kernels (kernels.exp64) reduces further, by
// eighths of ln2: x = (m/8)·ln2 + r, |r| ≤ ln2/16, exp(x) = 2^(m>>3) ·
// 2^(j/8) · exp(r), j = m&7, 2^(j/8) = hi·(1 + rel) from two eight-entry
// tables. The smaller range takes a polynomial of degree 7 where ln2/2
// took 11: 11 multiply-adds a vector instead of 14, the FMA units being
// what bounded exp on the machines measured; a lookup is one permute of a
// one-register table (AVX-512 VPERMPD, NEON TBL), off those units. The
// result is hi + hi·(rel + r·(1 + r·Q(r))), the last fused multiply-add's
// rounding the only large one: 0.59 ulp measured, where the ln2/2
// polynomial's chain of roundings reached 0.78. (The ln2/2 polynomial
// above stays for float32 exp and for expm1.)
const (
	// ExpTabShift64 is the shift of the eighths' reduction: z =
	// fma(x, Log2E, ExpTabShift64) has ulp 1/8, so z − ExpTabShift64 is
	// m/8 exactly and z's low mantissa bits are m (three of them j).
	ExpTabShift64 = 0x1.8p49

	// The polynomial: exp(r) ≈ 1 + r + r²·Q(r) on |r| ≤ 0.04333 (ln2/16
	// and room for the reduction's rounding), Q of degree 5, computed by
	// gen/remez (`go run ./remez -func exptab -degree 5` in gen/): relative
	// error at most 2.85e-18 (0.026 ulp) as rounded here. Degree 4 gives
	// 13 ulp.
	ExpTabQ0_64 = 0x1.000000000010bp-01
	ExpTabQ1_64 = 0x1.5555555555104p-03
	ExpTabQ2_64 = 0x1.555555480ca15p-05
	ExpTabQ3_64 = 0x1.111111270736fp-07
	ExpTabQ4_64 = 0x1.6c1cbe01934ddp-10
	ExpTabQ5_64 = 0x1.a015c489ae052p-13
)

// ExpTabPoly64 returns the eighths' Q coefficients, highest first.
func ExpTabPoly64() []float64 {
	return []float64{ExpTabQ5_64, ExpTabQ4_64, ExpTabQ3_64, ExpTabQ2_64, ExpTabQ1_64, ExpTabQ0_64}
}

// exp2EighthsHi holds 2^(j/8) rounded to float64, j = 0…7, and
// exp2EighthsRel the rest relative to it, (2^(j/8) − hi)/hi rounded:
// 2^(j/8) = hi·(1 + rel) to about 2^-106 (computed from √√√2 in 256-bit
// arithmetic; internal/algo's tests recompute them).
var (
	exp2EighthsHi = [8]float64{
		0x1p+00, 0x1.172b83c7d517bp+00, 0x1.306fe0a31b715p+00, 0x1.4bfdad5362a27p+00,
		0x1.6a09e667f3bcdp+00, 0x1.8ace5422aa0dbp+00, 0x1.ae89f995ad3adp+00, 0x1.d5818dcfba487p+00,
	}
	exp2EighthsRel = [8]float64{
		0, -0x1.01b15eaa59348p-55, 0x1.34d754db0abb6p-55, 0x1.690cebb7aafbp-56,
		-0x1.3b3efbf5e2228p-54, 0x1.db72fc1f0eab4p-55, 0x1.c1a7792cb3387p-55, 0x1.4a385a63d07a7p-56,
	}
)

// Exp2EighthsHi returns 2^(j/8) rounded to float64, for j = 0…7 (j&7).
func Exp2EighthsHi(j int) float64 { return exp2EighthsHi[j&7] }

// Exp2EighthsRel returns (2^(j/8) − Exp2EighthsHi(j))/Exp2EighthsHi(j),
// rounded to float64, for j = 0…7 (j&7).
func Exp2EighthsRel(j int) float64 { return exp2EighthsRel[j&7] }

// Logarithm (kernels/log.go): fdlibm's e_log.c and e_logf.c reconstruction
// (log(1+f) = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2+f)) and its two-part
// ln2, over the split x = 2^k·m with m in [3/4, 3/2) instead of fdlibm's
// [√2/2, √2): AVX-512's VGETMANT gives that split in one instruction, where
// fdlibm's took four with a masked correction. f is then in [−1/4, 1/2),
// s² ≤ 0.04, beyond the range fdlibm fitted R on, so R(z) = z·P(z) has
// coefficients of its own, computed by gen/remez (`go run ./remez -func
// log -degree 7`, `-degree 3 -type float32`): relative error of log from
// P at most 1.4e-19 (0.0012 ulp) in float64, 2.6e-11 (0.0004 ulp) in
// float32. One coefficient more than fdlibm's in each type: one fewer
// (0.14 and 0.048 ulp) leaves too little of the 1-ulp bound to the
// roundings where m nears 3/2 (float32: 0.93 ulp, every argument).
const (
	Ln2Hi64Log = 6.93147180369123816490e-01
	Ln2Lo64Log = 1.90821492927058770002e-10
	LogSplit64 = 0x3fe8000000000000 // bits of 3/4, the bottom of m's range

	LogP0_64 = 0x1.555555555554fp-01
	LogP1_64 = 0x1.999999999c187p-02
	LogP2_64 = 0x1.24924921e32e4p-02
	LogP3_64 = 0x1.c71c7490db938p-03
	LogP4_64 = 0x1.745c4a958c9bdp-03
	LogP5_64 = 0x1.3b35c9fea0c58p-03
	LogP6_64 = 0x1.0dcaf857ce186p-03
	LogP7_64 = 0x1.1b85c96e3fd4fp-03

	Ln2Hi32Log = 6.9313812256e-01 // 0x3f317180
	Ln2Lo32Log = 9.0580006145e-06 // 0x3717f7d1
	LogSplit32 = 0x3f400000       // bits of 3/4

	LogP0_32 = 0x1.555554p-01
	LogP1_32 = 0x1.999c0cp-02
	LogP2_32 = 0x1.23e042p-02
	LogP3_32 = 0x1.ee9fbcp-03
)

// LogPoly64 returns P's coefficients for float64, highest first, the order
// of Horner's rule in z.
func LogPoly64() []float64 {
	return []float64{LogP7_64, LogP6_64, LogP5_64, LogP4_64, LogP3_64, LogP2_64, LogP1_64, LogP0_64}
}

// LogPoly32 is LogPoly64 for float32; each coefficient is a float32.
func LogPoly32() []float64 {
	return []float64{LogP3_32, LogP2_32, LogP1_32, LogP0_32}
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
