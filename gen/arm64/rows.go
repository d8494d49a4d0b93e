package main

import "fmt"

// Kernels over rows. NEON has no masked loads, so these take, of every row,
// the whole vectors (cols rounded down to lanes); the Go wrapper does each
// row's last cols mod lanes columns with the portable kernel, the same
// formula, and adds their sum to the row's log-determinant. Row sums are
// accumulated in a vector and reduced by pairwise adds at the end of the
// row.

// Registers of the row kernels beside exp's and tanh's: the accumulator,
// 1/clamp and clamp.
const (
	rAcc, rInvC, rClamp = 19, 18, 31
)

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
	case "(out, logdet, in, sHat, t []T, cols int, clamp, invClamp T)":
		return 5*24 + 8 + 2*e.size()
	case "(logdet, d []T, cols int)":
		return 2*24 + 8
	case "(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T)":
		return 8*24 + 8 + 2*e.size()
	}
	panic(sig)
}

// reduceRow adds (sub: subtracts) the lanes of acc to the float at (R1)
// and advances R1; V5 and V6 are clobbered.
func (e *emitter) reduceRow(acc int, sub bool) {
	if e.a == s4 {
		e.word(fp3(opFADDP, e.a, acc, acc, acc)) // [a+b, c+d, a+b, c+d]
	}
	e.word(faddpScalar(e.a, 5, acc))
	op, mov, size := "FADDD", "FMOVD", 8
	if e.a == s4 {
		op, mov, size = "FADDS", "FMOVS", 4
	}
	if sub {
		op = map[string]string{"FADDD": "FSUBD", "FADDS": "FSUBS"}[op]
	}
	e.ins("%s (R1), F6", mov)
	e.ins("%s F5, F6, F6", op) // F6 = F6 ± F5
	e.ins("%s.P F6, %d(R1)", mov, size)
}

// affine writes AffineForward or AffineInverse over whole vectors,
// clamped or not.
func (e *emitter) affine(name, expTable, tanhTable string, inverse, clamped bool) {
	e.rowHeader(name, "(out, logdet, in, sHat, t []T, cols int, clamp, invClamp T)", [][2]string{
		{"R0", "out_base+0(FP)"}, {"R1", "logdet_base+24(FP)"}, {"R2", "logdet_len+32(FP)"},
		{"R3", "in_base+48(FP)"}, {"R4", "sHat_base+72(FP)"}, {"R5", "t_base+96(FP)"}, {"R6", "cols+120(FP)"}})
	if clamped {
		e.clampConstants(128)
	} else {
		e.expConstants()
	}
	e.ins("CBZ R2, done")
	e.label("row")
	e.zero(rAcc)
	e.ins("MOVD R7, R13")
	e.ins("CBZ R13, rowtail")
	e.label("col")
	e.ins("VLD1.P 16(R4), [%s]", e.v(0))
	if clamped {
		e.fmul(0, 0, rInvC)
		e.tanh(expTable, tanhTable) // V2 = tanh(ŝ/c)
		e.fmul(0, rClamp, 2)        // s = c·tanh
	}
	e.fadd(rAcc, rAcc, 0)
	if inverse {
		e.word(fp2(opFNEG, e.a, 0, 0))
	}
	e.exp(expTable) // V4 = exp(±s)
	e.ins("VLD1.P 16(R3), [%s]", e.v(1))
	e.ins("VLD1.P 16(R5), [%s]", e.v(2))
	if inverse {
		e.fsub(1, 1, 2)
		e.fmul(1, 1, 4) // (in − t)·exp(−s)
		e.ins("VST1.P [%s], 16(R0)", e.v(1))
	} else {
		e.fmla(2, 1, 4) // t + in·exp(s)
		e.ins("VST1.P [%s], 16(R0)", e.v(2))
	}
	e.ins("SUB $1, R13, R13")
	e.ins("CBNZ R13, col")
	e.label("rowtail")
	for _, r := range []string{"R0", "R3", "R4", "R5"} {
		e.ins("ADD R8, %s, %s", r, r)
	}
	e.reduceRow(rAcc, inverse)
	e.ins("SUB $1, R2, R2")
	e.ins("CBNZ R2, row")
	e.label("done")
	e.ins("RET")
}

// logAbsSum writes LogAbsSum over whole vectors.
func (e *emitter) logAbsSum(name, table string) {
	e.rowHeader(name, "(logdet, d []T, cols int)", [][2]string{
		{"R1", "logdet_base+0(FP)"}, {"R2", "logdet_len+8(FP)"}, {"R3", "d_base+24(FP)"}, {"R6", "cols+48(FP)"}})
	e.logConstants()
	const acc = 15 // log uses V0…V12 and V16…V28
	e.ins("CBZ R2, done")
	e.label("row")
	e.zero(acc)
	e.ins("MOVD R7, R13")
	e.ins("CBZ R13, rowtail")
	e.label("col")
	e.ins("VLD1.P 16(R3), [%s]", e.v(0))
	e.word(fp2(opFABS, e.a, 0, 0))
	e.log(table)
	e.fadd(acc, acc, 4)
	e.ins("SUB $1, R13, R13")
	e.ins("CBNZ R13, col")
	e.label("rowtail")
	e.ins("ADD R8, R3, R3")
	e.reduceRow(acc, false)
	e.ins("SUB $1, R2, R2")
	e.ins("CBNZ R2, row")
	e.label("done")
	e.ins("RET")
}

