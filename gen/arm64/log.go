package main

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"
)

// logPoly returns the coefficients in the order log reads them: P(z) of
// R(z) = z·P(z), highest first.
func (e *emitter) logPoly() []float64 {
	if e.f64() {
		return algo.LogPoly64()
	}
	return algo.LogPoly32()
}

// log returns log(x) computed as kernels.log64/log32. The special cases
// at the end read x again through reload instead of holding it in a
// register through the polynomial. R10 walks the polynomial table.
func (e *emitter) log(x reg, reload func() reg, table string) reg {
	minNormal, scale, sqrtHalf, kadj, lnHi, lnLo, maxf := 0x1p-1022, 0x1p52, uint64(algo.SqrtHalf64), uint64(1<<64-52), algo.Ln2Hi64Log, algo.Ln2Lo64Log, math.MaxFloat64
	nan, mant := math.Float64bits(math.NaN()), 52
	if !e.f64() {
		minNormal, scale, sqrtHalf, kadj, lnHi, lnLo, maxf = 0x1p-126, 0x1p25, algo.SqrtHalf32, uint64(1<<32-25), algo.Ln2Hi32Log, algo.Ln2Lo32Log, math.MaxFloat32
		nan, mant = uint64(math.Float32bits(float32(math.NaN()))), 23
	}
	sub, xn, ei, t := e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fcmgt(sub, e.c(minNormal), x) // x < smallest normal
	e.fmul(xn, x, e.c(scale))
	e.bif(xn, x, sub) // subnormal ? x·2^52 : x
	e.isub(ei, xn, e.cbits(sqrtHalf))
	e.sshr(ei, ei, mant) // e
	e.shl(t, ei, mant)
	e.isub(xn, xn, t) // m's bits
	e.vand(t, sub, e.cbits(kadj))
	e.iadd(ei, ei, t) // k
	e.scvtf(ei, ei)   // dk
	f, s, z := e.tmp(), e.tmp(), e.tmp()
	e.fsub(f, xn, e.c(1))

	e.fadd(s, f, e.c(2))
	e.fdiv(s, f, s) // s = f/(2+f)
	e.fmul(z, s, s)
	e.ins("MOVD $%s(SB), R10", table)
	p, t1 := e.tmp(), e.tmp()
	e.load1r(p)
	e.fmul(t1, z, e.horner(p, z, len(e.logPoly())-1, e.load1r)) // R = z·P(z)
	hfsq, c, res := e.tmp(), e.tmp(), e.tmp()
	e.fmul(hfsq, f, e.c(0.5))
	e.fmul(hfsq, hfsq, f)
	e.fadd(t1, hfsq, t1)       // hfsq + R
	e.fmul(c, ei, e.c(lnLo))   // dk·ln2Lo
	e.fmla(c, s, t1)           // lo = dk·ln2Lo + s·(hfsq + R)
	e.fsub(t1, hfsq, c)        // hfsq − lo
	e.fsub(t1, t1, f)          // (hfsq − lo) − f
	e.fmul(res, ei, e.c(lnHi)) // dk·ln2Hi
	e.fsub(res, res, t1)

	x = reload()
	m, zero := e.tmp(), e.cbits(0)
	e.fcmgt(m, zero, x)
	e.bit(res, e.cbits(nan), m) // x < 0
	e.fcmeq(m, x, zero)
	e.bit(res, e.c(math.Inf(-1)), m) // x = ±0
	e.fcmgt(m, x, e.c(maxf))
	e.bit(res, x, m) // +Inf
	e.fcmeq(m, x, x)
	e.bif(res, x, m) // NaN
	return res
}
