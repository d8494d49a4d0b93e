package main

import "fmt"

// Dense layers: y = x·wt (x of m×k, wt = Wᵀ of k×n, y of m×n, row-major)
// over the whole vectors of columns, n rounded down to lanes; the Go
// wrapper does the last n mod lanes columns with the portable chain. Each
// lane runs kernels.Dense's chain s = fma(x, w, s) (one FMLA, in the order
// of p): x[i·k+p] is broadcast (VLD1R), wt's row p
// read, eight rows' chains in flight; the last m mod 8 rows go one at a
// time. With accumulate, the chains start from y (DenseGrad's dw).
//
// Registers: R0 &y[0][j], R1 &x, R2 &wt[0][j], R3 m, R4 k, R6 n·size,
// R7 k·size, R8 column vectors left, R9 rows left, R10 p, R11 &wt[p][j],
// R12…R17, R19, R20 the eight rows' x pointers, R21 &y[i][j], R22 &x[i][0],
// R23, R24 scratch; V0…V7 the sums, V8 wt's row, V9…V16 x broadcast.

var denseRows = []string{"R12", "R13", "R14", "R15", "R16", "R17", "R19", "R20"}

// denseKernel writes func name(y, x, wt []T, m, k, n int).
func (e *emitter) denseKernel(name string, accumulate bool) {
	doc := "computes the sums of Dense, y = x·wt"
	if accumulate {
		doc = "adds x·wt to y (DenseGrad's weight gradient)"
	}
	fmt.Fprintf(e.w, "\n// func %s(y, x, wt []T, m, k, n int) %s, over whole vectors of columns.\nTEXT ·%s(SB), NOSPLIT, $0-96\n", name, doc, name)
	e.ins("MOVD y_base+0(FP), R0")
	e.ins("MOVD x_base+24(FP), R1")
	e.ins("MOVD wt_base+48(FP), R2")
	e.ins("MOVD m+72(FP), R3")
	e.ins("MOVD k+80(FP), R4")
	e.ins("MOVD n+88(FP), R5")
	shift := 3
	if !e.f64() {
		shift = 2
	}
	e.ins("LSL $%d, R5, R6", shift)
	e.ins("LSL $%d, R4, R7", shift)
	e.ins("LSR $%d, R5, R8", map[bool]int{true: 1, false: 2}[e.f64()]) // whole vectors of columns
	e.label("cols")
	e.ins("CBZ R8, done")
	e.ins("MOVD R0, R21")
	e.ins("MOVD R1, R22")
	e.ins("MOVD R3, R9")

	e.label("rows8")
	fmt.Fprintln(e.w, "\t// 8 vectors an iteration (eight rows' chains)")
	e.ins("CMP $8, R9")
	e.ins("BLT rows1")
	e.ins("MOVD R22, %s", denseRows[0])
	for r := 1; r < 8; r++ {
		e.ins("ADD R7, %s, %s", denseRows[r-1], denseRows[r])
	}
	e.denseStart(8, accumulate)
	e.densePLoop("p8", 8)
	e.ins("MOVD R21, R23")
	for r := range 8 {
		e.ins("VST1 [%s], (R23)", e.v(r))
		e.ins("ADD R6, R23, R23")
	}
	e.ins("LSL $3, R7, R24")
	e.ins("ADD R24, R22, R22")
	e.ins("LSL $3, R6, R24")
	e.ins("ADD R24, R21, R21")
	e.ins("SUB $8, R9, R9")
	e.ins("B rows8")

	e.label("rows1")
	e.ins("CBZ R9, colend")
	e.ins("MOVD R22, %s", denseRows[0])
	e.denseStart(1, accumulate)
	e.densePLoop("p1", 1)
	e.ins("VST1 [%s], (R21)", e.v(0))
	e.ins("ADD R6, R21, R21")
	e.ins("ADD R7, R22, R22")
	e.ins("SUB $1, R9, R9")
	e.ins("B rows1")

	e.label("colend")
	e.ins("ADD $16, R0, R0")
	e.ins("ADD $16, R2, R2")
	e.ins("SUB $1, R8, R8")
	e.ins("B cols")
	e.label("done")
	e.ins("RET")
}

// denseStart sets the rows' sums V0… to zero, or to y's values from R21
// on, rows R6 bytes apart.
func (e *emitter) denseStart(rows int, accumulate bool) {
	if !accumulate {
		for r := range rows {
			e.zero(reg(r))
		}
		return
	}
	e.ins("MOVD R21, R23")
	for r := range rows {
		e.ins("VLD1 (R23), [%s]", e.v(r))
		e.ins("ADD R6, R23, R23")
	}
}

// densePLoop writes the loop over p for the given rows: V_r += x_r[p]·wt[p].
func (e *emitter) densePLoop(label string, rows int) {
	e.ins("MOVD R2, R11")
	e.ins("MOVD R4, R10")
	e.label(label)
	e.ins("CBZ R10, %send", label)
	e.ins("VLD1 (R11), [%s]", e.v(8))
	e.ins("ADD R6, R11, R11")
	for r := range rows {
		e.ins("VLD1R.P %d(%s), [%s]", e.size(), denseRows[r], e.v(9+r))
	}
	for r := range rows {
		e.fmla(reg(r), reg(9+r), 8) // V_r += x·w, one rounding
	}
	e.ins("SUB $1, R10, R10")
	e.ins("B %s", label)
	e.label(label + "end")
}
