package main

// The constants of kernels/tanh.go (Cephes tanh.c, tanhf.c).
const (
	tanhSplit = 0.625
	tanhP0    = -9.64399179425052238628e-1
	tanhP1    = -9.92877231001918586564e1
	tanhP2    = -1.61468768441708447952e3
	tanhQ0    = 1.12811678491632931402e2
	tanhQ1    = 2.23548839060100448583e3
	tanhQ2    = 4.84406305325125486048e3
	tanhfP0   = -5.70498872745e-3
	tanhfP1   = 2.06390887954e-2
	tanhfP2   = -5.37397155531e-2
	tanhfP3   = 1.33314422036e-1
	tanhfP4   = -3.33332819422e-1
)

// Tanh's constant registers, beside exp's V16…V25.
const (
	tAbs, tClamp, tSplit, tSign, tTwo = 26, 27, 28, 29, 30
)

// tanhPoly returns the small range's coefficients in the order tanh reads
// them (P then Q for float64).
func (e *emitter) tanhPoly() []float64 {
	if e.f64() {
		return []float64{tanhP0, tanhP1, tanhP2, tanhQ0, tanhQ1, tanhQ2}
	}
	return []float64{tanhfP0, tanhfP1, tanhfP2, tanhfP3, tanhfP4}
}

func (e *emitter) tanhConstants() {
	e.expConstants()
	sign := uint64(1) << 63
	clampAt := 20.0
	if !e.f64() {
		sign, clampAt = 1<<31, 10
	}
	e.bits(tAbs, sign-1) // all bits but the sign
	e.constant(tClamp, clampAt)
	e.constant(tSplit, tanhSplit)
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
		for i := 0; i < 2; i++ { // P0·s + P1, then ·s + P2
			next(c)
			e.fmla(c, p, s)
			e.mov(p, c)
		}
		e.fmul(8, a, s)
		e.fmul(p, 8, p) // (a·s)·P(s)
		next(c)
		e.fadd(q, s, c) // s + Q0
		for i := 0; i < 2; i++ {
			next(c)
			e.fmla(c, q, s)
			e.mov(q, c)
		}
		e.bit(num, p, small)
		e.bit(den, q, small)
		e.fdiv(u, num, den)
		e.fsub(t, vOne, u)
		e.fadd(u, a, u)
		e.bit(t, u, small)
	} else {
		e.fdiv(u, num, den)
		e.fsub(t, vOne, u) // 1 − 2/(e+1)
		next(p)
		for i := 0; i < 4; i++ {
			next(c)
			e.fmla(c, p, s)
			e.mov(p, c)
		}
		e.fmul(p, p, s)
		e.mov(u, a)
		e.fmla(u, p, a) // a + (P·s)·a
		e.bit(t, u, small)
	}
	e.vand(u, x, tSign)
	e.vorr(2, t, u)
	e.fcmeq(u, x, x)
	e.bif(2, x, u)
}
