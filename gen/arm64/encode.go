package main

import "fmt"

// Encodings of the Advanced SIMD instructions Go's arm64 assembler lacks,
// from the Arm A64 instruction set reference (DDI 0596 / DDI 0487,
// "Advanced SIMD three same", "two-register miscellaneous", "shift by
// immediate"). Each returns the instruction word and its GNU spelling, which
// the emitter prints as `WORD $0x........ // <spelling>` and a test decodes
// with golang.org/x/arch/arm64/arm64asm to check the two agree.

// arr is a vector arrangement: two float64 lanes or four float32 lanes.
type arr int

const (
	d2 arr = iota // .2D
	s4            // .4S
)

// gnu is the arrangement's GNU suffix; goName is Go's.
func (a arr) gnu() string    { return map[arr]string{d2: "2d", s4: "4s"}[a] }
func (a arr) goName() string { return map[arr]string{d2: "D2", s4: "S4"}[a] }

// sz is the arrangement's sz bit (1 for double precision).
func (a arr) sz() uint32 {
	if a == d2 {
		return 1
	}
	return 0
}

// fp3Op is a floating-point "three same" instruction: its U bit, its a bit
// (bit 23) and its 5-bit opcode.
type fp3Op struct {
	name      string
	u, a, opc uint32
}

var (
	opFADD  = fp3Op{"fadd", 0, 0, 0b11010}
	opFSUB  = fp3Op{"fsub", 0, 1, 0b11010}
	opFMUL  = fp3Op{"fmul", 1, 0, 0b11011}
	opFDIV  = fp3Op{"fdiv", 1, 0, 0b11111}
	opFMAX  = fp3Op{"fmax", 0, 0, 0b11110}
	opFMIN  = fp3Op{"fmin", 0, 1, 0b11110}
	opFCMEQ = fp3Op{"fcmeq", 0, 0, 0b11100}
	opFCMGE = fp3Op{"fcmge", 1, 0, 0b11100}
	opFCMGT = fp3Op{"fcmgt", 1, 1, 0b11100}
)

// fp3 encodes op Vd, Vn, Vm on full (Q=1) vectors.
func fp3(op fp3Op, a arr, d, n, m int) (uint32, string) {
	w := 0x4e200400 | op.u<<29 | op.a<<23 | a.sz()<<22 | uint32(m)<<16 | op.opc<<11 | uint32(n)<<5 | uint32(d)
	s := a.gnu()
	return w, fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", op.name, d, s, n, s, m, s)
}

// fp2Op is a "two-register miscellaneous" instruction.
type fp2Op struct {
	name      string
	u, a, opc uint32
}

var (
	opFABS  = fp2Op{"fabs", 0, 1, 0b01111}
	opFNEG  = fp2Op{"fneg", 1, 1, 0b01111}
	opSCVTF = fp2Op{"scvtf", 0, 0, 0b11101}
	opFSQRT = fp2Op{"fsqrt", 1, 1, 0b11111}
)

// fp2 encodes op Vd, Vn on full vectors.
func fp2(op fp2Op, a arr, d, n int) (uint32, string) {
	w := 0x4e200800 | op.u<<29 | op.a<<23 | a.sz()<<22 | op.opc<<12 | uint32(n)<<5 | uint32(d)
	s := a.gnu()
	return w, fmt.Sprintf("%s v%d.%s, v%d.%s", op.name, d, s, n, s)
}

// sshr encodes SSHR Vd, Vn, #shift (arithmetic shift right by 1…lane bits).
func sshr(a arr, d, n, shift int) (uint32, string) {
	bits := 64
	if a == s4 {
		bits = 32
	}
	immhb := uint32(2*bits - shift) // immh:immb
	w := 0x4f000400 | immhb<<16 | uint32(n)<<5 | uint32(d)
	s := a.gnu()
	return w, fmt.Sprintf("sshr v%d.%s, v%d.%s, #%d", d, s, n, s, shift)
}

// opFADDP is the vector pairwise add (three same, U=1).
var opFADDP = fp3Op{"faddp", 1, 0, 0b11010}

// faddpScalar encodes FADDP Dd, Vn.2D (or Sd, Vn.2S for s4): the sum of
// the two low lanes, "Advanced SIMD scalar pairwise".
func faddpScalar(a arr, d, n int) (uint32, string) {
	w := 0x7e30d800 | a.sz()<<22 | uint32(n)<<5 | uint32(d)
	if a == d2 {
		return w, fmt.Sprintf("faddp d%d, v%d.2d", d, n)
	}
	return w, fmt.Sprintf("faddp s%d, v%d.2s", d, n)
}

// fmlsElem encodes FMLS Vd, Vn, Vm.<lane>[idx] ("Advanced SIMD vector x
// indexed element", U=0, opcode 0101): d −= n·m[idx] with one rounding.
// The index is H for doubles and H:L for singles; Rm takes all 32
// registers (M is its top bit) in both.
func fmlsElem(a arr, d, n, m, idx int) (uint32, string) {
	var h, l uint32
	lane := "d"
	if a == d2 {
		h = uint32(idx)
	} else {
		h, l, lane = uint32(idx>>1), uint32(idx&1), "s"
	}
	w := 0x4f805000 | a.sz()<<22 | l<<21 | uint32(m)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
	s := a.gnu()
	return w, fmt.Sprintf("fmls v%d.%s, v%d.%s, v%d.%s[%d]", d, s, n, s, m, lane, idx)
}

// fcvtl encodes FCVTL Vd.2D, Vn.2S: the low two float32 lanes of n
// widened to float64, exactly.
func fcvtl(d, n int) (uint32, string) {
	return 0x0e617800 | uint32(n)<<5 | uint32(d), fmt.Sprintf("fcvtl v%d.2d, v%d.2s", d, n)
}

// fcvtn encodes FCVTN Vd.2S, Vn.2D: n's float64 lanes rounded to float32
// (to nearest, ties to even) in d's low half, its high half zeroed.
func fcvtn(d, n int) (uint32, string) {
	return 0x0e616800 | uint32(n)<<5 | uint32(d), fmt.Sprintf("fcvtn v%d.2s, v%d.2d", d, n)
}
