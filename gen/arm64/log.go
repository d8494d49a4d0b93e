package main

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"
)

// Log's constant registers.
const (
	lMinNormal, lScale, lSqrtHalf, lOne, lTwo, lHalf, lLn2Hi, lLn2Lo, lKadj, lNaN, lNegInf, lMax, lZero = 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28
)

// logPoly returns the coefficients in the order log reads them: the even
// chain (L6, L4, L2 or L4, L2), then the odd one (L7, L5, L3, L1 or L3, L1).
func (e *emitter) logPoly() []float64 {
	if e.f64() {
		return []float64{algo.Lg6_64, algo.Lg4_64, algo.Lg2_64, algo.Lg7_64, algo.Lg5_64, algo.Lg3_64, algo.Lg1_64}
	}
	return []float64{algo.Lg4_32, algo.Lg2_32, algo.Lg3_32, algo.Lg1_32}
}

func (e *emitter) logConstants() {
	minNormal, scale, sqrtHalf, kadj, lnHi, lnLo, maxf := 0x1p-1022, 0x1p52, uint64(algo.SqrtHalf64), int64(-52), algo.Ln2Hi64Log, algo.Ln2Lo64Log, math.MaxFloat64
	nan := math.Float64bits(math.NaN())
	if !e.f64() {
		minNormal, scale, sqrtHalf, kadj, lnHi, lnLo, maxf = 0x1p-126, 0x1p25, algo.SqrtHalf32, -25, algo.Ln2Hi32Log, algo.Ln2Lo32Log, math.MaxFloat32
		nan = uint64(math.Float32bits(float32(math.NaN())))
	}
	e.constant(lMinNormal, minNormal)
	e.constant(lScale, scale)
	e.bits(lSqrtHalf, sqrtHalf)
	e.constant(lOne, 1)
	e.constant(lTwo, 2)
	e.constant(lHalf, 0.5)
	e.constant(lLn2Hi, lnHi)
	e.constant(lLn2Lo, lnLo)
	if e.f64() {
		e.bits(lKadj, uint64(kadj))
	} else {
		e.bits(lKadj, uint64(uint32(int32(kadj))))
	}
	e.bits(lNaN, nan)
	e.constant(lNegInf, math.Inf(-1))
	e.constant(lMax, maxf)
	e.zero(lZero)
}

// log computes V4 = log(V0) as kernels.log64/log32; V1…V12 are clobbered;
// R10 walks the polynomial table.
func (e *emitter) log(table string) {
	const x, sub, xn, ei, f, s, z, w, t1, t2, c, p, res = 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 4
	mant := 52
	if !e.f64() {
		mant = 23
	}
	e.fcmgt(sub, lMinNormal, x) // x < smallest normal
	e.fmul(xn, x, lScale)
	e.bif(xn, x, sub) // subnormal ? x·2^52 : x
	e.isub(ei, xn, lSqrtHalf)
	e.sshr(ei, ei, mant) // e
	e.shl(t1, ei, mant)
	e.isub(xn, xn, t1) // m's bits
	e.mov(t1, lZero)
	e.bit(t1, lKadj, sub)
	e.iadd(ei, ei, t1) // k
	e.scvtf(ei, ei)    // dk
	e.fsub(f, xn, lOne)

	e.fadd(s, f, lTwo)
	e.fdiv(s, f, s) // s = f/(2+f)
	e.fmul(z, s, s)
	e.fmul(w, z, z)
	e.ins("MOVD $%s(SB), R10", table)
	chain := func(n int) int { // Horner in w over the next n coefficients
		e.load1r(p)
		return e.horner(p, c, w, n-1, e.load1r)
	}
	even, odd := 2, 2
	if e.f64() {
		even, odd = 3, 4
	}
	e.fmul(t1, w, chain(even))
	e.fmul(t2, z, chain(odd))
	hfsq := p
	e.fmul(hfsq, f, lHalf)
	e.fmul(hfsq, hfsq, f)
	e.fadd(t1, t1, t2)
	e.fadd(t1, hfsq, t1)  // hfsq + (t1 + t2)
	e.fmul(c, ei, lLn2Lo) // dk·ln2Lo
	e.fmla(c, s, t1)      // lo = dk·ln2Lo + s·(hfsq + R)
	e.fsub(t1, hfsq, c)   // hfsq − lo
	e.fsub(t1, t1, f)     // (hfsq − lo) − f
	e.fmul(res, ei, lLn2Hi)
	e.fsub(res, res, t1)

	e.fcmgt(sub, lZero, x)
	e.bit(res, lNaN, sub) // x < 0
	e.fcmeq(sub, x, lZero)
	e.bit(res, lNegInf, sub) // x = ±0
	e.fcmgt(sub, x, lMax)
	e.bit(res, x, sub) // +Inf
	e.fcmeq(sub, x, x)
	e.bif(res, x, sub) // NaN
}