// clampConstants loads tanh's and exp's constants, and clamp and 1/clamp
// (the float arguments at frame offset off and the next) into every lane
// of rClamp and rInvC.
func (e *emitter) clampConstants(off int) {
	e.tanhConstants()
	mov := "FMOVD"
	if e.a == s4 {
		mov = "FMOVS"
	}
	e.ins("%s clamp+%d(FP), F%d", mov, off, rClamp)
	e.ins("VDUP %s[0], %s", e.lane(rClamp), e.v(rClamp))
	e.ins("%s invClamp+%d(FP), F%d", mov, off+e.size(), rInvC)
	e.ins("VDUP %s[0], %s", e.lane(rInvC), e.v(rInvC))
}

// lane is the Go operand for lane 0's register in VDUP's element form.
func (e *emitter) lane(r int) string {
	if e.a == d2 {
		return fmt.Sprintf("V%d.D", r)
	}
	return fmt.Sprintf("V%d.S", r)
}

// size is the element size in bytes.
func (e *emitter) size() int {
	if e.a == d2 {
		return 8
	}
	return 4
}

// affineGrad writes the backward pass of AffineForward or AffineInverse
// over each row's whole vectors, as kernels.AffineForwardGrad and
// AffineInverseGrad compute it (the forward pass does not read t).
func (e *emitter) affineGrad(name, expTable, tanhTable string, inverse, clamped bool) {
	const sig = "(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T)"
	e.rowHeader(name, sig, [][2]string{
		{"R0", "dIn_base+0(FP)"}, {"R3", "dSHat_base+24(FP)"}, {"R4", "dT_base+48(FP)"}, {"R5", "dOut_base+72(FP)"},
		{"R1", "dLogdet_base+96(FP)"}, {"R2", "dLogdet_len+104(FP)"}, {"R12", "in_base+120(FP)"},
		{"R14", "sHat_base+144(FP)"}, {"R15", "t_base+168(FP)"}, {"R6", "cols+192(FP)"}})
	if clamped {
		e.clampConstants(200)
	} else {
		e.expConstants()
	}
	const rowGrad, th = rAcc, 10
	e.ins("CBZ R2, done")
	e.label("row")
	e.ins("VLD1R.P %d(R1), [%s]", e.size(), e.v(rowGrad)) // dLogdet[r] in every lane
	e.ins("MOVD R7, R13")
	e.ins("CBZ R13, rowtail")
	e.label("col")
	e.ins("VLD1.P 16(R14), [%s]", e.v(0))
	if clamped {
		e.fmul(0, 0, rInvC)
		e.tanh(expTable, tanhTable)
		e.mov(th, 2)
		e.fmul(0, rClamp, 2) // s
	}
	if inverse {
		e.word(fp2(opFNEG, e.a, 0, 0))
	}
	e.exp(expTable)                       // V4 = exp(±s)
	e.ins("VLD1.P 16(R5), [%s]", e.v(1))  // dOut
	e.ins("VLD1.P 16(R12), [%s]", e.v(2)) // in
	e.fmul(5, 1, 4)                       // dOut·exp(±s)
	e.ins("VST1.P [%s], 16(R0)", e.v(5))
	e.mov(6, rowGrad)
	if inverse {
		e.ins("VLD1.P 16(R15), [%s]", e.v(3))
		e.fsub(2, 2, 3)
		e.fmul(2, 2, 4) // z = (in − t)·exp(−s)
		e.word(fp2(opFNEG, e.a, 7, 5))
		e.ins("VST1.P [%s], 16(R4)", e.v(7))
		e.fmla(6, 1, 2) // dLogdet + dOut·z
		e.word(fp2(opFNEG, e.a, 6, 6))
	} else {
		e.ins("VST1.P [%s], 16(R4)", e.v(1)) // dT = dOut
		e.fmul(7, 1, 2)                      // dOut·in
		e.fmla(6, 7, 4)                      // dLogdet + (dOut·in)·exp(s)
	}
	if clamped {
		e.mov(8, vOne)
		e.fmls(8, th, th) // 1 − tanh²
		e.fmul(6, 6, 8)
	}
	e.ins("VST1.P [%s], 16(R3)", e.v(6))
	e.ins("SUB $1, R13, R13")
	e.ins("CBNZ R13, col")
	e.label("rowtail")
	for _, r := range []string{"R0", "R3", "R4", "R5", "R12", "R14"} {
		e.ins("ADD R8, %s, %s", r, r)
	}
	if inverse {
		e.ins("ADD R8, R15, R15")
	}
	e.ins("SUB $1, R2, R2")
	e.ins("CBNZ R2, row")
	e.label("done")
	e.ins("RET")
}
