package main

import "fmt"

// The backward passes of the spline kernels, as gen/amd64/splinegrad.go
// writes them (its comment gives the method) and kernels.SplineForwardGrad
// and SplineInverseGrad compute them: the forward kernels' softmaxes and
// walk (spline.go), counting the bin, then straight-line segments that
// keep everything they hand on in the stash, 16-byte slots from R25 (the
// start of scratch; the exps follow from R5 = R25 + 1024), and the loops
// of knotsGrad and of the derivatives' gradients. The frame's registers
// are spline.go's, but R0 dIn, R1 dLogdet's row, R16 dOut and R17 the
// bytes from params to dParams.

// The stash slots; the first two are the sums' reciprocals (recipW,
// recipH).
const (
	sRecipW = iota
	sRecipH
	sXLo
	sXHi
	sYLo
	sYHi
	sKv
	sA
	sSigA
	sB
	sSigB
	sW
	sH
	sDelta
	sC2
	sTheta
	sOm
	sT1
	sTh2
	sP
	sDen
	sN2
	sOm2
	sDenTheta
	sDenDelta
	sDen2
	sYTheta
	sYDelta
	sYA
	sYB
	sLadTheta
	sLadDelta
	sLadA
	sLadB
	sPOverDen
	sQ
	sDy
	sGTheta
	sGDelta
	sGA
	sGB
	sGW
	sGHt
	sGcxLo
	sGcyLo
	sInside
	stashSlots
)

// stashBytes is the stash's size, rounded up to a power of two; the
// wrapper's scratch (asm_wrappers.go's splineGradStashes vectors of 64
// bytes) holds it and the exps.
const stashBytes = 1024

// st writes v to stash slot i; ld reads it.
func (e *emitter) st(i int, v reg) { e.storeAt(v, "R25", 16*i) }
func (e *emitter) ld(i int) reg    { return e.loadAt("R25", 16*i) }

