package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"
)

// The constants of kernels/exp.go, in the same roles.
const (
	log2e          = 1.44269504088896340735992468100189214
	ln2Hi64        = 6.93147180369123816490e-01
	ln2Lo64        = 1.90821492927058770002e-10
	shift64        = 0x1.8p52
	expOverflow64  = 7.09782712893383973096e+02
	expUnderflow64 = -7.45133219101941108420e+02
	ln2Hi32        = 6.9314575195e-01
	ln2Lo32        = 1.4286067653e-06
	shift32        = 0x1.8p23
	expOverflow32  = 88.72283
	expUnderflow32 = -103.97208
)

// taylor returns 1/n! for n = hi down to lo.
func taylor(hi, lo int) []float64 {
	var cs []float64
	for n := hi; n >= lo; n-- {
		f := 1.0
		for k := 2; k <= n; k++ {
			f *= float64(k)
		}
		cs = append(cs, 1/f)
	}
	return cs
}

// expm1Poly returns P(r) = (exp(r) − 1 − r)/r² by Horner's rule from the
// highest coefficient, as kernels.expm1Poly64/32.
func (g *gen) expm1Poly(r reg.VecVirtual) reg.VecVirtual {
	hi := 13
	if g.f32 {
		hi = 7
	}
	cs := taylor(hi, 2)
	p := g.vec()
	g.mov(p, g.cf(cs[0]))
	for _, c := range cs[1:] {
		g.fmaAcc(p, r, g.cf(c)) // p = p·r + c
	}
	return p
}

// expCore returns exp(x) for x where no special case applies, exactly as
// kernels.exp64/exp32: the shift-trick reduction, the polynomial, and 2^k
// applied as 2^(k>>1)·2^(k−k>>1).
func (g *gen) expCore(x reg.VecVirtual) reg.VecVirtual {
	shift, ln2Hi, ln2Lo, bias, mant := shift64, ln2Hi64, ln2Lo64, int64(1023), 52
	if g.f32 {
		shift, ln2Hi, ln2Lo, bias, mant = shift32, ln2Hi32, ln2Lo32, 127, 23
	}
	sh := g.vec()
	g.mov(sh, g.cf(shift))
	z := g.vec()
	g.mov(z, x)
	g.mulAdd(z, g.cf(log2e), sh) // z = x·log2e + shift, k in the low bits
	k := g.vec()
	g.sub(k, z, sh) // k = z − shift, exactly
	r := g.vec()
	g.mov(r, x)
	g.fnmaTo(r, k, g.cf(ln2Hi)) // r = x − k·ln2Hi
	g.fnmaTo(r, k, g.cf(ln2Lo)) // r = r − k·ln2Lo

	p := g.expm1Poly(r)
	g.fmaAcc(p, r, g.cf(1)) // 1 + r·P
	g.fmaAcc(p, r, g.cf(1)) // 1 + r·(1 + r·P)

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

// exp returns exp(x) with kernels.exp64/exp32's special cases: NaN stays
// (the same NaN), above the overflow threshold +Inf, below the underflow
// threshold 0.
func (g *gen) exp(x reg.VecVirtual) reg.VecVirtual {
	over, under := expOverflow64, expUnderflow64
	if g.f32 {
		over, under = expOverflow32, expUnderflow32
	}
	res := g.expCore(x)
	g.sel(res, g.cmp(cmpGT, x, g.cf(over)), g.cf(math.Inf(1)))
	g.sel(res, g.cmp(cmpLT, x, g.cf(under)), g.cf(0))
	g.sel(res, g.cmp(cmpUnord, x, x), x)
	return res
}
