package main

import (
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// transposeKernel writes the tiled part of kernels.Transpose: dst = aᵀ
// over a's rows and columns in whole tiles of t×t elements, t being a
// 32-byte vector's lanes (8 float32, 4 float64) on both instruction sets
// (a tile of zmm rows would need 16×16 float32, more than most layers'
// narrow sides). Each tile is t row loads, a shuffle network and t
// column stores; the Go wrapper does the rows and columns past the last
// whole tile. It only moves bits, so every NaN payload arrives unchanged.
func (g *gen) transposeKernel() {
	t := 32 / g.size
	dst := asm.Load(asm.Param("dst").Base(), asm.GP64())
	a := asm.Load(asm.Param("a").Base(), asm.GP64())
	cols := asm.Load(asm.Param("cols"), asm.GP64())
	// Strides in bytes: a row of a (s), a row of dst (d), and three of each.
	s := asm.GP64()
	asm.MOVQ(cols, s)
	asm.SHLQ(U8(log2(g.size)), s)
	d := asm.Load(asm.Param("rows"), asm.GP64())
	asm.SHLQ(U8(log2(g.size)), d)
	s3, d3 := asm.GP64(), asm.GP64()
	asm.LEAQ(Mem{Base: s, Index: s, Scale: 2}, s3)
	asm.LEAQ(Mem{Base: d, Index: d, Scale: 2}, d3)
	asm.ANDQ(I32(-t), cols)
	// Whole tiles, by columns of tiles: j over cols − cols mod t (outer),
	// i over rows − rows mod t (inner), two columns of tiles at a time
	// while there are two, so that every cache line of a (64 bytes, two
	// tiles wide) is read once, and the rows of dst a column of tiles
	// writes fill their lines one after the other. (Row by row, the lines
	// of dst would each be written in parts, far apart: three times
	// slower for 128×128 float64.)
	column := func(label string, width int) {
		asm.Label(label)
		asm.CMPQ(cols, U32(width*t))
		asm.JB(LabelRef(label + "_end"))
		p, q := asm.GP64(), asm.GP64()
		asm.MOVQ(a, p)
		asm.MOVQ(dst, q)
		i := asm.Load(asm.Param("rows"), asm.GP64())
		asm.ANDQ(I32(-t), i)
		asm.JZ(LabelRef("done"))
		asm.Label(label + "_tile")
		g.transposeTile(t, p, s, s3, q, d, d3)
		if width == 2 {
			q2 := asm.GP64()
			asm.LEAQ(Mem{Base: q, Index: d, Scale: uint8(t)}, q2) // the next t rows of dst
			asm.ADDQ(U32(32), p)                                  // from the next t columns of a
			g.transposeTile(t, p, s, s3, q2, d, d3)
			asm.LEAQ(Mem{Base: p, Index: s, Scale: uint8(t), Disp: -32}, p) // t rows of a on, back to the first column
		} else {
			asm.LEAQ(Mem{Base: p, Index: s, Scale: uint8(t)}, p) // t rows of a on
		}
		asm.ADDQ(U32(32), q) // t columns of dst on
		asm.SUBQ(U32(t), i)
		asm.JNZ(LabelRef(label + "_tile"))
		asm.ADDQ(U32(32*width), a) // the next columns of a
		for range width {          // and rows of dst
			asm.LEAQ(Mem{Base: dst, Index: d, Scale: uint8(t)}, dst)
		}
		asm.SUBQ(U32(width*t), cols)
		asm.JMP(LabelRef(label))
		asm.Label(label + "_end")
	}
	column("pairs", 2)
	column("single", 1)
	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// transposeTile transposes the t×t tile at p (rows s bytes apart) into
// the tile at q (rows d bytes apart); s3 and d3 are three strides.
func (g *gen) transposeTile(t int, p, s, s3, q, d, d3 reg.Register) {
	at := func(base, stride, stride3 reg.Register, r int) Mem { // row r ≤ 3 of a group of four
		switch r {
		case 0:
			return Mem{Base: base}
		case 3:
			return Mem{Base: base, Index: stride3, Scale: 1}
		}
		return Mem{Base: base, Index: stride, Scale: uint8(r)}
	}
	load := func(base reg.Register, r int) reg.VecVirtual {
		v := asm.YMM()
		asm.VMOVUPS(at(base, s, s3, r), v)
		return v
	}
	store := func(base reg.Register, r int, v reg.VecVirtual) { asm.VMOVUPS(v, at(base, d, d3, r)) }
	if !g.f32 { // 4×4 float64
		r := [4]reg.VecVirtual{load(p, 0), load(p, 1), load(p, 2), load(p, 3)}
		lo01, hi01, lo23, hi23 := asm.YMM(), asm.YMM(), asm.YMM(), asm.YMM()
		asm.VUNPCKLPD(r[1], r[0], lo01) // r0₀ r1₀ | r0₂ r1₂
		asm.VUNPCKHPD(r[1], r[0], hi01) // r0₁ r1₁ | r0₃ r1₃
		asm.VUNPCKLPD(r[3], r[2], lo23)
		asm.VUNPCKHPD(r[3], r[2], hi23)
		// Column c: the low (0x20) or high (0x31) halves of two pairs.
		for c, col := range []struct {
			top, bottom reg.VecVirtual
			halves      uint8
		}{{lo01, lo23, 0x20}, {hi01, hi23, 0x20}, {lo01, lo23, 0x31}, {hi01, hi23, 0x31}} {
			v := asm.YMM()
			asm.VPERM2F128(U8(col.halves), col.bottom, col.top, v)
			store(q, c, v)
		}
		return
	}
	// 8×8 float32: rows 0–3 from p, 4–7 from p + 4s; columns likewise to q.
	p4, q4 := asm.GP64(), asm.GP64()
	asm.LEAQ(Mem{Base: p, Index: s, Scale: 4}, p4)
	asm.LEAQ(Mem{Base: q, Index: d, Scale: 4}, q4)
	var r [8]reg.VecVirtual
	for i := range 4 {
		r[i], r[i+4] = load(p, i), load(p4, i)
	}
	var lo, hi [4]reg.VecVirtual // pairs of rows interleaved: lo[k] = r2k₀ r2k+1₀ r2k₁ r2k+1₁ | the same of columns 4, 5
	for k := range 4 {
		lo[k], hi[k] = asm.YMM(), asm.YMM()
		asm.VUNPCKLPS(r[2*k+1], r[2*k], lo[k])
		asm.VUNPCKHPS(r[2*k+1], r[2*k], hi[k])
	}
	// Quarter columns: four rows of column c in the low half, of c + 4 in
	// the high: c = 0 and 1 from lo, 2 and 3 from hi, for rows 0–3 (pairs
	// 0, 1) and 4–7 (pairs 2, 3).
	quarter := func(src [4]reg.VecVirtual, first int, imm uint8) reg.VecVirtual {
		v := asm.YMM()
		asm.VSHUFPS(U8(imm), src[first+1], src[first], v)
		return v
	}
	for c := range 4 {
		src, imm := lo, uint8(0x44) // elements 0, 1 of each pair
		if c >= 2 {
			src = hi
		}
		if c%2 == 1 {
			imm = 0xEE // elements 2, 3
		}
		top, bottom := quarter(src, 0, imm), quarter(src, 2, imm)
		col, col4 := asm.YMM(), asm.YMM()
		asm.VPERM2F128(U8(0x20), bottom, top, col)
		asm.VPERM2F128(U8(0x31), bottom, top, col4)
		store(q, c, col)
		store(q4, c, col4)
	}
}
