package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// logAbsSumKernel emits the body of func(logdet, d []T, cols int):
// logdet[r] += Σ log|d|.
//
// Rows are summed as kernels.LogAbsSum sums them, as log(2^Σk·Π m) with
// |d| = 2^k·m split exactly (m in [1, 2) on AVX-512, [3/4, 3/2) as log
// splits on AVX2): packed rows (packed.go) one log a block of lanes rows,
// rows of two vectors or more one log a row. A block or row holding a
// zero, subnormal, infinite or NaN element is summed again as logs, and so
// are rows of fewer than two vectors.
func (g *gen) logAbsSumKernel() {
	g.setStreams(4, 1)
	ld := asm.Load(asm.Param("logdet").Base(), asm.GP64())
	rows := asm.Load(asm.Param("logdet").Len(), asm.GP64())
	d := asm.Load(asm.Param("d").Base(), asm.GP64())
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	g.packedLogAbs(rows, cols, ld, d)
	g.logAbsRows(rows, cols, ld, d)
}

// renormEvery is how many vectors of a row go into the lane products
// between two splits: 64 factors in [1/2, 2) stay within 2^±64.
const renormEvery = 64

// logAbsRows emits LogAbsSum's loop over rows that are not packed, as
// kernels.LogAbsSum sums a row: every lane keeps a product of m and a sum
// of k, the product split again every renormEvery vectors; at the row's
// end the lanes' products (split once more, so they stay in range) are
// multiplied together and the k summed, and one log gives the row's sum.
// A row with an element the split cannot take is summed again as logs.
//
// Rows of fewer than two vectors are summed as logs: one log per row
// costs them more than it saves.
func (g *gen) logAbsRows(rows, cols, ld, d reg.Register) {
	asm.CMPQ(cols, U32(2*g.lanes))
	asm.JAE(LabelRef("row"))
	asm.Label("shortrow")
	asm.TESTQ(rows, rows)
	asm.JZ(LabelRef("done"))
	g.rowLogs("short", cols, ld, d, false)
	asm.ADDQ(U32(g.size), ld)
	asm.DECQ(rows)
	asm.JMP(LabelRef("shortrow"))

	asm.Label("row")
	asm.TESTQ(rows, rows)
	asm.JZ(LabelRef("done"))
	p, k := g.vec(), g.zero()
	g.mov(p, g.cf(1))
	flags := g.noFlags()
	j, n := asm.GP64(), asm.GP64()
	asm.MOVQ(cols, j)
	asm.MOVQ(U32(renormEvery), n)

	asm.Label("col")
	asm.CMPQ(j, U32(g.lanes))
	asm.JB(LabelRef("tail"))
	x := g.load(d, 0, nil)
	g.flagUnsplittable(flags, x, nil)
	m, e := g.splitAbs(x)
	g.mul(p, p, m)
	g.add(k, k, e)
	asm.DECQ(n)
	asm.JNZ(LabelRef("colnext"))
	g.renormProduct(p, k)
	asm.MOVQ(U32(renormEvery), n)
	asm.Label("colnext")
	asm.ADDQ(U32(g.bytes), d)
	asm.SUBQ(U32(g.lanes), j)
	asm.JMP(LabelRef("col"))

	asm.Label("tail")
	asm.TESTQ(j, j)
	asm.JZ(LabelRef("rowend"))
	mask := g.tailMask(j)
	xt := g.maskedLoad(Mem{Base: d}, mask)
	g.flagUnsplittable(flags, xt, mask)
	mt, et := g.splitAbs(xt)
	g.mulMasked(p, mt, mask)
	g.addMasked(k, et, mask)
	asm.SHLQ(U8(log2(g.size)), j) // bytes
	asm.ADDQ(j, d)

	asm.Label("rowend")
	g.jumpIfFlags(flags, "rowlogs")
	g.renormProduct(p, k)
	prod, ksum := g.hprod(p), g.hsum(k)
	// log(2^Σk·Π m) as packedLogAbs forms it, in the lowest lane.
	pm, pe := g.splitPositive(g.widen(prod))
	g.add(pe, pe, g.widen(ksum))
	g.addToRow(ld, g.narrow(g.logCore(pm, pe)), false)
	asm.JMP(LabelRef("rownext"))

	asm.Label("rowlogs")
	g.rowLogs("again", cols, ld, d, true)

	asm.Label("rownext")
	asm.ADDQ(U32(g.size), ld)
	asm.DECQ(rows)
	asm.JMP(LabelRef("row"))

	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// rowLogs adds to *ld the sum of log|d| over the row of cols elements at
// d, term by term, and moves d past it; if again, d has already moved past
// the row and goes back first. Its labels start with name.
func (g *gen) rowLogs(name string, cols, ld, d reg.Register, again bool) {
	if again {
		back := asm.GP64()
		asm.MOVQ(cols, back)
		asm.SHLQ(U8(log2(g.size)), back)
		asm.SUBQ(back, d) // the row's start
	}
	acc := g.zero()
	j := asm.GP64()
	asm.MOVQ(cols, j)
	asm.Label(name + "col")
	asm.CMPQ(j, U32(g.lanes))
	asm.JB(LabelRef(name + "tail"))
	g.add(acc, acc, g.log(g.absOf(g.load(d, 0, nil))))
	asm.ADDQ(U32(g.bytes), d)
	asm.SUBQ(U32(g.lanes), j)
	asm.JMP(LabelRef(name + "col"))
	asm.Label(name + "tail")
	asm.TESTQ(j, j)
	asm.JZ(LabelRef(name + "end"))
	mask := g.tailMask(j)
	g.addMasked(acc, g.log(g.absOf(g.load(d, 0, mask))), mask)
	asm.SHLQ(U8(log2(g.size)), j)
	asm.ADDQ(j, d)
	asm.Label(name + "end")
	g.addToRow(ld, g.hsum(acc), false)
}

// splitAbs returns m and k with |x| = 2^k·m, m in [1, 2) on AVX-512 and
// [3/4, 3/2) on AVX2, for x flagUnsplittable lets through (others give
// values the flag makes the caller discard). x is left as it was.
func (g *gen) splitAbs(x reg.VecVirtual) (m, k reg.VecVirtual) {
	if g.avx512 {
		return g.split512(x)
	}
	a := g.vec()
	g.mov(a, x)
	return g.logSplitNormal(g.absOf(a))
}

// splitPositive returns log's split of a positive normal x: m in
// [3/4, 3/2) and k.
func (g *gen) splitPositive(x reg.VecVirtual) (m, k reg.VecVirtual) {
	if g.avx512 {
		return g.logSplit512(x)
	}
	return g.logSplitNormal(x)
}

// renormProduct splits p again: p = m, k += the exponent.
func (g *gen) renormProduct(p, k reg.VecVirtual) {
	m, e := g.splitAbs(p)
	g.mov(p, m)
	g.add(k, k, e)
}

// absOf clears v's sign bits in place and returns it.
func (g *gen) absOf(v reg.VecVirtual) reg.VecVirtual {
	g.and(v, v, g.cbits(^g.signMask()&g.fullMask()))
	return v
}

// packedLogAbs emits LogAbsSum's packed blocks. Each vector's |d| is split
// into m and k; a tree multiplies the m and one adds the k, both as
// packedRows' tree adds; then one log of the products with the exponent
// sums added to its own exponent. Meanwhile the block's elements that the
// split cannot take are flagged, and a flagged block is summed again as
// logs from memory (d still points at the block: packedBlocks moves it
// after end).
func (g *gen) packedLogAbs(rows, cols, ld, d reg.Register) {
	var t treeRegs
	var prods, exps *rowTree
	var flags reg.Register
	g.packedBlocks(g.logAbsWidths(), rows, cols, ld, []reg.Register{d}, func(c int) {
		t = g.treeRegsFor(c, false)
	}, func(c, i, off int) []reg.VecVirtual {
		x := g.load(d, off, nil)
		m, k := g.splitAbs(x)
		return []reg.VecVirtual{x, m, k}
	}, func(c, i int, v []reg.VecVirtual) {
		if i == 0 {
			prods, exps = g.newRowTree(c, t, g.mul), g.newRowTree(c, t, g.add)
			flags = g.noFlags()
		}
		g.flagUnsplittable(flags, v[0], nil)
		prods.push(v[1], i)
		exps.push(v[2], i)
	}, func(c int) {
		// log(2^Σk·Π m): the product split as log splits it, Σk added to
		// its exponent, then log's reconstruction (kernels.logAbsProduct).
		p, order := prods.unordered()
		k, _ := exps.unordered()
		m, e := g.splitPositive(p)
		g.add(e, e, k)
		res := g.logCore(m, e)
		done := fmt.Sprintf("packed%dsummed", c)
		g.jumpIfNoFlags(flags, done)

		terms := g.newRowTree(c, t, g.add)
		for i := range c {
			x := g.vec()
			g.mov(x, Mem{Base: d, Disp: i * g.bytes})
			terms.push(g.log(g.absOf(x)), i)
		}
		sums, _ := terms.unordered() // the same tree, so the same order
		g.mov(res, sums)

		asm.Label(done)
		g.inRowOrder(res, c, order)
		g.addBlock(ld, res, false)
	})
}

// split512 returns m in [1, 2) and k with |x| = 2^k·m (VGETMANT with the
// sign cleared, VGETEXP), for x flagUnsplittable lets through. Any exact
// split serves the product; this one is the cheapest.
func (g *gen) split512(x reg.VecVirtual) (m, k reg.VecVirtual) {
	m, k = g.vec(), g.vec()
	if g.f32 {
		asm.VGETMANTPS(Imm(4), x, m) // interval [1, 2), sign 0
		asm.VGETEXPPS(x, k)
	} else {
		asm.VGETMANTPD(Imm(4), x, m)
		asm.VGETEXPPD(x, k)
	}
	return m, k
}

// logAbsWidths are the row widths packedLogAbs packs: packedWidths on
// AVX-512 (the Go wrapper relies on them); on AVX2 every power of two up to
// 16, since one log a block beats one a row where the row is a few
// vectors too.
func (g *gen) logAbsWidths() []int {
	if g.avx512 {
		return g.packedWidths()
	}
	return powersOfTwo(16)
}

// noFlags returns a cleared flag register: a mask register on AVX-512, a
// vector on AVX2.
func (g *gen) noFlags() reg.Register {
	if g.avx512 {
		k := asm.K()
		asm.KXORW(k, k, k)
		return k
	}
	return g.zero()
}

// flagUnsplittable sets flags' lanes where x is ±0, subnormal, ±Inf or
// NaN: the values whose log the product split cannot carry. With a tail
// mask, only its lanes count.
func (g *gen) flagUnsplittable(flags reg.Register, x reg.VecVirtual, mask reg.Register) {
	if g.avx512 {
		// VFPCLASS categories: QNaN, +0, −0, +Inf, −Inf, denormal, SNaN
		// (all but negative finite). Not the masked form: avo would take
		// its destination as read.
		k := asm.K()
		if g.f32 {
			asm.VFPCLASSPSZ(Imm(0xbf), x, k)
		} else {
			asm.VFPCLASSPDZ(Imm(0xbf), x, k)
		}
		if mask != nil {
			asm.KANDW(mask, k, k)
		}
		asm.KORW(k, flags, flags)
		return
	}
	minNormal, maxFinite := 0x1p-1022, math.MaxFloat64
	if g.f32 {
		minNormal, maxFinite = 0x1p-126, math.MaxFloat32
	}
	a := g.vec()
	g.and(a, x, g.cbits(^g.signMask()&g.fullMask()))
	low := g.cmp(cmpNGEUnord, a, g.cf(minNormal)) // below the normals, or NaN
	high := g.cmp(cmpGT, a, g.cf(maxFinite))      // ±Inf
	g.or(low.r, low.r, high.r)
	if mask != nil {
		g.and(low.r, low.r, mask)
	}
	g.or(flags, flags, low.r)
}

// jumpIfNoFlags jumps to label if no lane of flags is set.
func (g *gen) jumpIfNoFlags(flags reg.Register, label string) {
	g.testFlags(flags)
	asm.JZ(LabelRef(label))
}

// jumpIfFlags jumps to label if a lane of flags is set.
func (g *gen) jumpIfFlags(flags reg.Register, label string) {
	g.testFlags(flags)
	asm.JNZ(LabelRef(label))
}

func (g *gen) testFlags(flags reg.Register) {
	if g.avx512 {
		asm.KORTESTW(flags, flags)
	} else {
		asm.VPTEST(flags, flags)
	}
}

// widen returns the xmm register x as g's vector width (the upper lanes
// undefined).
func (g *gen) widen(x reg.VecVirtual) reg.VecVirtual {
	if g.avx512 {
		return x.AsZ().(reg.VecVirtual)
	}
	return x.AsY().(reg.VecVirtual)
}

// narrow returns the vector v's low 128 bits.
func (g *gen) narrow(v reg.VecVirtual) reg.VecVirtual { return v.AsX().(reg.VecVirtual) }
