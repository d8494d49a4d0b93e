package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Rational-quadratic splines, as kernels.SplineForward/SplineInverse
// compute them: a vector holds lanes adjacent columns of one row, and the
// spline parameters are laid out so that parameter k of those columns is
// one vector (kernels/spline.go). Each lane runs the portable kernel's
// arithmetic: the softmax statistics (maximum, then the sum of exp(u − m)
// in order), a walk over the knots that recomputes each share and knot as
// the portable knots does and picks, by compares and blends instead of a
// search, the bin of the input (the number of interior knots at or below
// it), then a second walk over the other coordinate's knots that picks
// the same bin's ends and its two knot derivatives' parameters, and at
// last the bin's rational quadratic (or, inverse, the root of its
// quadratic) and log g′. Only the bin's two derivatives pass through
// softplus. The row's log-determinants are summed in the lanes and folded
// at the row's end, as the affine kernels do.

// splineKernel writes func(out, logdet, in, params []T, cols, bins int,
// bound, minWidth, minHeight, minDeriv, scaleW, scaleH T), scaleW and
// scaleH being 1 − K·minWidth and 1 − K·minHeight as the portable knots
// computes them.
func (g *gen) splineKernel(inverse bool) {
	g.setStreams(1, 1)
	out := asm.Load(asm.Param("out").Base(), asm.GP64())
	ld := asm.Load(asm.Param("logdet").Base(), asm.GP64())
	rows := asm.Load(asm.Param("logdet").Len(), asm.GP64())
	in := asm.Load(asm.Param("in").Base(), asm.GP64())
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	pp, rowParams := asm.GP64(), asm.Load(asm.Param("params").Base(), asm.GP64())
	g.alignExpTables(false)
	g.pinParams()
	ptrs := []reg.Register{out, in, pp}
	start := func() {
		// This row's parameters, and the next row's: (3K − 1)·cols
		// elements on.
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
		return g.splineBody(fmt.Sprintf("s%d", labels), in, out, pp, off, mask, inverse)
	}
	if g.avx512 && g.f32 {
		g.splinePairRows(rows, cols, in, out, ld, rowParams, inverse)
		cols = asm.Load(asm.Param("cols"), asm.GP64())
	}
	g.rowLoop(rows, cols, ptrs, start, body, func(acc reg.VecVirtual) {
		g.addToRow(ld, g.hsum(acc), inverse)
		asm.ADDQ(U32(g.size), ld)
	})
}

// param is the scalar parameter name in every lane, or a value derived
// from bound ("twoBound", "negBound"): on AVX-512 held in a register for
// the whole kernel (pinParams), on AVX2 broadcast again where used. The
// caller must not write to it.
func (g *gen) param(name string) reg.VecVirtual {
	if r, ok := g.params[name]; ok {
		return r
	}
	switch name {
	case "twoBound":
		b := g.param("bound")
		v := g.vec()
		g.add(v, b, b)
		return v
	case "negBound":
		v := g.vec()
		g.neg(v, g.param("bound"))
		return v
	}
	return g.broadcast(name)
}

// pinParams keeps the spline kernels' scalars in registers on AVX-512,
// which has the registers for them: a broadcast per use would take a load
// and an FP-pipe slot each time in the walks' loops.
func (g *gen) pinParams() {
	if !g.avx512 {
		return
	}
	g.params = map[string]reg.VecVirtual{}
	for _, name := range []string{"bound", "minWidth", "minHeight", "minDeriv", "scaleW", "scaleH", "twoBound", "negBound"} {
		g.params[name] = g.param(name)
	}
}

// paramStride returns, in a new register, the bytes between one
// parameter of a row's columns and the next: cols·size.
func (g *gen) paramStride() reg.Register {
	if g.pairs != nil {
		return g.pairs.xStride // the same: rows of half a vector
	}
	kb := asm.Load(asm.Param("cols"), asm.GP64())
	asm.SHLQ(U8(log2(g.size)), kb)
	return kb
}

