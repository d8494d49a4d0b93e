package main

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"

	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// log returns log(x) as kernels.log64/log32 computes it, special cases
// included.
func (g *gen) log(x reg.VecVirtual) reg.VecVirtual {
	var xn, dk reg.VecVirtual
	if g.avx512 {
		// −0 + 0 = +0, the rest unchanged (logSplit512's specials).
		xp := g.vec()
		g.add(xp, x, g.cf(0))
		xn, dk = g.logSplit512(xp)
	} else {
		xn, dk = g.logSplit(x)
	}
	res := g.logCore(xn, dk)
	if !g.avx512 {
		g.logSpecials(res, x)
	}
	return res
}

// logCore returns log(2^dk·m) for m in [3/4, 3/2) and integral dk, as
// kernels.logCore64/logCore32; m is overwritten.
func (g *gen) logCore(m, dk reg.VecVirtual) reg.VecVirtual {
	f := m
	g.sub(f, f, g.cf(1))

	s := g.vec()
	g.add(s, f, g.cf(2))
	g.div(s, f, s) // f/(2+f)
	z := g.vec()
	g.mul(z, s, s)
	cs := algo.LogPoly64()
	if g.f32 {
		cs = algo.LogPoly32()
	}
	t := g.vec()
	g.mov(t, g.cf(cs[0]))
	for _, c := range cs[1:] {
		g.fmaAcc(t, z, g.cf(c)) // Horner in z
	}
	g.mul(t, z, t) // R = z·P(z)
	hfsq := g.vec()
	g.half(hfsq, f) // exact: f is 0 or |f| ≥ 2^−53 (2^−24)
	g.mul(hfsq, hfsq, f)
	g.add(t, hfsq, t) // hfsq + R
	lnHi, lnLo := algo.Ln2Hi64Log, algo.Ln2Lo64Log
	if g.f32 {
		lnHi, lnLo = algo.Ln2Hi32Log, algo.Ln2Lo32Log
	}
	lo := g.vec()
	g.mul(lo, dk, g.cf(lnLo))
	g.fmaAcc(t, s, lo) // lo = s·(hfsq + R) + dk·ln2Lo
	g.sub(t, hfsq, t)  // hfsq − lo
	g.sub(t, t, f)     // (hfsq − lo) − f
	// dk·ln2Hi is exact (ln2Hi's trailing zeros), so one fused op gives
	// the bits of the portable kernel's multiply and subtract.
	g.fmsTo(t, dk, g.cf(lnHi)) // res = dk·ln2Hi − t
	return t
}

// logSplit returns m and k, as floats, with x = 2^k·m and m in [3/4, 3/2),
// as kernels.log64/log32 split x: on the bits, subnormal x scaled first.
func (g *gen) logSplit(x reg.VecVirtual) (xn, dk reg.VecVirtual) {
	minNormal, scaleUp, kUp := 0x1p-1022, 0x1p52, -52.0
	if g.f32 {
		minNormal, scaleUp, kUp = 0x1p-126, 0x1p25, -25
	}
	// Subnormal x: scale into the normal range, remember −52 (−25).
	sub := g.cmp(cmpLT, x, g.cf(minNormal))
	xx := g.vec()
	g.mul(xx, x, g.cf(scaleUp))
	xn = g.vec()
	g.mov(xn, x)
	g.sel(xn, sub, xx)
	xn, dk = g.logSplitNormal(xn)
	kadj := g.vec()
	g.mov(kadj, g.cf(0))
	g.sel(kadj, sub, g.cf(kUp))
	g.add(dk, dk, kadj)
	return xn, dk
}

// logFastPath is log's fast path on AVX2: a block of positive normal
// numbers needs neither logSplit's scaling of subnormals nor logSpecials,
// which together cost K0 log a third of its time. AVX-512's log has no
// such steps (logSplit512).
func (g *gen) logFastPath() *fastPath {
	if g.avx512 {
		return nil
	}
	return &fastPath{flag: g.flagNotPositiveNormal, f: g.logPositiveNormal, avx2Streams: 2}
}

// logPositiveNormal is log for a positive normal x, which it overwrites:
// logSplit's bits, then logCore.
func (g *gen) logPositiveNormal(x reg.VecVirtual) reg.VecVirtual {
	return g.logCore(g.logSplitNormal(x))
}

