package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Packed rows: rows of 1 to 16 columns, a power of two, are short enough
// that one horizontal sum per row costs as much as the row's arithmetic,
// and rows narrower than a vector would waste most of a masked one. For
// such a width c, the kernel takes lanes rows at a time, c vectors in all:
// it runs the body on each vector as if the block were one long row, then
// reduces the c vectors to one vector holding the lanes row sums in order,
// and adds that to logdet with one load and one store.
//
// The reduction is a tree. Two vectors a, b in which each row has w lanes
// become one in which each has w/2: the first halves of a's rows, then of
// b's, plus the second halves (two VPERMT2P and an add on AVX-512; on
// AVX2, which has no two-table permute, each half is two single-table
// permutes and a blend). Where a row spans more than one vector
// (w > lanes) the pair belongs to one row and is just added. Combining as
// the vectors come keeps at most log2(c)+1 of them live.

// packedWidths are the row widths that get a packed block: on AVX-512 up
// to 16 and 2·lanes (kernels_amd64.go's packed must agree); on AVX2 only
// those narrower than a vector, where the row-by-row loop is slowest.
func (g *gen) packedWidths() []int {
	top := g.lanes / 2
	if g.avx512 {
		top = min(16, 2*g.lanes)
	}
	var ws []int
	for c := 1; c <= top; c *= 2 {
		ws = append(ws, c)
	}
	return ws
}

// packedBlocks emits, for every width c in packedWidths, the loop over
// blocks of lanes rows (c vectors) that comes before the row loop: setup(c)
// before the loop, vector(c, i) for each of a block's vectors (ptrs then
// move one vector on), end(c) after them; ld then moves past the block's
// lanes values. Fewer rows than a block, and other widths, fall through to
// the row loop.
func (g *gen) packedBlocks(rows, cols, ld reg.Register, ptrs []reg.Register, setup func(c int), vector func(c, i int), end func(c int)) {
	for _, c := range g.packedWidths() {
		name := fmt.Sprintf("packed%d", c)
		CMPQ(cols, U32(c))
		JNE(LabelRef(name + "end"))
		setup(c)
		Label(name)
		CMPQ(rows, U32(g.lanes))
		JB(LabelRef("row"))
		for i := range c {
			vector(c, i)
			for _, p := range ptrs {
				ADDQ(U32(g.bytes), p)
			}
		}
		end(c)
		ADDQ(U32(g.bytes), ld)
		SUBQ(U32(g.lanes), rows)
		JMP(LabelRef(name))
		Label(name + "end")
	}
}

// packedRows emits the packed blocks of the summing kernels: body is the
// row loop's body for one full vector at ptrs, and the block's sums are
// added to (or, if sub, subtracted from) logdet at ld.
func (g *gen) packedRows(rows, cols, ld reg.Register, ptrs []reg.Register, sub bool, body func(mask reg.Register) reg.VecVirtual) {
	type entry struct {
		v     reg.VecVirtual
		level int
	}
	var idx map[int][2]reg.VecVirtual
	var stack []entry
	g.packedBlocks(rows, cols, ld, ptrs, func(c int) {
		idx = g.loadIndices(c)
	}, func(c, _ int) {
		e := entry{body(nil), 0}
		for len(stack) > 0 && stack[len(stack)-1].level == e.level {
			a := stack[len(stack)-1].v
			stack = stack[:len(stack)-1]
			e = entry{g.combineRows(a, e.v, c>>e.level, idx), e.level + 1}
		}
		stack = append(stack, e)
	}, func(int) {
		sums := stack[0].v
		stack = stack[:0]
		acc := g.vec()
		g.mov(acc, Mem{Base: ld})
		if sub {
			g.sub(acc, acc, sums)
		} else {
			g.add(acc, acc, sums)
		}
		g.mov(Mem{Base: ld}, acc)
	})
}

// packedGradRows emits the packed blocks of the backward kernels, which
// sum nothing but read each row's dLogdet: before each vector of a block,
// rowGrad gets, in every lane, the dLogdet of the lane's row, permuted out
// of the block's lanes values at dld.
func (g *gen) packedGradRows(rows, cols, dld reg.Register, ptrs []reg.Register, rowGrad reg.VecVirtual, body func(mask reg.Register) reg.VecVirtual) {
	g.packedBlocks(rows, cols, dld, ptrs, func(int) {}, func(c, i int) {
		g.expandRows(rowGrad, Mem{Base: dld}, c, i)
		body(nil)
	}, func(int) {})
}

// loadIndices loads combineRows' permutations for a block of width c
// into registers, before the loop: idx[w] holds the two for rows of w
// lanes. AVX2's float64 permutes take immediates and need none.
func (g *gen) loadIndices(c int) map[int][2]reg.VecVirtual {
	idx := map[int][2]reg.VecVirtual{}
	if !g.avx512 && !g.f32 {
		return idx
	}
	for w := min(c, g.lanes); w >= 2; w /= 2 {
		lo, hi := g.vec(), g.vec()
		g.mov(lo, g.halvesIndex(w, false))
		g.mov(hi, g.halvesIndex(w, true))
		idx[w] = [2]reg.VecVirtual{lo, hi}
	}
	return idx
}

