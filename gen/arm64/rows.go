package main

import (
	"fmt"
	"math"
)

// Kernels over rows. NEON has no masked loads, so these take, of every row,
// the whole vectors (cols rounded down to lanes); the Go wrapper does each
// row's last cols mod lanes columns with the portable kernel, the same
// formula, and adds their sum to the row's log-determinant. Row sums are
// accumulated in a pinned vector register, vector after vector in column
// order, and reduced by pairwise adds at the end of the row.

// rowHeader loads the pointers and sizes: R2 rows, R7 whole vectors a
// row, R8 the bytes of a row's remaining columns.
func (e *emitter) rowHeader(name, sig string, ptrs [][2]string) {
	fmt.Fprintf(e.w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, e.frameSize(sig))
	for _, p := range ptrs {
		e.ins("MOVD %s, %s", p[1], p[0])
	}
	shift, size := 1, 3
	if e.a == s4 {
		shift, size = 2, 2
	}
	e.ins("LSR $%d, R6, R7", shift)
	e.ins("AND $%d, R6, R8", e.lanes()-1)
	e.ins("LSL $%d, R8, R8", size)
}

// frameSize is the argument size of the row kernels' signatures: slices
// of 24 bytes, an int of 8, and two floats at their own size.
func (e *emitter) frameSize(sig string) int {
	switch sig {
	case affineSig:
		return 5*24 + 8 + 2*e.size()
	case "(logdet, d []T, cols int)":
		return 2*24 + 8
	case gradSig:
		return 8*24 + 8 + 2*e.size()
	}
	panic(sig)
}

const (
	affineSig = "(out, logdet, in, sHat, t []T, cols int, clamp, invClamp T)"
	gradSig   = "(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T)"
)

// rows writes the loop over R2 rows around the loops over each row's R7
// whole vectors: start runs at a row's start, end after its vectors, and
// ptrs move past the row's remaining columns (R8 bytes).
func (e *emitter) rows(l loopBodies, start, end func(), ptrs ...string) {
	e.writePins()
	e.ins("CBZ R2, done")
	e.label("row")
	start()
	e.ins("MOVD R7, R13")
	e.loops("R13", "col", l)
	for _, r := range ptrs {
		e.ins("ADD R8, %s, %s", r, r)
	}
	end()
	e.ins("SUB $1, R2, R2")
	e.ins("CBNZ R2, row")
	e.label("done")
	e.ins("RET")
}

// reduceRow adds (sub: subtracts) the lanes of acc to the float at (R1)
// and advances R1; V0 and V1 are clobbered.
func (e *emitter) reduceRow(acc reg, sub bool) {
	if e.a == s4 {
		e.faddp(acc, acc, acc) // [a+b, c+d, a+b, c+d]
	}
	e.faddpScalar(0, acc)
	op, mov := "FADDD", "FMOVD"
	if e.a == s4 {
		op, mov = "FADDS", "FMOVS"
	}
	if sub {
		op = map[string]string{"FADDD": "FSUBD", "FADDS": "FSUBS"}[op]
	}
	e.ins("%s (R1), F1", mov)
	e.ins("%s F0, F1, F1", op) // F1 = F1 ± F0
	e.ins("%s.P F1, %d(R1)", mov, e.size())
}

// softClamp returns s = clamp·tanh(ŝ/clamp) for the clamp arguments at
// frame offset off, and tanh(ŝ/clamp).
func (e *emitter) softClamp(sHat reg, off int, expTable, tanhTable string) (s, th reg) {
	x := e.tmp()
	e.fmul(x, sHat, e.arg("invClamp", off+e.size()))
	th = e.tanh(x, expTable, tanhTable)
	s = e.tmp()
	e.fmul(s, e.arg("clamp", off), th)
	return s, th
}