// splineGrad writes splineFwdGrad or splineInvGrad.
func (e *emitter) splineGrad(sym string, inverse bool) {
	if 16*stashSlots > stashBytes {
		panic("arm64: the spline stash outgrew its bytes")
	}
	e.splineArgs = 184
	expTable, logTable := e.splineTables(sym)
	var r splineRegs
	for _, p := range []*reg{&r.m, &r.z, &r.dLo, &r.dHi, &r.oLo, &r.oHi, &r.aP, &r.bP, &r.prev, &r.kv} {
		*p = e.reserve()
	}
	sd := sidesOf(inverse)

	// The segments, recorded before the pins are written.
	f := e.recordFront(r, sd, expTable)
	after := e.record(1, func() {
		xLo, xHi, yLo, yHi := r.dLo, r.dHi, r.oLo, r.oHi
		if inverse {
			xLo, xHi, yLo, yHi = r.oLo, r.oHi, r.dLo, r.dHi
		}
		for _, s := range []struct {
			i int
			v reg
		}{{sXLo, xLo}, {sXHi, xHi}, {sYLo, yLo}, {sYHi, yHi}, {sKv, r.kv}} {
			e.st(s.i, s.v)
		}
	})
	derivA := e.record(1, func() {
		a, sig := e.splineDerivSig(r.aP, expTable, logTable)
		end := e.tmp()
		e.fcmeq(end, r.kv, e.cbits(0)) // bin 0: the knot is −B
		e.bit(a, e.c(1), end)
		e.bit(sig, e.cbits(0), end)
		e.st(sA, a)
		e.st(sSigA, sig)
	})
	derivB := e.record(1, func() {
		b, sig := e.splineDerivSig(r.bP, expTable, logTable)
		e.bit(b, e.c(1), r.prev) // the last bin: the knot is B
		e.bit(sig, e.cbits(0), r.prev)
		e.st(sB, b)
		e.st(sSigB, sig)
	})
	local := e.record(1, func() { e.splineGradLocal(inverse) })
	pieces1 := e.record(1, e.splinePiecesY)
	pieces2 := e.record(1, e.splinePiecesLad)
	combine := e.record(1, func() { e.splineGradCombine(inverse) })
	knots := func(heights bool, pass int) []op {
		scale, rc, lo, hi := argScaleW, sRecipW, sGcxLo, sGW
		if heights {
			scale, rc, lo, hi = argScaleH, sRecipH, sGcyLo, sGHt
		}
		return e.record(1, func() { e.knotsGradStep(r, scale, rc, lo, hi, pass) })
	}
	knotsW0, knotsW1, knotsH0, knotsH1 := knots(false, 0), knots(false, 1), knots(true, 0), knots(true, 1)
	derivGrad := e.record(1, func() { e.derivGradStep(r) })

	e.splineHeader(sym, "dIn, dParams, dOut, dLogdet, in, params, scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T", 184+6*e.size(), [][2]string{
		{"R0", "dIn_base+0(FP)"}, {"R17", "dParams_base+24(FP)"}, {"R16", "dOut_base+48(FP)"},
		{"R1", "dLogdet_base+72(FP)"}, {"R2", "dLogdet_len+80(FP)"}, {"R3", "in_base+96(FP)"},
		{"R4", "params_base+120(FP)"}, {"R25", "scratch_base+144(FP)"}, {"R6", "cols+168(FP)"}, {"R20", "bins+176(FP)"}})
	e.ins("SUB R4, R17, R17")
	e.ins("ADD $%d, R25, R5", stashBytes)
	e.writePins()
	e.ins("CBZ R2, done")
	e.label("row")
	e.ins("MOVD R4, R12")
	e.ins("MOVD R7, R13")
	e.label("vec")
	e.ins("CBZ R13, vecend")
	e.writeFront(f, inverse)
	for _, seg := range [][]op{after, derivA, derivB, local, pieces1, pieces2, combine} {
		e.write(seg, 1)
	}
	// knotsGrad, widths then heights: two walks down from the last
	// share, R14 its exp, R24 its gradient, R15 the shares left, r.dLo
	// the share's index as a float.
	for _, c := range []struct {
		l          string
		heights    bool
		pass0, one []op
	}{{"kw", false, knotsW0, knotsW1}, {"kh", true, knotsH0, knotsH1}} {
		e.zero(r.z)
		for pass, seg := range [][]op{c.pass0, c.one} {
			l := fmt.Sprintf("%s%d", c.l, pass)
			e.ins("SUB $1, R20, R15")
			e.indexVector(r.dLo, "R15")
			e.ins("LSL $4, R15, R14")
			e.ins("ADD R5, R14, R14")
			e.ins("MUL R11, R15, R24")
			e.ins("ADD R12, R24, R24")
			e.ins("ADD R17, R24, R24")
			if c.heights {
				e.ins("ADD R22, R14, R14")
				e.ins("ADD R23, R24, R24")
			}
			e.ins("MOVD R20, R15")
			e.zero(r.m)
			e.label(l)
			e.ins("CBZ R15, %send", l)
			e.write(seg, 1)
			e.ins("SUB $16, R14, R14")
			e.ins("SUB R11, R24, R24")
			e.ins("SUB $1, R15, R15")
			e.ins("B %s", l)
			e.label(l + "end")
		}
	}
	// The derivatives' gradients, from the first: R24 its gradient, r.dLo
	// its index as a float.
	e.ins("ADD R12, R17, R24")
	e.ins("ADD R23, R24, R24")
	e.ins("ADD R23, R24, R24")
	e.ins("SUB $1, R20, R15")
	e.zero(r.dLo)
	e.label("dg")
	e.ins("CBZ R15, dgend")
	e.write(derivGrad, 1)
	e.ins("ADD R11, R24, R24")
	e.ins("SUB $1, R15, R15")
	e.ins("B dg")
	e.label("dgend")

	e.ins("ADD $16, R0, R0")
	e.ins("ADD $16, R3, R3")
	e.ins("ADD $16, R16, R16")
	e.ins("ADD $16, R12, R12")
	e.ins("SUB $1, R13, R13")
	e.ins("B vec")
	e.label("vecend")
	e.ins("ADD R8, R0, R0")
	e.ins("ADD R8, R3, R3")
	e.ins("ADD R8, R16, R16")
	e.ins("ADD $%d, R1, R1", e.size())
	e.ins("ADD R21, R4, R4")
	e.ins("SUB $1, R2, R2")
	e.ins("CBNZ R2, row")
	e.label("done")
	e.ins("RET")
}

// indexVector sets every lane of the physical register d to the integer
// in the general register n, as a float.
func (e *emitter) indexVector(d reg, n string) {
	if e.f64() {
		e.ins("SCVTFD %s, F%d", n, d)
		e.ins("VDUP V%d.D[0], %s", d, e.v(int(d)))
		return
	}
	e.ins("SCVTFS %s, F%d", n, d)
	e.ins("VDUP V%d.S[0], %s", d, e.v(int(d)))
}

