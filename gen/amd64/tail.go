package main

import (
	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Tails: the last n < lanes elements of a slice are loaded and stored
// under a mask, so no byte outside the slice is touched (masked-off lanes
// of a masked load do not fault). AVX-512 uses a mask register of n ones;
// AVX2 uses VMASKMOV with a mask vector read from a table of lanes
// all-ones followed by lanes zeros.

// tailMask returns the mask of the first n lanes; n (a GP register holding
// 1…lanes−1) is left unchanged.
func (g *gen) tailMask(n reg.Register) reg.Register {
	if g.avx512 {
		ones := asm.GP64()
		asm.MOVQ(I32(-1), ones)
		asm.SHLXQ(n, ones, ones) // ones << n
		asm.NOTQ(ones)           // the low n bits
		k := asm.K()
		asm.KMOVQ(ones, k)
		return k
	}
	table := g.maskTable()
	off := asm.GP64()
	asm.MOVQ(U32(g.lanes), off)
	asm.SUBQ(n, off) // start lanes − n elements into the table
	m := g.vec()
	asm.VMOVDQU(Mem{Base: table, Index: off, Scale: uint8(g.size)}, m)
	return m
}

// maskTable returns a register holding the address of the tail-mask
// table: lanes all-ones elements, then lanes zeros.
func (g *gen) maskTable() reg.GPVirtual {
	name := "tailmask32"
	if !g.f32 {
		name = "tailmask64"
	}
	m, ok := constants[name]
	if !ok {
		m = global(name, attr.RODATA|attr.NOPTR)
		for i := 0; i < 2*g.lanes; i++ {
			v := uint64(0)
			if i < g.lanes {
				v = ^uint64(0)
			}
			if g.f32 {
				datum(4*i, U32(uint32(v)))
			} else {
				datum(8*i, U64(v))
			}
		}
		constants[name] = m
	}
	p := asm.GP64()
	asm.LEAQ(m, p)
	return p
}

// maskedLoad returns the masked lanes of mem, zeros in the others.
func (g *gen) maskedLoad(mem Mem, m reg.Register) reg.VecVirtual {
	x := g.vec()
	switch {
	case g.avx512 && g.f32:
		asm.VMOVUPS_Z(mem, m, x)
	case g.avx512:
		asm.VMOVUPD_Z(mem, m, x)
	case g.f32:
		asm.VMASKMOVPS(mem, m, x)
	default:
		asm.VMASKMOVPD(mem, m, x)
	}
	return x
}

// maskedStore writes the masked lanes of v to mem.
func (g *gen) maskedStore(mem Mem, m reg.Register, v reg.VecVirtual) {
	switch {
	case g.avx512 && g.f32:
		asm.VMOVUPS(v, m, mem)
	case g.avx512:
		asm.VMOVUPD(v, m, mem)
	case g.f32:
		asm.VMASKMOVPS(v, m, mem)
	default:
		asm.VMASKMOVPD(v, m, mem)
	}
}
