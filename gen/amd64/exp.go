package main

import (
	"math"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"

	"github.com/flowkern/flowkern/internal/algo"
	"github.com/mmcloughlin/avo/reg"
)

// expm1Poly32 returns P(r) = (exp(r) − 1 − r)/r² by Horner's rule from
// the highest coefficient, as kernels.expm1Poly32. If neg, rn holds −r:
// each step p·r + c is then c − p·rn, the same rounding of the same value.
func (g *gen) expm1Poly32(rn reg.VecVirtual, neg bool) reg.VecVirtual {
	cs := algo.ExpPoly32()
	p := g.vec()
	g.mov(p, g.kf(cs[0]))
	for _, c := range cs[1:] {
		g.hornerStep(p, rn, g.cf(c), neg)
	}
	return p
}

// hornerStep sets p = p·r + c, or c − p·rn with rn = −r if neg.
func (g *gen) hornerStep(p, rn reg.VecVirtual, c Op, neg bool) {
	if neg {
		g.fnmaAcc(p, rn, c)
		return
	}
	g.fmaAcc(p, rn, c)
}

// expCore returns exp(x) for x where no special case applies, exactly as
// kernels.exp64/exp32.
func (g *gen) expCore(x reg.VecVirtual) reg.VecVirtual {
	if !g.f32 {
		return g.expEighths(x, false)
	}
	return g.expCore32(x, g.cf(1), false)
}

// expCore32 is float32 exp as kernels.exp32: the shift-trick reduction by
// ln2, the polynomial, and 2^k applied as 2^(k>>1)·2^(k−k>>1). Its last
// step adds one, which is 1 where the lanes are to be exp(x) and NaN where
// they are to be NaN. If neg, it returns exp(−x) by the same roundings of
// the same values (no negation on the dependency chain): z = shift −
// x·log2e, then rn = −r from x + k·ln2Hi + k·ln2Lo, and the polynomial in
// rn.
func (g *gen) expCore32(x reg.VecVirtual, one Op, neg bool) reg.VecVirtual {
	z, k, r := g.expReduce(x, algo.Shift32, algo.Ln2Hi32, algo.Ln2Lo32, neg)
	p := g.expm1Poly32(r, neg)
	g.hornerStep(p, r, g.cf(1), neg) // 1 + r·P
	g.hornerStep(p, r, one, neg)     // 1 + r·(1 + r·P)

	if g.avx512 {
		// VSCALEF rounds p·2^k once, which is what the two exact-then-
		// rounding scalings below give too: the same bits, in one op.
		asm.VSCALEFPS(k, p, p)
		return p
	}
	// Integer k from z's bits, then the two scale factors' exponent fields.
	ki := g.vec()
	g.isub(ki, z, g.cf(algo.Shift32))
	s1, s2 := g.vec(), g.vec()
	g.shra(s1, ki, 1)  // k1 = k >> 1
	g.isub(s2, ki, s1) // k2 = k − k1
	g.iadd(s1, s1, g.ci(127))
	g.iadd(s2, s2, g.ci(127))
	g.shl(s1, s1, 23)
	g.shl(s2, s2, 23)
	g.mul(p, p, s1)
	g.mul(p, p, s2)
	return p
}

// expReduce is the shift-trick reduction x = k·c + r, c = ln2Hi + ln2Lo
// being ln2 (the shift's ulp 1) or ln2/8 split as ln2 (its ulp 1/8, k in
// eighths): z = x·log2e + shift holds k in its low mantissa bits, k = z −
// shift exactly, r = x − k·ln2Hi − k·ln2Lo. If neg, it reduces −x without
// negating x: z = shift − x·log2e, and r holds rn = −r = x + k·ln2Hi +
// k·ln2Lo. r is x's register: x is the caller's temporary, consumed, so
// that no copy of it is made.
func (g *gen) expReduce(x reg.VecVirtual, shift, ln2Hi, ln2Lo float64, neg bool) (z, k, r reg.VecVirtual) {
	z = g.vec()
	g.mov(z, g.kf(shift))
	if neg {
		g.fnmaTo(z, x, g.cf(algo.Log2E)) // z = shift − x·algo.Log2E
	} else {
		g.fmaTo(z, x, g.cf(algo.Log2E)) // z = x·algo.Log2E + shift, k in the low bits
	}
	k = g.vec()
	g.sub(k, z, g.cf(shift)) // k = z − shift, exactly
	r = x                    // r, or rn = −r if neg
	if neg {
		g.fmaTo(r, k, g.cf(ln2Hi)) // rn = x + k·ln2Hi
		g.fmaTo(r, k, g.cf(ln2Lo)) // rn = rn + k·ln2Lo
	} else {
		g.fnmaTo(r, k, g.cf(ln2Hi)) // r = x − k·ln2Hi
		g.fnmaTo(r, k, g.cf(ln2Lo)) // r = r − k·ln2Lo
	}
	return z, k, r
}

