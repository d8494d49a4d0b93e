package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The backward passes of the spline kernels, as kernels.SplineForwardGrad
// and SplineInverseGrad compute them: the same softmaxes and walk as the
// forward kernels (spline.go), counting the bin's index as well, then, on
// the bin, the partial derivatives of the spline and of log g′ in the
// portable kernel's expressions (rqLocal.partials and paramGrad), the
// gradients with respect to the input, the bin's two knots in each
// coordinate and its two knot derivatives, and at last the two walks of
// knotsGrad over each coordinate's shares (a suffix sum of the knots'
// gradients and the softmax's Jacobian), which write the 2K shares'
// gradients, and the K − 1 derivatives' gradients (zero but at the bin's
// ends). The many values between are kept in the first vectors of scratch
// (stash): the walks' results and the partials outnumber the registers.

// splineStashes is how many vectors the backward kernels stash.
const splineStashes = 48

// stash writes v to the next free stash vector and returns its index.
func (g *gen) stash(v reg.VecVirtual) int {
	i := g.nextStash
	if i == g.stashes {
		panic("amd64: out of stash vectors")
	}
	g.nextStash++
	g.store(asm.Load(asm.Param("scratch").Base(), asm.GP64()), i*g.bytes, nil, v)
	return i
}

// unstash returns stash vector i in a register.
func (g *gen) unstash(i int) reg.VecVirtual {
	return g.load(asm.Load(asm.Param("scratch").Base(), asm.GP64()), i*g.bytes, nil)
}

// relative returns a pointer into the slice parameter name at the element
// p points at in the slice parameter base (the two laid out alike).
func relative(p reg.Register, name, base string) reg.Register {
	r := asm.Load(asm.Param(name).Base(), asm.GP64())
	asm.SUBQ(asm.Load(asm.Param(base).Base(), asm.GP64()), r)
	asm.ADDQ(p, r)
	return r
}

// splineGradKernel writes func(dIn, dParams, dOut, dLogdet, in, params,
// scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv,
// scaleW, scaleH T), the backward pass of splineFwd or (inverse)
// splineInv; scratch holds at least splineStashes + 2K vectors.
func (g *gen) splineGradKernel(inverse bool) {
	g.setStreams(1, 1)
	g.stashes = splineStashes
	rows := asm.Load(asm.Param("dLogdet").Len(), asm.GP64())
	ld := asm.Load(asm.Param("dLogdet").Base(), asm.GP64())
	in := asm.Load(asm.Param("in").Base(), asm.GP64())
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	pp, rowParams := asm.GP64(), asm.Load(asm.Param("params").Base(), asm.GP64())
	g.alignExpTables(false)
	g.pinParams()
	start := func() {
		asm.MOVQ(rowParams, pp)
		n := asm.Load(asm.Param("bins"), asm.GP64())
		asm.LEAQ(Mem{Base: n, Index: n, Scale: 2, Disp: -1}, n)
		asm.IMULQ(asm.Load(asm.Param("cols"), asm.GP64()), n)
		asm.SHLQ(U8(log2(g.size)), n)
		asm.ADDQ(n, rowParams)
	}
	labels := 0
	body := func(off int, mask reg.Register) reg.VecVirtual {
		labels++
		g.splineGradBody(fmt.Sprintf("g%d", labels), in, pp, ld, off, mask, inverse)
		return nil
	}
	g.rowLoop(rows, cols, []reg.Register{in, pp}, start, body, func(reg.VecVirtual) {
		asm.ADDQ(U32(g.size), ld)
	})
}

