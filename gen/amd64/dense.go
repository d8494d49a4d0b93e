package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The sums of a dense layer, y = x·wt (x of m×k, wt = Wᵀ of k×n, y of
// m×n, row-major), each a chain of fused multiply-adds s = fma(x, w, s) in
// the order of p from zero, as kernels.Dense computes them: a vector of
// lanes holds the sums of lanes adjacent columns j, x[i·k+p] is broadcast and wt's row p
// read, so every lane runs exactly the portable chain. Eight rows share
// each row of wt (eight independent chains hide the FMA latency). The last
// m mod 8 rows go in smaller groups across bands of several blocks of
// columns (denseRest), so that a single row, a matrix-vector product,
// still has independent chains to interleave; the last n mod lanes
// columns go under a mask.

// denseMode is what a dense kernel does with its sums.
type denseMode int

const (
	denseSums     denseMode = iota // y = x·wt
	denseBias                      // y = x·wt + b
	denseBiasReLU                  // y = max(x·wt + b, 0)
	denseAccT                      // y += xᵀ·wt, x given k×m (the chains start from y)
)

// denseKernel writes the dense kernel of the given mode, its parameters
// those gen/table gives it: y, x, wt []T, m, k, n int, and b []T after wt
// in the bias modes.
func (g *gen) denseKernel(mode denseMode) {
	g.mode = mode
	// Few values stay in registers across the loops: the parameters that
	// are needed once a block are read again from the frame.
	yj := asm.Load(asm.Param("y").Base(), asm.GP64())   // &y[j]
	wtj := asm.Load(asm.Param("wt").Base(), asm.GP64()) // &wt[j]
	nb := asm.Load(asm.Param("n"), asm.GP64())
	cols := asm.GP64() // columns from j on
	asm.MOVQ(nb, cols)
	asm.SHLQ(U8(log2(g.size)), nb) // the row stride of wt and y in bytes
	// x's strides in bytes: between rows (kb, with kb3 = 3·kb) and along
	// p (step); a transposed x has rows an element apart.
	var kb, kb3 reg.Register
	var step Op = U32(g.size)
	if g.mode == denseAccT {
		ps := asm.Load(asm.Param("m"), asm.GP64())
		asm.SHLQ(U8(log2(g.size)), ps)
		step = ps
	} else {
		kb = asm.Load(asm.Param("k"), asm.GP64())
		asm.SHLQ(U8(log2(g.size)), kb)
		kb3 = asm.GP64()
		asm.LEAQ(Mem{Base: kb, Index: kb, Scale: 2}, kb3)
	}

	asm.Label("block")
	asm.CMPQ(cols, U32(g.lanes))
	asm.JB(LabelRef("tailblock"))
	g.denseColumns("full", yj, wtj, kb, kb3, nb, step, nil)
	asm.ADDQ(U32(g.bytes), yj)
	asm.ADDQ(U32(g.bytes), wtj)
	asm.SUBQ(U32(g.lanes), cols)
	asm.JMP(LabelRef("block"))

	asm.Label("tailblock")
	asm.TESTQ(cols, cols)
	asm.JZ(LabelRef("rest"))
	g.denseColumns("tail", yj, wtj, kb, kb3, nb, step, g.tailMask(cols))

	asm.Label("rest")
	g.denseRest(step)

	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// denseColumns writes the loops over the rows for the block of columns
// at yj and wj (under mask, if not nil); labels start with prefix. x's
// rows are kb bytes apart (kb3 = 3·kb), or one element for denseAccT,
// and its elements along p step bytes. A full block stops at the last
// m mod 8 rows, which denseRest computes; the masked block computes them
// too, one at a time.
func (g *gen) denseColumns(prefix string, yj, wj, kb, kb3, nb reg.Register, step Op, mask reg.Register) {
	yr := asm.GP64() // &y[i·n+j]
	asm.MOVQ(yj, yr)
	xr := asm.Load(asm.Param("x").Base(), asm.GP64()) // &x[i·k]
	i := asm.Load(asm.Param("m"), asm.GP64())         // rows left

	asm.Label(prefix + "rows8")
	asm.CMPQ(i, U32(8))
	asm.JB(LabelRef(prefix + "rows1"))
	acc := make([]reg.VecVirtual, 8)
	for r := range acc {
		acc[r] = g.start(yr, nb, r, mask)
	}
	transposed := g.mode == denseAccT
	lo := asm.GP64() // &x at row i, element p
	asm.MOVQ(xr, lo)
	xs := []reg.Register{lo}
	var hi reg.GPVirtual // row i+4
	if !transposed {
		hi = asm.GP64()
		asm.LEAQ(Mem{Base: xr, Index: kb, Scale: 4}, hi)
		xs = append(xs, hi)
	}
	g.chain(prefix+"p8", wj, nb, mask, xs, step, func(w reg.VecVirtual) {
		for r, a := range acc {
			row := Mem{Base: lo, Disp: r * g.size}
			if !transposed {
				base := lo
				if r >= 4 {
					base = hi
				}
				row = []Mem{{Base: base}, {Base: base, Index: kb, Scale: 1}, {Base: base, Index: kb, Scale: 2}, {Base: base, Index: kb3, Scale: 1}}[r%4]
			}
			g.mulAddBcst(a, row, w)
		}
	})
	g.finish(g.columnOffset(yj), mask, acc...)
	yp := asm.GP64()
	asm.MOVQ(yr, yp)
	for _, a := range acc {
		g.store(yp, 0, mask, a)
		asm.ADDQ(nb, yp)
	}
	if transposed {
		asm.ADDQ(U32(8*g.size), xr)
	} else {
		asm.LEAQ(Mem{Base: xr, Index: kb, Scale: 8}, xr)
	}
	asm.LEAQ(Mem{Base: yr, Index: nb, Scale: 8}, yr)
	asm.SUBQ(U32(8), i)
	asm.JMP(LabelRef(prefix + "rows8"))

	asm.Label(prefix + "rows1")
	if mask == nil {
		asm.Label(prefix + "end")
		return
	}
	asm.TESTQ(i, i)
	asm.JZ(LabelRef(prefix + "end"))
	one := g.start(yr, nb, 0, mask)
	p1 := asm.GP64()
	asm.MOVQ(xr, p1)
	g.chain(prefix+"p1", wj, nb, mask, []reg.Register{p1}, step, func(w reg.VecVirtual) {
		g.mulAddBcst(one, Mem{Base: p1}, w)
	})
	g.finish(g.columnOffset(yj), mask, one)
	g.store(yr, 0, mask, one)
	if transposed {
		asm.ADDQ(U32(g.size), xr)
	} else {
		asm.ADDQ(kb, xr)
	}
	asm.ADDQ(nb, yr)
	asm.DECQ(i)
	asm.JMP(LabelRef(prefix + "rows1"))
	asm.Label(prefix + "end")
}

// chain writes the loop over p = 0…k−1 (k read from the frame): it reads
// wt's row p at the block (from wj, a row every nb bytes), calls step with
// it, and moves the x pointers xs on by adv bytes.
func (g *gen) chain(label string, wj, nb reg.Register, mask reg.Register, xs []reg.Register, adv Op, step func(w reg.VecVirtual)) {
	p, wp := asm.Load(asm.Param("k"), asm.GP64()), asm.GP64()
	asm.MOVQ(wj, wp)
	asm.Label(label)
	asm.TESTQ(p, p)
	asm.JZ(LabelRef(label + "end"))
	step(g.load(wp, 0, mask))
	for _, r := range xs {
		asm.ADDQ(adv, r)
	}
	asm.ADDQ(nb, wp)
	asm.DECQ(p)
	asm.JMP(LabelRef(label))
	asm.Label(label + "end")
}

// mulAddBcst sets acc = acc + x·w with one rounding, x the element at mem
// in every lane, as the portable kernel's chain. AVX-512 broadcasts within
// the fused multiply-add.
func (g *gen) mulAddBcst(acc reg.VecVirtual, mem Mem, w reg.VecVirtual) {
	switch {
	case g.avx512 && g.f32:
		asm.VFMADD231PS_BCST(mem, w, acc)
	case g.avx512:
		asm.VFMADD231PD_BCST(mem, w, acc)
	default:
		g.fmaTo(acc, g.broadcastOf(mem), w)
	}
}

// start returns a chain's first value for row r below yr (rows nb bytes
// apart): zero, or y's value when accumulating.
func (g *gen) start(yr, nb reg.Register, r int, mask reg.Register) reg.VecVirtual {
	if g.mode != denseAccT {
		return g.zero()
	}
	p := asm.GP64()
	asm.MOVQ(yr, p)
	for range r {
		asm.ADDQ(nb, p)
	}
	return g.load(p, 0, mask)
}

// columnOffset returns, in the bias modes, the byte offset in y's first
// row of the column at yj there (nil in the other modes, which need none).
func (g *gen) columnOffset(yj reg.Register) reg.Register {
	if g.mode != denseBias && g.mode != denseBiasReLU {
		return nil
	}
	off := asm.Load(asm.Param("y").Base(), asm.GP64())
	asm.NEGQ(off)
	asm.ADDQ(yj, off)
	return off
}

// finish completes the sums in accs, of the block whose first column is
// col bytes into a row, as kernels.DenseFinish does: adds the bias (b's
// elements col bytes in) and applies ReLU as Go's max(v, 0): VMAXPD
// with the zero first keeps a NaN, and adding +0 turns −0 into +0.
func (g *gen) finish(col reg.Register, mask reg.Register, accs ...reg.VecVirtual) {
	if g.mode != denseBias && g.mode != denseBiasReLU {
		return
	}
	bp := asm.Load(asm.Param("b").Base(), asm.GP64())
	asm.ADDQ(col, bp)
	bias := g.load(bp, 0, mask)
	var zero reg.VecVirtual
	if g.mode == denseBiasReLU {
		zero = g.zero()
	}
	for _, a := range accs {
		g.add(a, a, bias)
		if zero == nil {
			continue
		}
		if g.f32 {
			asm.VMAXPS(a, zero, a)
		} else {
			asm.VMAXPD(a, zero, a)
		}
		g.add(a, a, zero)
	}
}

// restShapes are the shapes denseRest takes the last m mod 8 rows in: a
// group of rows at once (sharing each vector of wt read), across a band
// of width blocks of columns, then narrower bands for the columns left.
// Each shape keeps rows·width ≤ 8 chains in flight, what the FMA units
// overlap (latency 4, two a cycle), so that even a single row, a
// matrix-vector product, is not bound by one chain's latency.
type restShape struct{ rows, width int }

var restShapes = []restShape{
	{4, 2}, {4, 1},
	{2, 4}, {2, 2}, {2, 1},
	{1, 8}, {1, 4}, {1, 2}, {1, 1},
}

// shapes returns restShapes with, on AVX-512 (32 registers), a single
// row's band of 16 vectors first.
func (g *gen) shapes() []restShape {
	if !g.avx512 {
		return restShapes
	}
	s := append([]restShape{}, restShapes[:5]...)
	return append(append(s, restShape{1, 16}), restShapes[5:]...)
}

// denseRest writes the loops over the last m mod 8 rows for the full
// blocks of columns, which denseColumns left, in groups of restShapes'
// rows. x's elements along p are step bytes apart.
func (g *gen) denseRest(step Op) {
	first := asm.Load(asm.Param("m"), asm.GP64())
	left := asm.GP64() // rows left
	asm.MOVQ(first, left)
	asm.ANDQ(U8(7), left)
	asm.JZ(LabelRef("done"))
	asm.SUBQ(left, first)
	nb := asm.Load(asm.Param("n"), asm.GP64())
	asm.SHLQ(U8(log2(g.size)), nb)
	yr := asm.GP64() // &y[i·n] at the group's first row i
	asm.MOVQ(first, yr)
	asm.IMULQ(nb, yr)
	asm.ADDQ(asm.Load(asm.Param("y").Base(), asm.GP64()), yr)
	xr := asm.GP64() // &x[i·k], or &x[i] transposed
	asm.MOVQ(first, xr)
	if g.mode != denseAccT {
		asm.IMULQ(asm.Load(asm.Param("k"), asm.GP64()), xr)
	}
	asm.SHLQ(U8(log2(g.size)), xr)
	asm.ADDQ(asm.Load(asm.Param("x").Base(), asm.GP64()), xr)

	shapes := g.shapes()
	for i, sh := range shapes {
		if i > 0 && shapes[i-1].rows == sh.rows {
			continue
		}
		group := fmt.Sprintf("rest%d", sh.rows)
		asm.Label(group)
		asm.CMPQ(left, U32(sh.rows))
		asm.JB(LabelRef(group + "end"))
		col := asm.GP64() // the band's first column, in bytes
		asm.XORQ(col, col)
		cols := asm.Load(asm.Param("n"), asm.GP64()) // columns left in full blocks
		asm.ANDQ(I32(-g.lanes), cols)
		for _, band := range shapes[i:] {
			if band.rows != sh.rows {
				break
			}
			g.restBand(fmt.Sprintf("%sx%d", group, band.width), band.rows, band.width, xr, yr, col, cols, nb, step)
		}
		asm.LEAQ(Mem{Base: yr, Index: nb, Scale: uint8(sh.rows)}, yr)
		g.nextRows(xr, sh.rows)
		asm.SUBQ(U32(sh.rows), left)
		asm.JMP(LabelRef(group))
		asm.Label(group + "end")
	}
}

// nextRows moves xr on by rows rows of x.
func (g *gen) nextRows(xr reg.Register, rows int) {
	if g.mode == denseAccT {
		asm.ADDQ(U32(rows*g.size), xr)
		return
	}
	kb := asm.Load(asm.Param("k"), asm.GP64())
	asm.SHLQ(U8(log2(g.size)), kb)
	for range rows {
		asm.ADDQ(kb, xr)
	}
}

// restBand writes the loop over the bands of width blocks of columns, from
// col bytes into the rows while cols columns are left (both moved on), for
// the rows from x's at xr and y's at yr (rows nb bytes apart in y).
func (g *gen) restBand(label string, rows, width int, xr, yr, col, cols, nb reg.Register, step Op) {
	asm.Label(label)
	asm.CMPQ(cols, U32(width*g.lanes))
	asm.JB(LabelRef(label + "end"))
	accs := make([][]reg.VecVirtual, rows)
	for r := range accs {
		accs[r] = make([]reg.VecVirtual, width)
		for b := range accs[r] {
			accs[r][b] = g.zero()
		}
	}
	if g.mode == denseAccT {
		g.restY(yr, col, nb, rows, func(r int, y reg.Register) {
			for b, a := range accs[r] {
				g.mov(a, Mem{Base: y, Disp: b * g.bytes})
			}
		})
	}
	wp := asm.Load(asm.Param("wt").Base(), asm.GP64())
	asm.ADDQ(col, wp)
	// x's rows: at x0, then kb bytes apart (x2 = x0 + 2·kb), or
	// adjacent elements when transposed.
	x0 := asm.GP64()
	asm.MOVQ(xr, x0)
	xs := []reg.Register{x0}
	var kb, x2 reg.Register
	if g.mode != denseAccT && rows > 1 {
		kb = asm.Load(asm.Param("k"), asm.GP64())
		asm.SHLQ(U8(log2(g.size)), kb)
		if rows > 2 {
			x2 = asm.GP64()
			asm.LEAQ(Mem{Base: x0, Index: kb, Scale: 2}, x2)
			xs = append(xs, x2)
		}
	}
	xAt := func(r int) Mem { // x's element p of row r
		switch {
		case g.mode == denseAccT:
			return Mem{Base: x0, Disp: r * g.size}
		case r == 0:
			return Mem{Base: x0}
		case r == 1:
			return Mem{Base: x0, Index: kb, Scale: 1}
		case r == 2:
			return Mem{Base: x2}
		}
		return Mem{Base: x2, Index: kb, Scale: 1}
	}
	p := asm.Load(asm.Param("k"), asm.GP64())
	asm.Label(label + "p")
	asm.TESTQ(p, p)
	asm.JZ(LabelRef(label + "pend"))
	if rows == 1 { // x's element broadcast once, wt read by each FMA
		x := g.broadcastOf(xAt(0))
		for b, a := range accs[0] {
			g.fmaTo(a, x, Mem{Base: wp, Disp: b * g.bytes})
		}
	} else { // wt's vectors loaded once, x's elements broadcast by each FMA
		for b := range width {
			w := g.load(wp, b*g.bytes, nil)
			for r := range rows {
				g.mulAddBcst(accs[r][b], xAt(r), w)
			}
		}
	}
	for _, x := range xs {
		asm.ADDQ(step, x)
	}
	asm.ADDQ(nb, wp)
	asm.DECQ(p)
	asm.JMP(LabelRef(label + "p"))
	asm.Label(label + "pend")
	if g.mode == denseBias || g.mode == denseBiasReLU {
		for b := range width { // one bias vector for the block's rows
			cb := asm.GP64() // the block's column, in bytes
			asm.LEAQ(Mem{Base: col, Disp: b * g.bytes}, cb)
			block := make([]reg.VecVirtual, rows)
			for r := range rows {
				block[r] = accs[r][b]
			}
			g.finish(cb, nil, block...)
		}
	}
	g.restY(yr, col, nb, rows, func(r int, y reg.Register) {
		for b, a := range accs[r] {
			g.mov(Mem{Base: y, Disp: b * g.bytes}, a)
		}
	})
	asm.ADDQ(U32(width*g.bytes), col)
	asm.SUBQ(U32(width*g.lanes), cols)
	asm.JMP(LabelRef(label))
	asm.Label(label + "end")
}

// restY calls at(r, y) with y the address of row r's band, col bytes into
// the rows from yr (nb bytes apart), for each of the group's rows.
func (g *gen) restY(yr, col, nb reg.Register, rows int, at func(r int, y reg.Register)) {
	y := asm.GP64()
	asm.LEAQ(Mem{Base: yr, Index: col, Scale: 1}, y)
	for r := range rows {
		if r > 0 {
			asm.ADDQ(nb, y)
		}
		at(r, y)
	}
}

// reluGradKernel writes the body of func(dy, y []T): dy[i] = dy[i]·d with d = 1
// where y[i] > 0 and 0 elsewhere, as kernels.DenseDZ for ReLU (the product
// is taken, so dy·0 keeps its rounding: −0, or NaN for ±Inf).
func (g *gen) reluGradKernel() {
	dy := asm.Load(asm.Param("dy").Base(), asm.GP64())
	y := asm.Load(asm.Param("y").Base(), asm.GP64())
	n := asm.Load(asm.Param("dy").Len(), asm.GP64())
	one := g.cf(1)
	step := func(mask reg.Register) {
		d := g.zero()
		g.sel(d, g.cmp(cmpGT, g.load(y, 0, mask), g.zero()), one)
		v := g.load(dy, 0, mask)
		g.mul(v, v, d)
		g.store(dy, 0, mask, v)
	}
	asm.Label("loop")
	asm.CMPQ(n, U32(g.lanes))
	asm.JB(LabelRef("tail"))
	step(nil)
	asm.ADDQ(U32(g.bytes), dy)
	asm.ADDQ(U32(g.bytes), y)
	asm.SUBQ(U32(g.lanes), n)
	asm.JMP(LabelRef("loop"))
	asm.Label("tail")
	asm.TESTQ(n, n)
	asm.JZ(LabelRef("done"))
	step(g.tailMask(n))
	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}
