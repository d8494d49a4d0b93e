package main

import (
	. "github.com/mmcloughlin/avo/build"
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

// denseKernel writes func name(y, x, wt, b []T, m, k, n int) (b is read
// only by the bias modes).
func (g *gen) denseKernel(name string, mode denseMode) {
	T := g.goType()
	g.text(name, "func(y, x, wt, b []"+T+", m, k, n int)")
	Doc(name + " " + map[denseMode]string{
		denseSums:     "computes the sums of Dense, y = x·wt, with wt = Wᵀ (k×n),",
		denseBias:     "computes Dense without activation, y = x·wt + b, with wt = Wᵀ,",
		denseBiasReLU: "computes Dense with ReLU, y = max(x·wt + b, 0), with wt = Wᵀ,",
		denseAccT:     "adds xᵀ·wt to y, x being k×m (DenseGrad's dw += dZᵀ·X without transposing dZ),",
	}[mode] + " on " + g.name + ".")
	g.mode = mode
	// Few values stay in registers across the loops: the parameters that
	// are needed once a block are read again from the frame.
	yj := Load(Param("y").Base(), GP64())   // &y[j]
	wtj := Load(Param("wt").Base(), GP64()) // &wt[j]
	nb := Load(Param("n"), GP64())
	cols := GP64() // columns from j on
	MOVQ(nb, cols)
	SHLQ(U8(log2(g.size)), nb) // the row stride of wt and y in bytes
	// x's strides in bytes: between rows (kb, with kb3 = 3·kb) and along
	// p (step); a transposed x has rows an element apart.
	var kb, kb3 reg.Register
	var step Op = U32(g.size)
	if g.mode == denseAccT {
		ps := Load(Param("m"), GP64())
		SHLQ(U8(log2(g.size)), ps)
		step = ps
	} else {
		kb = Load(Param("k"), GP64())
		SHLQ(U8(log2(g.size)), kb)
		kb3 = GP64()
		LEAQ(Mem{Base: kb, Index: kb, Scale: 2}, kb3)
	}

	Label("block")
	TESTQ(cols, cols)
	JZ(LabelRef("done"))
	CMPQ(cols, U32(g.lanes))
	JB(LabelRef("tailblock"))
	g.denseColumns("full", yj, wtj, kb, kb3, nb, step, nil)
	ADDQ(U32(g.bytes), yj)
	ADDQ(U32(g.bytes), wtj)
	SUBQ(U32(g.lanes), cols)
	JMP(LabelRef("block"))

	Label("tailblock")
	g.denseColumns("tail", yj, wtj, kb, kb3, nb, step, g.tailMask(cols))

	Label("done")
	VZEROUPPER()
	RET()
}

// denseColumns writes the loops over the rows for the block of columns
// at yj and wj (under mask, if not nil); labels start with prefix. x's
// rows are kb bytes apart (kb3 = 3·kb), or one element for denseAccT,
// and its elements along p step bytes.
func (g *gen) denseColumns(prefix string, yj, wj, kb, kb3, nb reg.Register, step Op, mask reg.Register) {
	yr := GP64() // &y[i·n+j]
	MOVQ(yj, yr)
	xr := Load(Param("x").Base(), GP64()) // &x[i·k]
	i := Load(Param("m"), GP64())         // rows left

	Label(prefix + "rows8")
	CMPQ(i, U32(8))
	JB(LabelRef(prefix + "rows1"))
	acc := make([]reg.VecVirtual, 8)
	for r := range acc {
		acc[r] = g.start(yr, nb, r, mask)
	}
	transposed := g.mode == denseAccT
	lo := GP64() // &x at row i, element p
	MOVQ(xr, lo)
	xs := []reg.Register{lo}
	var hi reg.GPVirtual // row i+4
	if !transposed {
		hi = GP64()
		LEAQ(Mem{Base: xr, Index: kb, Scale: 4}, hi)
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
	yp := GP64()
	MOVQ(yr, yp)
	for _, a := range acc {
		g.store(yp, 0, mask, a)
		ADDQ(nb, yp)
	}
	if transposed {
		ADDQ(U32(8*g.size), xr)
	} else {
		LEAQ(Mem{Base: xr, Index: kb, Scale: 8}, xr)
	}
	LEAQ(Mem{Base: yr, Index: nb, Scale: 8}, yr)
	SUBQ(U32(8), i)
	JMP(LabelRef(prefix + "rows8"))

	Label(prefix + "rows1")
	TESTQ(i, i)
	JZ(LabelRef(prefix + "end"))
	one := g.start(yr, nb, 0, mask)
	p1 := GP64()
	MOVQ(xr, p1)
	g.chain(prefix+"p1", wj, nb, mask, []reg.Register{p1}, step, func(w reg.VecVirtual) {
		g.mulAddBcst(one, Mem{Base: p1}, w)
	})
	g.finish(yj, mask, one)
	g.store(yr, 0, mask, one)
	if transposed {
		ADDQ(U32(g.size), xr)
	} else {
		ADDQ(kb, xr)
	}
	ADDQ(nb, yr)
	DECQ(i)
	JMP(LabelRef(prefix + "rows1"))
	Label(prefix + "end")
}

// chain writes the loop over p = 0…k−1 (k read from the frame): it reads
// wt's row p at the block (from wj, a row every nb bytes), calls step with
// it, and moves the x pointers xs on by adv bytes.
func (g *gen) chain(label string, wj, nb reg.Register, mask reg.Register, xs []reg.Register, adv Op, step func(w reg.VecVirtual)) {
	p, wp := Load(Param("k"), GP64()), GP64()
	MOVQ(wj, wp)
	Label(label)
	TESTQ(p, p)
	JZ(LabelRef(label + "end"))
	step(g.load(wp, 0, mask))
	for _, r := range xs {
		ADDQ(adv, r)
	}
	ADDQ(nb, wp)
	DECQ(p)
	JMP(LabelRef(label))
	Label(label + "end")
}

// mulAddBcst sets acc = acc + x·w with one rounding, x the element at mem
// in every lane, as the portable kernel's chain. AVX-512 broadcasts within
// the fused multiply-add.
func (g *gen) mulAddBcst(acc reg.VecVirtual, mem Mem, w reg.VecVirtual) {
	switch {
	case g.avx512 && g.f32:
		VFMADD231PS_BCST(mem, w, acc)
	case g.avx512:
		VFMADD231PD_BCST(mem, w, acc)
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
	p := GP64()
	MOVQ(yr, p)
	for range r {
		ADDQ(nb, p)
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
	bp := Load(Param("y").Base(), GP64())
	NEGQ(bp)
	ADDQ(yj, bp) // the block's offset in bytes
	ADDQ(Load(Param("b").Base(), GP64()), bp)
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
			VMAXPS(a, zero, a)
		} else {
			VMAXPD(a, zero, a)
		}
		g.add(a, a, zero)
	}
}

// reluGradKernel writes func name(dy, y []T): dy[i] = dy[i]·d with d = 1
// where y[i] > 0 and 0 elsewhere, as kernels.DenseDZ for ReLU (the product
// is taken, so dy·0 keeps its rounding: −0, or NaN for ±Inf).
func (g *gen) reluGradKernel(name string) {
	g.text(name, "func(dy, y []"+g.goType()+")")
	Doc(name + " multiplies dy by ReLU's derivative at the outputs y, on " + g.name + "; len(y) ≥ len(dy).")
	dy := Load(Param("dy").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("dy").Len(), GP64())
	one := g.cf(1)
	step := func(mask reg.Register) {
		d := g.zero()
		g.sel(d, g.cmp(cmpGT, g.load(y, 0, mask), g.zero()), one)
		v := g.load(dy, 0, mask)
		g.mul(v, v, d)
		g.store(dy, 0, mask, v)
	}
	Label("loop")
	CMPQ(n, U32(g.lanes))
	JB(LabelRef("tail"))
	step(nil)
	ADDQ(U32(g.bytes), dy)
	ADDQ(U32(g.bytes), y)
	SUBQ(U32(g.lanes), n)
	JMP(LabelRef("loop"))
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	step(g.tailMask(n))
	Label("done")
	VZEROUPPER()
	RET()
}