// splineBody writes the work on one vector of columns: in and out at off
// bytes past their pointers, the parameters at off past pp.
func (g *gen) splineBody(l string, in, out, pp reg.Register, off int, mask reg.Register, inverse bool) reg.VecVirtual {
	g.nextSlot = 0  // the bodies of a kernel share its stack slots
	q := asm.GP64() // parameter 0 of these columns
	asm.LEAQ(Mem{Base: pp, Disp: off}, q)
	kb := g.paramStride()
	bins := asm.Load(asm.Param("bins"), asm.GP64())
	x := g.sload(in, off, mask, false)

	// The softmax statistics of the widths and heights, held in memory on
	// AVX2 (which has too few registers for the walks).
	heights := asm.GP64()
	asm.MOVQ(bins, heights)
	asm.IMULQ(kb, heights)
	asm.ADDQ(q, heights)
	mw, zw := g.softmaxStats(l+"w", q, kb, mask)
	mh, zh := g.softmaxStats(l+"h", heights, kb, mask)
	hmw, hzw, hmh, hzh := g.hold(mw), g.hold(zw), g.hold(mh), g.hold(zh)

	// The walk that decides the bin: over the widths' knots forward, the
	// heights' inverse.
	decide, other := q, heights
	dm, dz, om, oz := hmw, hzw, hmh, hzh
	dMin, dScale, oMin, oScale := "minWidth", "scaleW", "minHeight", "scaleH"
	if inverse {
		decide, other = heights, q
		dm, dz, om, oz = om, oz, dm, dz
		dMin, dScale, oMin, oScale = oMin, oScale, dMin, dScale
	}
	kv, dLo, dHi := g.splineDecide(l+"d", x, decide, kb, dm, dz, dMin, dScale, mask)
	hLo, hHi := g.hold(dLo), g.hold(dHi)
	derivs := asm.GP64() // the first interior derivative's parameter
	asm.Load(asm.Param("bins"), derivs)
	asm.SHLQ(U8(1), derivs)
	asm.IMULQ(kb, derivs)
	asm.ADDQ(q, derivs)
	oLo, oHi, aP, bP, aEnd, bEnd := g.splineSelect(l+"s", kv, other, derivs, kb, om, oz, oMin, oScale, mask)
	hoLo, hoHi, haEnd, hbEnd := g.hold(oLo), g.hold(oHi), g.holdCond(aEnd), g.holdCond(bEnd)

	// The bin's knot derivatives: 1 at ±B, minD + softplus inside.
	hb := g.hold(bP)
	a := g.splineDeriv(aP)
	g.sel(a, g.unholdCond(haEnd), g.constReg(1))
	ha := g.hold(a)
	b := g.splineDeriv(g.unhold(hb))
	g.sel(b, g.unholdCond(hbEnd), g.constReg(1))
	a = g.unhold(ha)
	one := g.constReg(1)

	oLo, oHi = g.unhold(hoLo), g.unhold(hoHi)
	dLo, dHi = g.unhold(hLo), g.unhold(hHi)
	x = g.sload(in, off, mask, false)
	xLo, xHi, yLo, yHi := dLo, dHi, oLo, oHi
	if inverse {
		xLo, xHi, yLo, yHi = oLo, oHi, dLo, dHi
	}

	w, h, delta := g.vec(), g.vec(), g.vec()
	g.sub(w, xHi, xLo)
	g.sub(h, yHi, yLo)
	g.div(delta, h, w)
	c2, twoDelta := g.vec(), g.vec()
	g.add(twoDelta, delta, delta)
	g.add(c2, a, b)
	g.sub(c2, c2, twoDelta) // a + b − 2δ
	theta := g.vec()
	res := g.vec()
	if inverse {
		r := g.vec()
		g.sub(r, x, yLo)
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
		fourAlpha := g.vec()
		g.add(fourAlpha, alpha, alpha)
		g.add(fourAlpha, fourAlpha, fourAlpha)
		d := g.vec()
		g.mul(d, fourAlpha, gamma)
		g.neg(d, d)
		g.fmaTo(d, beta, beta) // β² − 4αγ
		g.maxv(d, g.zero(), d)
		root := g.vec()
		g.sqrt(root, d)
		// 2γ/(−β − √Δ) for β ≥ 0, (√Δ − β)/(2α) for β < 0.
		num, den := g.vec(), g.vec()
		g.add(num, gamma, gamma)
		g.neg(den, beta)
		g.sub(den, den, root)
		g.div(theta, num, den)
		alt := g.vec()
		g.sub(alt, root, beta)
		g.add(den, alpha, alpha)
		g.div(alt, alt, den)
		g.sel(theta, g.cmp(cmpLT, beta, g.zero()), alt)
	} else {
		g.sub(theta, x, xLo)
		g.div(theta, theta, w)
	}
	om1, t1, th2 := g.vec(), g.vec(), g.vec()
	g.sub(om1, one, theta)
	g.mul(t1, theta, om1)
	g.mul(th2, theta, theta)
	p := g.vec()
	g.mul(p, a, t1)
	g.fmaTo(p, delta, th2) // δθ² + a·t1
	den := g.vec()
	g.mov(den, delta)
	g.fmaTo(den, c2, t1) // δ + c2·t1
	if inverse {
		g.mov(res, xLo)
		g.fmaTo(res, theta, w) // θ·w + x_k
	} else {
		g.mul(res, h, p)
		g.div(res, res, den)
		g.add(res, yLo, res) // y_k + h·p/den
	}
	n2 := g.vec()
	g.mul(n2, om1, om1)
	g.mul(n2, a, n2)
	g.fmaTo(n2, twoDelta, t1)
	g.fmaTo(n2, b, th2) // b·θ² + 2δ·t1 + a·(1−θ)²
	lad := g.vec()
	g.mul(lad, delta, delta)
	g.mul(lad, lad, n2)
	dd := g.vec()
	g.mul(dd, den, den)
	g.div(lad, lad, dd)
	lad = g.log(lad)

	// Outside [−B, B] (and NaN): the identity, log g′ = 0.
	bound := g.param("bound")
	negB := g.vec()
	g.neg(negB, bound)
	inside := g.both(g.cmp(cmpGE, x, negB), g.cmp(cmpLE, x, bound))
	g.sel(x, inside, res)
	if g.pairs != nil {
		out = asm.GP64()
		asm.MOVQ(g.pairs.out, out)
	}
	g.sstore(out, off, mask, x)
	zero := g.zero()
	g.sel(zero, inside, lad)
	return zero
}

