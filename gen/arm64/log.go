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
	m, dk := e.logSplit(x)
	res := e.logCore(m, dk, table)
	nan, maxf := math.Float64bits(math.NaN()), math.MaxFloat64
	if !e.f64() {
		nan, maxf = uint64(math.Float32bits(float32(math.NaN()))), math.MaxFloat32
	}
	x = reload()
	c, zero := e.tmp(), e.cbits(0)
	e.fcmgt(c, zero, x)
	e.bit(res, e.cbits(nan), c) // x < 0
	e.fcmeq(c, x, zero)
	e.bit(res, e.c(math.Inf(-1)), c) // x = ±0
	e.fcmgt(c, x, e.c(maxf))
	e.bit(res, x, c) // +Inf
	e.fcmeq(c, x, x)
	e.bif(res, x, c) // NaN
	return res
}

// logSplit returns m in [3/4, 3/2) and k, as a float, with x = 2^k·m, for
// a positive finite x, as kernels.log64/log32 split it: on the bits,
// subnormal x scaled by 2^52 (2^25) first.
func (e *emitter) logSplit(x reg) (m, dk reg) {
	minNormal, scale, kadj := 0x1p-1022, 0x1p52, uint64(1<<64-52)
	if !e.f64() {
		minNormal, scale, kadj = 0x1p-126, 0x1p25, uint64(1<<32-25)
	}
	sub, xn, t := e.tmp(), e.tmp(), e.tmp()
	e.fcmgt(sub, e.c(minNormal), x) // x < smallest normal
	e.fmul(xn, x, e.c(scale))
	e.bif(xn, x, sub) // subnormal ? x·2^52 : x
	m, ei := e.splitBits(xn)
	e.vand(t, sub, e.cbits(kadj))
	e.iadd(ei, ei, t) // k
	e.scvtf(ei, ei)   // dk
	return m, ei
}

// splitNormal is logSplit for a positive normal x.
func (e *emitter) splitNormal(x reg) (m, dk reg) {
	m, ei := e.splitBits(x)
	e.scvtf(ei, ei)
	return m, ei
}

// splitBits returns m's bits and the integer e of x = 2^e·m, x's bits less
// those of 3/4 shifted down; x is overwritten with m.
func (e *emitter) splitBits(x reg) (m, ei reg) { return e.splitBitsWith(x, e.tmp) }

// splitBitsWith is splitBits with temporaries from tmp.
func (e *emitter) splitBitsWith(x reg, tmp func() reg) (m, ei reg) {
	split, mant := uint64(algo.LogSplit64), 52
	if !e.f64() {
		split, mant = algo.LogSplit32, 23
	}
	ei, t := tmp(), tmp()
	e.isub(ei, x, e.cbits(split))
	e.sshr(ei, ei, mant) // e
	e.shl(t, ei, mant)
	e.isub(x, x, t) // m's bits
	return x, ei
}

// logCore returns log(2^dk·m) for m in [3/4, 3/2) and an integral dk, as
// kernels.logCore64/logCore32. R10 walks the polynomial table.
func (e *emitter) logCore(m, dk reg, table string) reg {
	lnHi, lnLo := algo.Ln2Hi64Log, algo.Ln2Lo64Log
	if !e.f64() {
		lnHi, lnLo = algo.Ln2Hi32Log, algo.Ln2Lo32Log
	}
	f, s, z := e.tmp(), e.tmp(), e.tmp()
	e.fsub(f, m, e.c(1))

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
	e.fmul(c, dk, e.c(lnLo))   // dk·ln2Lo
	e.fmla(c, s, t1)           // lo = dk·ln2Lo + s·(hfsq + R)
	e.fsub(t1, hfsq, c)        // hfsq − lo
	e.fsub(t1, t1, f)          // (hfsq − lo) − f
	e.fmul(res, dk, e.c(lnHi)) // dk·ln2Hi
	e.fsub(res, res, t1)
	return res
}