// splineDerivSig returns minDeriv + softplus(v) and softplus′(v), the
// logistic sigmoid: 1/(1 + e), or e/(1 + e) for v < 0, e = exp(−|v|), as
// kernels.softplus.
func (e *emitter) splineDerivSig(v reg, expTable, logTable string) (d, sig reg) {
	a := e.tmp()
	e.fabs(a, v)
	e.fneg(a, a)
	ex := e.exp(a, expTable, true)
	ope, neg := e.tmp(), e.tmp()
	e.fadd(ope, ex, e.c(1))
	sig = e.tmp()
	e.mov(sig, e.c(1))
	e.fcmgt(neg, e.cbits(0), v)
	e.bit(sig, ex, neg)
	e.fdiv(sig, sig, ope)
	lg := e.log(ope, func() reg { return ope }, logTable)
	d = e.tmp()
	e.fmax(d, v, e.cbits(0))
	e.fadd(d, d, lg)
	e.fadd(d, e.splineArg(argMinDeriv), d)
	return d, sig
}

// splineGradLocal computes the bin's rqLocal: w, h, δ, c2, θ (the
// inverse: the root of the quadratic, as splineTail), then at(θ).
func (e *emitter) splineGradLocal(inverse bool) {
	w, h, delta, c2 := e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fsub(w, e.ld(sXHi), e.ld(sXLo))
	e.fsub(h, e.ld(sYHi), e.ld(sYLo))
	e.fdiv(delta, h, w)
	e.st(sW, w)
	e.st(sH, h)
	e.st(sDelta, delta)
	a, b := e.ld(sA), e.ld(sB)
	twoDelta := e.tmp()
	e.fadd(twoDelta, delta, delta)
	e.fadd(c2, a, b)
	e.fsub(c2, c2, twoDelta) // a + b − 2δ
	e.st(sC2, c2)
	theta := e.tmp()
	if inverse {
		e.splineRoot(theta, e.load("R3"), e.ld(sYLo), h, delta, a, c2)
	} else {
		e.fsub(theta, e.load("R3"), e.ld(sXLo))
		e.fdiv(theta, theta, w)
	}
	e.st(sTheta, theta)
	om, t1, th2, p, den, n2 := e.tmp(), e.tmp(), e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fsub(om, e.c(1), theta)
	e.fmul(t1, theta, om)
	e.fmul(th2, theta, theta)
	e.fmul(p, a, t1)
	e.fmla(p, delta, th2) // δθ² + a·t1
	e.mov(den, delta)
	e.fmla(den, c2, t1) // δ + c2·t1
	e.fmul(n2, om, om)
	e.fmul(n2, a, n2)
	e.fmla(n2, twoDelta, t1)
	e.fmla(n2, b, th2) // b·θ² + 2δ·t1 + a·(1−θ)²
	for _, s := range []struct {
		i int
		v reg
	}{{sOm, om}, {sT1, t1}, {sTh2, th2}, {sP, p}, {sDen, den}, {sN2, n2}} {
		e.st(s.i, s.v)
	}
}

// twice returns a temporary holding 2·v.
func (e *emitter) twice(v reg) reg {
	d := e.tmp()
	e.fadd(d, v, v)
	return d
}

// splinePiecesY computes rqLocal.partials' derivatives of y, as
// gen/amd64's splinePartials.
func (e *emitter) splinePiecesY() {
	one := e.c(1)
	om2, pTheta, denTheta, denDelta, den2 := e.tmp(), e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fsub(om2, one, e.twice(e.ld(sTheta))) // 1 − 2θ
	e.st(sOm2, om2)
	e.fmul(pTheta, e.ld(sA), om2)
	e.fmla(pTheta, e.twice(e.ld(sDelta)), e.ld(sTheta)) // fma(2δ, θ, a·(1 − 2θ))
	e.fmul(denTheta, e.ld(sC2), om2)
	e.st(sDenTheta, denTheta)
	e.fsub(denDelta, one, e.twice(e.ld(sT1)))
	e.st(sDenDelta, denDelta)
	den := e.ld(sDen)
	e.fmul(den2, den, den)
	e.st(sDen2, den2)
	h, p := e.ld(sH), e.ld(sP)

	yt, s := e.tmp(), e.tmp()
	e.fmul(yt, pTheta, den)
	e.fmul(s, p, denTheta)
	e.fsub(yt, yt, s)
	e.fmul(yt, h, yt)
	e.fdiv(yt, yt, den2) // h·(pTheta·den − p·denTheta)/den²
	e.st(sYTheta, yt)
	yd := e.tmp()
	e.fmul(yd, e.ld(sTh2), den)
	e.fmul(s, p, denDelta)
	e.fsub(yd, yd, s)
	e.fmul(yd, h, yd)
	e.fdiv(yd, yd, den2) // h·(θ²·den − p·denDelta)/den²
	e.st(sYDelta, yd)
	ya, t1 := e.tmp(), e.ld(sT1)
	e.fmul(ya, h, t1)
	e.fsub(s, den, p)
	e.fmul(ya, ya, s)
	e.fdiv(ya, ya, den2) // (h·t1)·(den − p)/den²
	e.st(sYA, ya)
	yb := e.tmp()
	e.fmul(yb, h, p)
	e.fmul(yb, yb, t1)
	e.fneg(yb, yb)
	e.fdiv(yb, yb, den2) // −(h·p)·t1/den²
	e.st(sYB, yb)
}