// softmaxStats returns the maximum m of the K parameters from p on (kb
// bytes apart) and Σ exp(u − m), summed in order.
func (g *gen) softmaxStats(l string, p, kb reg.Register, mask reg.Register) (m, z reg.VecVirtual) {
	ptr, n := asm.GP64(), asm.Load(asm.Param("bins"), asm.GP64())
	asm.MOVQ(p, ptr)
	m = g.sload(ptr, 0, mask, true)
	asm.DECQ(n)
	asm.Label(l + "max")
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "maxend"))
	asm.ADDQ(kb, ptr)
	g.maxv(m, m, g.sload(ptr, 0, mask, true))
	asm.DECQ(n)
	asm.JMP(LabelRef(l + "max"))
	asm.Label(l + "maxend")

	z = g.zero()
	asm.MOVQ(p, ptr)
	asm.Load(asm.Param("bins"), n)
	asm.Label(l + "sum")
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "sumend"))
	u := g.sload(ptr, 0, mask, true)
	g.sub(u, u, m)
	g.add(z, z, g.exp(u))
	asm.ADDQ(kb, ptr)
	asm.DECQ(n)
	asm.JMP(LabelRef(l + "sum"))
	asm.Label(l + "sumend")
	return m, z
}

// nextKnot writes, for the parameter at ptr, the share exp(u − m)/z,
// w = fma(scale, share, minimum), sum += w and the knot fma(2B, sum, −B),
// as kernels.knots; it returns the knot.
func (g *gen) nextKnot(ptr reg.Register, mask reg.Register, m, z held, sum reg.VecVirtual, minName, scaleName string) reg.VecVirtual {
	u := g.sload(ptr, 0, mask, true)
	g.sub(u, u, m.op())
	e := g.exp(u)
	g.div(e, e, z.op())
	w := g.vec()
	g.mov(w, g.param(minName))
	g.fmaTo(w, g.param(scaleName), e)
	g.add(sum, sum, w)
	knot := g.vec()
	g.mov(knot, g.param("negBound"))
	g.fmaTo(knot, g.param("twoBound"), sum)
	return knot
}

