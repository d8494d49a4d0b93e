package main

import (
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Kernels over rows: each row of cols elements is processed in full
// vectors and one masked tail, its per-row sum accumulated in a vector
// register and reduced once at the end of the row. Rows may have any
// length; row sums are added in a different order than the portable
// kernels' sequential one (the harness allows for it).

// hsum returns a vector whose lowest lane holds the sum of acc's lanes.
func (g *gen) hsum(acc reg.VecVirtual) reg.VecVirtual { return g.hreduce(acc, false) }

// hprod returns a vector whose lowest lane holds the product of acc's
// lanes.
func (g *gen) hprod(acc reg.VecVirtual) reg.VecVirtual { return g.hreduce(acc, true) }

// hreduce folds acc's lanes by addition, or multiplication if mul, halving
// the width each step; the lowest lane of the result holds the total.
func (g *gen) hreduce(acc reg.VecVirtual, mul bool) reg.VecVirtual {
	pd, ps, sd, ss := asm.VADDPD, asm.VADDPS, asm.VADDSD, asm.VADDSS
	if mul {
		pd, ps, sd, ss = asm.VMULPD, asm.VMULPS, asm.VMULSD, asm.VMULSS
	}
	packed := func(a, b, dst Op) {
		if g.f32 {
			ps(a, b, dst)
		} else {
			pd(a, b, dst)
		}
	}
	x := asm.XMM()
	if g.avx512 {
		y := asm.YMM()
		asm.VEXTRACTF64X4(Imm(1), acc, y)
		packed(acc.AsY(), y, y)
		asm.VEXTRACTF128(Imm(1), y, x)
		acc = y
	} else {
		asm.VEXTRACTF128(Imm(1), acc, x)
	}
	t := asm.XMM()
	packed(acc.AsX(), x, x)
	if g.f32 {
		asm.VMOVHLPS(x, x, t)
		ps(t, x, x)
		asm.VMOVSHDUP(x, t)
		ss(t, x, x)
	} else {
		asm.VPERMILPD(Imm(1), x, t)
		sd(t, x, x)
	}
	return x
}

// addToRow sets *p = *p + v[0] (or *p − v[0] when sub), in g's type.
func (g *gen) addToRow(p reg.Register, v reg.VecVirtual, sub bool) {
	t := asm.XMM()
	switch {
	case g.f32 && sub:
		asm.VMOVSS(Mem{Base: p}, t)
		asm.VSUBSS(v, t, t)
		asm.VMOVSS(t, Mem{Base: p})
	case g.f32:
		asm.VADDSS(Mem{Base: p}, v, v)
		asm.VMOVSS(v, Mem{Base: p})
	case sub:
		asm.VMOVSD(Mem{Base: p}, t)
		asm.VSUBSD(v, t, t)
		asm.VMOVSD(t, Mem{Base: p})
	default:
		asm.VADDSD(Mem{Base: p}, v, v)
		asm.VMOVSD(v, Mem{Base: p})
	}
}

// broadcast returns the scalar parameter name in every lane.
func (g *gen) broadcast(name string) reg.VecVirtual {
	return g.broadcastOf(asm.Load(asm.Param(name), asm.XMM()))
}

// broadcastOf returns the element at src, memory or the low lane of an
// xmm register, in every lane.
func (g *gen) broadcastOf(src Op) reg.VecVirtual {
	v := g.vec()
	g.vop(asm.VBROADCASTSD, asm.VBROADCASTSS, nil, nil, src, v)
	return v
}

// zero returns a vector of zeros.
func (g *gen) zero() reg.VecVirtual {
	v := g.vec()
	asm.VXORPS(v, v, v)
	return v
}

// rowBody emits a row kernel's work on the vector off bytes past the
// current pointers, masked by mask in a row's tail (nil elsewhere), and
// returns the vector to accumulate (nil if none).
type rowBody func(off int, mask reg.Register) reg.VecVirtual

// rowLoop emits the loop over rows and, inside, over each row's columns:
// g.streams vectors at a time (interleaved, so body must emit work
// independent of other vectors'), then single vectors, then the masked
// tail. body's results are accumulated.
// After each row, finish(acc) folds the accumulator into the row's slot.
//
// Backward kernels accumulate nothing: their body returns nil, and
// start runs at the beginning of each row instead.
func (g *gen) rowLoop(rows, cols reg.Register, ptrs []reg.Register, start func(), body rowBody, finish func(acc reg.VecVirtual)) {
	asm.Label("row")
	asm.TESTQ(rows, rows)
	asm.JZ(LabelRef("done"))
	if start != nil {
		start()
	}
	acc := g.zero()
	j := asm.GP64()
	asm.MOVQ(cols, j)

	if g.streamCount() > 1 {
		// g.streams vectors at a time, interleaved, while they fit.
		asm.Label("cols")
		asm.CMPQ(j, U32(g.streams*g.lanes))
		asm.JB(LabelRef("col"))
		vs := make([]reg.VecVirtual, g.streams)
		interleaved(g.streams, func(u int) { vs[u] = body(u*g.bytes, nil) })
		for _, v := range vs {
			if v != nil {
				g.add(acc, acc, v)
			}
		}
		for _, p := range ptrs {
			asm.ADDQ(U32(g.streams*g.bytes), p)
		}
		asm.SUBQ(U32(g.streams*g.lanes), j)
		asm.JMP(LabelRef("cols"))
	}

	asm.Label("col")
	asm.CMPQ(j, U32(g.lanes))
	asm.JB(LabelRef("tail"))
	if v := body(0, nil); v != nil {
		g.add(acc, acc, v)
	}
	for _, p := range ptrs {
		asm.ADDQ(U32(g.bytes), p)
	}
	asm.SUBQ(U32(g.lanes), j)
	asm.JMP(LabelRef("col"))

	asm.Label("tail")
	asm.TESTQ(j, j)
	asm.JZ(LabelRef("rowend"))
	m := g.tailMask(j)
	if v := body(0, m); v != nil {
		g.addMasked(acc, v, m)
	}
	asm.SHLQ(U8(log2(g.size)), j) // bytes
	for _, p := range ptrs {
		asm.ADDQ(j, p)
	}

	asm.Label("rowend")
	finish(acc)
	asm.DECQ(rows)
	asm.JMP(LabelRef("row"))

	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// addMasked adds to acc the lanes of v within the tail mask m; v may be
// clobbered.
func (g *gen) addMasked(acc, v reg.VecVirtual, m reg.Register) {
	if !g.avx512 {
		g.and(v, v, m)
		g.add(acc, acc, v)
		return
	}
	if g.f32 {
		asm.VADDPS(v, acc, m, acc) // masked lanes only
	} else {
		asm.VADDPD(v, acc, m, acc)
	}
}

// mulMasked multiplies acc by the lanes of v within the tail mask m (by 1
// elsewhere); v may be clobbered.
func (g *gen) mulMasked(acc, v reg.VecVirtual, m reg.Register) {
	if !g.avx512 {
		one := g.vec()
		g.mov(one, g.cf(1))
		g.sel(one, cond{m}, v)
		g.mul(acc, acc, one)
		return
	}
	if g.f32 {
		asm.VMULPS(v, acc, m, acc) // masked lanes only
	} else {
		asm.VMULPD(v, acc, m, acc)
	}
}

func log2(n int) int {
	k := 0
	for ; n > 1; n >>= 1 {
		k++
	}
	return k
}

// load reads a full vector off bytes past p, or the masked lanes (zeros
// elsewhere).
func (g *gen) load(p reg.Register, off int, mask reg.Register) reg.VecVirtual {
	if mask != nil {
		return g.maskedLoad(Mem{Base: p, Disp: off}, mask)
	}
	v := g.vec()
	g.mov(v, Mem{Base: p, Disp: off})
	return v
}

// store writes a full vector off bytes past p, or its masked lanes.
func (g *gen) store(p reg.Register, off int, mask reg.Register, v reg.VecVirtual) {
	if mask != nil {
		g.maskedStore(Mem{Base: p, Disp: off}, mask, v)
		return
	}
	g.mov(Mem{Base: p, Disp: off}, v)
}

// softClamp returns s = c·tanh(ŝ·invC) (clamped) or ŝ, and tanh(ŝ·invC)
// for the derivative (nil when not clamped), as kernels.softClamp.
func (g *gen) softClamp(sHat, c, invC reg.VecVirtual, clamped bool) (s, th reg.VecVirtual) {
	if !clamped {
		return sHat, nil
	}
	u := g.vec()
	g.mul(u, sHat, invC)
	th = g.tanh(u)
	s = g.vec()
	g.mul(s, c, th)
	return s, th
}

// affineKernel emits AffineForward or AffineInverse (inverse set), with or
// without the soft clamp:
//
//	func(out, logdet, in, sHat, t []T, cols int, clamp, invClamp T)
func (g *gen) affineKernel(inverse, clamped bool) {
	g.setStreams(affineStreams(clamped))
	out := asm.Load(asm.Param("out").Base(), asm.GP64())
	ld := asm.Load(asm.Param("logdet").Base(), asm.GP64())
	rows := asm.Load(asm.Param("logdet").Len(), asm.GP64())
	in := asm.Load(asm.Param("in").Base(), asm.GP64())
	sh := asm.Load(asm.Param("sHat").Base(), asm.GP64())
	tp := asm.Load(asm.Param("t").Base(), asm.GP64())
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	var c, invC reg.VecVirtual
	if clamped {
		c, invC = g.broadcast("clamp"), g.broadcast("invClamp")
	} else {
		g.pin(g.expPins(inverse)...) // the soft clamp's tanh leaves no room
	}
	g.alignExpTables(!clamped)
	ptrs := []reg.Register{out, in, sh, tp}
	body := func(off int, mask reg.Register) reg.VecVirtual {
		s, _ := g.softClamp(g.load(sh, off, mask), c, invC, clamped)
		e := g.expOf(s, inverse) // exp(−s) for the inverse
		y := g.load(in, off, mask)
		if inverse {
			g.sub(y, y, g.load(tp, off, mask))
			g.mul(y, y, e) // (in − t)·exp(−s)
		} else {
			g.fmaAcc(y, e, g.load(tp, off, mask)) // in·exp(s) + t
		}
		g.store(out, off, mask, y)
		return s
	}
	g.packedRows(rows, cols, ld, ptrs, inverse, body)
	g.rowLoop(rows, cols, ptrs, nil, body, func(acc reg.VecVirtual) {
		g.addToRow(ld, g.hsum(acc), inverse)
		asm.ADDQ(U32(g.size), ld)
	})
}

// affineStreams are the coupling kernels' interleaved streams on AVX-512
// and AVX2: half as many with the soft clamp, whose tanh beside exp needs
// twice the registers.
func affineStreams(clamped bool) (avx512, avx2 int) {
	if clamped {
		return 2, 1
	}
	return 4, 2
}

// affineGradStreams are the gradient kernels' streams: affineStreams',
// but one on AVX2 in float64, where two streams of the gradient beside
// exp's table lookups need more than the sixteen ymm registers.
func (g *gen) affineGradStreams(clamped bool) (avx512, avx2 int) {
	avx512, avx2 = affineStreams(clamped)
	if !g.avx512 && !g.f32 {
		avx2 = 1
	}
	return avx512, avx2
}

// neg sets dst = −a (flips the sign bit, as Go's unary minus).
func (g *gen) neg(dst, a reg.VecVirtual) {
	g.vop(asm.VXORPD, asm.VXORPS, asm.VXORPD_BCST, asm.VXORPS_BCST, g.cbits(g.signMask()), a, dst)
}

// affineGradKernel emits the backward pass of AffineForward or
// AffineInverse (inverse set), with or without the soft clamp, as
// kernels.AffineForwardGrad/AffineInverseGrad:
//
//	func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T)
//
// (the forward pass does not read t).
func (g *gen) affineGradKernel(inverse, clamped bool) {
	g.setStreams(g.affineGradStreams(clamped))
	dIn := asm.Load(asm.Param("dIn").Base(), asm.GP64())
	dS := asm.Load(asm.Param("dSHat").Base(), asm.GP64())
	dT := asm.Load(asm.Param("dT").Base(), asm.GP64())
	dOut := asm.Load(asm.Param("dOut").Base(), asm.GP64())
	dld := asm.Load(asm.Param("dLogdet").Base(), asm.GP64())
	rows := asm.Load(asm.Param("dLogdet").Len(), asm.GP64())
	in := asm.Load(asm.Param("in").Base(), asm.GP64())
	sh := asm.Load(asm.Param("sHat").Base(), asm.GP64())
	ptrs := []reg.Register{dIn, dS, dT, dOut, in, sh}
	var tp reg.Register
	if inverse {
		tp = asm.Load(asm.Param("t").Base(), asm.GP64())
		ptrs = append(ptrs, tp)
	}
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	var c, invC reg.VecVirtual
	if clamped {
		c, invC = g.broadcast("clamp"), g.broadcast("invClamp")
	}
	g.alignExpTables(false)
	grad := func(off int, mask reg.Register, rowGrad reg.VecVirtual) {
		gr := g.load(dOut, off, mask)
		s, th := g.softClamp(g.load(sh, off, mask), c, invC, clamped)
		x := g.load(in, off, mask)
		ds := g.vec()
		if inverse {
			e := g.expNeg(s)
			g.sub(x, x, g.load(tp, off, mask))
			g.mul(x, x, e) // z = (in − t)·exp(−s)
			d := g.vec()
			g.mul(d, gr, e)
			g.store(dIn, off, mask, d)
			g.neg(d, d)
			g.store(dT, off, mask, d)
			g.mov(ds, rowGrad)
			g.fmaTo(ds, gr, x) // dOut·z + dLogdet
			g.neg(ds, ds)
		} else {
			e := g.exp(s)
			d := g.vec()
			g.mul(d, gr, e)
			g.store(dIn, off, mask, d)
			g.store(dT, off, mask, gr)
			g.mul(ds, gr, x)
			g.fmaAcc(ds, e, rowGrad) // (dOut·in)·exp(s) + dLogdet
		}
		if clamped {
			one := g.vec()
			g.mov(one, g.cf(1))
			g.fnmaTo(one, th, th) // 1 − tanh²
			g.mul(ds, ds, one)
		}
		g.store(dS, off, mask, ds)
	}
	g.packedGradRows(rows, cols, dld, ptrs, func(off int, rowGrad reg.VecVirtual) {
		grad(off, nil, rowGrad)
	})
	rowGrad := g.vec()
	g.rowLoop(rows, cols, ptrs, func() {
		if g.f32 {
			asm.VBROADCASTSS(Mem{Base: dld}, rowGrad)
		} else {
			asm.VBROADCASTSD(Mem{Base: dld}, rowGrad)
		}
	}, func(off int, mask reg.Register) reg.VecVirtual {
		grad(off, mask, rowGrad)
		return nil
	}, func(reg.VecVirtual) {
		asm.ADDQ(U32(g.size), dld)
	})
}
