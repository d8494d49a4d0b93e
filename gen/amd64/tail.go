package main

import (
	. "github.com/mmcloughlin/avo/build"
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
		ones := GP64()
		MOVQ(I32(-1), ones)
		SHLXQ(n, ones, ones) // ones << n
		NOTQ(ones)           // the low n bits
		k := K()
		KMOVQ(ones, k)
		return k
	}
	table := g.maskTable()
	off := GP64()
	MOVQ(U32(g.lanes), off)
	SUBQ(n, off) // start lanes − n elements into the table
	m := g.vec()
	VMOVDQU(Mem{Base: table, Index: off, Scale: uint8(g.size)}, m)
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
		m = GLOBL(name, RODATA|NOPTR)
		for i := 0; i < 2*g.lanes; i++ {
			v := uint64(0)
			if i < g.lanes {
				v = ^uint64(0)
			}
			if g.f32 {
				DATA(4*i, U32(uint32(v)))
			} else {
				DATA(8*i, U64(v))
			}
		}
		constants[name] = m
	}
	p := GP64()
	LEAQ(m, p)
	return p
}

// maskedLoad returns the masked lanes of mem, zeros in the others.
func (g *gen) maskedLoad(mem Mem, m reg.Register) reg.VecVirtual {
	x := g.vec()
	switch {
	case g.avx512 && g.f32:
		VMOVUPS_Z(mem, m, x)
	case g.avx512:
		VMOVUPD_Z(mem, m, x)
	case g.f32:
		VMASKMOVPS(mem, m, x)
	default:
		VMASKMOVPD(mem, m, x)
	}
	return x
}

// maskedStore writes the masked lanes of v to mem.
func (g *gen) maskedStore(mem Mem, m reg.Register, v reg.VecVirtual) {
	switch {
	case g.avx512 && g.f32:
		VMOVUPS(v, m, mem)
	case g.avx512:
		VMOVUPD(v, m, mem)
	case g.f32:
		VMASKMOVPS(v, m, mem)
	default:
		VMASKMOVPD(v, m, mem)
	}
}
