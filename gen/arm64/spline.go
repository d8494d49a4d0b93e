package main

import "fmt"

// Rational-quadratic splines, as kernels.SplineForward/SplineInverse
// compute them and as gen/amd64/spline.go writes them (its comment gives
// the method): a vector holds lanes adjacent columns of one row, the
// softmax sums are taken in order with every exp kept in scratch, and one
// walk over both coordinates' knots picks each lane's bin by compares and
// blends. NEON has no masked loads, so the kernels do each row's whole
// vectors and the Go wrapper the rest with the portable kernel.
//
// The loops over the bins hold their values in pinned registers from one
// straight-line segment to the next; each segment is allocated on its own.
// General registers: R0 out, R1 logdet, R2 rows left, R3 in, R4 the row's
// parameters, R5 scratch, R6 cols, R7 a row's whole vectors, R8 the bytes
// of its other columns, R11 the bytes from one parameter to the next
// (cols·size), R12 the vector's first parameter, R13 vectors left in the
// row, R14 and R24 pointers of the bins' loops, R15 their count, R19 the
// derivatives' parameters, R20 bins, R21 the bytes of a row's parameters,
// R22 the bytes of the widths' exps, R23 those of a row's widths, R25 the
// scratch after the exps, where the sums' reciprocals wait for the walk.
// R9 and R10 are the exp's and log's. Registers are few for all that the
// tail computes: x is read again where it is needed, and the tail is
// three segments, one for each knot derivative, then the rest.

// splineFrame is the argument size of splineParams: five slices, two
// ints, six floats.
func (e *emitter) splineFrame() int { return 5*24 + 2*8 + 6*e.size() }

// splineArg is the float argument i of the six after the ints (bound,
// minWidth, minHeight, minDeriv, scaleW, scaleH) in every lane, the first
// at frame offset e.splineArgs.
func (e *emitter) splineArg(i int) reg {
	names := []string{"bound", "minWidth", "minHeight", "minDeriv", "scaleW", "scaleH"}
	return e.arg(names[i], e.splineArgs+i*e.size())
}

// Indexes of splineArg.
const (
	argBound = iota
	argMinWidth
	argMinHeight
	argMinDeriv
	argScaleW
	argScaleH
)

// splineRegs are the vectors the segments of one vector's work hand on.
type splineRegs struct {
	acc      reg // the row's log-determinants, lane by lane
	m, z     reg // a softmax's maximum and sum (walk: the running sums)
	dLo, dHi reg // the bin's ends in the coordinate that decides it
	oLo, oHi reg // and in the other
	aP, bP   reg // the parameters of the derivatives at its ends, then the derivatives
	prev     reg // lanes at or above the last knot walked
	kv       reg // the bin's index, as a float (the backward passes'), or 0
}

// Offsets from R25 of the reciprocals of the widths' and heights' exp
// sums.
const (
	recipW = 0
	recipH = 16
)

// loadAt is a temporary holding the vector off bytes past ptr.
func (e *emitter) loadAt(ptr string, off int) reg {
	d := e.tmp()
	e.emit([]reg{d}, nil, func(p func(reg) int, _, _ int) { e.ins("FMOVQ %d(%s), F%d", off, ptr, p(d)) })
	return d
}

// storeAt writes v off bytes past ptr.
func (e *emitter) storeAt(v reg, ptr string, off int) {
	e.emit(nil, []reg{v}, func(p func(reg) int, _, _ int) { e.ins("FMOVQ F%d, %d(%s)", p(v), off, ptr) })
}

// splineFront are the segments of the softmaxes and the walk over the
// knots, which the forward kernels and their backward passes share.
type splineFront struct {
	firstMax, nextMax, zeroSum, sumExp, recipW, recipH, walkStart, walkStep []op
}

// splineSides are the arguments that differ between the coordinate that
// decides the bin (d: the widths forward, the heights inverse) and the
// other (o): the indexes of their minimum and scale arguments and the
// offsets of their sums' reciprocals from R25.
type splineSides struct {
	dMin, dScale, oMin, oScale, dR, oR int
}

