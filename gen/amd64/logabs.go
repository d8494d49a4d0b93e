package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// logAbsSumKernel emits func(logdet, d []T, cols int):
// logdet[r] += Σ log|d|.
//
// Packed rows (packed.go) are summed as kernels.LogAbsSum sums: as
// ln2·Σk + log(Π m) with |d| = 2^k·m split exactly (m in [1, 2) on
// AVX-512, [√2/2, √2) as log splits on AVX2), one log a block of lanes rows
// instead of one an element. A block holding a zero,
// subnormal, infinite or NaN element is summed again as logs. Other rows
// are summed as logs, element by element.
func (g *gen) logAbsSumKernel(name string) {
	TEXT(name, NOSPLIT, "func(logdet, d []"+g.goType()+", cols int)")
	Doc(name + " is the " + g.name + " body of LogAbsSum.")
	ld := Load(Param("logdet").Base(), GP64())
	rows := Load(Param("logdet").Len(), GP64())
	d := Load(Param("d").Base(), GP64())
	cols := Load(Param("cols"), GP64())
	terms := func(mask reg.Register) reg.VecVirtual {
		return g.log(g.absOf(g.load(d, mask)))
	}
	g.packedLogAbs(rows, cols, ld, d)
	g.rowLoop(rows, cols, []reg.Register{d}, nil, terms, func(acc reg.VecVirtual) {
		g.addToRow(ld, g.hsum(acc), false)
		ADDQ(U32(g.size), ld)
	})
}

// absOf clears v's sign bits in place and returns it.
func (g *gen) absOf(v reg.VecVirtual) reg.VecVirtual {
	g.and(v, v, g.cbits(^g.signMask()&g.fullMask()))
	return v
}

// packedLogAbs emits LogAbsSum's packed blocks. Each vector's |d| is split
// into m and k; a tree multiplies the m and one adds the k, both as
// packedRows' tree adds; then one log of the products, plus ln2 times the
// exponent sums. Meanwhile the block's elements that the split cannot take
// are flagged, and a flagged block is summed again as logs from memory
// (d has moved past it by then).
func (g *gen) packedLogAbs(rows, cols, ld, d reg.Register) {
	var t treeRegs
	var prods, exps *rowTree
	var flags reg.Register
	g.packedBlocks(rows, cols, ld, []reg.Register{d}, func(c int) {
		t = g.loadTreeRegs(c)
	}, func(c, i int) {
		if i == 0 {
			prods, exps = g.newRowTree(c, t, g.mul), g.newRowTree(c, t, g.add)
			flags = g.noFlags()
		}
		x := g.load(d, nil)
		g.flagUnsplittable(flags, x)
		var m, k reg.VecVirtual
		if g.avx512 {
			m, k = g.split512(x)
		} else {
			m, k = g.logSplitNormal(g.absOf(x))
		}
		prods.push(m, i)
		exps.push(k, i)
	}, func(c int) {
		// log(2^Σk·Π m): the product split as log splits it, Σk added to
		// its exponent, then log's reconstruction (kernels.logAbsProduct).
		p, order := prods.unordered()
		k, _ := exps.unordered()
		var m, e reg.VecVirtual
		if g.avx512 {
			m, e = g.logSplit512(p)
		} else {
			m, e = g.logSplitNormal(p)
		}
		g.add(e, e, k)
		res := g.logCore(m, e)
		done := fmt.Sprintf("packed%dsummed", c)
		g.jumpIfNoFlags(flags, done)

		terms := g.newRowTree(c, t, g.add)
		for i := range c {
			x := g.vec()
			g.mov(x, Mem{Base: d, Disp: (i - c) * g.bytes})
			terms.push(g.log(g.absOf(x)), i)
		}
		sums, _ := terms.unordered() // the same tree, so the same order
		g.mov(res, sums)

		Label(done)
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
		VGETMANTPS(Imm(4), x, m) // interval [1, 2), sign 0
		VGETEXPPS(x, k)
	} else {
		VGETMANTPD(Imm(4), x, m)
		VGETEXPPD(x, k)
	}
	return m, k
}

// noFlags returns a cleared flag register: a mask register on AVX-512, a
// vector on AVX2.
func (g *gen) noFlags() reg.Register {
	if g.avx512 {
		k := K()
		KXORW(k, k, k)
		return k
	}
	return g.zero()
}

// flagUnsplittable sets flags' lanes where x is ±0, subnormal, ±Inf or
// NaN: the values whose log the product split cannot carry.
func (g *gen) flagUnsplittable(flags reg.Register, x reg.VecVirtual) {
	if g.avx512 {
		// VFPCLASS categories: QNaN, +0, −0, +Inf, −Inf, denormal, SNaN
		// (all but negative finite).
		k := K()
		if g.f32 {
			VFPCLASSPSZ(Imm(0xbf), x, k)
		} else {
			VFPCLASSPDZ(Imm(0xbf), x, k)
		}
		KORW(k, flags, flags)
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
	g.or(flags, flags, low.r)
	g.or(flags, flags, high.r)
}

// jumpIfNoFlags jumps to label if no lane of flags is set.
func (g *gen) jumpIfNoFlags(flags reg.Register, label string) {
	if g.avx512 {
		KORTESTW(flags, flags)
	} else {
		VPTEST(flags, flags)
	}
	JZ(LabelRef(label))
}
