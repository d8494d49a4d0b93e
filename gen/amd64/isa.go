package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/mmcloughlin/avo/attr"
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
	// streams is how many independent vectors the kernel being written
	// interleaves (setStreams).
	streams int
	// pinned are the constants the kernel being written holds in
	// registers for its whole run (pin), by bit pattern.
	pinned map[uint64]reg.VecVirtual
	// expTab addresses float64 exp's hi table on AVX-512, rel 64 bytes
	// after it, both on 64-byte boundaries (alignExpTables); nil until set.
	expTab *Mem
	// expTabRegs hold the two tables instead, when the kernel has the
	// registers (alignExpTables with pin).
	expTabRegs []reg.VecVirtual
	// slots are the stack slots of the kernel being written that hold
	// values where registers are few (hold); nextSlot is the next free.
	slots    []Mem
	nextSlot int
	// params are the spline kernels' scalars held in registers (pinParams).
	params map[string]reg.VecVirtual
	// pairs, when set, makes the spline body take two rows a vector.
	pairs *splinePairs
	// stashes is how many vectors the spline backward kernel being
	// written keeps at the start of its scratch (stash), before the exps;
	// nextStash is the next free one.
	stashes, nextStash int
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
		return asm.ZMM()
	}
	return asm.YMM()
}

// constants are attr.RODATA vectors of one value repeated to 64 bytes, so that
// any AVX2 instruction can take them as a full-width memory operand. AVX-512
// instructions read only their first element, broadcast ({1toN}): a 64-byte
// memory operand per constant would keep the load ports busier than the
// arithmetic in the polynomial loops.
var constants = map[string]Mem{}

// isConst reports whether op is one of the constant vectors.
func isConst(op Op) bool {
	m, ok := op.(Mem)
	if !ok {
		return false
	}
	_, ok = constants[m.Symbol.Name]
	return ok
}

// vop emits a two-type instruction: pd for float64 lanes, ps for float32,
// or their embedded-broadcast forms (if given) on AVX-512 when the memory
// operand is a constant.
func (g *gen) vop(pd, ps, pdBcst, psBcst func(...Op), ops ...Op) {
	if g.avx512 && pdBcst != nil && slices.ContainsFunc(ops, isConst) {
		pd, ps = pdBcst, psBcst
	}
	if g.f32 {
		ps(ops...)
	} else {
		pd(ops...)
	}
}

// cf returns the memory operand of the float constant v in g's type.
func (g *gen) cf(v float64) Mem { return g.cbits(g.bitsOf(v)) }

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
	m := global(name, attr.RODATA|attr.NOPTR)
	for off := 0; off < 64; off += g.size {
		if g.f32 {
			datum(off, U32(uint32(b)))
		} else {
			datum(off, U64(b))
		}
	}
	constants[name] = m
	return m
}

// text starts the kernel name with Go signature sig, no constant pinned.
func (g *gen) text(name, sig string) {
	g.pinned, g.expTab, g.expTabRegs, g.slots, g.nextSlot, g.params = nil, nil, nil, nil, 0, nil
	g.stashes, g.nextStash = 0, 0
	function(name, attr.NOSPLIT, sig)
}

// pin loads the float constants vs into registers that the kernel being
// written keeps for its whole run, before its loops: kf and constReg
// return them instead of a memory operand or a fresh load. On AVX-512 a
// broadcast from memory per use is a load and an FP-pipe op besides the
// arithmetic, and the float64 exp loops keep those pipes as busy as the
// FMA units (K0 exp and K1 float64 3–9% faster with exp's four pinned).
// Registers are what it costs: a kernel pins what leaves its streams
// enough.
func (g *gen) pin(vs ...float64) {
	if g.pinned == nil {
		g.pinned = map[uint64]reg.VecVirtual{}
	}
	for _, v := range vs {
		r := g.vec()
		g.mov(r, g.cf(v))
		g.pinned[g.bitsOf(v)] = r
	}
}