func sidesOf(inverse bool) splineSides {
	s := splineSides{argMinWidth, argScaleW, argMinHeight, argScaleH, recipW, recipH}
	if inverse {
		s = splineSides{argMinHeight, argScaleH, argMinWidth, argScaleW, recipH, recipW}
	}
	return s
}

// recordFront records the softmaxes' and the walk's segments; the walk
// counts the bin in r.kv if it is set.
func (e *emitter) recordFront(r splineRegs, sd splineSides, expTable string) splineFront {
	var f splineFront
	f.firstMax = e.record(1, func() { e.mov(r.m, e.load("R14")) })
	f.nextMax = e.record(1, func() { e.fmax(r.m, r.m, e.load("R14")) })
	f.zeroSum = e.record(1, func() { e.zero(r.z) })
	f.sumExp = e.record(1, func() {
		u := e.load("R14")
		e.fsub(u, u, r.m)
		ex := e.exp(u, expTable, true)
		e.store(ex, "R24")
		e.fadd(r.z, r.z, ex)
	})
	recip := func(off int) []op {
		return e.record(1, func() {
			d := e.tmp()
			e.fdiv(d, e.c(1), r.z)
			e.storeAt(d, "R25", off)
		})
	}
	f.recipW, f.recipH = recip(recipW), recip(recipH)
	f.walkStart = e.record(1, func() {
		bound := e.splineArg(argBound)
		e.fneg(r.dLo, bound)
		e.mov(r.oLo, r.dLo)
		e.mov(r.dHi, bound)
		e.mov(r.oHi, bound)
		e.zero(r.aP)
		e.zero(r.bP)
		e.zero(r.m)
		e.zero(r.z)
		if r.kv != 0 {
			e.zero(r.kv)
		}
		e.fcmge(r.prev, e.load("R3"), r.dLo) // x ≥ −B: the walk's bin 0 so far
	})
	f.walkStep = e.record(1, func() {
		kd := e.splineKnot(e.load("R14"), e.loadAt("R25", sd.dR), r.m, sd.dMin, sd.dScale)
		ge, first := e.tmp(), e.tmp()
		e.fcmge(ge, e.load("R3"), kd)
		e.mov(first, r.prev)
		e.bit(first, e.cbits(0), ge) // the first knot above x
		e.bit(r.dLo, kd, ge)
		e.bit(r.dHi, kd, first)
		ko := e.splineKnot(e.load("R24"), e.loadAt("R25", sd.oR), r.z, sd.oMin, sd.oScale)
		e.bit(r.oLo, ko, ge)
		e.bit(r.oHi, ko, first)
		ud := e.load("R19")
		e.bit(r.aP, ud, ge)
		e.bit(r.bP, ud, first)
		if r.kv != 0 {
			k1 := e.tmp()
			e.fadd(k1, r.kv, e.c(1))
			e.bit(r.kv, k1, ge)
		}
		e.mov(r.prev, ge)
	})
	return f
}

// splineHeader writes the TEXT line of sym and loads its arguments: the
// registers named in args, and from R6 (cols) and R20 (bins) the sizes
// the loops use.
func (e *emitter) splineHeader(sym, sig string, frame int, args [][2]string) {
	fmt.Fprintf(e.w, "\n// func %s(%s)\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", sym, sig, sym, frame)
	for _, a := range args {
		e.ins("MOVD %s, %s", a[1], a[0])
	}
	e.ins("LSR $%d, R6, R7", map[bool]int{true: 1, false: 2}[e.f64()])
	e.ins("AND $%d, R6, R8", e.lanes()-1)
	e.ins("LSL $%d, R8, R8", e.shift())
	e.ins("LSL $%d, R6, R11", e.shift())
	e.ins("MUL R20, R11, R23")
	e.ins("ADD R20, R20, R21")
	e.ins("ADD R20, R21, R21")
	e.ins("SUB $1, R21, R21")
	e.ins("MUL R11, R21, R21") // (3K − 1)·cols·size
	e.ins("LSL $4, R20, R22")
}

