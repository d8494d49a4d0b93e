package main

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"
)

var mathInf = math.Inf(1)

// Register plan of the exp kernels: V16, V17 and V20…V25 hold constants
// for the whole call (V18, V19 are left to the callers), V0…V9 the working
// values; R10 walks the table of ln2Hi, ln2Lo and the polynomial.
const (
	vLog2e, vShift, vOne, vBias, vOver, vUnder, vInf, vZero = 16, 17, 20, 21, 22, 23, 24, 25
)

// expConstants loads the constant registers.
func (e *emitter) expConstants() {
	shift, over, under, bias := algo.Shift64, algo.ExpOverflow64, algo.ExpUnderflow64, uint64(1023)
	if e.a == s4 {
		shift, over, under, bias = algo.Shift32, algo.ExpOverflow32, algo.ExpUnderflow32, 127
	}
	e.constant(vLog2e, algo.Log2E)
	e.constant(vShift, shift)
	e.constant(vOne, 1)
	e.bits(vBias, bias)
	e.constant(vOver, over)
	e.constant(vUnder, under)
	e.constant(vInf, mathInf)
	e.zero(vZero)
}

// poly returns exp's table: ln2Hi, ln2Lo, then the polynomial
// (exp(r) − 1 − r)/r²'s coefficients, highest first (degree 11 in float64,
// 5 in float32).
func (e *emitter) poly() []float64 {
	if e.a == s4 {
		return append([]float64{algo.Ln2Hi32, algo.Ln2Lo32}, algo.ExpPoly(algo.ExpDegree32)...)
	}
	return append([]float64{algo.Ln2Hi64, algo.Ln2Lo64}, algo.ExpPoly(algo.ExpDegree64)...)
}

// exp computes V4 = exp(V0) exactly as kernels.exp64/exp32 (V1…V10 are
// clobbered): the shift-trick reduction, the polynomial by fused
// multiply-adds, 2^k as two exact scalings, and the special cases.
func (e *emitter) exp(table string) {
	const x, z, k, r, p, t, s1, s2, m, c = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9
	mant := 52
	if e.a == s4 {
		mant = 23
	}
	e.mov(z, vShift)
	e.fmla(z, x, vLog2e) // z = x·algo.Log2E + shift
	e.fsub(k, z, vShift) // k = z − shift
	e.ins("MOVD $%s(SB), R10", table)
	e.load1r(t)
	e.load1r(c)
	e.mov(r, x)
	e.fmls(r, k, t) // r = x − k·ln2Hi
	e.fmls(r, k, c) // r = r − k·ln2Lo

	// p = P(r) by Horner, coefficients read from the table in order.
	e.load1r(p)
	acc := e.horner(p, c, r, len(e.poly())-3, e.load1r)
	e.mov(t, vOne)
	e.fmla(t, acc, r) // 1 + r·P
	e.mov(p, vOne)
	e.fmla(p, t, r) // 1 + r·(1 + r·P)

	e.isub(t, z, vShift) // integer k
	e.sshr(s1, t, 1)     // k1 = k >> 1
	e.isub(s2, t, s1)    // k2 = k − k1
	e.iadd(s1, s1, vBias)
	e.iadd(s2, s2, vBias)
	e.shl(s1, s1, mant)
	e.shl(s2, s2, mant)
	e.fmul(p, p, s1)
	e.fmul(p, p, s2)

	e.fcmgt(m, x, vOver)
	e.bit(p, vInf, m)
	e.fcmgt(m, vUnder, x)
	e.bit(p, vZero, m)
	e.fcmeq(m, x, x) // false for NaN
	e.bif(p, x, m)
}

// load1r loads the next table element into every lane of d.
func (e *emitter) load1r(d int) {
	e.ins("VLD1R.P %d(R10), [%s]", 16/e.lanes(), e.v(d))
}