// splineDecide walks the K − 1 interior knots of one coordinate and
// returns, for each lane, its bin k (as a float: the number of knots at
// or below x) and the bin's ends.
func (g *gen) splineDecide(l string, x reg.VecVirtual, p, kb reg.Register, m, z held, minName, scaleName string, mask reg.Register) (kv, lo, hi reg.VecVirtual) {
	bound := g.param("bound")
	lo, hi = g.vec(), g.vec()
	g.neg(lo, bound)
	g.mov(hi, bound)
	kv = g.zero()
	sum := g.zero()
	prev := g.cmp(cmpGE, x, lo) // x ≥ −B: the walk's bin 0 so far
	ptr, n := asm.GP64(), asm.Load(asm.Param("bins"), asm.GP64())
	asm.MOVQ(p, ptr)
	asm.DECQ(n)
	asm.Label(l)
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "end"))
	knot := g.nextKnot(ptr, mask, m, z, sum, minName, scaleName)
	ge := g.cmp(cmpGE, x, knot)
	g.sel(lo, ge, knot)
	g.sel(hi, g.andNot(prev, ge), knot) // the first knot above x
	k1 := g.vec()
	g.add(k1, kv, g.constReg(1))
	g.sel(kv, ge, k1)
	g.copyCond(prev, ge)
	asm.ADDQ(kb, ptr)
	asm.DECQ(n)
	asm.JMP(LabelRef(l))
	asm.Label(l + "end")
	return kv, lo, hi
}

// splineSelect walks the other coordinate's interior knots and picks, for
// each lane's bin kv, the bin's ends, the parameters of the derivatives at
// its ends (from derivs on), and whether those ends are ±B.
func (g *gen) splineSelect(l string, kv reg.VecVirtual, p, derivs, kb reg.Register, m, z held, minName, scaleName string, mask reg.Register) (lo, hi, aP, bP reg.VecVirtual, aEnd, bEnd cond) {
	bound := g.param("bound")
	lo, hi = g.vec(), g.vec()
	g.neg(lo, bound)
	g.mov(hi, bound)
	aP, bP = g.zero(), g.zero()
	sum, j := g.zero(), g.zero() // j: the knot before the one computed
	ptr, dp, n := asm.GP64(), asm.GP64(), asm.Load(asm.Param("bins"), asm.GP64())
	asm.MOVQ(p, ptr)
	asm.MOVQ(derivs, dp)
	asm.DECQ(n)
	asm.Label(l)
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "end"))
	knot := g.nextKnot(ptr, mask, m, z, sum, minName, scaleName)
	ud := g.sload(dp, 0, mask, true)
	isHi := g.cmp(cmpEQ, kv, j) // bin j: the knot ends it
	g.sel(hi, isHi, knot)
	g.sel(bP, isHi, ud)
	g.add(j, j, g.constReg(1))
	isLo := g.cmp(cmpEQ, kv, j) // bin j + 1: the knot starts it
	g.sel(lo, isLo, knot)
	g.sel(aP, isLo, ud)
	asm.ADDQ(kb, ptr)
	asm.ADDQ(kb, dp)
	asm.DECQ(n)
	asm.JMP(LabelRef(l))
	asm.Label(l + "end")
	return lo, hi, aP, bP, g.cmp(cmpEQ, kv, g.zero()), g.cmp(cmpEQ, kv, j)
}

