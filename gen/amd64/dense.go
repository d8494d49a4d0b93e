package main

import (
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The sums of a dense layer, y = x·wt (x of m×k, wt = Wᵀ of k×n, y of
// m×n, row-major), each a chain of fused multiply-adds s = fma(x, w, s) in
// the order of p from zero, as kernels.Dense computes them: a vector of
// lanes holds the sums of lanes adjacent columns j, x[i·k+p] is broadcast and wt's row p
// read, so every lane runs exactly the portable chain. Eight rows share
// each row of wt (eight independent chains hide the FMA latency); the last
// m mod 8 rows go one at a time, and the last n mod lanes columns under a
// mask.

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
	asm.TESTQ(cols, cols)
	asm.JZ(LabelRef("done"))
	asm.CMPQ(cols, U32(g.lanes))
	asm.JB(LabelRef("tailblock"))
	g.denseColumns("full", yj, wtj, kb, kb3, nb, step, nil)
	asm.ADDQ(U32(g.bytes), yj)
	asm.ADDQ(U32(g.bytes), wtj)
	asm.SUBQ(U32(g.lanes), cols)
	asm.JMP(LabelRef("block"))

	asm.Label("tailblock")
	g.denseColumns("tail", yj, wtj, kb, kb3, nb, step, g.tailMask(cols))

	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// denseColumns writes the loops over the rows for the block of columns
// at yj and wj (under mask, if not nil); labels start with prefix. x's
// rows are kb bytes apart (kb3 = 3·kb), or one element for denseAccT,
// and its elements along p step bytes.
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
	g.finish(yj, mask, acc...)
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
	asm.TESTQ(i, i)
	asm.JZ(LabelRef(prefix + "end"))
	one := g.start(yr, nb, 0, mask)
	p1 := asm.GP64()
	asm.MOVQ(xr, p1)
	g.chain(prefix+"p1", wj, nb, mask, []reg.Register{p1}, step, func(w reg.VecVirtual) {
		g.mulAddBcst(one, Mem{Base: p1}, w)
	})
	g.finish(yj, mask, one)
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

// finish completes the sums in accs, of the block whose first column is
// at yj in y, as kernels.DenseFinish does: adds the bias (b's elements at
// the same offset as yj in y) and applies ReLU as Go's max(v, 0): VMAXPD
// with the zero first keeps a NaN, and adding +0 turns −0 into +0.
func (g *gen) finish(yj reg.Register, mask reg.Register, accs ...reg.VecVirtual) {
	if g.mode != denseBias && g.mode != denseBiasReLU {
		return
	}
	bp := asm.Load(asm.Param("y").Base(), asm.GP64())
	asm.NEGQ(bp)
	asm.ADDQ(yj, bp) // the block's offset in bytes
	asm.ADDQ(asm.Load(asm.Param("b").Base(), asm.GP64()), bp)
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