// writeFront writes, for the vector whose parameters start at R12 and
// input is at (R3), the softmaxes (exps from R5 on) and the walk, and
// leaves R14 at the deciding coordinate's first exp.
func (e *emitter) writeFront(f splineFront, inverse bool) {
	softmax := func(l string, params, exps string, recip []op) {
		e.ins("MOVD %s, R14", params)
		e.ins("SUB $1, R20, R15")
		e.write(f.firstMax, 1)
		e.label(l + "max")
		e.ins("CBZ R15, %smaxend", l)
		e.ins("ADD R11, R14, R14")
		e.write(f.nextMax, 1)
		e.ins("SUB $1, R15, R15")
		e.ins("B %smax", l)
		e.label(l + "maxend")
		e.ins("MOVD %s, R14", params)
		e.ins("MOVD %s, R24", exps)
		e.ins("MOVD R20, R15")
		e.write(f.zeroSum, 1)
		e.label(l + "sum")
		e.ins("CBZ R15, %ssumend", l)
		e.write(f.sumExp, 1)
		e.ins("ADD R11, R14, R14")
		e.ins("ADD $16, R24, R24")
		e.ins("SUB $1, R15, R15")
		e.ins("B %ssum", l)
		e.label(l + "sumend")
		e.write(recip, 1)
	}
	softmax("w", "R12", "R5", f.recipW)
	e.ins("ADD R23, R12, R19")
	e.ins("ADD R22, R5, R24")
	softmax("h", "R19", "R24", f.recipH)

	// The walk: R14 the deciding coordinate's exps, R24 the other's, R19
	// the derivatives' parameters.
	e.write(f.walkStart, 1)
	if inverse {
		e.ins("ADD R22, R5, R14")
		e.ins("MOVD R5, R24")
	} else {
		e.ins("MOVD R5, R14")
		e.ins("ADD R22, R5, R24")
	}
	e.ins("ADD R23, R12, R19")
	e.ins("ADD R23, R19, R19")
	e.ins("SUB $1, R20, R15")
	e.label("walk")
	e.ins("CBZ R15, walkend")
	e.write(f.walkStep, 1)
	e.ins("ADD $16, R14, R14")
	e.ins("ADD $16, R24, R24")
	e.ins("ADD R11, R19, R19")
	e.ins("SUB $1, R15, R15")
	e.ins("B walk")
	e.label("walkend")
	if inverse {
		e.ins("ADD R22, R5, R14")
	} else {
		e.ins("MOVD R5, R14")
	}
}

// splineTables writes the exp and log tables of kernel sym and returns
// their names.
func (e *emitter) splineTables(sym string) (expTable, logTable string) {
	expTable, logTable = sym+"Exp<>", sym+"Log<>"
	e.expTables(expTable)
	e.table(logTable, e.logPoly())
	return expTable, logTable
}

// spline writes splineFwd or splineInv.
func (e *emitter) spline(sym string, inverse bool) {
	e.splineArgs = 136
	expTable, logTable := e.splineTables(sym)
	var r splineRegs
	for _, p := range []*reg{&r.acc, &r.m, &r.z, &r.dLo, &r.dHi, &r.oLo, &r.oHi, &r.aP, &r.bP, &r.prev} {
		*p = e.reserve()
	}
	sd := sidesOf(inverse)

	// The segments, recorded before the pins are written.
	f := e.recordFront(r, sd, expTable)
	derivA := e.record(1, func() { e.splineDerivA(r, sd.dR, sd.dMin, sd.dScale, expTable, logTable) })
	derivB := e.record(1, func() { e.splineDerivB(r, expTable, logTable) })
	tail := e.record(1, func() { e.splineTail(r, inverse, logTable) })

	// The arguments and the loops.
	e.splineHeader(sym, "out, logdet, in, params, scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T", e.splineFrame(), [][2]string{
		{"R0", "out_base+0(FP)"}, {"R1", "logdet_base+24(FP)"}, {"R2", "logdet_len+32(FP)"},
		{"R3", "in_base+48(FP)"}, {"R4", "params_base+72(FP)"}, {"R5", "scratch_base+96(FP)"}, {"R6", "cols+120(FP)"}, {"R20", "bins+128(FP)"}})
	e.ins("ADD R22, R5, R25")
	e.ins("ADD R22, R25, R25")
	e.writePins()
	e.ins("CBZ R2, done")
	e.label("row")
	e.zero(r.acc)
	e.ins("MOVD R4, R12")
	e.ins("MOVD R7, R13")
	e.label("vec")
	e.ins("CBZ R13, vecend")
	e.writeFront(f, inverse)
	e.write(derivA, 1)
	e.write(derivB, 1)
	e.write(tail, 1)
	e.ins("ADD $16, R0, R0")
	e.ins("ADD $16, R3, R3")
	e.ins("ADD $16, R12, R12")
	e.ins("SUB $1, R13, R13")
	e.ins("B vec")
	e.label("vecend")
	e.ins("ADD R8, R0, R0")
	e.ins("ADD R8, R3, R3")
	e.reduceRow(r.acc, inverse)
	e.ins("ADD R21, R4, R4")
	e.ins("SUB $1, R2, R2")
	e.ins("CBNZ R2, row")
	e.label("done")
	e.ins("RET")
}

