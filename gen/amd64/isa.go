package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa describes one target: AVX2+FMA on ymm registers, or AVX-512
// (F/VL/DQ/BW) on zmm registers with mask registers for tails.
type isa struct {
	name   string // "avx2" or "avx512"
	avx512 bool
	bytes  int // vector width in bytes
}

var (
	avx2   = isa{"avx2", false, 32}
	avx512 = isa{"avx512", true, 64}
)

// gen emits code for one ISA and element type.
type gen struct {
	isa
	f32   bool
	size  int // element size in bytes
	lanes int
	mode  denseMode // of the dense kernel being written
}

func newGen(i isa, f32 bool) *gen {
	size := 8
	if f32 {
		size = 4
	}
	return &gen{isa: i, f32: f32, size: size, lanes: i.bytes / size}
}

// suffix names the element type in symbols: F64 or F32.
func (g *gen) suffix() string {
	if g.f32 {
		return "F32"
	}
	return "F64"
}

// vec returns a new virtual vector register of the ISA's width.
func (g *gen) vec() reg.VecVirtual {
	if g.avx512 {
		return ZMM()
	}
	return YMM()
}

// constants are RODATA vectors of one value repeated to 64 bytes, so that
// any vector instruction can take them as a full-width memory operand.
var constants = map[string]Mem{}

// cf returns the memory operand of the float constant v in g's type.
func (g *gen) cf(v float64) Mem {
	if g.f32 {
		return g.cbits(uint64(math.Float32bits(float32(v))))
	}
	return g.cbits(math.Float64bits(v))
}

// ci returns the memory operand of the integer constant v in lanes of g's
// element size.
func (g *gen) ci(v int64) Mem {
	if g.f32 {
		return g.cbits(uint64(uint32(int32(v))))
	}
	return g.cbits(uint64(v))
}

// cbits returns the memory operand of the bit pattern b repeated in lanes.
func (g *gen) cbits(b uint64) Mem {
	name := fmt.Sprintf("c%d_%x", g.size*8, b)
	if m, ok := constants[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for off := 0; off < 64; off += g.size {
		if g.f32 {
			DATA(off, U32(uint32(b)))
		} else {
			DATA(off, U64(b))
		}
	}
	constants[name] = m
	return m
}

// Floating-point instructions in g's type, written dst-first with the
// operands in mathematical order (avo takes them reversed).

func (g *gen) add(dst, a, b Op) { // dst = a + b
	if g.f32 {
		VADDPS(b, a, dst)
	} else {
		VADDPD(b, a, dst)
	}
}

func (g *gen) sub(dst, a, b Op) { // dst = a − b
	if g.f32 {
		VSUBPS(b, a, dst)
	} else {
		VSUBPD(b, a, dst)
	}
}

func (g *gen) mul(dst, a, b Op) { // dst = a·b
	if g.f32 {
		VMULPS(b, a, dst)
	} else {
		VMULPD(b, a, dst)
	}
}

func (g *gen) div(dst, a, b Op) { // dst = a/b
	if g.f32 {
		VDIVPS(b, a, dst)
	} else {
		VDIVPD(b, a, dst)
	}
}

func (g *gen) and(dst, a, b Op) { // dst = a & b
	if g.f32 {
		VANDPS(b, a, dst)
	} else {
		VANDPD(b, a, dst)
	}
}

func (g *gen) or(dst, a, b Op) { // dst = a | b
	if g.f32 {
		VORPS(b, a, dst)
	} else {
		VORPD(b, a, dst)
	}
}

// fmaAcc sets acc = acc·b + c (one rounding); c may be memory.
func (g *gen) fmaAcc(acc, b, c Op) {
	if g.f32 {
		VFMADD213PS(c, b, acc)
	} else {
		VFMADD213PD(c, b, acc)
	}
}

// fmaTo sets acc = a·b + acc; b may be memory.
func (g *gen) fmaTo(acc, a, b Op) {
	if g.f32 {
		VFMADD231PS(b, a, acc)
	} else {
		VFMADD231PD(b, a, acc)
	}
}

// fnmaTo sets acc = acc − a·b (one rounding); b may be memory.
func (g *gen) fnmaTo(acc, a, b Op) {
	if g.f32 {
		VFNMADD231PS(b, a, acc)
	} else {
		VFNMADD231PD(b, a, acc)
	}
}

// mulAdd sets dst = dst·m + a, m in memory (VFMADD132).
func (g *gen) mulAdd(dst, m, a Op) {
	if g.f32 {
		VFMADD132PS(m, a, dst)
	} else {
		VFMADD132PD(m, a, dst)
	}
}

func (g *gen) mov(dst, src Op) {
	if g.f32 {
		VMOVUPS(src, dst)
	} else {
		VMOVUPD(src, dst)
	}
}

func (g *gen) minv(dst, a, b Op) { // dst = a < b ? a : b (b when either is NaN)
	if g.f32 {
		VMINPS(b, a, dst)
	} else {
		VMINPD(b, a, dst)
	}
}

// Integer lane instructions at g's element size.

func (g *gen) iadd(dst, a, b Op) {
	if g.f32 {
		VPADDD(b, a, dst)
	} else {
		VPADDQ(b, a, dst)
	}
}

func (g *gen) isub(dst, a, b Op) { // dst = a − b
	if g.f32 {
		VPSUBD(b, a, dst)
	} else {
		VPSUBQ(b, a, dst)
	}
}

func (g *gen) shl(dst, a Op, n int) {
	if g.f32 {
		VPSLLD(Imm(uint64(n)), a, dst)
	} else {
		VPSLLQ(Imm(uint64(n)), a, dst)
	}
}

func (g *gen) shrl(dst, a Op, n int) { // logical
	if g.f32 {
		VPSRLD(Imm(uint64(n)), a, dst)
	} else {
		VPSRLQ(Imm(uint64(n)), a, dst)
	}
}

// shra is an arithmetic right shift; AVX2 has none for 64-bit lanes.
func (g *gen) shra(dst, a Op, n int) {
	switch {
	case g.f32:
		VPSRAD(Imm(uint64(n)), a, dst)
	case g.avx512:
		VPSRAQ(Imm(uint64(n)), a, dst)
	default:
		panic("no 64-bit arithmetic shift on AVX2")
	}
}

// Comparison predicates (VCMPPD/VCMPPS immediates).
const (
	cmpEQ    = 0x00 // EQ_OQ
	cmpLT    = 0x11 // LT_OQ
	cmpGE    = 0x1d // GE_OQ
	cmpGT    = 0x1e // GT_OQ
	cmpUnord = 0x03 // UNORD_Q
)

// cond is the result of a comparison: a mask register (AVX-512) or a
// vector of all-ones lanes (AVX2).
type cond struct{ r reg.Register }

// cmp returns the lanes where a pred b.
func (g *gen) cmp(pred int, a, b Op) cond {
	var m reg.Register
	if g.avx512 {
		m = K()
	} else {
		m = g.vec()
	}
	if g.f32 {
		VCMPPS(Imm(uint64(pred)), b, a, m)
	} else {
		VCMPPD(Imm(uint64(pred)), b, a, m)
	}
	return cond{m}
}

// sel sets dst = c ? v : dst for the lanes of c; v may be memory.
func (g *gen) sel(dst reg.Register, c cond, v Op) {
	if g.avx512 {
		if g.f32 {
			VMOVUPS(v, c.r, dst)
		} else {
			VMOVUPD(v, c.r, dst)
		}
		return
	}
	if g.f32 {
		VBLENDVPS(c.r, v, dst, dst)
	} else {
		VBLENDVPD(c.r, v, dst, dst)
	}
}