// flagNotPositiveNormal sets flags' lanes where x is not a positive normal
// number (AVX2) by one signed comparison of x's bits: adding 2^(w−1) − a,
// for a the bits of the smallest normal and w the lane width, maps the
// positive normals [a, b] to the bottom of the signed range, [−2^(w−1),
// b − a − 2^(w−1)], and everything else above it.
func (g *gen) flagNotPositiveNormal(flags reg.Register, x reg.VecVirtual) {
	w, a, b := uint64(64), uint64(0x0010000000000000), math.Float64bits(math.MaxFloat64)
	if g.f32 {
		w, a, b = 32, 0x00800000, uint64(math.Float32bits(math.MaxFloat32))
	}
	top := uint64(1) << (w - 1)
	t := g.vec()
	g.iadd(t, x, g.cbits((top-a)&g.fullMask()))
	limit := g.cbits((b - a - top) & g.fullMask())
	if g.f32 {
		asm.VPCMPGTD(limit, t, t)
	} else {
		asm.VPCMPGTQ(limit, t, t)
	}
	g.or(flags, flags, t)
}

// logSplitNormal is logSplit for a positive normal x (AVX2), which it
// overwrites with m.
func (g *gen) logSplitNormal(x reg.VecVirtual) (m, dk reg.VecVirtual) {
	mant := 52
	if g.f32 {
		mant = 23
	}
	// e = (bits − bits(3/4)) >> mant, arithmetic; m = bits − e<<mant.
	e, t := g.vec(), g.vec()
	dk = g.vec()
	if g.f32 {
		g.isub(e, x, g.cbits(algo.LogSplit32))
		g.shra(e, e, mant)
		g.shl(t, e, mant)
		g.isub(x, x, t)
		asm.VCVTDQ2PS(e, dk)
		return x, dk
	}
	// No 64-bit arithmetic shift on AVX2: bias by 1024<<52 so the
	// difference is non-negative and shift logically.
	g.isub(e, x, g.cbits(algo.LogSplit64))
	g.iadd(e, e, g.cbits(1024<<52))
	g.shrl(e, e, mant) // e + 1024
	g.shl(t, e, mant)
	g.isub(x, x, t)
	g.iadd(x, x, g.cbits(1024<<52))
	// float(e) by the magic constant 1.5·2^52: exact for small e.
	g.iadd(dk, e, g.cbits(math.Float64bits(algo.Shift64)))
	g.sub(dk, dk, g.cf(algo.Shift64+1024))
	return x, dk
}

// logSplit512 is logSplit by VGETMANT, which gives m in [3/4, 3/2)
// directly, subnormals included, and VGETEXP: k = getexp(x) − getexp(m),
// since getexp(x) = floor(log2 x) is one less than k where m < 1. The split
// is unique, so the bits are logSplit's.
//
// log needs no fix-up of the special values (a VFIXUPIMM cost K0 log
// float64 6%): they come out of logCore's arithmetic, once log has turned
// −0 into +0. With sign control 10b, VGETMANT gives the default NaN for
// every x with its sign bit set (Intel SDM, VGETMANTPD), −0 included, and
// VGETEXP gives −Inf for 0 and +Inf for ±Inf (VGETEXPPD). So:
//   - x < 0, −Inf included: m is NaN, and so is the result;
//   - x = +0: m = 1, k = −Inf, so lo = −Inf and res = −Inf;
//   - x = +Inf: m = 1, k = +Inf, so res = +Inf;
//   - NaN: a NaN throughout.
//
// The special values of TestUnaryConformance check each case on every set.
func (g *gen) logSplit512(x reg.VecVirtual) (m, k reg.VecVirtual) {
	m, k = g.vec(), g.vec()
	e := g.vec()
	const interval, negativeIsNaN = 3, 2 << 2 // [3/4, 3/2)
	if g.f32 {
		asm.VGETMANTPS(Imm(interval|negativeIsNaN), x, m)
		asm.VGETEXPPS(x, k)
		asm.VGETEXPPS(m, e)
	} else {
		asm.VGETMANTPD(Imm(interval|negativeIsNaN), x, m)
		asm.VGETEXPPD(x, k)
		asm.VGETEXPPD(m, e)
	}
	g.sub(k, k, e)
	return m, k
}

// logSpecials replaces res where x is not a positive finite number, as
// kernels.log64/log32: NaN for x < 0, −Inf for ±0, x itself for +Inf and
// NaN.
func (g *gen) logSpecials(res, x reg.VecVirtual) {
	nan, maxf := math.Float64bits(math.NaN()), math.MaxFloat64
	if g.f32 {
		nan, maxf = uint64(math.Float32bits(float32(math.NaN()))), math.MaxFloat32
	}
	g.sel(res, g.cmp(cmpLT, x, g.cf(0)), g.cbits(nan))
	g.sel(res, g.cmp(cmpEQ, x, g.cf(0)), g.cf(math.Inf(-1)))
	g.sel(res, g.cmp(cmpGT, x, g.cf(maxf)), x)
	g.sel(res, g.cmp(cmpUnord, x, x), x)
}