// splineKnot returns, for the exp ex and the reciprocal r of its sum, the
// next knot of a coordinate: the share ex·r, w = fma(scale, share,
// minimum), sum += w, the knot fma(2B, sum, −B), as kernels.knots.
func (e *emitter) splineKnot(ex, r, sum reg, minimum, scale int) reg {
	e.fmul(ex, ex, r)
	w := e.tmp()
	e.mov(w, e.splineArg(minimum))
	e.fmla(w, e.splineArg(scale), ex)
	e.fadd(sum, sum, w)
	bound, twoB, knot := e.splineArg(argBound), e.tmp(), e.tmp()
	e.fadd(twoB, bound, bound)
	e.fneg(knot, bound)
	e.fmla(knot, twoB, sum)
	return knot
}

// splineDeriv returns minDeriv + softplus(v), softplus(v) = max(v, 0) +
// log(1 + exp(−|v|)), as kernels.softplus.
func (e *emitter) splineDeriv(v reg, expTable, logTable string) reg {
	a := e.tmp()
	e.fabs(a, v)
	e.fneg(a, a)
	ex := e.exp(a, expTable, true)
	e.fadd(ex, ex, e.c(1))
	lg := e.log(ex, func() reg { return ex }, logTable)
	mx := e.tmp()
	e.fmax(mx, v, e.cbits(0))
	e.fadd(mx, mx, lg)
	d := e.tmp()
	e.fadd(d, e.splineArg(argMinDeriv), mx)
	return d
}

// splineDerivA sets r.aP to the derivative at the bin's lower knot: 1 at
// −B, minD + softplus of its parameter inside. R14 points at the deciding
// coordinate's first exp, dR is the offset of its reciprocal.
func (e *emitter) splineDerivA(r splineRegs, dR, dMin, dScale int, expTable, logTable string) {
	// Bin 0: x below the first interior knot, computed again (the running
	// sum then being the first share alone).
	sum, aEnd := e.tmp(), e.tmp()
	e.zero(sum)
	e.fcmgt(aEnd, e.splineKnot(e.load("R14"), e.loadAt("R25", dR), sum, dMin, dScale), e.load("R3"))
	a := e.splineDeriv(r.aP, expTable, logTable)
	e.bit(a, e.c(1), aEnd)
	e.mov(r.aP, a)
}

// splineDerivB sets r.bP to the derivative at the bin's upper knot.
func (e *emitter) splineDerivB(r splineRegs, expTable, logTable string) {
	b := e.splineDeriv(r.bP, expTable, logTable)
	e.bit(b, e.c(1), r.prev) // x at or above the last interior knot: B
	e.mov(r.bP, b)
}

