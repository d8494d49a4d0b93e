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
// in order, each exp kept in the scratch slice: they are most of the
// work), a walk over the knots that computes each share and knot as the
// portable knots does and picks, by compares and blends instead of a
// search, the bin of the input (the number of interior knots at or below
// it), then a second walk over the other coordinate's knots that picks
// the same bin's ends and its two knot derivatives' parameters, and at
// last the bin's rational quadratic (or, inverse, the root of its
// quadratic) and log g′. Only the bin's two derivatives pass through
// softplus. The row's log-determinants are summed in the lanes and folded
// at the row's end, as the affine kernels do.

// splineKernel writes func(out, logdet, in, params, scratch []T, cols,
// bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T),
// scaleW and scaleH being 1 − K·minWidth and 1 − K·minHeight as the
// portable knots computes them, scratch at least 2K vectors.
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

// splineFront writes what the forward kernels and their backward passes
// do first on one vector of columns (input at off past in, parameters at
// off past pp): the softmax sums of the widths and heights, held in
// memory on AVX2 (which has too few registers for the walks), their exps
// in scratch, and the walk that decides the bin (over the widths' knots
// forward, the heights' inverse), counting it if count. It returns the
// input, the walk's results, the reciprocals of the widths' and heights'
// exp sums (rw, rh) and the deciding coordinate's argument names.
// Pointers are made where they are used: general registers are few too.
func (g *gen) splineFront(l string, in, pp reg.Register, off int, mask reg.Register, inverse, count bool) (x reg.VecVirtual, wk splineWalked, rw, rh held, dMin, dScale string) {
	q := asm.GP64() // parameter 0 of these columns
	asm.LEAQ(Mem{Base: pp, Disp: off}, q)
	kb := g.paramStride()
	x = g.sload(in, off, mask, false)
	hzw := g.hold(g.softmaxSum(l+"w", q, kb, false, mask))
	heights := asm.GP64()
	asm.Load(asm.Param("bins"), heights)
	asm.IMULQ(kb, heights)
	asm.ADDQ(q, heights)
	hzh := g.hold(g.softmaxSum(l+"h", heights, kb, true, mask))
	dz, oz := hzw, hzh
	dMin, dScale, oMin, oScale := "minWidth", "scaleW", "minHeight", "scaleH"
	if inverse {
		dz, oz = oz, dz
		dMin, dScale, oMin, oScale = oMin, oScale, dMin, dScale
	}
	derivs := asm.GP64() // the first interior derivative's parameter
	asm.Load(asm.Param("bins"), derivs)
	asm.SHLQ(U8(1), derivs)
	asm.IMULQ(kb, derivs)
	asm.ADDQ(q, derivs)
	wk = g.splineWalk(l+"k", x, derivs, kb, inverse, count, dz, oz, dMin, dScale, oMin, oScale, mask)
	return x, wk, hzw, hzh, dMin, dScale
}

// splineBody writes the work on one vector of columns: in and out at off
// bytes past their pointers, the parameters at off past pp.
func (g *gen) splineBody(l string, in, out, pp reg.Register, off int, mask reg.Register, inverse bool) reg.VecVirtual {
	g.nextSlot = 0 // the bodies of a kernel share its stack slots
	x, wk, rw, rh, dMin, dScale := g.splineFront(l, in, pp, off, mask, inverse, false)
	dz := rw
	if inverse {
		dz = rh
	}
	hLo, hHi, hoLo, hoHi := g.hold(wk.dLo), g.hold(wk.dHi), g.hold(wk.oLo), g.hold(wk.oHi)
	hbEnd := g.holdCond(wk.bEnd)
	aP, bP := wk.aP, wk.bP
	haEnd := g.holdCond(g.splineFirstBelow(x, inverse, dz, dMin, dScale))

	// The bin's knot derivatives: 1 at ±B, minD + softplus inside.
	hb := g.hold(bP)
	a := g.splineDeriv(aP)
	g.sel(a, g.unholdCond(haEnd), g.constReg(1))
	ha := g.hold(a)
	b := g.splineDeriv(g.unhold(hb))
	g.sel(b, g.unholdCond(hbEnd), g.constReg(1))
	a = g.unhold(ha)

	oLo, oHi := g.unhold(hoLo), g.unhold(hoHi)
	dLo, dHi := g.unhold(hLo), g.unhold(hHi)
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
		g.splineRoot(theta, x, yLo, h, delta, a, c2)
	} else {
		g.sub(theta, x, xLo)
		g.div(theta, theta, w)
	}
	om1, t1, th2 := g.vec(), g.vec(), g.vec()
	g.sub(om1, g.constReg(1), theta)
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