// splineDeriv returns minDeriv + softplus(v), softplus(v) = max(v, 0) +
// log(1 + exp(−|v|)), as kernels.softplus.
func (g *gen) splineDeriv(v reg.VecVirtual) reg.VecVirtual {
	av := g.vec()
	g.and(av, v, g.cbits(g.signMask()-1)) // |v|
	e := g.expNeg(av)
	g.add(e, e, g.constReg(1))
	lg := g.log(e)
	mx := g.vec()
	g.maxv(mx, g.zero(), v)
	g.add(mx, mx, lg)
	d := g.vec()
	g.add(d, g.param("minDeriv"), mx)
	return d
}

// sqrt sets dst = √a, correctly rounded.
func (g *gen) sqrt(dst, a Op) {
	g.vop(asm.VSQRTPD, asm.VSQRTPS, nil, nil, a, dst)
}

// both returns the lanes of a and b.
func (g *gen) both(a, b cond) cond {
	if g.avx512 {
		k := asm.K()
		asm.KANDW(b.r, a.r, k)
		return cond{k}
	}
	v := g.vec()
	g.and(v, a.r, b.r)
	return cond{v}
}

// andNot returns the lanes of a that are not in b.
func (g *gen) andNot(a, b cond) cond {
	if g.avx512 {
		k := asm.K()
		asm.KANDNW(a.r, b.r, k) // ¬b ∧ a
		return cond{k}
	}
	v := g.vec()
	g.vop(asm.VANDNPD, asm.VANDNPS, nil, nil, a.r, b.r, v) // ¬b ∧ a
	return cond{v}
}

// copyCond sets dst's lanes to src's.
func (g *gen) copyCond(dst, src cond) {
	if g.avx512 {
		asm.KMOVW(src.r, dst.r)
		return
	}
	g.mov(dst.r, src.r)
}

// held is a vector kept in a register (AVX-512) or, where registers are
// few (AVX2), in a stack slot of the kernel's frame.
type held struct {
	r reg.VecVirtual
	k reg.Register // a mask register, for holdCond on AVX-512
	m *Mem
}

// hold keeps v: in its register on AVX-512, in a new stack slot on AVX2.
func (g *gen) hold(v reg.VecVirtual) held {
	if g.avx512 {
		return held{r: v}
	}
	if g.nextSlot == len(g.slots) {
		g.slots = append(g.slots, asm.AllocLocal(g.bytes))
	}
	m := g.slots[g.nextSlot]
	g.nextSlot++
	g.mov(m, v)
	return held{m: &m}
}

// op is the held vector as an operand.
func (h held) op() Op {
	if h.m != nil {
		return *h.m
	}
	return h.r
}

// unhold returns the held vector in a register.
func (g *gen) unhold(h held) reg.VecVirtual {
	if h.m == nil {
		return h.r
	}
	v := g.vec()
	g.mov(v, *h.m)
	return v
}

// holdCond keeps a condition as hold keeps a vector (AVX-512's mask
// registers stay).
func (g *gen) holdCond(c cond) held {
	if g.avx512 {
		return held{k: c.r}
	}
	return g.hold(c.r.(reg.VecVirtual))
}

// unholdCond returns a condition holdCond kept.
func (g *gen) unholdCond(h held) cond {
	if h.k != nil {
		return cond{h.k}
	}
	return cond{g.unhold(h)}
}

// splinePairs, when set, makes the spline body work on two rows a vector:
// the upper half of every vector comes from the next row, x and out
// xStride bytes on, the parameters pStride bytes on.
type splinePairs struct {
	xStride, pStride reg.Register
	out              Mem // out's pointer, in the frame: registers are few
}

