package main

import (
	"fmt"
	"strings"
)

// The steps of the blocked triangular solve and product
// (internal/portable.TriParts, planned in ../../triangular_blocked.go),
// over the whole vectors of columns; the Go wrapper does the last cols mod
// lanes columns with the portable steps. A vector holds one row's values
// for lanes adjacent right-hand sides, and every lane runs the portable
// chain x = x − c·x_src, one FMLS per term, in the plan's order.
//
// Instructions per term on Neoverse N1 (two FP/ASIMD pipes, two load
// pipes; FMLA/FMLS 4 cycles of latency, two a cycle):
//   - triBlock, 8 rows × 3 vectors: 24 FMLS by element, 1 LD1 of three
//     vectors, 1 LD1 of the eight coefficients (two or four vectors), 1
//     post-indexed offset load and an ADD: 12 cycles on the FP pipes, the
//     loads and the loop's 3 integer ops beside them. 48 (float64) or 96
//     (float32) flops in 12 cycles, the pipes' peak.
//   - triRows, 8 vectors: 8 FMLS, 2 LD1 of four vectors, 1 LD1R, the
//     offset load, an ADD and the loop's 2 integer ops: 4 cycles on the FP
//     pipes with 8 independent chains, as many as the latency needs.

// triTile is triBlock's rows (the Go wrapper's tile for NEON).
const triTile = 8

// regList is the Go operand list of n consecutive vector registers from
// first, as [V0.D2, V1.D2].
func (e *emitter) regList(first, n int) string {
	rs := make([]string, n)
	for i := range rs {
		rs[i] = e.v(first + i)
	}
	return "[" + strings.Join(rs, ", ") + "]"
}

// loadVecs loads n vectors (n ≤ 8) from the address in ptr into the
// registers from first on, in groups of four; tmp is scratch. store writes
// them instead.
func (e *emitter) loadVecs(ptr, tmp string, first, n int, store bool) {
	addr := ptr
	for g := 0; g < n; g += 4 {
		k := min(4, n-g)
		if g > 0 {
			e.ins("ADD $%d, %s, %s", 64*g/4, ptr, tmp)
			addr = tmp
		}
		if store {
			e.ins("VST1 %s, (%s)", e.regList(first+g, k), addr)
		} else {
			e.ins("VLD1 (%s), %s", addr, e.regList(first+g, k))
		}
	}
}

// triStrips writes the loop over the column vectors of x: strips of width
// vectors, then single vectors. R0 is the strip's address, R1 the vectors
// left; strip writes the work on one strip. inFlight describes the vectors
// a wide strip's loop works on.
func (e *emitter) triStrips(width int, inFlight string, strip func(prefix string, w int)) {
	e.ins("MOVD x_base+0(FP), R0")
	e.ins("MOVD cols+24(FP), R1")
	e.ins("LSR $%d, R1, R1", map[bool]int{true: 1, false: 2}[e.f64()])
	for _, w := range []int{width, 1} {
		l := fmt.Sprintf("strip%d", w)
		e.label(l)
		if w == width {
			fmt.Fprintf(e.w, "\t// %s\n", inFlight)
		}
		e.ins("CMP $%d, R1", w)
		e.ins("BLT %send", l)
		strip(l, w)
		e.ins("ADD $%d, R0, R0", 16*w)
		e.ins("SUB $%d, R1, R1", w)
		e.ins("B %s", l)
		e.label(l + "end")
	}
	e.ins("RET")
}

// shift is log2 of the element size, for scaling offsets.
func (e *emitter) shift() int {
	if e.f64() {
		return 3
	}
	return 2
}

// triRows writes func sym(x []T, cols int, prog, src []int, coef, diag []T,
// mode int). Registers: R2 &prog, R3 rows left, R4 &src, R5 &coef, R6
// &diag, R7 mode, R8 the row's offset, R9 its terms left, R10 its address,
// R11 a source offset, R12 its address, R13 scratch; V0…V7 the row, V8…V15
// the source row, V16 the coefficient, V17 the diagonal element.
func (e *emitter) triRows(sym string) {
	fmt.Fprintf(e.w, "\n// func %s(x []T, cols int, prog, src []int, coef, diag []T, mode int), over whole vectors of columns.\nTEXT ·%s(SB), NOSPLIT, $0-136\n", sym, sym)
	e.triStrips(8, "8 vectors an iteration (eight chains)", func(l string, w int) {
		e.ins("MOVD prog_base+32(FP), R2")
		e.ins("MOVD prog_len+40(FP), R3")
		e.ins("LSR $1, R3, R3")
		e.ins("MOVD src_base+56(FP), R4")
		e.ins("MOVD coef_base+80(FP), R5")
		e.ins("MOVD diag_base+104(FP), R6")
		e.ins("MOVD mode+128(FP), R7")
		e.label(l + "row")
		e.ins("CBZ R3, %srowend", l)
		e.ins("MOVD (R2), R8")
		e.ins("MOVD 8(R2), R9")
		e.ins("ADD $16, R2, R2")
		e.ins("ADD R8<<%d, R0, R10", e.shift())
		e.loadVecs("R10", "R13", 0, w, false)
		e.triDiag(l+"scale", triScale, w, e.fmul)
		e.label(l + "term")
		e.ins("CBZ R9, %stermend", l)
		e.ins("MOVD.P 8(R4), R11")
		e.ins("ADD R11<<%d, R0, R12", e.shift())
		e.ins("VLD1R.P %d(R5), [%s]", e.size(), e.v(16))
		e.loadVecs("R12", "R13", 8, w, false)
		for v := range w {
			e.fmls(reg(v), reg(8+v), reg(16))
		}
		e.ins("SUB $1, R9, R9")
		e.ins("B %sterm", l)
		e.label(l + "termend")
		e.triDiag(l+"divide", triDivide, w, e.fdiv)
		e.loadVecs("R10", "R13", 0, w, true)
		e.ins("ADD $%d, R6, R6", e.size())
		e.ins("SUB $1, R3, R3")
		e.ins("B %srow", l)
		e.label(l + "rowend")
	})
}

