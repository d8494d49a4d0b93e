package main

import "github.com/flowkern/flowkern/internal/algo"

// tanhPoly returns the small range's coefficients in the order tanh reads
// them (P then Q for float64).
func (e *emitter) tanhPoly() []float64 {
	if e.f64() {
		return []float64{algo.TanhP0, algo.TanhP1, algo.TanhP2, algo.TanhQ0, algo.TanhQ1, algo.TanhQ2}
	}
	return []float64{algo.TanhfP0, algo.TanhfP1, algo.TanhfP2, algo.TanhfP3, algo.TanhfP4}
}

// absClamped returns min(|x|, tanh's clamp), which tanh computes twice
// rather than hold it in a register through the polynomials.
func (e *emitter) absClamped(x reg) reg {
	clampAt := float64(algo.TanhClamp64)
	if !e.f64() {
		clampAt = algo.TanhClamp32
	}
	a := e.tmp()
	e.vand(a, x, e.cbits(e.signBit()-1)) // all bits but the sign
	e.fmin(a, a, e.c(clampAt))
	return a
}

// tanh returns tanh(x) computed as kernels.tanh64/tanh32, both ranges
// evaluated and selected; R10 and R11 walk the tables.
func (e *emitter) tanh(x reg, expTable, polyTable string) reg {
	a := e.absClamped(x)
	twoA := e.tmp()
	e.fadd(twoA, a, a)
	ex := e.exp(twoA, expTable, false) // exp(2|x|): finite, x's NaN is restored below
	a = e.absClamped(x)                // again: not held through exp
	one := e.c(1)
	den, s, t, u := e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fadd(den, ex, one)
	e.fmul(s, a, a)
	e.ins("MOVD $%s(SB), R11", polyTable)
	next := func(d reg) { e.tableLoad(d, "R11") }
	if e.f64() {
		as, p, q := e.tmp(), e.tmp(), e.tmp()
		e.fmul(as, a, s)
		next(p)
		pr := e.horner(p, s, 2, next) // (P0·s + P1)·s + P2
		e.fmul(pr, as, pr)            // (a·s)·P(s)
		next(q)
		e.fadd(q, s, q) // s + Q0
		qr := e.horner(q, s, 2, next)
		a = e.absClamped(x)
		small, num := e.tmp(), e.tmp()
		e.fcmgt(small, e.c(algo.TanhSplit), a)
		e.bit(den, qr, small)
		e.mov(num, e.c(2))
		e.bit(num, pr, small)
		e.fdiv(u, num, den)
		e.fsub(t, one, u)
		e.fadd(u, a, u)
		e.bit(t, u, small)
	} else {
		e.fdiv(u, e.c(2), den)
		e.fsub(t, one, u) // 1 − 2/(e+1)
		p := e.tmp()
		next(p)
		acc := e.horner(p, s, 4, next)
		e.fmul(acc, acc, s)
		small, v := e.tmp(), e.tmp()
		e.fcmgt(small, e.c(algo.TanhSplit), a)
		e.mov(v, a)
		e.fmla(v, acc, a) // a + (P·s)·a
		e.bit(t, v, small)
	}
	sign, res, m := e.tmp(), e.tmp(), e.tmp()
	e.vand(sign, x, e.cbits(e.signBit()))
	e.vorr(res, t, sign)
	e.fcmeq(m, x, x)
	e.bif(res, x, m)
	return res
}

// signBit is the sign bit of a lane.
func (e *emitter) signBit() uint64 {
	if e.f64() {
		return 1 << 63
	}
	return 1 << 31
}