// splineGradBody writes the backward pass on one vector of columns: in,
// dIn and dOut off bytes past in's pointer and their own, the parameters
// and their gradients off past pp, dLogdet's element for the row at ld.
func (g *gen) splineGradBody(l string, in, pp, ld reg.Register, off int, mask reg.Register, inverse bool) {
	g.nextSlot, g.nextStash = 0, 0
	_, wk, hzw, hzh, _, _ := g.splineFront(l, in, pp, off, mask, inverse, true)
	xLo, xHi, yLo, yHi := wk.dLo, wk.dHi, wk.oLo, wk.oHi
	if inverse {
		xLo, xHi, yLo, yHi = wk.oLo, wk.oHi, wk.dLo, wk.dHi
	}
	sxLo, sxHi, syLo, syHi, skv := g.stash(xLo), g.stash(xHi), g.stash(yLo), g.stash(yHi), g.stash(wk.kv)
	srw, srh := g.stash(g.unhold(hzw)), g.stash(g.unhold(hzh))
	hbEnd := g.holdCond(wk.bEnd)
	sbP := g.stash(wk.bP)

	// The knots' derivatives and their derivatives with respect to their
	// parameters: (1, 0) at ±B.
	a, sigA := g.splineDerivSig(wk.aP)
	aEnd := g.cmp(cmpEQ, g.unstash(skv), g.zero())
	g.sel(a, aEnd, g.constReg(1))
	g.sel(sigA, aEnd, g.zero())
	sa, ssigA := g.stash(a), g.stash(sigA)
	b, sigB := g.splineDerivSig(g.unstash(sbP))
	bEnd := g.unholdCond(hbEnd)
	g.sel(b, bEnd, g.constReg(1))
	g.sel(sigB, bEnd, g.zero())
	sb, ssigB := g.stash(b), g.stash(sigB)

	// The bin and θ, as the forward kernels compute them.
	w, h, delta := g.vec(), g.vec(), g.vec()
	g.sub(w, g.unstash(sxHi), g.unstash(sxLo))
	g.sub(h, g.unstash(syHi), g.unstash(syLo))
	g.div(delta, h, w)
	sw, sh, sdelta := g.stash(w), g.stash(h), g.stash(delta)
	c2, twoDelta := g.vec(), g.vec()
	g.add(twoDelta, delta, delta)
	g.add(c2, g.unstash(sa), g.unstash(sb))
	g.sub(c2, c2, twoDelta) // a + b − 2δ
	sc2 := g.stash(c2)
	x := g.load(in, off, mask)
	theta := g.vec()
	if inverse {
		g.splineRoot(theta, x, g.unstash(syLo), h, delta, g.unstash(sa), c2)
	} else {
		g.sub(theta, x, g.unstash(sxLo))
		g.div(theta, theta, w)
	}
	stheta := g.stash(theta)

	// rqLocal.at.
	one := g.constReg(1)
	om, t1, th2 := g.vec(), g.vec(), g.vec()
	g.sub(om, one, theta)
	g.mul(t1, theta, om)
	g.mul(th2, theta, theta)
	a = g.unstash(sa)
	p := g.vec()
	g.mul(p, a, t1)
	g.fmaTo(p, g.unstash(sdelta), th2) // δθ² + a·t1
	den := g.unstash(sdelta)
	g.fmaTo(den, g.unstash(sc2), t1) // δ + c2·t1
	n2 := g.vec()
	g.mul(n2, om, om)
	g.mul(n2, a, n2)
	twoDelta = g.unstash(sdelta)
	g.add(twoDelta, twoDelta, twoDelta)
	g.fmaTo(n2, twoDelta, t1)
	g.fmaTo(n2, g.unstash(sb), th2) // b·θ² + 2δ·t1 + a·(1−θ)²
	som, st1, sth2, sp, sden, sn2 := g.stash(om), g.stash(t1), g.stash(th2), g.stash(p), g.stash(den), g.stash(n2)

	// rqLocal.partials' pieces, each a function of the bin alone.
	pc := g.splinePartials(stheta, sdelta, sh, sa, sb, sc2, som, st1, sth2, sp, sden, sn2)

	// The loss's gradients with respect to y (dy) and to log g′ (dl).
	dOut := relative(in, "dOut", "in")
	dl := g.vec()
	g.vop(asm.VBROADCASTSD, asm.VBROADCASTSS, nil, nil, Mem{Base: ld}, dl)
	var dy reg.VecVirtual
	var sq int
	if inverse {
		// ∂/∂θ of log g′ alone (partials(0, 1)), g′ = δ²·n2/den², and
		// q = (dOut − dl·(log g′)_θ/w)/g′, the gradient for the input.
		lt := g.vec()
		g.mul(lt, g.zero(), g.unstash(pc.yTheta))
		g.add(lt, lt, g.unstash(pc.ladTheta))
		g.div(lt, lt, g.unstash(sw))
		g.mul(lt, dl, lt)
		qv := g.load(dOut, off, mask)
		g.sub(qv, qv, lt)
		deriv := g.unstash(sdelta)
		g.mul(deriv, deriv, deriv)
		g.mul(deriv, deriv, g.unstash(sn2))
		dd := g.unstash(sden)
		g.mul(dd, dd, dd)
		g.div(deriv, deriv, dd)
		g.div(qv, qv, deriv)
		sq = g.stash(qv)
		dy = g.vec()
		g.neg(dy, qv)
		g.neg(dl, dl)
	} else {
		dy = g.load(dOut, off, mask)
	}
	sdy := g.stash(dy)

	// partials' combination: gTheta, gDelta, gH, gA, gB.
	comb := func(y, lad int) reg.VecVirtual {
		s, t := g.vec(), g.vec()
		g.mul(s, g.unstash(sdy), g.unstash(y))
		g.mul(t, dl, g.unstash(lad))
		g.add(s, s, t)
		return s
	}
	gTheta := g.stash(comb(pc.yTheta, pc.ladTheta))
	gDelta := g.stash(comb(pc.yDelta, pc.ladDelta))
	gA := comb(pc.yA, pc.ladA)
	g.mul(gA, gA, g.unstash(ssigA))
	sgA := g.stash(gA)
	gB := comb(pc.yB, pc.ladB)
	g.mul(gB, gB, g.unstash(ssigB))
	sgB := g.stash(gB)
	gH := g.unstash(sdy)
	g.mul(gH, gH, g.unstash(pc.pOverDen))

	// paramGrad: the knots' gradients, and the input's.
	w = g.unstash(sw)
	gW, t := g.vec(), g.vec()
	g.mul(gW, g.unstash(gTheta), g.unstash(stheta))
	g.mul(t, g.unstash(gDelta), g.unstash(sdelta))
	g.add(gW, gW, t)
	g.neg(gW, gW)
	g.div(gW, gW, w) // −(gTheta·θ + gDelta·δ)/w
	gHt := g.unstash(gDelta)
	g.div(gHt, gHt, w)
	g.add(gHt, gH, gHt) // gH + gDelta/w
	gcxLo := g.unstash(gTheta)
	g.neg(gcxLo, gcxLo)
	g.div(gcxLo, gcxLo, w)
	g.sub(gcxLo, gcxLo, gW) // −gTheta/w − gW
	gcyLo := g.unstash(sdy)
	g.sub(gcyLo, gcyLo, gHt) // dy − gHt
	sgW, sgHt, sgcxLo, sgcyLo := g.stash(gW), g.stash(gHt), g.stash(gcxLo), g.stash(gcyLo)

	bound := g.param("bound")
	x = g.load(in, off, mask)
	negB := g.vec()
	g.neg(negB, bound)
	inside := g.holdCond(g.both(g.cmp(cmpGE, x, negB), g.cmp(cmpLE, x, bound)))
	var dIn reg.VecVirtual
	if inverse {
		dIn = g.unstash(sq)
	} else {
		dIn = g.unstash(gTheta)
		g.div(dIn, dIn, g.unstash(sw))
	}
	dOutV := g.load(dOut, off, mask)
	g.sel(dOutV, g.unholdCond(inside), dIn)
	g.store(relative(in, "dIn", "in"), off, mask, dOutV)

	// knotsGrad for the widths, then the heights, and the derivatives'
	// gradients, zero outside [−B, B].
	kb := g.paramStride()
	q := asm.GP64() // parameter 0 of these columns
	asm.LEAQ(Mem{Base: pp, Disp: off}, q)
	dq := relative(q, "dParams", "params")
	g.knotsGrad(l+"x", dq, kb, false, srw, skv, sgcxLo, sgW, inside, "scaleW", mask)
	dq = relative(q, "dParams", "params")
	n := asm.Load(asm.Param("bins"), asm.GP64())
	asm.IMULQ(kb, n)
	asm.ADDQ(n, dq)
	g.knotsGrad(l+"y", dq, kb, true, srh, skv, sgcyLo, sgHt, inside, "scaleH", mask)
	dq = relative(q, "dParams", "params")
	n = asm.Load(asm.Param("bins"), asm.GP64())
	asm.SHLQ(U8(1), n)
	asm.IMULQ(kb, n)
	asm.ADDQ(n, dq)
	g.derivGrads(l+"d", dq, kb, skv, sgA, sgB, inside, mask)
}