// combineRows returns a and b, whose rows have w lanes each (a row spans
// several vectors if w > lanes), as one vector whose rows have w/2: a's
// rows then b's, each the sum of its two halves. a is overwritten.
func (g *gen) combineRows(a, b reg.VecVirtual, w int, idx map[int][2]reg.VecVirtual) reg.VecVirtual {
	if w > g.lanes {
		g.add(a, a, b)
		return a
	}
	lo := g.vec()
	if g.avx512 {
		g.mov(lo, a)
		g.permute2(lo, idx[w][0], b)
		g.permute2(a, idx[w][1], b)
	} else {
		g.select2(lo, a, b, w, false, idx)
		g.select2(a, a, b, w, true, idx)
	}
	g.add(a, lo, a)
	return a
}

// permute2 sets t1 = VPERMT2P(t1, idx, t2): lane i takes lane idx[i] of t1
// (idx[i] < lanes) or of t2 (idx[i] − lanes).
func (g *gen) permute2(t1, idx, t2 reg.VecVirtual) {
	if g.f32 {
		VPERMT2PS(t2, idx, t1)
	} else {
		VPERMT2PD(t2, idx, t1)
	}
}

// select2 is permute2 for AVX2: dst takes halvesIndex(w, second) of a for
// its low half and of b for its high half (the index's lanes − lanes), as
// a permute of each and a blend. dst may be a.
func (g *gen) select2(dst, a, b reg.VecVirtual, w int, second bool, idx map[int][2]reg.VecVirtual) {
	pb := g.vec()
	if g.f32 {
		ix := idx[w][0]
		if second {
			ix = idx[w][1]
		}
		VPERMPS(b, ix, pb) // indexes are taken mod 8
		VPERMPS(a, ix, dst)
		VBLENDPS(Imm(0xf0), pb, dst, dst)
		return
	}
	imm := permImm(g.halvesLanes(w, second))
	VPERMPD(imm, b, pb)
	VPERMPD(imm, a, dst)
	VBLENDPD(Imm(0xc), pb, dst, dst)
}

// permImm is AVX2 VPERMPD's immediate for taking lane lanes[k] mod 4
// into lane k.
func permImm(lanes []int) Op {
	imm := uint64(0)
	for k, l := range lanes {
		imm |= uint64(l%4) << (2 * k)
	}
	return Imm(imm)
}

// permTables are the permutation vectors, by name.
var permTables = map[string]Mem{}

// halvesLanes returns combineRows' permutation for rows of w lanes: lane
// k of the result takes the first (or, if second, the second) half of row
// k/(w/2) among a's rows then b's, numbered as VPERMT2P numbers them (b's
// lanes from lanes on).
func (g *gen) halvesLanes(w int, second bool) []int {
	h, half := w/2, g.lanes/2
	lanes := make([]int, g.lanes)
	for k := range lanes {
		src, kk := 0, k
		if k >= half {
			src, kk = g.lanes, k-half
		}
		lanes[k] = src + w*(kk/h) + kk%h
		if second {
			lanes[k] += h
		}
	}
	return lanes
}

// halvesIndex returns halvesLanes as a vector constant.
func (g *gen) halvesIndex(w int, second bool) Mem {
	return g.laneTable(fmt.Sprintf("perm%d_%d_w%d_%v", g.bytes*8, g.size*8, w, second), g.halvesLanes(w, second))
}

// expandRows sets dst's lane k to lane (i·lanes + k)/c of src: the value
// of the row that lane k of a block's i-th vector belongs to, for rows of
// c columns.
func (g *gen) expandRows(dst reg.VecVirtual, src Mem, c, i int) {
	lanes := make([]int, g.lanes)
	for k := range lanes {
		lanes[k] = (i*g.lanes + k) / c
	}
	if !g.avx512 && !g.f32 {
		VPERMPD(permImm(lanes), src, dst)
		return
	}
	idx := g.vec()
	g.mov(idx, g.laneTable(fmt.Sprintf("expand%d_%d_c%d_i%d", g.bytes*8, g.size*8, c, i), lanes))
	if g.f32 {
		VPERMPS(src, idx, dst)
	} else {
		VPERMPD(src, idx, dst)
	}
}

// laneTable returns a vector constant of lane indexes at g's element
// size, under name.
func (g *gen) laneTable(name string, lanes []int) Mem {
	if m, ok := permTables[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for k, lane := range lanes {
		if g.f32 {
			DATA(4*k, U32(uint32(lane)))
		} else {
			DATA(8*k, U64(uint64(lane)))
		}
	}
	permTables[name] = m
	return m
}
