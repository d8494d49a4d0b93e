package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"

	"github.com/flowkern/flowkern/internal/algo"
	"github.com/mmcloughlin/avo/reg"
)

// expm1Poly returns P(r) = (exp(r) − 1 − r)/r² by Horner's rule from the
// highest coefficient, as kernels.expm1Poly64/32. If neg, rn holds −r:
// each step p·r + c is then c − p·rn, the same rounding of the same value.
func (g *gen) expm1Poly(rn reg.VecVirtual, neg bool) reg.VecVirtual {
	cs := algo.ExpPoly64()
	if g.f32 {
		cs = algo.ExpPoly32()
	}
	p := g.vec()
	g.mov(p, g.cf(cs[0]))
	for _, c := range cs[1:] {
		g.hornerStep(p, rn, g.cf(c), neg)
	}
	return p
}

// hornerStep sets p = p·r + c, or c − p·rn with rn = −r if neg.
func (g *gen) hornerStep(p, rn reg.VecVirtual, c Op, neg bool) {
	if neg {
		g.fnmaAcc(p, rn, c)
		return
	}
	g.fmaAcc(p, rn, c)
}

// expCore returns exp(x) for x where no special case applies, exactly as
// kernels.exp64/exp32: the shift-trick reduction, the polynomial, and 2^k
// applied as 2^(k>>1)·2^(k−k>>1).
func (g *gen) expCore(x reg.VecVirtual) reg.VecVirtual {
	return g.expCoreAdding(x, g.cf(1), false)
}

// expCoreAdding is expCore whose last step adds one, which is 1 where
// the lanes are to be exp(x) and NaN where they are to be NaN; if neg, it
// returns exp(−x) by the same roundings of the same values (no negation
// on the dependency chain): z = shift − x·log2e, then rn = −r from
// x + k·ln2Hi + k·ln2Lo, and the polynomial in rn.
func (g *gen) expCoreAdding(x reg.VecVirtual, one Op, neg bool) reg.VecVirtual {
	shift, ln2Hi, ln2Lo, bias, mant := algo.Shift64, algo.Ln2Hi64, algo.Ln2Lo64, int64(1023), 52
	if g.f32 {
		shift, ln2Hi, ln2Lo, bias, mant = algo.Shift32, algo.Ln2Hi32, algo.Ln2Lo32, 127, 23
	}
	sh := g.vec()
	g.mov(sh, g.cf(shift))
	z := g.vec()
	g.mov(z, x)
	if neg {
		g.negMulAdd(z, g.cf(algo.Log2E), sh) // z = shift − x·algo.Log2E
	} else {
		g.mulAdd(z, g.cf(algo.Log2E), sh) // z = x·algo.Log2E + shift, k in the low bits
	}
	k := g.vec()
	g.sub(k, z, sh) // k = z − shift, exactly
	r := g.vec()    // r, or rn = −r if neg
	g.mov(r, x)
	if neg {
		g.fmaTo(r, k, g.cf(ln2Hi)) // rn = x + k·ln2Hi
		g.fmaTo(r, k, g.cf(ln2Lo)) // rn = rn + k·ln2Lo
	} else {
		g.fnmaTo(r, k, g.cf(ln2Hi)) // r = x − k·ln2Hi
		g.fnmaTo(r, k, g.cf(ln2Lo)) // r = r − k·ln2Lo
	}

	p := g.expm1Poly(r, neg)
	g.hornerStep(p, r, g.cf(1), neg) // 1 + r·P
	g.hornerStep(p, r, one, neg)     // 1 + r·(1 + r·P)

	if g.avx512 {
		// VSCALEF rounds p·2^k once, which is what the two exact-then-
		// rounding scalings below give too: the same bits, in one op.
		if g.f32 {
			VSCALEFPS(k, p, p)
		} else {
			VSCALEFPD(k, p, p)
		}
		return p
	}
	// Integer k from z's bits, then the two scale factors' exponent fields.
	ki := g.vec()
	g.isub(ki, z, sh)
	s1, s2 := g.vec(), g.vec()
	if g.f32 {
		g.shra(s1, ki, 1)  // k1 = k >> 1
		g.isub(s2, ki, s1) // k2 = k − k1
		g.iadd(s1, s1, g.ci(bias))
		g.iadd(s2, s2, g.ci(bias))
	} else {
		// No 64-bit arithmetic shift: (k + 2048) >> 1 = (k >> 1) + 1024.
		g.iadd(s1, ki, g.ci(2048))
		g.shrl(s1, s1, 1)          // k1 + 1024
		g.isub(s2, ki, s1)         // k2 − 1024
		g.iadd(s1, s1, g.ci(-1))   // k1 + 1023
		g.iadd(s2, s2, g.ci(2047)) // k2 + 1023
	}
	g.shl(s1, s1, mant)
	g.shl(s2, s2, mant)
	g.mul(p, p, s1)
	g.mul(p, p, s2)
	return p
}