// splineRoot sets theta to the root in [0, 1] of the bin's quadratic at
// y, as kernels' rqKnots.inverse: 2γ/(−β − √Δ) for β ≥ 0, (√Δ − β)/(2α)
// for β < 0, one division of the chosen operands. alpha is clobbered.
func (g *gen) splineRoot(theta, y, yLo, h, delta, a, c2 reg.VecVirtual) {
	r := g.vec()
	g.sub(r, y, yLo)
	t := g.vec()
	g.sub(t, delta, a)
	alpha := g.vec()
	g.mul(alpha, h, t)
	g.fmaTo(alpha, r, c2) // r·c2 + h·(δ − a)
	beta := g.vec()
	g.mul(beta, h, a)
	g.fnmaTo(beta, r, c2) // h·a − r·c2
	gamma := g.vec()
	g.mul(gamma, delta, r)
	g.neg(gamma, gamma)
	d := g.vec()
	g.add(d, alpha, alpha)
	g.add(d, d, d)
	g.mul(d, d, gamma)
	g.neg(d, d)
	g.fmaTo(d, beta, beta) // β² − 4αγ
	g.maxv(d, g.zero(), d)
	g.sqrt(d, d)
	neg := g.cmp(cmpLT, beta, g.zero())
	num, alt := g.vec(), g.vec()
	g.add(num, gamma, gamma)
	g.sub(alt, d, beta)
	g.sel(num, neg, alt)
	den := g.vec()
	g.neg(den, beta)
	g.sub(den, den, d)
	g.add(alpha, alpha, alpha)
	g.sel(den, neg, alpha)
	g.div(theta, num, den)
}

