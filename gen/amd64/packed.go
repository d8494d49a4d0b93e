package main

import (
	"fmt"
	"slices"

	"github.com/mmcloughlin/avo/attr"
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
// become one in which each has w/2. Where a row spans more than one vector
// (w > lanes) the pair belongs to one row and is just added. Combining as
// the vectors come keeps at most log2(c)+1 of them live.
//
// On AVX-512 a combine folds each row onto itself: lane k of the result is
// a[k] + a[k^h] where bit h of k is clear and b[k] + b[k^h] where it is
// set, h being the lowest of the row's lane bits not folded yet (1, then
// 2, …). That is two masked moves (a keeps its lanes where bit h is clear
// and takes b's where set; z gets the others) and one swap of z's lane
// partners. Folding the low bits first keeps the swaps of the many early
// combines within 128-bit lanes (VPERMILP) and leaves the swaps of whole
// 128- or 256-bit blocks to the few late ones; all are cheaper than the
// two-table permutes VPERMT2P a combine keeping rows in order takes. The
// rows end in an order the generator tracks, and one permute a block puts
// them in order. AVX2, which has no mask registers, keeps rows in order:
// each half is two single-table permutes and a blend.

// packedWidths are the row widths that get a packed block: on AVX-512 up
// to 16 and 2·lanes (kernels_amd64.go's packed must agree); on AVX2 in
// float32 up to 16 (at 8 columns, one vector and one horizontal sum a row
// before: packing made the coupling kernels 11–17% faster), in float64
// those narrower than a vector (wider ones gained nothing measurable).
func (g *gen) packedWidths() []int {
	if g.avx512 {
		return powersOfTwo(min(16, 2*g.lanes))
	}
	if g.f32 {
		return powersOfTwo(16)
	}
	return powersOfTwo(g.lanes / 2)
}

// powersOfTwo returns 1, 2, 4, … up to top.
func powersOfTwo(top int) []int {
	var ws []int
	for c := 1; c <= top; c *= 2 {
		ws = append(ws, c)
	}
	return ws
}

// packedBlocks emits, for every width c in widths, the loop over
// blocks of lanes rows (c vectors) that comes before the row loop:
// setup(c) before the loop, then for each block vector(c, i, off) for its
// vectors, off bytes past ptrs, and combine(c, i, vector's results) in
// order, then end(c). The vector calls are interleaved in groups of
// g.streams, each group's combines following it, so vector must emit
// work independent of the other vectors'. Then ptrs move past the block
// and ld past its lanes values. Fewer rows than a block, and other widths,
// fall through to the row loop.
func (g *gen) packedBlocks(widths []int, rows, cols, ld reg.Register, ptrs []reg.Register, setup func(c int), vector func(c, i, off int) []reg.VecVirtual, combine func(c, i int, v []reg.VecVirtual), end func(c int)) {
	for _, c := range widths {
		name := fmt.Sprintf("packed%d", c)
		asm.CMPQ(cols, U32(c))
		asm.JNE(LabelRef(name + "end"))
		setup(c)
		asm.Label(name)
		asm.CMPQ(rows, U32(g.lanes))
		asm.JB(LabelRef("row"))
		for first := 0; first < c; first += g.streamCount() {
			group := make([][]reg.VecVirtual, min(g.streams, c-first))
			interleaved(len(group), func(u int) {
				group[u] = vector(c, first+u, (first+u)*g.bytes)
			})
			for u, v := range group {
				combine(c, first+u, v)
			}
		}
		end(c)
		for _, p := range ptrs {
			asm.ADDQ(U32(c*g.bytes), p)
		}
		asm.ADDQ(U32(g.bytes), ld)
		asm.SUBQ(U32(g.lanes), rows)
		asm.JMP(LabelRef(name))
		asm.Label(name + "end")
	}
}

// packedRows emits the packed blocks of the summing kernels: body is the
// row loop's body, and the block's sums are added to (or, if sub,
// subtracted from) logdet at ld.
func (g *gen) packedRows(rows, cols, ld reg.Register, ptrs []reg.Register, sub bool, body rowBody) {
	var t treeRegs
	var sums *rowTree
	g.packedBlocks(g.packedWidths(), rows, cols, ld, ptrs, func(c int) {
		t = g.treeRegsFor(c, c < g.lanes) // AVX2: the wide trees' permutations loaded where used
	}, func(c, i, off int) []reg.VecVirtual {
		return []reg.VecVirtual{body(off, nil)}
	}, func(c, i int, v []reg.VecVirtual) {
		if i == 0 {
			sums = g.newRowTree(c, t, g.add)
		}
		sums.push(v[0], i)
	}, func(c int) {
		g.addBlock(ld, sums.result(), sub)
	})
}

// addBlock adds (or, if sub, subtracts) v, lanes row values in order, to
// logdet at ld.
func (g *gen) addBlock(ld reg.Register, v reg.VecVirtual, sub bool) {
	acc := g.vec()
	g.mov(acc, Mem{Base: ld})
	if sub {
		g.sub(acc, acc, v)
	} else {
		g.add(acc, acc, v)
	}
	g.mov(Mem{Base: ld}, acc)
}

// rowTree reduces a block's c vectors by op as they come, combining equal
// levels at once, so at most log2(c)+1 vectors are live.
type rowTree struct {
	g     *gen
	c     int
	t     treeRegs
	op    func(dst, a, b Op)
	stack []treeEntry
}

type treeEntry struct {
	v     reg.VecVirtual
	level int
	rows  []int // the block row each lane belongs to
}

// newRowTree starts the reduction of a block of width c by op.
func (g *gen) newRowTree(c int, t treeRegs, op func(dst, a, b Op)) *rowTree {
	return &rowTree{g: g, c: c, t: t, op: op}
}

// push adds the block's i-th vector v.
func (r *rowTree) push(v reg.VecVirtual, i int) {
	e := treeEntry{v, 0, blockRows(r.g.lanes, r.c, i)}
	for len(r.stack) > 0 && r.stack[len(r.stack)-1].level == e.level {
		a := r.stack[len(r.stack)-1]
		r.stack = r.stack[:len(r.stack)-1]
		w := r.c >> e.level
		e = treeEntry{r.g.combineRows(a.v, e.v, w, r.t, r.op), e.level + 1, r.g.combinedRows(a.rows, e.rows, w, r.t.w0)}
	}
	r.stack = append(r.stack, e)
}

// result returns the reduced vector, its lanes the block's rows in order.
func (r *rowTree) result() reg.VecVirtual {
	v, order := r.unordered()
	r.g.inRowOrder(v, r.c, order)
	return v
}

// unordered returns the reduced vector and the row each lane holds.
func (r *rowTree) unordered() (reg.VecVirtual, []int) {
	e := r.stack[0]
	r.stack = nil
	return e.v, e.rows
}

// inRowOrder permutes v, whose lane k holds row order[k], into row order.
func (g *gen) inRowOrder(v reg.VecVirtual, c int, order []int) {
	if !slices.IsSorted(order) {
		g.permute1(v, g.laneTable(fmt.Sprintf("order%d_%d_c%d", g.bytes*8, g.size*8, c), lanesOf(order)))
	}
}

// blockRows returns, for each lane of a block's i-th vector, the row (of
// c columns) it belongs to.
func blockRows(lanes, c, i int) []int {
	rows := make([]int, lanes)
	for k := range rows {
		rows[k] = (i*lanes + k) / c
	}
	return rows
}

// combinedRows returns the rows of combineRows' result lanes, given those
// of a's and b's lanes, rows of w lanes (w0 at the first fold).
func (g *gen) combinedRows(a, b []int, w, w0 int) []int {
	if w > g.lanes {
		return a
	}
	out := make([]int, g.lanes)
	for k := range out {
		switch {
		case !g.avx512 && k < g.lanes/2:
			out[k] = a[2*k]
		case !g.avx512:
			out[k] = b[2*k-g.lanes]
		case k&(w0/w) == 0:
			out[k] = a[k]
		default:
			out[k] = b[k]
		}
	}
	return out
}

// lanesOf returns the permutation that puts lanes holding rows in order:
// lane j of the result takes the lane that holds row j.
func lanesOf(rows []int) []int {
	lanes := make([]int, len(rows))
	for k, r := range rows {
		lanes[r] = k
	}
	return lanes
}

// packedGradRows emits the packed blocks of the backward kernels, which
// sum nothing but read each row's dLogdet: body gets, with each vector's
// offset, a vector holding in every lane the dLogdet of the lane's row,
// permuted out of the block's lanes values at dld.
func (g *gen) packedGradRows(rows, cols, dld reg.Register, ptrs []reg.Register, body func(off int, rowGrad reg.VecVirtual)) {
	g.packedBlocks(g.packedWidths(), rows, cols, dld, ptrs, func(int) {}, func(c, i, off int) []reg.VecVirtual {
		rowGrad := g.vec()
		g.expandRows(rowGrad, Mem{Base: dld}, c, i)
		body(off, rowGrad)
		return nil
	}, func(int, int, []reg.VecVirtual) {}, func(int) {})
}

// treeRegs holds what combineRows needs in registers during a block
// loop: AVX-512's masks by h (the lanes whose bit h is set), AVX2's
// float32 permutations by w (AVX2's float64 permutes take immediates).
type treeRegs struct {
	w0    int // the rows' width in lanes at the first fold: min(c, lanes)
	masks map[int]reg.Register
	idx   map[int][2]reg.VecVirtual
}

// treeRegsFor loads combineRows' masks or permutations for a block of
// width c into registers, before the loop; AVX2's permutations only if
// hold, else they are loaded where used: sixteen ymm registers cannot
// hold them beside two trees, or beside a wide block's tree and its
// interleaved bodies.
func (g *gen) treeRegsFor(c int, hold bool) treeRegs {
	t := treeRegs{min(c, g.lanes), map[int]reg.Register{}, map[int][2]reg.VecVirtual{}}
	for w := min(c, g.lanes); w >= 2; w /= 2 {
		switch {
		case g.avx512:
			bits := uint64(0)
			for k := range g.lanes {
				if k&(w/2) != 0 {
					bits |= 1 << k
				}
			}
			r, k := asm.GP64(), asm.K()
			asm.MOVQ(U64(bits), r)
			asm.KMOVQ(r, k)
			t.masks[w/2] = k
		case g.f32 && hold:
			lo, hi := g.vec(), g.vec()
			g.mov(lo, g.halvesIndex(w, false))
			g.mov(hi, g.halvesIndex(w, true))
			t.idx[w] = [2]reg.VecVirtual{lo, hi}
		}
	}
	return t
}

// combineRows returns a and b, whose rows have w lanes each (a row spans
// several vectors if w > lanes), as one vector whose rows have w/2, each
// op (g.add or g.mul) of its two halves: on AVX-512 folded in place (see
// above), on AVX2 a's rows then b's. a is overwritten.
func (g *gen) combineRows(a, b reg.VecVirtual, w int, t treeRegs, op func(dst, a, b Op)) reg.VecVirtual {
	if w > g.lanes {
		op(a, a, b)
		return a
	}
	if g.avx512 {
		h := t.w0 / w // the lowest row bit not folded yet
		if g.foldByShuffles(a, b, h, op) {
			return a
		}
		// Masked moves, not VBLENDM: avo takes any masked destination as
		// read, so a blend into a fresh register would keep that register
		// live from the function's entry.
		k := cond{t.masks[h]}
		z := g.vec()
		g.mov(z, b)
		g.sel(z, k, a)    // a's lanes where bit h is set, b's where clear
		g.sel(a, k, b)    // the others
		g.swapLanes(z, h) // z[k^h]
		op(a, a, z)
		return a
	}
	lo := g.vec()
	g.select2(lo, a, b, w, false, t.idx)
	g.select2(a, a, b, w, true, t.idx)
	op(a, lo, a)
	return a
}

// foldByShuffles is combineRows' AVX-512 fold at h by two two-source
// shuffles and op, where a shuffle pair gives the masked fold's lanes
// exactly: lane k gets a[k] op a[k^h] where bit h of k is clear and
// b[k] op b[k^h] where it is set. Float64 at h = 1 (VUNPCKLPD/HPD), both
// types where h spans half the vector (VSHUFF64X2 on 128-bit blocks).
// Three ops where the masked fold takes five. It reports whether it did.
func (g *gen) foldByShuffles(a, b reg.VecVirtual, h int, op func(dst, a, b Op)) bool {
	lo, hi := g.vec(), g.vec()
	switch {
	case !g.f32 && h == 1:
		asm.VUNPCKLPD(b, a, lo) // a0 b0 a2 b2 …
		asm.VUNPCKHPD(b, a, hi) // a1 b1 a3 b3 …
	case h == g.lanes/2:
		asm.VSHUFF64X2(Imm(0xe4), b, a, lo) // a's low half, b's high half
		asm.VSHUFF64X2(Imm(0x4e), b, a, hi) // a's high half, b's low half
	default:
		return false
	}
	op(a, lo, hi)
	return true
}

// swapLanes sets v's lane k to lane k^h (AVX-512, h a power of two below
// lanes): within 128-bit lanes by VPERMILP, else by swapping 128- or
// 256-bit blocks.
func (g *gen) swapLanes(v reg.VecVirtual, h int) {
	switch bytes := h * g.size; {
	case bytes < 16 && g.f32 && h == 1:
		asm.VPERMILPS(Imm(0xb1), v, v)
	case bytes < 16 && g.f32:
		asm.VPERMILPS(Imm(0x4e), v, v)
	case bytes < 16:
		asm.VPERMILPD(Imm(0x55), v, v)
	case bytes == 16:
		asm.VSHUFF64X2(Imm(0xb1), v, v, v)
	default:
		asm.VSHUFF64X2(Imm(0x4e), v, v, v)
	}
}

// permute1 sets v's lane j to lane idx[j] of v (AVX-512).
func (g *gen) permute1(v reg.VecVirtual, idx Mem) {
	ix := g.vec()
	g.mov(ix, idx)
	if g.f32 {
		asm.VPERMPS(v, ix, v)
	} else {
		asm.VPERMPD(v, ix, v)
	}
}

// select2 is AVX2's half of a combine: dst takes halvesIndex(w, second)
// of a for its low half and of b for its high half (the index's lanes −
// lanes), as a permute of each and a blend. dst may be a.
func (g *gen) select2(dst, a, b reg.VecVirtual, w int, second bool, idx map[int][2]reg.VecVirtual) {
	pb := g.vec()
	if g.f32 {
		ix, held := idx[w]
		ix0 := ix[0]
		switch {
		case !held: // the caller keeps no registers for them
			ix0 = g.vec()
			g.mov(ix0, g.halvesIndex(w, second))
		case second:
			ix0 = ix[1]
		}
		asm.VPERMPS(b, ix0, pb) // indexes are taken mod 8
		asm.VPERMPS(a, ix0, dst)
		asm.VBLENDPS(Imm(0xf0), pb, dst, dst)
		return
	}
	imm := permImm(g.halvesLanes(w, second))
	asm.VPERMPD(imm, b, pb)
	asm.VPERMPD(imm, a, dst)
	asm.VBLENDPD(Imm(0xc), pb, dst, dst)
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

// halvesLanes returns the permutation of AVX2's combineRows for rows of w
// lanes: lane k of the result takes the first (or, if second, the second)
// half of row k/(w/2) among a's rows then b's, b's lanes numbered from
// lanes on.
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
	lanes := blockRows(g.lanes, c, i)
	if !g.avx512 && !g.f32 {
		asm.VPERMPD(permImm(lanes), src, dst)
		return
	}
	idx := g.vec()
	g.mov(idx, g.laneTable(fmt.Sprintf("expand%d_%d_c%d_i%d", g.bytes*8, g.size*8, c, i), lanes))
	if g.f32 {
		asm.VPERMPS(src, idx, dst)
	} else {
		asm.VPERMPD(src, idx, dst)
	}
}

// laneTable returns a vector constant of lane indexes at g's element
// size, under name.
func (g *gen) laneTable(name string, lanes []int) Mem {
	if m, ok := permTables[name]; ok {
		return m
	}
	m := global(name, attr.RODATA|attr.NOPTR)
	for k, lane := range lanes {
		if g.f32 {
			datum(4*k, U32(uint32(lane)))
		} else {
			datum(8*k, U64(uint64(lane)))
		}
	}
	permTables[name] = m
	return m
}
