package main

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
)

// emitter writes Go arm64 assembler text for one arrangement. Registers
// are named by number (V0…V31, R0…R17); the kernels choose them by hand.
// Instructions Go's assembler knows are written natively; the others go
// through the encoders as WORDs with their GNU spelling as a comment.
type emitter struct {
	w io.Writer
	a arr
}

func (e *emitter) ins(format string, args ...any) {
	fmt.Fprintf(e.w, "\t"+format+"\n", args...)
}

func (e *emitter) label(name string) { fmt.Fprintf(e.w, "%s:\n", name) }

func (e *emitter) word(w uint32, gnu string) { e.ins("WORD $0x%08x // %s", w, gnu) }

// v is the Go operand for vector register r in the emitter's arrangement.
func (e *emitter) v(r int) string { return fmt.Sprintf("V%d.%s", r, e.a.goName()) }

// b16 is the Go operand for vector register r as 16 bytes.
func b16(r int) string { return fmt.Sprintf("V%d.B16", r) }

// Floating point, written dst-first in mathematical order.
func (e *emitter) fadd(d, n, m int)  { e.word(fp3(opFADD, e.a, d, n, m)) }
func (e *emitter) fsub(d, n, m int)  { e.word(fp3(opFSUB, e.a, d, n, m)) }
func (e *emitter) fmul(d, n, m int)  { e.word(fp3(opFMUL, e.a, d, n, m)) }
func (e *emitter) fdiv(d, n, m int)  { e.word(fp3(opFDIV, e.a, d, n, m)) }
func (e *emitter) fcmgt(d, n, m int) { e.word(fp3(opFCMGT, e.a, d, n, m)) } // d = n > m
func (e *emitter) fcmeq(d, n, m int) { e.word(fp3(opFCMEQ, e.a, d, n, m)) }

// fmla sets d += n·m with one rounding; fmls sets d −= n·m.
func (e *emitter) fmla(d, n, m int) { e.ins("VFMLA %s, %s, %s", e.v(m), e.v(n), e.v(d)) }
func (e *emitter) fmls(d, n, m int) { e.ins("VFMLS %s, %s, %s", e.v(m), e.v(n), e.v(d)) }

// Integer lanes.
func (e *emitter) iadd(d, n, m int)     { e.ins("VADD %s, %s, %s", e.v(m), e.v(n), e.v(d)) }
func (e *emitter) isub(d, n, m int)     { e.ins("VSUB %s, %s, %s", e.v(m), e.v(n), e.v(d)) } // d = n − m
func (e *emitter) shl(d, n, k int)      { e.ins("VSHL $%d, %s, %s", k, e.v(n), e.v(d)) }
func (e *emitter) sshr(d, n, k int)     { e.word(sshr(e.a, d, n, k)) }
func (e *emitter) mov(d, n int)         { e.ins("VMOV %s, %s", b16(n), b16(d)) }
func (e *emitter) zero(d int)           { e.ins("VEOR %s, %s, %s", b16(d), b16(d), b16(d)) }
func (e *emitter) bit(d, src, mask int) { e.ins("VBIT %s, %s, %s", b16(mask), b16(src), b16(d)) } // d = mask ? src : d
func (e *emitter) bif(d, src, mask int) { e.ins("VBIF %s, %s, %s", b16(mask), b16(src), b16(d)) } // d = mask ? d : src

// lanes, elemBits and the GP move for a constant's bits.
func (e *emitter) lanes() int {
	if e.a == d2 {
		return 2
	}
	return 4
}

// constant sets every lane of d to the float v (via R9).
func (e *emitter) constant(d int, v float64) {
	if e.a == d2 {
		e.bits(d, math.Float64bits(v))
		return
	}
	e.bits(d, uint64(math.Float32bits(float32(v))))
}

// bits sets every lane of d to the bit pattern b.
func (e *emitter) bits(d int, b uint64) {
	if e.a == d2 {
		e.ins("MOVD $0x%x, R9", b)
	} else {
		e.ins("MOVW $0x%x, R9", uint32(b))
	}
	e.ins("VDUP R9, %s", e.v(d))
}

// wordLine matches an emitted WORD line.
var wordLine = regexp.MustCompile(`^\s*WORD \$0x([0-9a-f]{8}) // (.*)$`)

// parseWord returns the word and comment of a WORD line.
func parseWord(line string) (uint32, string, bool) {
	m := wordLine.FindStringSubmatch(line)
	if m == nil {
		return 0, "", false
	}
	w, err := strconv.ParseUint(m[1], 16, 32)
	if err != nil {
		return 0, "", false
	}
	return uint32(w), m[2], true
}

// vand, vorr: bitwise and/or of whole registers.
func (e *emitter) vand(d, n, m int) { e.ins("VAND %s, %s, %s", b16(m), b16(n), b16(d)) }
func (e *emitter) vorr(d, n, m int) { e.ins("VORR %s, %s, %s", b16(m), b16(n), b16(d)) }

func (e *emitter) fmin(d, n, m int) { e.word(fp3(opFMIN, e.a, d, n, m)) }
func (e *emitter) scvtf(d, n int)   { e.word(fp2(opSCVTF, e.a, d, n)) }

// f64 reports whether the emitter works on float64 lanes.
func (e *emitter) f64() bool { return e.a == d2 }

// horner continues Horner's rule in x for steps more coefficients, each
// read into a register by load: acc holds the running value, spare is a
// free register, and the two swap roles each step instead of copying. It
// returns the register that holds the result.
func (e *emitter) horner(acc, spare, x, steps int, load func(int)) int {
	for range steps {
		load(spare)
		e.fmla(spare, acc, x) // coefficient + acc·x
		acc, spare = spare, acc
	}
	return acc
}
