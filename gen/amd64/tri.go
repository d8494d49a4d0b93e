package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The steps of the blocked triangular solve and product
// (internal/portable.TriParts, planned in ../../triangular_blocked.go).
// The batch axis is the vector axis: a vector holds one row's values for
// lanes adjacent right-hand sides, so every lane runs the portable chain
// x = fma(−c, x_src, x) of its own column, term after term. Rows are
// addressed by element offsets read from the plan, which is how one
// kernel serves lower and upper, transposed or not, solve or product.

// Modes of triRows, as internal/portable's TriNoDiag, TriDivide, TriScale.
const (
	triDivide = 1
	triScale  = 2
)

// triTile is the number of rows a triBlock step updates at once: its
// register tile is triTile rows by triBlockWidth vectors.
func (g *gen) triTile() int {
	if g.avx512 {
		return 8
	}
	return 4
}

// triBlockWidth is the vectors per row of triBlock's tile: 8×3 and 4×3
// accumulators, with the three source vectors and a broadcast, fill 28 of
// the 32 zmm and all 16 ymm registers.
const triBlockWidth = 3

// triRowsWidth is the vectors per row triRows keeps in flight: as many
// independent chains as it takes to cover the FMA latency twice over.
const triRowsWidth = 8

// columnStrips writes the loop over the columns of x: strips of width
// vectors while they last, then single vectors, then the masked tail.
// strip writes the work on one strip at xc (&x[column]).
func (g *gen) columnStrips(width int, strip func(prefix string, xc reg.Register, w int, mask reg.Register)) {
	xc := asm.Load(asm.Param("x").Base(), asm.GP64())
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	for _, w := range []int{width, 1} {
		l := fmt.Sprintf("strip%d", w)
		asm.Label(l)
		asm.CMPQ(cols, U32(w*g.lanes))
		asm.JB(LabelRef(l + "end"))
		strip(l, xc, w, nil)
		asm.ADDQ(U32(w*g.bytes), xc)
		asm.SUBQ(U32(w*g.lanes), cols)
		asm.JMP(LabelRef(l))
		asm.Label(l + "end")
	}
	asm.TESTQ(cols, cols)
	asm.JZ(LabelRef("done"))
	strip("tail", xc, 1, g.tailMask(cols))
	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// row is the memory operand of vector v of the row at element offset off
// (a register) from xc.
func (g *gen) row(xc, off reg.Register, v int) Mem {
	return Mem{Base: xc, Index: off, Scale: uint8(g.size), Disp: v * g.bytes}
}

// loadRow loads w vectors of the row at off (masked when mask is set).
func (g *gen) loadRow(xc, off reg.Register, w int, mask reg.Register) []reg.VecVirtual {
	vs := make([]reg.VecVirtual, w)
	for v := range vs {
		if mask != nil {
			vs[v] = g.maskedLoad(g.row(xc, off, v), mask)
			continue
		}
		vs[v] = g.vec()
		g.mov(vs[v], g.row(xc, off, v))
	}
	return vs
}

// storeRow stores vs to the row at off.
func (g *gen) storeRow(xc, off reg.Register, vs []reg.VecVirtual, mask reg.Register) {
	for v, x := range vs {
		if mask != nil {
			g.maskedStore(g.row(xc, off, v), mask, x)
			continue
		}
		g.mov(g.row(xc, off, v), x)
	}
}

// triRowsKernel writes func(x []T, cols int, prog, src []int, coef, diag
// []T, mode int): for each row of the program, its vectors stay in
// registers through all its terms, each a broadcast coefficient times the
// source row read from memory.
func (g *gen) triRowsKernel() {
	g.columnStrips(triRowsWidth, func(prefix string, xc reg.Register, w int, mask reg.Register) {
		prog := asm.Load(asm.Param("prog").Base(), asm.GP64())
		rows := asm.Load(asm.Param("prog").Len(), asm.GP64())
		src := asm.Load(asm.Param("src").Base(), asm.GP64())
		coef := asm.Load(asm.Param("coef").Base(), asm.GP64())
		diag := asm.Load(asm.Param("diag").Base(), asm.GP64())
		asm.SHRQ(U8(1), rows)

		asm.Label(prefix + "row")
		asm.TESTQ(rows, rows)
		asm.JZ(LabelRef(prefix + "rowend"))
		dst, terms := asm.GP64(), asm.GP64()
		asm.MOVQ(Mem{Base: prog}, dst)
		asm.MOVQ(Mem{Base: prog, Disp: 8}, terms)
		acc := g.loadRow(xc, dst, w, mask)
		g.triDiag(prefix+"scale", triScale, diag, acc, g.mul)

		asm.Label(prefix + "term")
		asm.TESTQ(terms, terms)
		asm.JZ(LabelRef(prefix + "termend"))
		off := asm.GP64()
		asm.MOVQ(Mem{Base: src}, off)
		c := g.broadcastOf(Mem{Base: coef})
		for v, a := range acc {
			if mask != nil {
				g.fnmaTo(a, c, g.maskedLoad(g.row(xc, off, v), mask))
				continue
			}
			g.fnmaTo(a, c, g.row(xc, off, v))
		}
		asm.ADDQ(U8(8), src)
		asm.ADDQ(U8(g.size), coef)
		asm.DECQ(terms)
		asm.JMP(LabelRef(prefix + "term"))
		asm.Label(prefix + "termend")

		g.triDiag(prefix+"divide", triDivide, diag, acc, g.div)
		g.storeRow(xc, dst, acc, mask)
		asm.ADDQ(U8(16), prog)
		asm.ADDQ(U8(g.size), diag)
		asm.DECQ(rows)
		asm.JMP(LabelRef(prefix + "row"))
		asm.Label(prefix + "rowend")
	})
}

// triDiag applies op(v, v, d) to every v of acc, d the diagonal element
// at diag broadcast, when the kernel's mode is mode.
func (g *gen) triDiag(label string, mode int, diag reg.Register, acc []reg.VecVirtual, op func(dst, a, b Op)) {
	asm.CMPQ(asm.Load(asm.Param("mode"), asm.GP64()), U8(mode))
	asm.JNE(LabelRef(label))
	d := g.broadcastOf(Mem{Base: diag})
	for _, a := range acc {
		op(a, a, d)
	}
	asm.Label(label)
}

// triBlockKernel writes func(x []T, cols int, dst, src []int, coef, tri,
// diag []T, mode int) for len(dst) = triTile: a register tile of triTile
// rows, loaded once per strip, takes every term from the source rows in
// turn, each source vector loaded once for all the tile's rows (the dense
// kernels' scheme); unless tri is empty, the tile also takes the terms
// among its rows and its diagonal in registers, after the source rows'
// terms (a solve) or before them (a product, mode|triBefore).
func (g *gen) triBlockKernel() {
	tile := g.triTile()
	g.columnStrips(triBlockWidth, func(prefix string, xc reg.Register, w int, mask reg.Register) {
		dst := asm.Load(asm.Param("dst").Base(), asm.GP64())
		acc := make([][]reg.VecVirtual, tile)
		for j := range acc {
			off := asm.GP64()
			asm.MOVQ(Mem{Base: dst, Disp: 8 * j}, off)
			acc[j] = g.loadRow(xc, off, w, mask)
		}
		g.triTriangle(prefix+"before", acc, true)

		src := asm.Load(asm.Param("src").Base(), asm.GP64())
		coef := asm.Load(asm.Param("coef").Base(), asm.GP64())
		k := asm.Load(asm.Param("src").Len(), asm.GP64())
		asm.Label(prefix + "term")
		asm.TESTQ(k, k)
		asm.JZ(LabelRef(prefix + "termend"))
		off := asm.GP64()
		asm.MOVQ(Mem{Base: src}, off)
		xs := g.loadRow(xc, off, w, mask)
		for j, row := range acc {
			c := g.broadcastOf(Mem{Base: coef, Disp: j * g.size})
			for v, a := range row {
				g.fnmaTo(a, c, xs[v])
			}
		}
		asm.ADDQ(U8(8), src)
		asm.ADDQ(U32(tile*g.size), coef)
		asm.DECQ(k)
		asm.JMP(LabelRef(prefix + "term"))
		asm.Label(prefix + "termend")

		g.triTriangle(prefix+"after", acc, false)
		for j, row := range acc {
			off := asm.GP64()
			asm.MOVQ(Mem{Base: dst, Disp: 8 * j}, off)
			g.storeRow(xc, off, row, mask)
		}
	})
}

// triBefore is internal/portable's TriBefore: a product's block takes the
// terms among its rows first.
const triBefore = 4

// triTriangle writes the terms among the tile's rows and the diagonal,
// when tri is not empty and the mode's triBefore bit is before: a
// product's (before) from the last row up, each row multiplied by its
// diagonal element first (mode triScale) and its terms nearest first, or
// a solve's from the first row down, each divided last (mode triDivide).
// Row j's coefficients start at tri[j(j−1)/2].
func (g *gen) triTriangle(label string, acc [][]reg.VecVirtual, before bool) {
	triLen := asm.Load(asm.Param("tri").Len(), asm.GP64())
	asm.TESTQ(triLen, triLen)
	asm.JZ(LabelRef(label))
	mode := asm.Load(asm.Param("mode"), asm.GP64())
	asm.TESTQ(U32(triBefore), mode)
	if before {
		asm.JZ(LabelRef(label))
	} else {
		asm.JNZ(LabelRef(label))
	}
	tri := asm.Load(asm.Param("tri").Base(), asm.GP64())
	diag := asm.Load(asm.Param("diag").Base(), asm.GP64())
	asm.ANDQ(U8(3), mode)
	for jj := range acc {
		j := jj
		if before {
			j = len(acc) - 1 - jj
		}
		if before {
			g.triDiagBcst(fmt.Sprintf("%sscale%d", label, j), mode, triScale, Mem{Base: diag, Disp: j * g.size}, acc[j], false)
		}
		for k := range j {
			q := k
			if before {
				q = j - 1 - k
			}
			c := Mem{Base: tri, Disp: (j*(j-1)/2 + k) * g.size}
			for v, a := range acc[j] {
				g.fnmaBcast(a, acc[q][v], c)
			}
		}
		if !before {
			g.triDiagBcst(fmt.Sprintf("%sdivide%d", label, j), mode, triDivide, Mem{Base: diag, Disp: j * g.size}, acc[j], true)
		}
	}
	asm.Label(label)
}

// fnmaBcast sets acc = acc − a·c with one rounding, c the element at mem
// in every lane (within the FMA on AVX-512).
func (g *gen) fnmaBcast(acc, a reg.VecVirtual, mem Mem) {
	switch {
	case g.avx512 && g.f32:
		asm.VFNMADD231PS_BCST(mem, a, acc)
	case g.avx512:
		asm.VFNMADD231PD_BCST(mem, a, acc)
	default:
		g.fnmaTo(acc, g.broadcastOf(mem), a)
	}
}

// triDiagBcst divides (divide) or multiplies the vectors of row by the
// element at mem, when mode (a register) is want.
func (g *gen) triDiagBcst(label string, mode reg.Register, want int, mem Mem, row []reg.VecVirtual, divide bool) {
	asm.CMPQ(mode, U8(want))
	asm.JNE(LabelRef(label))
	for _, a := range row {
		switch {
		case g.avx512 && divide && g.f32:
			asm.VDIVPS_BCST(mem, a, a)
		case g.avx512 && divide:
			asm.VDIVPD_BCST(mem, a, a)
		case g.avx512 && g.f32:
			asm.VMULPS_BCST(mem, a, a)
		case g.avx512:
			asm.VMULPD_BCST(mem, a, a)
		case divide:
			g.div(a, a, g.broadcastOf(mem))
		default:
			g.mul(a, a, g.broadcastOf(mem))
		}
	}
	asm.Label(label)
}