// expEighths is float64 exp as kernels.exp64, reduced by eighths of ln2:
// x = (m/8)·ln2 + r, exp(x) = 2^(m>>3)·(hi + hi·(rel + r·a)), a = 1 +
// r·Q(r), hi·(1 + rel) = 2^(j/8) for j = m&7 from internal/algo's tables
// (exp2Eighths). x is consumed. If neg, it returns exp(−x) by the same
// roundings of the same values: rn = −r, the polynomial in rn, and rn·a
// subtracted from rel.
func (g *gen) expEighths(x reg.VecVirtual, neg bool) reg.VecVirtual {
	z, k, r := g.expReduce(x, algo.ExpTabShift64, algo.Ln2Hi64, algo.Ln2Lo64, neg)
	hi, w := g.exp2Eighths(z) // w = rel, for now
	a := g.vec()              // a = 1 + r·Q(r) = (exp(r) − 1)/r
	g.mov(a, g.kf(algo.ExpTabQ5_64))
	for _, c := range algo.ExpTabPoly64()[1:] {
		g.hornerStep(a, r, g.cf(c), neg)
	}
	g.hornerStep(a, r, g.cf(1), neg)
	if neg {
		g.fnmaTo(w, r, a) // rel − rn·a = rel + r·a
	} else {
		g.fmaTo(w, r, a) // rel + r·a
	}
	g.fmaAcc(w, hi, hi) // hi·w + hi
	p := w
	if g.avx512 {
		asm.VSCALEFPD(k, p, p) // k = m/8: VSCALEF scales by 2^floor(k) = 2^(m>>3)
		return p
	}
	// No 64-bit arithmetic shift on AVX2: with mp = m + 2^15 ≥ 0, e + 2^12
	// = mp >> 3 and e1 + 2^11 = mp >> 4 (e = m >> 3, e1 = e >> 1), then
	// 2^e1 and 2^(e−e1) from their exponent fields.
	mp, s1, s2 := g.vec(), g.vec(), g.vec()
	g.isub(mp, z, g.ci(int64(math.Float64bits(algo.ExpTabShift64))-1<<15))
	g.shrl(s1, mp, 4)  // e1 + 2^11
	g.shrl(s2, mp, 3)  // e + 2^12
	g.isub(s2, s2, s1) // e − e1 + 2^11
	g.iadd(s1, s1, g.ci(1023-1<<11))
	g.iadd(s2, s2, g.ci(1023-1<<11))
	g.shl(s1, s1, 52)
	g.shl(s2, s2, 52)
	g.mul(p, p, s1)
	g.mul(p, p, s2)
	return p
}

// expAVX2Streams is how many exp vectors AVX2 interleaves in the unary
// loop: float64's table lookups (exp2Eighths) hold three more ymm
// registers a vector, and avo cannot spill past the 16.
func (g *gen) expAVX2Streams() int {
	if g.f32 {
		return 4
	}
	return 2
}

// expPins are the constants an exp kernel pins on AVX-512: the shift and
// Q's first coefficient, and in float64 the clamp's bounds (those of
// exp(−x) if neg; float32 clamps by VRANGE with a memory operand). K0
// exp and K1 1.6–4.5% faster in float32. None on AVX2, whose sixteen
// registers the streams need.
func (g *gen) expPins(neg bool) []float64 {
	if !g.avx512 {
		return nil
	}
	if g.f32 {
		return []float64{algo.Shift32, algo.ExpQ4_32}
	}
	lo, hi := float64(algo.ExpLo64), float64(algo.ExpHi64)
	if neg {
		lo, hi = -hi, -lo
	}
	return []float64{algo.ExpTabShift64, algo.ExpTabQ5_64, lo, hi}
}