// affine writes AffineForward or AffineInverse over whole vectors,
// clamped or not.
func (e *emitter) affine(name, expTable, tanhTable string, inverse, clamped bool) {
	e.rowHeader(name, affineSig, [][2]string{
		{"R0", "out_base+0(FP)"}, {"R1", "logdet_base+24(FP)"}, {"R2", "logdet_len+32(FP)"},
		{"R3", "in_base+48(FP)"}, {"R4", "sHat_base+72(FP)"}, {"R5", "t_base+96(FP)"}, {"R6", "cols+120(FP)"}})
	acc := e.reserve()
	l := e.prepare(func() {
		s := e.load("R4")
		if clamped {
			s, _ = e.softClamp(s, 128, expTable, tanhTable)
		}
		e.fadd(acc, acc, s)
		if inverse {
			e.fneg(s, s)
		}
		ex := e.exp(s, expTable, true) // exp(±s)
		in, t := e.load("R3"), e.load("R5")
		if inverse {
			e.fsub(in, in, t)
			e.fmul(in, in, ex) // (in − t)·exp(−s)
			e.store(in, "R0")
		} else {
			e.fmla(t, in, ex) // t + in·exp(s)
			e.store(t, "R0")
		}
		e.advance("R0", "R3", "R4", "R5")
	})
	e.rows(l, func() { e.zero(acc) }, func() { e.reduceRow(acc, inverse) }, "R0", "R3", "R4", "R5")
}

// logAbsSum writes LogAbsSum over whole vectors, as kernels.LogAbsSum
// forms a row's sum: log(2^Σk·Π m) with |d| = 2^k·m split as log splits.
// Every lane keeps a product of m and a sum of k; the product is split
// again once an iteration (after one factor, or after one from each of
// the unrolled streams: at most 4 factors in [3/4, 3/2)). The
// elements the split cannot take — ±0, ±Inf, NaN; subnormals it can —
// enter as m = 1, k = 0, and multiply a third accumulator instead, which
// so holds 1, 0, Inf or NaN: the row's sum is then the log of the product
// if it is 1, −Inf if 0, and itself otherwise, as a sum of logs would give.
func (e *emitter) logAbsSum(name, table string) {
	e.rowHeader(name, "(logdet, d []T, cols int)", [][2]string{
		{"R1", "logdet_base+0(FP)"}, {"R2", "logdet_len+8(FP)"}, {"R3", "d_base+24(FP)"}, {"R6", "cols+48(FP)"}})
	prod, exps, specials := e.reserve(), e.reserve(), e.reserve()
	l := e.prepare(func() {
		a := e.load("R3")
		e.fabs(a, a)
		ok, t := e.tmp(), e.tmp()
		e.fcmgt(ok, a, e.cbits(0))
		e.fcmgt(t, e.c(math.Inf(1)), a)
		e.vand(ok, ok, t) // 0 < |d| < Inf
		sp := e.tmp()
		e.mov(sp, a)
		e.bit(sp, e.c(1), ok) // 1, or |d| where the split cannot go
		e.fmul(specials, specials, sp)
		m, k := e.logSplit(a)
		e.bif(m, e.c(1), ok)
		e.vand(k, k, ok)
		e.fmul(prod, prod, m)
		e.fadd(exps, exps, k)
		e.renorm(prod, exps)
		e.advance("R3")
	})
	end := e.record(1, func() {
		p, sp := e.hprod(prod), e.hprod(specials)
		k := e.tmp()
		e.faddp(k, exps, exps)
		if !e.f64() {
			e.faddp(k, k, k)
		}
		m, pk := e.splitNormal(p)
		e.fadd(pk, pk, k)
		res := e.logCore(m, pk, table)
		c := e.tmp()
		e.fcmeq(c, sp, e.c(1))
		e.bif(res, sp, c) // the specials' product where it is not 1 …
		e.fcmeq(c, sp, e.cbits(0))
		e.bit(res, e.c(math.Inf(-1)), c) // … and −Inf where it is 0
		e.addLane0(res)
	})
	one := e.c(1)
	e.rows(l, func() {
		e.mov(prod, one)
		e.zero(exps)
		e.mov(specials, one)
	}, func() { e.write(end, 1) }, "R3")
}