// splineDerivSig returns minDeriv + softplus(v) and softplus′(v), the
// logistic sigmoid: 1/(1 + e), or e/(1 + e) for v < 0, e = exp(−|v|), as
// kernels.softplus.
func (g *gen) splineDerivSig(v reg.VecVirtual) (d, sig reg.VecVirtual) {
	av := g.vec()
	g.and(av, v, g.cbits(g.signMask()-1)) // |v|
	e := g.expNeg(av)
	ope := g.vec()
	g.add(ope, e, g.constReg(1))
	sig = g.constReg(1)
	if _, pinned := g.pinned[g.bitsOf(1)]; pinned {
		sig = g.vec()
		g.mov(sig, g.constReg(1))
	}
	g.sel(sig, g.cmp(cmpLT, v, g.zero()), e)
	g.div(sig, sig, ope)
	lg := g.log(ope)
	d = g.vec()
	g.maxv(d, g.zero(), v)
	g.add(d, d, lg)
	g.add(d, g.param("minDeriv"), d)
	return d, sig
}

// splinePieces are the stash vectors of rqLocal.partials' terms that do
// not depend on the loss: ∂y/∂θ, ∂y/∂δ, ∂y/∂a, ∂y/∂b, the same of log g′,
// and p/den (∂y/∂h outside δ).
type splinePieces struct {
	yTheta, yDelta, yA, yB, ladTheta, ladDelta, ladA, ladB, pOverDen int
}