// exps returns a pointer to the first of the K exps softmaxSum wrote to
// scratch for the widths, or the heights.
func (g *gen) exps(heights bool) reg.Register {
	p := asm.Load(asm.Param("scratch").Base(), asm.GP64())
	if g.stashes > 0 {
		asm.ADDQ(U32(g.stashes*g.bytes), p)
	}
	if heights {
		n := asm.Load(asm.Param("bins"), asm.GP64())
		asm.SHLQ(U8(log2(g.bytes)), n)
		asm.ADDQ(n, p)
	}
	return p
}

// softmaxSum returns 1/Σ exp(u − m), the sum taken in order, of the K
// parameters u from p on (kb bytes apart), m being their maximum, and
// writes each exp(u − m) to a vector of its own in scratch (exps).
func (g *gen) softmaxSum(l string, p, kb reg.Register, heights bool, mask reg.Register) reg.VecVirtual {
	// Two rows a vector (g.pairs) take two loads and inserts per
	// parameter: the max pass keeps each in scratch for the sum pass,
	// where its exp then goes.
	keep := g.pairs != nil
	ptr, n := asm.GP64(), asm.Load(asm.Param("bins"), asm.GP64())
	asm.MOVQ(p, ptr)
	var ep reg.Register
	m := g.sload(ptr, 0, mask, true)
	if keep {
		ep = g.exps(heights)
		g.store(ep, 0, nil, m)
	}
	asm.DECQ(n)
	asm.Label(l + "max")
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "maxend"))
	asm.ADDQ(kb, ptr)
	u := g.sload(ptr, 0, mask, true)
	if keep {
		asm.ADDQ(U32(g.bytes), ep)
		g.store(ep, 0, nil, u)
	}
	g.maxv(m, m, u)
	asm.DECQ(n)
	asm.JMP(LabelRef(l + "max"))
	asm.Label(l + "maxend")

	z := g.zero()
	asm.MOVQ(p, ptr)
	ep = g.exps(heights)
	asm.Load(asm.Param("bins"), n)
	asm.Label(l + "sum")
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "sumend"))
	if keep {
		u = g.load(ep, 0, nil)
	} else {
		u = g.sload(ptr, 0, mask, true)
	}
	g.sub(u, u, m)
	eu := g.exp(u)
	g.store(ep, 0, nil, eu)
	g.add(z, z, eu)
	asm.ADDQ(kb, ptr)
	asm.ADDQ(U32(g.bytes), ep)
	asm.DECQ(n)
	asm.JMP(LabelRef(l + "sum"))
	asm.Label(l + "sumend")
	r := g.vec()
	g.div(r, g.constReg(1), z)
	return r
}

// nextKnot writes, for the exp at e (a vector softmaxSum wrote) and the
// reciprocal r of its sum, the share e·r, w = fma(scale, share, minimum),
// sum += w and the knot fma(2B, sum, −B), as kernels.knots; it returns
// the knot.
func (g *gen) nextKnot(e Mem, r held, sum reg.VecVirtual, minName, scaleName string) reg.VecVirtual {
	s := g.vec()
	g.mov(s, e)
	g.mul(s, s, r.op())
	w := g.vec()
	g.mov(w, g.param(minName))
	g.fmaTo(w, g.param(scaleName), s)
	g.add(sum, sum, w)
	knot := g.vec()
	g.mov(knot, g.param("negBound"))
	g.fmaTo(knot, g.param("twoBound"), sum)
	return knot
}