// exp2Eighths returns hi and rel of 2^(j/8) = hi·(1 + rel), j = z&7 in
// each lane. z's low three bits are j, so z itself indexes the tables:
// on AVX-512 one VPERMPD each (a table is one zmm, read from memory at a
// 64-byte boundary, alignExpTables; the permutes run beside the FMAs), on
// AVX2 two VPERMPS on a table's 32-byte halves and a blend on bit 2.
func (g *gen) exp2Eighths(z reg.VecVirtual) (hi, rel reg.VecVirtual) {
	hi, rel = g.vec(), g.vec()
	if g.avx512 {
		if g.expTab == nil {
			panic("exp2Eighths: the kernel did not call alignExpTables")
		}
		var hiOp, relOp Op = *g.expTab, g.expTab.Offset(64)
		if g.expTabRegs != nil {
			hiOp, relOp = g.expTabRegs[0], g.expTabRegs[1]
		}
		asm.VPERMPD(hiOp, z, hi) // index: the low three bits of each lane of z
		asm.VPERMPD(relOp, z, rel)
		return hi, rel
	}
	hiTab, relTab := exp2EighthsTables()
	// VPERMPS indexes by 32-bit lanes: lane pair (2j, 2j+1) of a half
	// table for j = z&3, then bit 2 of z, shifted to the sign, picks the half.
	ix, bit2 := g.vec(), g.vec()
	asm.VPSLLQ(Imm(1), z, ix)
	asm.VPSHUFD(Imm(0xa0), ix, ix) // 2·z's low 32 bits in both halves of each lane
	asm.VPOR(g.cbits(1<<32), ix, ix)
	asm.VPSLLQ(Imm(61), z, bit2)
	for _, t := range []struct {
		dst reg.VecVirtual
		tab Mem
	}{{hi, hiTab}, {rel, relTab}} {
		upper := g.vec()
		asm.VPERMPS(t.tab, ix, t.dst)
		asm.VPERMPS(t.tab.Offset(32), ix, upper)
		asm.VBLENDVPD(bit2, upper, t.dst, t.dst)
	}
	return hi, rel
}

// expTables says whether a kernel uses float64 exp's tables and where it
// reads them.
type expTables int

const (
	noExpTables       expTables = iota
	expTablesInMemory           // at a 64-byte boundary (alignExpTables)
	expTablesPinned             // in vector registers (alignExpTables with pin)
)

// alignExpTables sets up, for the kernel being written on AVX-512 in
// float64, the address of exp's tables on a 64-byte boundary. Each
// VPERMPD of exp2Eighths reads a table as a 64-byte memory operand; the
// linker aligns data to 32 bytes only, and a table that straddles a cache
// line costs a split load per lookup (K0 exp f64 21%, K1 forward 15%,
// backward 14% slower when a change elsewhere moved the tables off a
// boundary). So the tables are stored twice in one symbol, at offsets 0
// and 160: the symbol starts at 0 or 32 mod 64, and one of the copies is
// aligned. The kernel picks it at entry, in a general register it keeps.
// With pin, the kernel also loads both tables into vector registers for
// its whole run, and the lookups read no memory (exp and the unclamped
// coupling kernels have the registers; the others fail allocation).
func (g *gen) alignExpTables(pin bool) {
	if !g.avx512 || g.f32 {
		return
	}
	p, t := asm.GP64(), asm.GP64()
	asm.LEAQ(exp2EighthsAligned(), p)
	asm.MOVQ(p, t)
	asm.ANDQ(U32(32), t)                          // 0, or 32 if the symbol starts mid-line
	asm.LEAQ(Mem{Base: t, Index: t, Scale: 4}, t) // 0 or 160
	asm.ADDQ(t, p)
	g.expTab = &Mem{Base: p}
	if pin {
		for _, m := range []Mem{*g.expTab, g.expTab.Offset(64)} {
			r := g.vec()
			asm.VMOVUPD(m, r)
			g.expTabRegs = append(g.expTabRegs, r)
		}
	}
}

// exp2EighthsAligned returns the symbol alignExpTables reads: hi and rel
// (64 bytes each) at offset 0, and again at 160.
func exp2EighthsAligned() Mem {
	const name = "exp2EighthsAligned"
	if m, ok := permTables[name]; ok {
		return m
	}
	m := global(name, attr.RODATA|attr.NOPTR)
	for _, copyAt := range []int{0, 160} { // in increasing offsets, as the assembler requires
		for j := range 8 {
			datum(copyAt+8*j, F64(algo.Exp2EighthsHi(j)))
		}
		for j := range 8 {
			datum(copyAt+64+8*j, F64(algo.Exp2EighthsRel(j)))
		}
	}
	permTables[name] = m
	return m
}

