package main

import "github.com/flowkern/flowkern/internal/algo"

// Tanh's constant registers, beside exp's V16…V25.
const (
	tAbs, tClamp, tSplit, tSign, tTwo = 26, 27, 28, 29, 30
)

// tanhPoly returns the small range's coefficients in the order tanh reads
// them (P then Q for float64).
func (e *emitter) tanhPoly() []float64 {
	if e.f64() {
		return []float64{algo.TanhP0, algo.TanhP1, algo.TanhP2, algo.TanhQ0, algo.TanhQ1, algo.TanhQ2}
	}
	return []float64{algo.TanhfP0, algo.TanhfP1, algo.TanhfP2, algo.TanhfP3, algo.TanhfP4}
}

func (e *emitter) tanhConstants() {
	e.expConstants()
	sign := uint64(1) << 63
	clampAt := float64(algo.TanhClamp64)
	if !e.f64() {
		sign, clampAt = 1<<31, algo.TanhClamp32
	}
	e.bits(tAbs, sign-1) // all bits but the sign
	e.constant(tClamp, clampAt)
	e.constant(tSplit, algo.TanhSplit)
	e.bits(tSign, sign)
	e.constant(tTwo, 2)
}

// tanh computes V2 = tanh(V0) as kernels.tanh64/tanh32, both ranges
// evaluated and selected; exp's registers V0…V10 and V11…V15 are
// clobbered; R10 and R11 walk the tables.
func (e *emitter) tanh(expTable, polyTable string) {
	const x, a, small, s = 11, 12, 13, 14
	e.mov(x, 0)
	e.vand(a, x, tAbs)
	e.fmin(a, a, tClamp)
	e.fcmgt(small, tSplit, a)
	e.fmul(s, a, a)
	e.fadd(0, a, a)
	e.exp(expTable) // V4 = exp(2|x|)
	const den, num, t, u, c, p, q = 5, 6, 1, 3, 9, 7, 10
	e.fadd(den, 4, vOne)
	e.mov(num, tTwo)
	e.ins("MOVD $%s(SB), R11", polyTable)
	next := func(d int) { e.ins("VLD1R.P %d(R11), [%s]", 16/e.lanes(), e.v(d)) }
	if e.f64() {
		next(p)
		pr := e.horner(p, c, s, 2, next) // (P0·s + P1)·s + P2
		e.fmul(8, a, s)
		e.fmul(pr, 8, pr) // (a·s)·P(s)
		next(q)
		e.fadd(q, s, q)                   // s + Q0
		qr := e.horner(q, 15, s, 2, next) // V15 is free here
		e.bit(num, pr, small)
		e.bit(den, qr, small)
		e.fdiv(u, num, den)
		e.fsub(t, vOne, u)
		e.fadd(u, a, u)
		e.bit(t, u, small)
	} else {
		e.fdiv(u, num, den)
		e.fsub(t, vOne, u) // 1 − 2/(e+1)
		next(p)
		acc := e.horner(p, c, s, 4, next)
		e.fmul(acc, acc, s)
		e.mov(u, a)
		e.fmla(u, acc, a) // a + (P·s)·a
		e.bit(t, u, small)
	}
	e.vand(u, x, tSign)
	e.vorr(2, t, u)
	e.fcmeq(u, x, x)
	e.bif(2, x, u)
}