// splineTail finishes one vector from the walk's results and the knots'
// derivatives: the rational quadratic or the root of its quadratic, log
// g′, the identity outside [−B, B]; it stores the result at (R0) and adds
// log g′ to r.acc.
func (e *emitter) splineTail(r splineRegs, inverse bool, logTable string) {
	a, b, one := r.aP, r.bP, e.c(1)
	xLo, xHi, yLo, yHi := r.dLo, r.dHi, r.oLo, r.oHi
	if inverse {
		xLo, xHi, yLo, yHi = r.oLo, r.oHi, r.dLo, r.dHi
	}
	w, h, delta, twoDelta, c2 := e.tmp(), e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fsub(w, xHi, xLo)
	e.fsub(h, yHi, yLo)
	e.fdiv(delta, h, w)
	e.fadd(twoDelta, delta, delta)
	e.fadd(c2, a, b)
	e.fsub(c2, c2, twoDelta) // a + b − 2δ
	theta := e.tmp()
	if inverse {
		e.splineRoot(theta, e.load("R3"), yLo, h, delta, a, c2)
	} else {
		e.fsub(theta, e.load("R3"), xLo)
		e.fdiv(theta, theta, w)
	}
	om1, t1, th2 := e.tmp(), e.tmp(), e.tmp()
	e.fsub(om1, one, theta)
	e.fmul(t1, theta, om1)
	e.fmul(th2, theta, theta)
	p, den := e.tmp(), e.tmp()
	e.fmul(p, a, t1)
	e.fmla(p, delta, th2) // δθ² + a·t1
	e.mov(den, delta)
	e.fmla(den, c2, t1) // δ + c2·t1
	res := e.tmp()
	if inverse {
		e.mov(res, xLo)
		e.fmla(res, theta, w) // θ·w + x_k
	} else {
		e.fmul(res, h, p)
		e.fdiv(res, res, den)
		e.fadd(res, yLo, res) // y_k + h·p/den
	}
	n2 := e.tmp()
	e.fmul(n2, om1, om1)
	e.fmul(n2, a, n2)
	e.fmla(n2, twoDelta, t1)
	e.fmla(n2, b, th2) // b·θ² + 2δ·t1 + a·(1−θ)²
	lad, dd := e.tmp(), e.tmp()
	e.fmul(lad, delta, delta)
	e.fmul(lad, lad, n2)
	e.fmul(dd, den, den)
	e.fdiv(lad, lad, dd)
	q := lad
	lad = e.log(q, func() reg { return q }, logTable)

	// Outside [−B, B] (and NaN): the identity, log g′ = 0.
	bound, x := e.splineArg(argBound), e.load("R3")
	inside, le, negB := e.tmp(), e.tmp(), e.tmp()
	e.fneg(negB, bound)
	e.fcmge(inside, x, negB)
	e.fcmge(le, bound, x)
	e.vand(inside, inside, le)
	out := x
	e.bit(out, res, inside)
	e.store(out, "R0")
	e.vand(lad, lad, inside)
	e.fadd(r.acc, r.acc, lad)
}

// splineRoot sets theta to the root in [0, 1] of the bin's quadratic at
// y, as kernels' rqKnots.inverse: 2γ/(−β − √Δ) for β ≥ 0, (√Δ − β)/(2α)
// for β < 0, one division of the chosen operands.
func (e *emitter) splineRoot(theta, y, yLo, h, delta, a, c2 reg) {
	rr, t, alpha, beta, gamma := e.tmp(), e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fsub(rr, y, yLo)
	e.fsub(t, delta, a)
	e.fmul(alpha, h, t)
	e.fmla(alpha, rr, c2) // r·c2 + h·(δ − a)
	e.fmul(beta, h, a)
	e.fmls(beta, rr, c2) // h·a − r·c2
	e.fmul(gamma, delta, rr)
	e.fneg(gamma, gamma)
	d := e.tmp()
	e.fadd(d, alpha, alpha)
	e.fadd(d, d, d)
	e.fmul(d, d, gamma)
	e.fneg(d, d)
	e.fmla(d, beta, beta) // β² − 4αγ
	e.fmax(d, d, e.cbits(0))
	e.fsqrt(d, d)
	neg, num, alt, den := e.tmp(), e.tmp(), e.tmp(), e.tmp()
	e.fcmgt(neg, e.cbits(0), beta)
	e.fadd(num, gamma, gamma)
	e.fsub(alt, d, beta)
	e.bit(num, alt, neg)
	e.fneg(den, beta)
	e.fsub(den, den, d)
	e.fadd(alpha, alpha, alpha)
	e.bit(den, alpha, neg)
	e.fdiv(theta, num, den)
}