// splinePartials computes the pieces of rqLocal.partials from the bin's
// values (stash vectors), in its expressions.
func (g *gen) splinePartials(theta, delta, h, a, b, c2, om, t1, th2, p, den, n2 int) splinePieces {
	var pc splinePieces
	u := func(i int) reg.VecVirtual { return g.unstash(i) }
	twice := func(v reg.VecVirtual) reg.VecVirtual { g.add(v, v, v); return v }
	// 1 − 2θ, pTheta = fma(2δ, θ, a·(1 − 2θ)), denTheta = c2·(1 − 2θ),
	// denDelta = 1 − 2·t1, den².
	om2 := g.vec()
	g.sub(om2, g.constReg(1), twice(u(theta)))
	som2 := g.stash(om2)
	pTheta := u(a)
	g.mul(pTheta, pTheta, om2)
	g.fmaTo(pTheta, twice(u(delta)), u(theta))
	denTheta := u(c2)
	g.mul(denTheta, denTheta, om2)
	sdenTheta := g.stash(denTheta)
	denDelta := g.vec()
	g.sub(denDelta, g.constReg(1), twice(u(t1)))
	sdenDelta := g.stash(denDelta)
	den2 := u(den)
	g.mul(den2, den2, den2)
	sden2 := g.stash(den2)

	// ∂y/∂θ = h·(pTheta·den − p·denTheta)/den².
	yt, s := g.vec(), g.vec()
	g.mul(yt, pTheta, u(den))
	g.mul(s, u(p), u(sdenTheta))
	g.sub(yt, yt, s)
	g.mul(yt, u(h), yt)
	g.div(yt, yt, u(sden2))
	pc.yTheta = g.stash(yt)
	// ∂y/∂δ = h·(θ²·den − p·denDelta)/den².
	yd := u(th2)
	g.mul(yd, yd, u(den))
	s = u(p)
	g.mul(s, s, u(sdenDelta))
	g.sub(yd, yd, s)
	g.mul(yd, u(h), yd)
	g.div(yd, yd, u(sden2))
	pc.yDelta = g.stash(yd)
	// ∂y/∂a = (h·t1)·(den − p)/den², ∂y/∂b = −(h·p)·t1/den².
	ya, s2 := u(h), u(den)
	g.mul(ya, ya, u(t1))
	g.sub(s2, s2, u(p))
	g.mul(ya, ya, s2)
	g.div(ya, ya, u(sden2))
	pc.yA = g.stash(ya)
	yb := u(h)
	g.mul(yb, yb, u(p))
	g.mul(yb, yb, u(t1))
	g.neg(yb, yb)
	g.div(yb, yb, u(sden2))
	pc.yB = g.stash(yb)

	// (log g′)_θ = n2θ/n2 − 2·denTheta/den, n2θ = 2·(b·θ + δ·(1 − 2θ) −
	// a·(1 − θ)).
	n2t, s3 := u(b), u(delta)
	g.mul(n2t, n2t, u(theta))
	g.mul(s3, s3, u(som2))
	g.add(n2t, n2t, s3)
	s3 = u(a)
	g.mul(s3, s3, u(om))
	g.sub(n2t, n2t, s3)
	twice(n2t)
	g.div(n2t, n2t, u(n2))
	dt := twice(u(sdenTheta))
	g.div(dt, dt, u(den))
	g.sub(n2t, n2t, dt)
	pc.ladTheta = g.stash(n2t)
	// (log g′)_δ = 2/δ + 2·t1/n2 − 2·denDelta/den.
	ld := g.constReg(2)
	if _, pinned := g.pinned[g.bitsOf(2)]; pinned {
		ld = g.vec()
		g.mov(ld, g.constReg(2))
	}
	g.div(ld, ld, u(delta))
	tt := twice(u(t1))
	g.div(tt, tt, u(n2))
	g.add(ld, ld, tt)
	dd := twice(u(sdenDelta))
	g.div(dd, dd, u(den))
	g.sub(ld, ld, dd)
	pc.ladDelta = g.stash(ld)
	// (log g′)_a = (1 − θ)²/n2 − 2·t1/den, (log g′)_b = θ²/n2 − 2·t1/den.
	tden := twice(u(t1))
	g.div(tden, tden, u(den))
	la := u(om)
	g.mul(la, la, la)
	g.div(la, la, u(n2))
	g.sub(la, la, tden)
	pc.ladA = g.stash(la)
	lb := u(th2)
	g.div(lb, lb, u(n2))
	g.sub(lb, lb, tden)
	pc.ladB = g.stash(lb)
	pd := u(p)
	g.div(pd, pd, u(den))
	pc.pOverDen = g.stash(pd)
	return pc
}