// splineWalked is what splineWalk finds for each lane: the ends of the
// bin of x in the coordinate that decides it (dLo, dHi) and in the other
// (oLo, oHi), the parameters of the derivatives at its ends (aP, bP),
// whether its upper end is B (bEnd), and if asked the bin's index (kv, as
// a float).
type splineWalked struct {
	dLo, dHi, oLo, oHi, aP, bP, kv reg.VecVirtual
	bEnd                           cond
}

// splineWalk walks the K − 1 interior knots of both coordinates at once
// (the widths' and heights' exps as softmaxSum kept them, the sums'
// reciprocals dz and oz; the heights decide if inverse) and picks each
// lane's bin, the knots below and above x, by compares and blends: the
// bin is the number of knots at or below x, and the knots increase, so a
// knot at or below x is the bin's lower end until a later one is, and the
// first knot above x is its upper end. The same blends pick the other
// coordinate's knots and the derivatives' parameters (from derivs on, kb
// bytes apart).
func (g *gen) splineWalk(l string, x reg.VecVirtual, derivs, kb reg.Register, inverse, count bool, dz, oz held, dMin, dScale, oMin, oScale string, mask reg.Register) splineWalked {
	bound := g.param("bound")
	var k splineWalked
	k.dLo, k.dHi, k.oLo, k.oHi = g.vec(), g.vec(), g.vec(), g.vec()
	g.neg(k.dLo, bound)
	g.mov(k.oLo, k.dLo)
	g.mov(k.dHi, bound)
	g.mov(k.oHi, bound)
	k.aP, k.bP = g.zero(), g.zero()
	sumD, sumO := g.zero(), g.zero()
	if count {
		k.kv = g.zero()
	}
	prev := g.cmp(cmpGE, x, k.dLo) // x ≥ −B: the walk's bin 0 so far
	// One pointer walks the widths' exps, the heights' are hOff bytes on.
	ep, hOff := g.exps(false), asm.Load(asm.Param("bins"), asm.GP64())
	asm.SHLQ(U8(log2(g.bytes)), hOff)
	dp, n := asm.GP64(), asm.Load(asm.Param("bins"), asm.GP64())
	asm.MOVQ(derivs, dp)
	asm.DECQ(n)
	asm.Label(l)
	asm.TESTQ(n, n)
	asm.JZ(LabelRef(l + "end"))
	dE, oE := Mem{Base: ep}, Mem{Base: ep, Index: hOff, Scale: 1}
	if inverse {
		dE, oE = oE, dE
	}
	kd := g.nextKnot(dE, dz, sumD, dMin, dScale)
	ge := g.cmp(cmpGE, x, kd)
	first := g.andNot(prev, ge) // the first knot above x
	g.sel(k.dLo, ge, kd)
	g.sel(k.dHi, first, kd)
	ko := g.nextKnot(oE, oz, sumO, oMin, oScale)
	g.sel(k.oLo, ge, ko)
	g.sel(k.oHi, first, ko)
	ud := g.sload(dp, 0, mask, true)
	g.sel(k.aP, ge, ud)
	g.sel(k.bP, first, ud)
	if count {
		k1 := g.vec()
		g.add(k1, k.kv, g.constReg(1))
		g.sel(k.kv, ge, k1)
	}
	g.copyCond(prev, ge)
	asm.ADDQ(U32(g.bytes), ep)
	asm.ADDQ(kb, dp)
	asm.DECQ(n)
	asm.JMP(LabelRef(l))
	asm.Label(l + "end")
	k.bEnd = prev // x at or above the last interior knot
	return k
}

// splineFirstBelow returns the lanes whose x is below the first interior
// knot of the coordinate that decides the bin (bin 0: its lower end is
// −B), the knot computed again as splineWalk computed it: the running sum
// is then the first share alone.
func (g *gen) splineFirstBelow(x reg.VecVirtual, inverse bool, dz held, dMin, dScale string) cond {
	sum := g.zero()
	knot := g.nextKnot(Mem{Base: g.exps(inverse)}, dz, sum, dMin, dScale)
	return g.cmp(cmpLT, x, knot)
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