// Modes of triRows, as internal/portable's TriDivide and TriScale.
const (
	triDivide = 1
	triScale  = 2
)

// triDiag applies op(v, v, d) to the row's w vectors, d the diagonal
// element (at R6) broadcast, when the mode (R7) is mode.
func (e *emitter) triDiag(label string, mode, w int, op func(d, n, m reg)) {
	e.ins("CMP $%d, R7", mode)
	e.ins("BNE %s", label)
	e.ins("VLD1R (R6), [%s]", e.v(17))
	for v := range w {
		op(reg(v), reg(v), reg(17))
	}
	e.label(label)
}

// triBlock writes func sym(x []T, cols int, dst, src []int, coef, tri,
// diag []T, mode int) for len(dst) = triTile. Registers: R2 &dst, R3 &src,
// R4 &coef, R5 terms left, R6 an offset, R7 its address, R8 scratch, R9
// &tri, R10 &diag, R11 mode, R12 scratch; V0…V23 the tile (row j's vectors
// from V(3j)), V24…V26 the source row, V27… the coefficients; in the
// triangle, V24… row j's coefficients and V31 its diagonal element.
func (e *emitter) triBlock(sym string) {
	fmt.Fprintf(e.w, "\n// func %s(x []T, cols int, dst, src []int, coef, tri, diag []T, mode int), over whole vectors of columns.\nTEXT ·%s(SB), NOSPLIT, $0-160\n", sym, sym)
	coefRegs := triTile * e.size() / 16
	e.triStrips(3, "24 vectors an iteration (8 rows × 3)", func(l string, w int) {
		e.ins("MOVD dst_base+32(FP), R2")
		tile := func(store bool) {
			for j := range triTile {
				e.ins("MOVD %d(R2), R6", 8*j)
				e.ins("ADD R6<<%d, R0, R7", e.shift())
				e.loadVecs("R7", "R8", 3*j, w, store)
			}
		}
		tile(false)
		e.triTriangle(l+"before", w, true)
		e.ins("MOVD src_base+56(FP), R3")
		e.ins("MOVD coef_base+80(FP), R4")
		e.ins("MOVD src_len+64(FP), R5")
		e.label(l + "term")
		e.ins("CBZ R5, %stermend", l)
		e.ins("MOVD.P 8(R3), R6")
		e.ins("ADD R6<<%d, R0, R7", e.shift())
		e.loadVecs("R7", "R8", 24, w, false)
		e.ins("VLD1.P %d(R4), %s", triTile*e.size(), e.regList(27, coefRegs))
		per := 16 / e.size() // coefficients per register
		for j := range triTile {
			for v := range w {
				e.word(fmlsElem(e.a, 3*j+v, 24+v, 27+j/per, j%per))
			}
		}
		e.ins("SUB $1, R5, R5")
		e.ins("B %sterm", l)
		e.label(l + "termend")
		e.triTriangle(l+"after", w, false)
		tile(true)
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
// Row j's coefficients start at tri[j(j−1)/2]; tri is padded so that
// whole vectors of them can be loaded.
func (e *emitter) triTriangle(label string, w int, before bool) {
	e.ins("MOVD tri_len+112(FP), R12")
	e.ins("CBZ R12, %s", label)
	e.ins("MOVD mode+152(FP), R11")
	if before {
		e.ins("TBZ $2, R11, %s", label)
	} else {
		e.ins("TBNZ $2, R11, %s", label)
	}
	e.ins("AND $3, R11, R11")
	e.ins("MOVD tri_base+104(FP), R9")
	e.ins("MOVD diag_base+128(FP), R10")
	per := 16 / e.size()
	diagOp := func(name string, mode, j int, op func(d, n, m reg)) {
		e.ins("CMP $%d, R11", mode)
		e.ins("BNE %s", name)
		e.ins("ADD $%d, R10, R12", j*e.size())
		e.ins("VLD1R (R12), [%s]", e.v(31))
		for v := range w {
			op(reg(3*j+v), reg(3*j+v), reg(31))
		}
		e.label(name)
	}
	for jj := range triTile {
		j := jj
		if before {
			j = triTile - 1 - jj
		}
		if before {
			diagOp(fmt.Sprintf("%sscale%d", label, j), triScale, j, e.fmul)
		}
		if j > 0 {
			e.ins("ADD $%d, R9, R12", j*(j-1)/2*e.size())
			e.ins("VLD1 (R12), %s", e.regList(24, (j+per-1)/per))
		}
		for k := range j {
			q := k
			if before {
				q = j - 1 - k
			}
			for v := range w {
				e.word(fmlsElem(e.a, 3*j+v, 3*q+v, 24+k/per, k%per))
			}
		}
		if !before {
			diagOp(fmt.Sprintf("%sdivide%d", label, j), triDivide, j, e.fdiv)
		}
	}
	e.label(label)
}