// knotsGrad writes, from dq on (kb bytes apart), the gradients of one
// coordinate's K unnormalised parameters (kernels.knotsGrad), r being the
// stash vector of the reciprocal of its exps' sum: its knots' gradients
// are lo (stash) at the bin's lower knot kv, hi at its upper, zero
// elsewhere. Walking down from the last share, the suffix sum of the
// interior knots' gradients gives each share's gs = scale·(2B·suffix) and
// their dot product with the shares; a second walk, recomputing gs,
// writes share·(gs − dot), zero outside [−B, B].
func (g *gen) knotsGrad(l string, dq, kb reg.Register, heights bool, r, kv, lo, hi int, inside held, scale string, mask reg.Register) {
	dot := g.zero()
	for pass := range 2 {
		pl := fmt.Sprintf("%s%d", l, pass)
		// i from K − 1 down: as a float, the exp's address and the
		// gradient's.
		n := asm.Load(asm.Param("bins"), asm.GP64())
		asm.DECQ(n)
		iv := g.indexVector(n)
		ep := g.exps(heights)
		t := asm.GP64()
		asm.MOVQ(n, t)
		asm.SHLQ(U8(log2(g.bytes)), t)
		asm.ADDQ(t, ep)
		out := asm.GP64()
		asm.MOVQ(n, out)
		asm.IMULQ(kb, out)
		asm.ADDQ(dq, out)
		asm.INCQ(n)
		suffix := g.zero()
		asm.Label(pl)
		asm.TESTQ(n, n)
		asm.JZ(LabelRef(pl + "end"))
		gs := g.vec()
		g.mul(gs, g.param("twoBound"), suffix)
		g.mul(gs, g.param(scale), gs)
		sh := g.load(ep, 0, nil)
		g.mul(sh, sh, g.unstash(r))
		if pass == 0 {
			d := g.vec()
			g.mul(d, sh, gs)
			g.add(dot, dot, d)
		} else {
			g.sub(gs, gs, dot)
			g.mul(gs, sh, gs)
			z := g.zero()
			g.sel(z, g.unholdCond(inside), gs)
			g.store(out, 0, mask, z)
		}
		// suffix += knot i's gradient: lo at kv, hi at kv + 1.
		add := g.zero()
		k := g.unstash(kv)
		g.sel(add, g.cmp(cmpEQ, iv, k), g.unstash(lo))
		g.add(k, k, g.constReg(1))
		g.sel(add, g.cmp(cmpEQ, iv, k), g.unstash(hi))
		g.add(suffix, suffix, add)
		g.sub(iv, iv, g.constReg(1))
		asm.SUBQ(U32(g.bytes), ep)
		asm.SUBQ(kb, out)
		asm.DECQ(n)
		asm.JMP(LabelRef(pl))
		asm.Label(pl + "end")
	}
}

// indexVector returns the integer in n as a float in every lane.
func (g *gen) indexVector(n reg.Register) reg.VecVirtual {
	x := asm.XMM()
	asm.VXORPS(x, x, x) // no dependency on x's last value
	if g.f32 {
		asm.VCVTSI2SSQ(n, x, x)
	} else {
		asm.VCVTSI2SDQ(n, x, x)
	}
	v := g.vec()
	g.vop(asm.VBROADCASTSD, asm.VBROADCASTSS, nil, nil, x, v)
	return v
}

// derivGrads writes, from dq on (kb bytes apart), the gradients of the
// K − 1 interior derivatives' parameters: gA (stash) at the bin's lower
// knot kv, gB at its upper, zero elsewhere and outside [−B, B].
func (g *gen) derivGrads(l string, dq, kb reg.Register, kv, gA, gB int, inside held, mask reg.Register) {
	n := asm.Load(asm.Param("bins"), asm.GP64())
	asm.DECQ(n)
	jv := g.zero() // j, from 0, as a float
	asm.Label(l)
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "end"))
	v, k := g.zero(), g.unstash(kv)
	g.sel(v, g.cmp(cmpEQ, jv, k), g.unstash(gB))
	g.add(jv, jv, g.constReg(1))
	g.sel(v, g.cmp(cmpEQ, jv, k), g.unstash(gA)) // j + 1 = k
	z := g.zero()
	g.sel(z, g.unholdCond(inside), v)
	g.store(dq, 0, mask, z)
	asm.ADDQ(kb, dq)
	asm.DECQ(n)
	asm.JMP(LabelRef(l))
	asm.Label(l + "end")
}