// sload is load for the spline body: a full (or masked) vector, or with
// g.pairs two rows' halves; param says the pointer is into the
// parameters.
func (g *gen) sload(p reg.Register, off int, mask reg.Register, param bool) reg.VecVirtual {
	if g.pairs == nil {
		return g.load(p, off, mask)
	}
	stride := g.pairs.xStride
	if param {
		stride = g.pairs.pStride
	}
	v := g.zero() // defined whole before its halves are written
	asm.VINSERTF32X8(U8(0), Mem{Base: p, Disp: off}, v, v)
	asm.VINSERTF32X8(U8(1), Mem{Base: p, Index: stride, Scale: 1, Disp: off}, v, v)
	return v
}

// sstore is store for the spline body, as sload loads.
func (g *gen) sstore(p reg.Register, off int, mask reg.Register, v reg.VecVirtual) {
	if g.pairs == nil {
		g.store(p, off, mask, v)
		return
	}
	asm.VEXTRACTF32X8(U8(0), v, Mem{Base: p, Disp: off})
	asm.VEXTRACTF32X8(U8(1), v, Mem{Base: p, Index: g.pairs.xStride, Scale: 1, Disp: off})
}

// splinePairRows writes, for AVX-512 float32 and rows of 8 columns (half a
// vector), the loop that takes two rows a vector while two are left; the
// rows after it go to the row loop. Each half's log-determinants fold
// into its own row.
func (g *gen) splinePairRows(rows, cols, in, out, ld, rowParams reg.Register, inverse bool) {
	asm.CMPQ(cols, U32(g.lanes/2))
	asm.JNE(LabelRef("rowpairsend"))
	xs := asm.GP64() // bytes between rows of x and out
	asm.MOVQ(cols, xs)
	asm.SHLQ(U8(log2(g.size)), xs)
	ps := asm.Load(asm.Param("bins"), asm.GP64()) // bytes between rows of the parameters
	asm.LEAQ(Mem{Base: ps, Index: ps, Scale: 2, Disp: -1}, ps)
	asm.IMULQ(xs, ps)
	// rows and logdet wait in the frame while the body runs: it needs
	// nearly every general register.
	rowsSlot, ldSlot, outSlot := asm.AllocLocal(8), asm.AllocLocal(8), asm.AllocLocal(8)
	asm.Label("rowpairs")
	asm.CMPQ(rows, U32(2))
	asm.JB(LabelRef("rowpairsend"))
	asm.MOVQ(rows, rowsSlot)
	asm.MOVQ(ld, ldSlot)
	asm.MOVQ(out, outSlot)
	g.pairs = &splinePairs{xs, ps, outSlot}
	v := g.splineBody("pair", in, nil, rowParams, 0, nil, inverse)
	g.pairs = nil
	asm.MOVQ(rowsSlot, rows)
	asm.MOVQ(ldSlot, ld)
	asm.MOVQ(outSlot, out)
	hi := asm.YMM()
	asm.VEXTRACTF32X8(U8(1), v, hi)
	g.addToRow(ld, g.hsum8(v.AsY()), inverse)
	asm.ADDQ(U32(g.size), ld)
	g.addToRow(ld, g.hsum8(hi), inverse)
	asm.ADDQ(U32(g.size), ld)
	for _, p := range []reg.Register{in, out} {
		asm.ADDQ(xs, p)
		asm.ADDQ(xs, p)
	}
	asm.ADDQ(ps, rowParams)
	asm.ADDQ(ps, rowParams)
	asm.SUBQ(U32(2), rows)
	asm.JMP(LabelRef("rowpairs"))
	asm.Label("rowpairsend")
}

// hsum8 returns an xmm register whose lowest lane holds the sum of the
// eight float32 lanes of y.
func (g *gen) hsum8(y reg.Register) reg.VecVirtual {
	x, t := asm.XMM(), asm.XMM()
	asm.VEXTRACTF128(Imm(1), y, x)
	asm.VADDPS(y.(reg.VecVirtual).AsX(), x, x)
	asm.VMOVHLPS(x, x, t)
	asm.VADDPS(t, x, x)
	asm.VMOVSHDUP(x, t)
	asm.VADDSS(t, x, x)
	return x
}