// splinePiecesLad computes rqLocal.partials' derivatives of log g′ and
// p/den.
func (e *emitter) splinePiecesLad() {
	den, n2 := e.ld(sDen), e.ld(sN2)
	n2t, s := e.tmp(), e.tmp()
	e.fmul(n2t, e.ld(sB), e.ld(sTheta))
	e.fmul(s, e.ld(sDelta), e.ld(sOm2))
	e.fadd(n2t, n2t, s)
	e.fmul(s, e.ld(sA), e.ld(sOm))
	e.fsub(n2t, n2t, s)
	e.fadd(n2t, n2t, n2t)
	e.fdiv(n2t, n2t, n2)
	dt := e.twice(e.ld(sDenTheta))
	e.fdiv(dt, dt, den)
	e.fsub(n2t, n2t, dt) // n2θ/n2 − 2·denTheta/den
	e.st(sLadTheta, n2t)
	ld := e.tmp()
	e.mov(ld, e.c(2))
	e.fdiv(ld, ld, e.ld(sDelta))
	tt := e.twice(e.ld(sT1))
	e.fdiv(tt, tt, n2)
	e.fadd(ld, ld, tt)
	dd := e.twice(e.ld(sDenDelta))
	e.fdiv(dd, dd, den)
	e.fsub(ld, ld, dd) // 2/δ + 2·t1/n2 − 2·denDelta/den
	e.st(sLadDelta, ld)
	tden := e.twice(e.ld(sT1))
	e.fdiv(tden, tden, den)
	la, om := e.tmp(), e.ld(sOm)
	e.fmul(la, om, om)
	e.fdiv(la, la, n2)
	e.fsub(la, la, tden) // (1 − θ)²/n2 − 2·t1/den
	e.st(sLadA, la)
	lb := e.tmp()
	e.fdiv(lb, e.ld(sTh2), n2)
	e.fsub(lb, lb, tden) // θ²/n2 − 2·t1/den
	e.st(sLadB, lb)
	pd := e.tmp()
	e.fdiv(pd, e.ld(sP), den)
	e.st(sPOverDen, pd)
}

