package main

import (
	"github.com/flowkern/flowkern/internal/algo"
)

// poly returns exp's table: ln2Hi, ln2Lo, then the polynomial
// (exp(r) − 1 − r)/r²'s coefficients, highest first (degree 9 in float64,
// 4 in float32).
func (e *emitter) poly() []float64 {
	if e.a == s4 {
		return append([]float64{algo.Ln2Hi32, algo.Ln2Lo32}, algo.ExpPoly32()...)
	}
	return append([]float64{algo.Ln2Hi64, algo.Ln2Lo64}, algo.ExpPoly64()...)
}

// exp returns exp(x) computed exactly as kernels.exp64/exp32: if specials,
// x clamped to [lo, hi] (FMIN and FMAX keep a NaN), then the shift-trick
// reduction, the polynomial by fused multiply-adds and 2^k as two exact
// scalings, which overflow and underflow by themselves. A caller whose x is
// finite and small leaves the clamp out. R10 walks the table.
func (e *emitter) exp(x reg, table string, specials bool) reg {
	shift, lo, hi, bias, mant := algo.Shift64, float64(algo.ExpLo64), float64(algo.ExpHi64), uint64(1023), 52
	if e.a == s4 {
		shift, lo, hi, bias, mant = algo.Shift32, algo.ExpLo32, algo.ExpHi32, 127, 23
	}
	if specials {
		xc := e.tmp()
		e.fmax(xc, x, e.c(lo))
		e.fmin(xc, xc, e.c(hi))
		x = xc
	}
	z, k, r := e.tmp(), e.tmp(), e.tmp()
	e.mov(z, e.c(shift))
	e.fmla(z, x, e.c(algo.Log2E)) // z = x·algo.Log2E + shift
	e.fsub(k, z, e.c(shift))      // k = z − shift
	e.ins("MOVD $%s(SB), R10", table)
	ln2Hi, ln2Lo := e.tmp(), e.tmp()
	e.load1r(ln2Hi)
	e.mov(r, x)
	e.fmls(r, k, ln2Hi) // r = x − k·ln2Hi
	e.load1r(ln2Lo)
	e.fmls(r, k, ln2Lo) // r = r − k·ln2Lo

	// P(r) by Horner, coefficients read from the table in order.
	acc := e.tmp()
	e.load1r(acc)
	acc = e.horner(acc, r, len(e.poly())-3, e.load1r)
	one := e.c(1)
	t, p := e.tmp(), e.tmp()
	e.mov(t, one)
	e.fmla(t, acc, r) // 1 + r·P
	e.mov(p, one)
	e.fmla(p, t, r) // 1 + r·(1 + r·P)

	ki, s1, s2 := e.tmp(), e.tmp(), e.tmp()
	e.isub(ki, z, e.c(shift)) // integer k
	e.sshr(s1, ki, 1)         // k1 = k >> 1
	e.isub(s2, ki, s1)        // k2 = k − k1
	e.iadd(s1, s1, e.cbits(bias))
	e.iadd(s2, s2, e.cbits(bias))
	e.shl(s1, s1, mant)
	e.shl(s2, s2, mant)
	e.fmul(p, p, s1)
	e.fmul(p, p, s2)
	return p
}

// load1r loads the next element of the table at R10 into every lane of d.
func (e *emitter) load1r(d reg) { e.tableLoad(d, "R10") }
