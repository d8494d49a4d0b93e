package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// emitter writes Go arm64 assembler text for one arrangement. Instructions
// Go's assembler knows are written natively; the others go through the
// encoders as WORDs with their GNU spelling as a comment. Vector operands
// are regs (alloc.go); inside a recorded body every instruction is
// recorded and written later for each stream.
type emitter struct {
	w       io.Writer
	a       arr
	r       regs
	streams int // vectors a loop iteration works on
	// splineArgs is the frame offset of the spline kernel being written's
	// first float argument.
	splineArgs int
}

func newEmitter(w io.Writer, a arr, budget int) *emitter {
	return &emitter{w: w, a: a, r: regs{budget: budget, consts: map[uint64]reg{}}}
}

// ins writes (or, in a body, records) one line of assembly.
func (e *emitter) ins(format string, args ...any) {
	line := fmt.Sprintf("\t"+format+"\n", args...)
	e.emit(nil, nil, func(func(reg) int, int, int) { fmt.Fprint(e.w, line) })
}

func (e *emitter) label(name string) { fmt.Fprintf(e.w, "%s:\n", name) }

func (e *emitter) word(w uint32, gnu string) { e.ins("WORD $0x%08x // %s", w, gnu) }

// v is the Go operand for vector register r in the emitter's arrangement.
func (e *emitter) v(r int) string { return fmt.Sprintf("V%d.%s", r, e.a.goName()) }

// b16 is the Go operand for vector register r as 16 bytes.
func b16(r int) string { return fmt.Sprintf("V%d.B16", r) }

// vec records an instruction that writes d and reads uses, written by
// text from the physical registers.
func (e *emitter) vec(d reg, uses []reg, text func(p func(reg) int)) {
	e.emit([]reg{d}, uses, func(p func(reg) int, _, _ int) { text(p) })
}

// op3 is d = n op m for a "three same" instruction.
func (e *emitter) op3(o fp3Op, d, n, m reg) {
	e.vec(d, []reg{n, m}, func(p func(reg) int) { e.word(fp3(o, e.a, p(d), p(n), p(m))) })
}

// op2 is d = op n for a "two-register miscellaneous" instruction.
func (e *emitter) op2(o fp2Op, d, n reg) {
	e.vec(d, []reg{n}, func(p func(reg) int) { e.word(fp2(o, e.a, p(d), p(n))) })
}

// native is a Go instruction "NAME m, n, d" on the given operand form;
// rmw says it reads d too.
func (e *emitter) native(name string, form func(int) string, rmw bool, d reg, srcs ...reg) {
	uses := srcs
	if rmw {
		uses = append([]reg{d}, srcs...)
	}
	e.vec(d, uses, func(p func(reg) int) {
		ops := ""
		for i := len(srcs) - 1; i >= 0; i-- {
			ops += form(p(srcs[i])) + ", "
		}
		e.ins("%s %s%s", name, ops, form(p(d)))
	})
}

// Floating point, written dst-first in mathematical order.
func (e *emitter) fadd(d, n, m reg)  { e.op3(opFADD, d, n, m) }
func (e *emitter) fsub(d, n, m reg)  { e.op3(opFSUB, d, n, m) }
func (e *emitter) fmul(d, n, m reg)  { e.op3(opFMUL, d, n, m) }
func (e *emitter) fdiv(d, n, m reg)  { e.op3(opFDIV, d, n, m) }
func (e *emitter) fmin(d, n, m reg)  { e.op3(opFMIN, d, n, m) } // NaN if either is
func (e *emitter) fmax(d, n, m reg)  { e.op3(opFMAX, d, n, m) }
func (e *emitter) fcmgt(d, n, m reg) { e.op3(opFCMGT, d, n, m) } // d = n > m
func (e *emitter) fcmeq(d, n, m reg) { e.op3(opFCMEQ, d, n, m) }
func (e *emitter) fcmge(d, n, m reg) { e.op3(opFCMGE, d, n, m) } // d = n ≥ m
func (e *emitter) fabs(d, n reg)     { e.op2(opFABS, d, n) }
func (e *emitter) fneg(d, n reg)     { e.op2(opFNEG, d, n) }
func (e *emitter) scvtf(d, n reg)    { e.op2(opSCVTF, d, n) }
func (e *emitter) fsqrt(d, n reg)    { e.op2(opFSQRT, d, n) } // correctly rounded

// fmla sets d += n·m with one rounding; fmls sets d −= n·m.
func (e *emitter) fmla(d, n, m reg) { e.native("VFMLA", e.v, true, d, n, m) }
func (e *emitter) fmls(d, n, m reg) { e.native("VFMLS", e.v, true, d, n, m) }