// splineGradCombine combines the pieces with the loss's gradients (dOut
// at (R16), dLogdet's row at (R1)) as partials and paramGrad do, writes
// dIn (dOut outside [−B, B]) and stashes what the loops need.
func (e *emitter) splineGradCombine(inverse bool) {
	dl := e.tmp()
	e.vec(dl, nil, func(p func(reg) int) { e.ins("VLD1R (R1), [%s]", e.v(p(dl))) })
	dy := e.load("R16")
	if inverse {
		lt, deriv, dd := e.tmp(), e.tmp(), e.tmp()
		e.fmul(lt, e.cbits(0), e.ld(sYTheta))
		e.fadd(lt, lt, e.ld(sLadTheta)) // partials(0, 1)'s gTheta
		e.fdiv(lt, lt, e.ld(sW))
		e.fmul(lt, dl, lt)
		e.fsub(dy, dy, lt)
		delta := e.ld(sDelta)
		e.fmul(deriv, delta, delta)
		e.fmul(deriv, deriv, e.ld(sN2))
		den := e.ld(sDen)
		e.fmul(dd, den, den)
		e.fdiv(deriv, deriv, dd) // g′
		e.fdiv(dy, dy, deriv)    // q
		e.st(sQ, dy)
		e.fneg(dy, dy)
		e.fneg(dl, dl)
	}
	e.st(sDy, dy)
	comb := func(y, lad int) reg {
		s, t := e.tmp(), e.tmp()
		e.fmul(s, e.ld(sDy), e.ld(y))
		e.fmul(t, dl, e.ld(lad))
		e.fadd(s, s, t)
		return s
	}
	e.st(sGTheta, comb(sYTheta, sLadTheta))
	e.st(sGDelta, comb(sYDelta, sLadDelta))
	gA := comb(sYA, sLadA)
	e.fmul(gA, gA, e.ld(sSigA))
	e.st(sGA, gA)
	gB := comb(sYB, sLadB)
	e.fmul(gB, gB, e.ld(sSigB))
	e.st(sGB, gB)
	gH := e.tmp()
	e.fmul(gH, e.ld(sDy), e.ld(sPOverDen))

	w, gW, t := e.ld(sW), e.tmp(), e.tmp()
	e.fmul(gW, e.ld(sGTheta), e.ld(sTheta))
	e.fmul(t, e.ld(sGDelta), e.ld(sDelta))
	e.fadd(gW, gW, t)
	e.fneg(gW, gW)
	e.fdiv(gW, gW, w) // −(gTheta·θ + gDelta·δ)/w
	e.st(sGW, gW)
	gHt := e.tmp()
	e.fdiv(gHt, e.ld(sGDelta), w)
	e.fadd(gHt, gH, gHt) // gH + gDelta/w
	e.st(sGHt, gHt)
	lo := e.tmp()
	e.fneg(lo, e.ld(sGTheta))
	e.fdiv(lo, lo, w)
	e.fsub(lo, lo, gW) // −gTheta/w − gW
	e.st(sGcxLo, lo)
	e.fsub(lo, e.ld(sDy), gHt) // dy − gHt
	e.st(sGcyLo, lo)

	bound, x := e.splineArg(argBound), e.load("R3")
	inside, le, negB := e.tmp(), e.tmp(), e.tmp()
	e.fneg(negB, bound)
	e.fcmge(inside, x, negB)
	e.fcmge(le, bound, x)
	e.vand(inside, inside, le)
	e.st(sInside, inside)
	var dIn reg
	if inverse {
		dIn = e.ld(sQ)
	} else {
		dIn = e.tmp()
		e.fdiv(dIn, e.ld(sGTheta), w)
	}
	out := e.load("R16")
	e.bit(out, dIn, inside)
	e.store(out, "R0")
}

// knotsGradStep is one step of knotsGrad's walk down a coordinate's
// shares (gen/amd64's knotsGrad): gs = scale·(2B·suffix) from r.m, the
// share at (R14) times the reciprocal in slot rc, then (pass 0) the dot
// product in r.z, or (pass 1) the gradient share·(gs − dot) written to
// (R24), zero outside [−B, B]; then suffix += the knot's gradient (lo at
// the bin's lower knot, hi at its upper) and the index r.dLo − 1.
func (e *emitter) knotsGradStep(r splineRegs, scale, rc, lo, hi, pass int) {
	bound := e.splineArg(argBound)
	gs, sh := e.tmp(), e.load("R14")
	e.fadd(gs, bound, bound)
	e.fmul(gs, gs, r.m)
	e.fmul(gs, e.splineArg(scale), gs)
	e.fmul(sh, sh, e.ld(rc))
	if pass == 0 {
		e.fmul(sh, sh, gs)
		e.fadd(r.z, r.z, sh)
	} else {
		e.fsub(gs, gs, r.z)
		e.fmul(gs, sh, gs)
		e.vand(gs, gs, e.ld(sInside))
		e.store(gs, "R24")
	}
	add, c, k := e.tmp(), e.tmp(), e.ld(sKv)
	e.zero(add)
	e.fcmeq(c, r.dLo, k)
	e.bit(add, e.ld(lo), c)
	e.fadd(k, k, e.c(1))
	e.fcmeq(c, r.dLo, k)
	e.bit(add, e.ld(hi), c)
	e.fadd(r.m, r.m, add)
	e.fsub(r.dLo, r.dLo, e.c(1))
}

// derivGradStep writes the gradient of derivative j's parameter (j in
// r.dLo, as a float) to (R24): gA at the bin's lower knot (j + 1 = k), gB
// at its upper (j = k), zero elsewhere and outside [−B, B]; then j + 1.
func (e *emitter) derivGradStep(r splineRegs) {
	v, c, k := e.tmp(), e.tmp(), e.ld(sKv)
	e.zero(v)
	e.fcmeq(c, r.dLo, k)
	e.bit(v, e.ld(sGB), c)
	e.fadd(r.dLo, r.dLo, e.c(1))
	e.fcmeq(c, r.dLo, k)
	e.bit(v, e.ld(sGA), c)
	e.vand(v, v, e.ld(sInside))
	e.store(v, "R24")
}