// expRange32 is exp on AVX-512 in float32. One VRANGE, sign(x)·min(|x|,
// b) with b = max(−lo, hi), clamps both sides: one op on the argument's
// dependency chain instead of two. It lets (hi, b] through, where exp
// overflows to +Inf as it does at hi, so the results are those of [lo, hi].
// VRANGE gives ±b for a NaN x; one VFIXUPIMM off the chain makes the last
// step's 1 a NaN in those lanes. VRANGE is odd, so with neg the same
// clamp serves exp(−x). K0 exp and K1 float32 are 10–15% faster
// for it. In float64 the VFIXUPIMM costs as much as the VRANGE saves (K0
// exp 5% slower, K1 from 6% faster to no change), so max and min stay.
func (g *gen) expRange32(x reg.VecVirtual, b float64, neg bool) reg.VecVirtual {
	xc, one := g.vec(), g.vec()
	g.mov(one, x) // VFIXUPIMM reads its destination
	VRANGEPS_BCST(Imm(rangeAbsMinSignSrc1), g.cf(b), x, xc)
	VFIXUPIMMPS_BCST(Imm(0), g.cbits(oneOrNaNFixup), x, one)
	return g.expCoreAdding(xc, one, neg)
}

// rangeAbsMinSignSrc1 is VRANGE's imm8 for the smaller magnitude (bits
// 1:0 = 10b) with the first source's sign (bits 3:2 = 00b), Intel SDM
// vol. 2, VRANGEPD.
const rangeAbsMinSignSrc1 = 0x02

// oneOrNaNFixup is VFIXUPIMM's table (see logFixup) giving x for a QNaN,
// x quieted for an SNaN and +1 (response 10) for every other class.
const oneOrNaNFixup = 10<<28 | 10<<24 | 10<<20 | 10<<16 | 10<<12 | 10<<8 | 2<<4 | 1

// exp returns exp(x) as kernels.exp64/exp32: x clamped to [lo, hi] so that
// overflow, underflow and ±Inf need no select. A NaN x stays NaN: min and
// max return their second operand, x, when either is NaN (AVX-512 float32:
// expRange32).
func (g *gen) exp(x reg.VecVirtual) reg.VecVirtual { return g.expOf(x, false) }

// expNeg returns exp(−x), the same bits as exp of the negated x (−x
// clamped is x clamped to [−hi, −lo], negated), without the negation.
func (g *gen) expNeg(x reg.VecVirtual) reg.VecVirtual { return g.expOf(x, true) }

// expOf is exp, or expNeg if neg.
func (g *gen) expOf(x reg.VecVirtual, neg bool) reg.VecVirtual {
	lo, hi := float64(algo.ExpLo64), float64(algo.ExpHi64)
	if g.f32 {
		lo, hi = algo.ExpLo32, algo.ExpHi32
	}
	if g.avx512 && g.f32 {
		return g.expRange32(x, max(-lo, hi), neg) // symmetric
	}
	if neg {
		lo, hi = -hi, -lo
	}
	// The bounds go in registers: a memory operand would have to be the
	// second, which is the one returned for a NaN.
	xc, bound := g.vec(), g.vec()
	g.mov(bound, g.cf(lo))
	g.maxv(xc, bound, x)
	g.mov(bound, g.cf(hi))
	g.minv(xc, bound, xc)
	return g.expCoreAdding(xc, g.cf(1), neg)
}