// exp2EighthsTables returns AVX2's RODATA tables of internal/algo's hi and
// rel (read in 32-byte halves, which the linker's alignment keeps whole).
func exp2EighthsTables() (hi, rel Mem) {
	if m, ok := permTables["exp2EighthsHi"]; ok {
		return m, permTables["exp2EighthsRel"]
	}
	for _, part := range []struct {
		name string
		of   func(int) float64
	}{{"exp2EighthsHi", algo.Exp2EighthsHi}, {"exp2EighthsRel", algo.Exp2EighthsRel}} {
		m := global(part.name, attr.RODATA|attr.NOPTR)
		for j := range 8 {
			datum(8*j, F64(part.of(j)))
		}
		permTables[part.name] = m
	}
	return permTables["exp2EighthsHi"], permTables["exp2EighthsRel"]
}

// expRange32 is exp on AVX-512 in float32. One VRANGE, sign(x)·min(|x|,
// b) with b = max(−lo, hi), clamps both sides: one op on the argument's
// dependency chain instead of two. It lets (hi, b] through, where exp
// overflows to +Inf as it does at hi, so the results are those of [lo, hi].
// VRANGE gives ±b for a NaN x; one VFIXUPIMM off the chain makes the last
// step's 1 a NaN in those lanes. VRANGE is odd, so with neg the same
// clamp serves exp(−x). K0 exp and K1 float32 are 10–15% faster
// for it. In float64 the VFIXUPIMM costs as much as the VRANGE saves (K0
// exp 5% slower, K1 from 6% faster to no change), so max and min stay.
func (g *gen) expRange32(x reg.VecVirtual, b float64, neg bool) reg.VecVirtual {
	xc, one := g.vec(), g.vec()
	g.mov(one, x) // VFIXUPIMM reads its destination
	asm.VRANGEPS_BCST(Imm(rangeAbsMinSignSrc1), g.cf(b), x, xc)
	asm.VFIXUPIMMPS_BCST(Imm(0), g.cbits(oneOrNaNFixup), x, one)
	return g.expCore32(xc, one, neg)
}

// rangeAbsMinSignSrc1 is VRANGE's imm8 for the smaller magnitude (bits
// 1:0 = 10b) with the first source's sign (bits 3:2 = 00b), Intel SDM
// vol. 2, VRANGEPD.
const rangeAbsMinSignSrc1 = 0x02

// oneOrNaNFixup is VFIXUPIMM's table giving x for a QNaN, x quieted for an
// SNaN and +1 (response 10) for every other class: one response nibble per
// class of x, class 0 in the low nibble. Classes: QNaN, SNaN, ±0, +1, −Inf,
// +Inf, negative, positive. Responses: 0 keeps the destination, 1 is x,
// 2 is x quieted, 10 is +1 (Intel SDM, VFIXUPIMMPD).
const oneOrNaNFixup = 10<<28 | 10<<24 | 10<<20 | 10<<16 | 10<<12 | 10<<8 | 2<<4 | 1

// exp returns exp(x) as kernels.exp64/exp32: x clamped to [lo, hi] so that
// overflow, underflow and ±Inf need no select. A NaN x stays NaN: min and
// max return their second operand, x, when either is NaN (AVX-512 float32:
// expRange32).
func (g *gen) exp(x reg.VecVirtual) reg.VecVirtual { return g.expOf(x, false) }

// expNeg returns exp(−x), the same bits as exp of the negated x (−x
// clamped is x clamped to [−hi, −lo], negated), without the negation.
func (g *gen) expNeg(x reg.VecVirtual) reg.VecVirtual { return g.expOf(x, true) }

// expOf is exp, or expNeg if neg.
func (g *gen) expOf(x reg.VecVirtual, neg bool) reg.VecVirtual {
	lo, hi := float64(algo.ExpLo64), float64(algo.ExpHi64)
	if g.f32 {
		lo, hi = algo.ExpLo32, algo.ExpHi32
	}
	if g.avx512 && g.f32 {
		return g.expRange32(x, max(-lo, hi), neg) // symmetric
	}
	if neg {
		lo, hi = -hi, -lo
	}
	// The bounds go in registers: a memory operand would have to be the
	// second, which is the one returned for a NaN.
	xc := g.vec()
	g.maxv(xc, g.constReg(lo), x)
	g.minv(xc, g.constReg(hi), xc)
	if !g.f32 {
		return g.expEighths(xc, neg)
	}
	return g.expCore32(xc, g.cf(1), neg)
}