// renorm splits the product accumulator prod again, adding its exponent
// to exps. Its temporaries are shared, so the unrolled body does it once,
// after all the streams' factors.
func (e *emitter) renorm(prod, exps reg) {
	_, ei := e.splitBitsWith(prod, e.sharedTmp)
	e.scvtf(ei, ei)
	e.fadd(exps, exps, ei)
}

// hprod returns a temporary whose lane 0 holds the product of v's lanes.
func (e *emitter) hprod(v reg) reg {
	p, t := e.tmp(), e.tmp()
	e.ext(t, v, 8)
	e.fmul(p, v, t)
	if !e.f64() {
		e.ext(t, p, 4)
		e.fmul(p, p, t)
	}
	return p
}

// addLane0 adds lane 0 of v to the float at (R1) and advances R1.
func (e *emitter) addLane0(v reg) {
	mov, add := "FMOVD", "FADDD"
	if !e.f64() {
		mov, add = "FMOVS", "FADDS"
	}
	s := e.tmp()
	e.vec(s, nil, func(p func(reg) int) { e.ins("%s (R1), F%d", mov, p(s)) })
	e.vec(s, []reg{s, v}, func(p func(reg) int) { e.ins("%s F%d, F%d, F%d", add, p(v), p(s), p(s)) })
	e.emit(nil, []reg{s}, func(p func(reg) int, _, _ int) { e.ins("%s.P F%d, %d(R1)", mov, p(s), e.size()) })
}

// affineGrad writes the backward pass of AffineForward or AffineInverse
// over each row's whole vectors, as kernels.AffineForwardGrad and
// AffineInverseGrad compute it (the forward pass does not read t).
func (e *emitter) affineGrad(name, expTable, tanhTable string, inverse, clamped bool) {
	e.rowHeader(name, gradSig, [][2]string{
		{"R0", "dIn_base+0(FP)"}, {"R3", "dSHat_base+24(FP)"}, {"R4", "dT_base+48(FP)"}, {"R5", "dOut_base+72(FP)"},
		{"R1", "dLogdet_base+96(FP)"}, {"R2", "dLogdet_len+104(FP)"}, {"R12", "in_base+120(FP)"},
		{"R14", "sHat_base+144(FP)"}, {"R15", "t_base+168(FP)"}, {"R6", "cols+192(FP)"}})
	rowGrad := e.reserve() // dLogdet[r] in every lane
	ptrs := []string{"R0", "R3", "R4", "R5", "R12", "R14"}
	if inverse {
		ptrs = append(ptrs, "R15")
	}
	l := e.prepare(func() {
		s, th := e.load("R14"), reg(0)
		if clamped {
			s, th = e.softClamp(s, 200, expTable, tanhTable)
		}
		if inverse {
			e.fneg(s, s)
		}
		ex := e.exp(s, expTable, true) // exp(±s)
		dOut, in, dIn, g := e.load("R5"), e.load("R12"), e.tmp(), e.tmp()
		e.fmul(dIn, dOut, ex)
		e.store(dIn, "R0")
		e.mov(g, rowGrad)
		if inverse {
			z, dT := in, e.tmp()
			e.fsub(z, in, e.load("R15"))
			e.fmul(z, z, ex) // z = (in − t)·exp(−s)
			e.fneg(dT, dIn)
			e.store(dT, "R4")
			e.fmla(g, dOut, z) // dLogdet + dOut·z
			e.fneg(g, g)
		} else {
			e.store(dOut, "R4") // dT = dOut
			w := e.tmp()
			e.fmul(w, dOut, in)
			e.fmla(g, w, ex) // dLogdet + (dOut·in)·exp(s)
		}
		if clamped {
			d := e.tmp()
			e.mov(d, e.c(1))
			e.fmls(d, th, th) // 1 − tanh²
			e.fmul(g, g, d)
		}
		e.store(g, "R3")
		e.advance(ptrs...)
	})
	e.rows(l, func() { e.broadcast(rowGrad, "R1") }, func() {}, ptrs...)
}