// bitsOf is v's bit pattern in g's type.
func (g *gen) bitsOf(v float64) uint64 {
	if g.f32 {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(v)
}

// kf is the float constant v as an operand: its pinned register, or
// memory (cf).
func (g *gen) kf(v float64) Op {
	if r, ok := g.pinned[g.bitsOf(v)]; ok {
		return r
	}
	return g.cf(v)
}

// constReg is a register holding v in every lane: its pinned register,
// or a fresh one loaded here.
func (g *gen) constReg(v float64) reg.VecVirtual {
	if r, ok := g.pinned[g.bitsOf(v)]; ok {
		return r
	}
	r := g.vec()
	g.mov(r, g.cf(v))
	return r
}

// Floating-point instructions in g's type, written dst-first with the
// operands in mathematical order (avo takes them reversed).

func (g *gen) add(dst, a, b Op) { // dst = a + b
	g.vop(asm.VADDPD, asm.VADDPS, asm.VADDPD_BCST, asm.VADDPS_BCST, b, a, dst)
}

func (g *gen) sub(dst, a, b Op) { // dst = a − b
	g.vop(asm.VSUBPD, asm.VSUBPS, asm.VSUBPD_BCST, asm.VSUBPS_BCST, b, a, dst)
}

func (g *gen) mul(dst, a, b Op) { // dst = a·b
	g.vop(asm.VMULPD, asm.VMULPS, asm.VMULPD_BCST, asm.VMULPS_BCST, b, a, dst)
}

// half sets dst = a/2 for an a that is zero or at least twice the smallest
// normal, so that halving is exact. AVX-512 scales by 2^−1: VSCALEF runs
// beside the FMA units on Zen 4, where a multiply would take one of their
// slots (K0 log float64 about 2% faster).
func (g *gen) half(dst, a Op) {
	if g.avx512 {
		g.vop(asm.VSCALEFPD, asm.VSCALEFPS, asm.VSCALEFPD_BCST, asm.VSCALEFPS_BCST, g.cf(-1), a, dst)
		return
	}
	g.mul(dst, a, g.cf(0.5))
}

func (g *gen) div(dst, a, b Op) { // dst = a/b
	g.vop(asm.VDIVPD, asm.VDIVPS, asm.VDIVPD_BCST, asm.VDIVPS_BCST, b, a, dst)
}

func (g *gen) and(dst, a, b Op) { // dst = a & b
	g.vop(asm.VANDPD, asm.VANDPS, asm.VANDPD_BCST, asm.VANDPS_BCST, b, a, dst)
}

func (g *gen) or(dst, a, b Op) { // dst = a | b
	g.vop(asm.VORPD, asm.VORPS, asm.VORPD_BCST, asm.VORPS_BCST, b, a, dst)
}

// fmaAcc sets acc = acc·b + c (one rounding); c may be memory.
func (g *gen) fmaAcc(acc, b, c Op) {
	g.vop(asm.VFMADD213PD, asm.VFMADD213PS, asm.VFMADD213PD_BCST, asm.VFMADD213PS_BCST, c, b, acc)
}

// fnmaAcc sets acc = c − acc·b (one rounding); c may be memory.
func (g *gen) fnmaAcc(acc, b, c Op) {
	g.vop(asm.VFNMADD213PD, asm.VFNMADD213PS, asm.VFNMADD213PD_BCST, asm.VFNMADD213PS_BCST, c, b, acc)
}

// fmaTo sets acc = a·b + acc; b may be memory.
func (g *gen) fmaTo(acc, a, b Op) {
	g.vop(asm.VFMADD231PD, asm.VFMADD231PS, asm.VFMADD231PD_BCST, asm.VFMADD231PS_BCST, b, a, acc)
}

// fnmaTo sets acc = acc − a·b (one rounding); b may be memory.
func (g *gen) fnmaTo(acc, a, b Op) {
	g.vop(asm.VFNMADD231PD, asm.VFNMADD231PS, asm.VFNMADD231PD_BCST, asm.VFNMADD231PS_BCST, b, a, acc)
}

// fmsTo sets acc = a·b − acc (one rounding); b may be memory.
func (g *gen) fmsTo(acc, a, b Op) {
	g.vop(asm.VFMSUB231PD, asm.VFMSUB231PS, asm.VFMSUB231PD_BCST, asm.VFMSUB231PS_BCST, b, a, acc)
}

func (g *gen) mov(dst, src Op) {
	if g.avx512 && isConst(src) {
		g.vop(asm.VBROADCASTSD, asm.VBROADCASTSS, nil, nil, src, dst)
		return
	}
	if g.f32 {
		asm.VMOVUPS(src, dst)
	} else {
		asm.VMOVUPD(src, dst)
	}
}

func (g *gen) maxv(dst, a, b Op) { // dst = a > b ? a : b (b when either is NaN)
	g.vop(asm.VMAXPD, asm.VMAXPS, asm.VMAXPD_BCST, asm.VMAXPS_BCST, b, a, dst)
}

func (g *gen) minv(dst, a, b Op) { // dst = a < b ? a : b (b when either is NaN)
	g.vop(asm.VMINPD, asm.VMINPS, asm.VMINPD_BCST, asm.VMINPS_BCST, b, a, dst)
}

// Integer lane instructions at g's element size.

func (g *gen) iadd(dst, a, b Op) {
	g.vop(asm.VPADDQ, asm.VPADDD, asm.VPADDQ_BCST, asm.VPADDD_BCST, b, a, dst)
}

func (g *gen) isub(dst, a, b Op) { // dst = a − b
	g.vop(asm.VPSUBQ, asm.VPSUBD, asm.VPSUBQ_BCST, asm.VPSUBD_BCST, b, a, dst)
}

func (g *gen) shl(dst, a Op, n int) {
	if g.f32 {
		asm.VPSLLD(Imm(uint64(n)), a, dst)
	} else {
		asm.VPSLLQ(Imm(uint64(n)), a, dst)
	}
}

func (g *gen) shrl(dst, a Op, n int) { // logical
	if g.f32 {
		asm.VPSRLD(Imm(uint64(n)), a, dst)
	} else {
		asm.VPSRLQ(Imm(uint64(n)), a, dst)
	}
}

// shra is an arithmetic right shift; AVX2 has none for 64-bit lanes.
func (g *gen) shra(dst, a Op, n int) {
	switch {
	case g.f32:
		asm.VPSRAD(Imm(uint64(n)), a, dst)
	case g.avx512:
		asm.VPSRAQ(Imm(uint64(n)), a, dst)
	default:
		panic("no 64-bit arithmetic shift on AVX2")
	}
}

// Comparison predicates (VCMPPD/VCMPPS immediates).
const (
	cmpEQ    = 0x00 // EQ_OQ
	cmpLT    = 0x11 // LT_OQ
	cmpLE    = 0x12 // LE_OQ
	cmpGE    = 0x1d // GE_OQ
	cmpGT    = 0x1e // GT_OQ
	cmpUnord = 0x03 // UNORD_Q
	// cmpNGEUnord is NGE_UQ: not greater than or equal, or unordered.
	cmpNGEUnord = 0x19
)

// cond is the result of a comparison: a mask register (AVX-512) or a
// vector of all-ones lanes (AVX2).
type cond struct{ r reg.Register }

// cmp returns the lanes where a pred b.
func (g *gen) cmp(pred int, a, b Op) cond {
	var m reg.Register
	if g.avx512 {
		m = asm.K()
	} else {
		m = g.vec()
	}
	g.vop(asm.VCMPPD, asm.VCMPPS, asm.VCMPPD_BCST, asm.VCMPPS_BCST, Imm(uint64(pred)), b, a, m)
	return cond{m}
}

// sel sets dst = c ? v : dst for the lanes of c; v may be memory.
func (g *gen) sel(dst reg.Register, c cond, v Op) {
	if g.avx512 && isConst(v) {
		g.vop(asm.VBROADCASTSD, asm.VBROADCASTSS, nil, nil, v, c.r, dst)
		return
	}
	if g.avx512 {
		if g.f32 {
			asm.VMOVUPS(v, c.r, dst)
		} else {
			asm.VMOVUPD(v, c.r, dst)
		}
		return
	}
	if g.f32 {
		asm.VBLENDVPS(c.r, v, dst, dst)
	} else {
		asm.VBLENDVPD(c.r, v, dst, dst)
	}
}