// Integer lanes.
func (e *emitter) iadd(d, n, m reg) { e.native("VADD", e.v, false, d, n, m) }
func (e *emitter) isub(d, n, m reg) { e.native("VSUB", e.v, false, d, n, m) } // d = n − m
func (e *emitter) shl(d, n reg, k int) {
	e.vec(d, []reg{n}, func(p func(reg) int) { e.ins("VSHL $%d, %s, %s", k, e.v(p(n)), e.v(p(d))) })
}
func (e *emitter) sshr(d, n reg, k int) {
	e.vec(d, []reg{n}, func(p func(reg) int) { e.word(sshr(e.a, p(d), p(n), k)) })
}

// Whole registers.
func (e *emitter) mov(d, n reg) { e.native("VMOV", b16, false, d, n) }

// ext sets d to n's bytes rotated down by bytes (EXT d, n, n, #bytes).
func (e *emitter) ext(d, n reg, bytes int) {
	e.vec(d, []reg{n}, func(p func(reg) int) {
		e.ins("VEXT $%d, %s, %s, %s", bytes, b16(p(n)), b16(p(n)), b16(p(d)))
	})
}
func (e *emitter) vand(d, n, m reg)     { e.native("VAND", b16, false, d, n, m) }
func (e *emitter) vorr(d, n, m reg)     { e.native("VORR", b16, false, d, n, m) }
func (e *emitter) bit(d, src, mask reg) { e.native("VBIT", b16, true, d, src, mask) } // d = mask ? src : d
func (e *emitter) bif(d, src, mask reg) { e.native("VBIF", b16, true, d, src, mask) } // d = mask ? d : src
func (e *emitter) zero(d reg)           { e.vec(d, nil, func(p func(reg) int) { e.bits(p(d), 0) }) }
func (e *emitter) faddp(d, n, m reg)    { e.op3(opFADDP, d, n, m) }
func (e *emitter) faddpScalar(d, n reg) {
	e.vec(d, []reg{n}, func(p func(reg) int) { e.word(faddpScalar(e.a, p(d), p(n))) })
}
func (e *emitter) lanes() int { return map[arr]int{d2: 2, s4: 4}[e.a] }
func (e *emitter) f64() bool  { return e.a == d2 }
func (e *emitter) size() int  { return 16 / e.lanes() }
func (e *emitter) broadcast(d reg, ptr string) {
	e.vec(d, nil, func(p func(reg) int) { e.ins("VLD1R.P %d(%s), [%s]", e.size(), ptr, e.v(p(d))) })
}

// bits sets every lane of physical register d to the bit pattern b (via
// R9).
func (e *emitter) bits(d int, b uint64) {
	switch {
	case b == 0:
		e.ins("VEOR %s, %s, %s", b16(d), b16(d), b16(d))
		return
	case e.f64():
		e.ins("MOVD $0x%x, R9", b)
	default:
		e.ins("MOVW $0x%x, R9", uint32(b))
	}
	e.ins("VDUP R9, %s", e.v(d))
}

// load is a temporary holding the stream's vector at ptr: stream c reads the
// c-th vector from ptr, which advance moves past all streams. Loading the
// same pointer twice before advance reads the same vector again.
func (e *emitter) load(ptr string) reg {
	d := e.tmp()
	e.emit([]reg{d}, nil, func(p func(reg) int, c, _ int) { e.ins("FMOVQ %d(%s), F%d", 16*c, ptr, p(d)) })
	return d
}

// store writes the stream's vector s at ptr.
func (e *emitter) store(s reg, ptr string) {
	e.emit(nil, []reg{s}, func(p func(reg) int, c, _ int) { e.ins("FMOVQ F%d, %d(%s)", p(s), 16*c, ptr) })
}

// advance moves the pointers past the vectors of all streams.
func (e *emitter) advance(ptrs ...string) {
	for _, r := range ptrs {
		e.ins("ADD $%d, %s, %s", 16*e.r.streams, r, r)
	}
}

// tableLoad sets every lane of d to the next element of the table at ptr:
// every stream reads the same element and the last one advances ptr.
func (e *emitter) tableLoad(d reg, ptr string) {
	e.emit([]reg{d}, nil, func(p func(reg) int, c, n int) {
		if c < n-1 {
			e.ins("VLD1R (%s), [%s]", ptr, e.v(p(d)))
			return
		}
		e.ins("VLD1R.P %d(%s), [%s]", e.size(), ptr, e.v(p(d)))
	})
}

// horner continues Horner's rule in x for steps more coefficients, each
// read into a fresh temporary by load: acc is the running value. It
// returns the register that holds the result.
func (e *emitter) horner(acc, x reg, steps int, load func(reg)) reg {
	for range steps {
		next := e.tmp()
		load(next)
		e.fmla(next, acc, x) // coefficient + acc·x
		acc = next
	}
	return acc
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
