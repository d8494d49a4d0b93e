package main

import (
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// fastPath is a cheaper body for a unary kernel's main loop: where no lane
// of a block of four vectors is flagged, f gives the same bits as the
// kernel's full body.
type fastPath struct {
	// flag sets the lanes of flags where x needs the full body.
	flag        func(flags reg.Register, x reg.VecVirtual)
	f           func(x reg.VecVirtual) reg.VecVirtual
	avx2Streams int
}

// unaryKernel emits the body of func(dst, x []T): dst[i] = f(x[i]) for
// i < len(dst), full vectors then one masked tail; avx2Streams of the
// four vectors an iteration are interleaved on AVX2 (setStreams), and
// the constants pins are held in registers (pin); tables says whether f
// uses exp's tables and where it reads them (alignExpTables). With a fast path, each block of
// four vectors is checked and goes through fast.f unless a lane is
// flagged.
func (g *gen) unaryKernel(f func(x reg.VecVirtual) reg.VecVirtual, avx2Streams int, pins []float64, tables expTables, fast *fastPath) {
	g.setStreams(4, avx2Streams)
	dst := asm.Load(asm.Param("dst").Base(), asm.GP64())
	src := asm.Load(asm.Param("x").Base(), asm.GP64())
	n := asm.Load(asm.Param("dst").Len(), asm.GP64())
	g.pin(pins...)
	if tables != noExpTables {
		g.alignExpTables(tables == expTablesPinned)
	}

	// Four independent vectors per iteration, interleaved, hide the
	// polynomial's FMA latency; then single vectors; then the masked tail.
	asm.Label("loop4")
	asm.CMPQ(n, U32(4*g.lanes))
	asm.JB(LabelRef("loop"))
	var xs []reg.VecVirtual
	for u := 0; u < 4; u++ {
		x := g.vec()
		g.mov(x, Mem{Base: src, Disp: u * g.bytes})
		xs = append(xs, x)
	}
	if fast != nil {
		flags := g.noFlags()
		for _, x := range xs {
			fast.flag(flags, x)
		}
		g.jumpIfFlags(flags, "full4")
		g.setStreams(4, fast.avx2Streams)
		g.unaryBlock(fast.f, xs, src, dst, n)
		asm.Label("full4")
		g.setStreams(4, avx2Streams)
	}
	g.unaryBlock(f, xs, src, dst, n)

	asm.Label("loop")
	asm.CMPQ(n, U32(g.lanes))
	asm.JB(LabelRef("tail"))
	x := g.vec()
	g.mov(x, Mem{Base: src})
	g.mov(Mem{Base: dst}, f(x))
	asm.ADDQ(U32(g.bytes), src)
	asm.ADDQ(U32(g.bytes), dst)
	asm.SUBQ(U32(g.lanes), n)
	asm.JMP(LabelRef("loop"))

	asm.Label("tail")
	asm.TESTQ(n, n)
	asm.JZ(LabelRef("done"))
	m := g.tailMask(n)
	xt := g.maskedLoad(Mem{Base: src}, m)
	g.maskedStore(Mem{Base: dst}, m, f(xt))
	asm.Label("done")
	asm.VZEROUPPER()
	asm.RET()
}

// unaryBlock emits the main loop's body after the loads: f of the four
// vectors xs, interleaved, stored, and the jump back.
func (g *gen) unaryBlock(f func(x reg.VecVirtual) reg.VecVirtual, xs []reg.VecVirtual, src, dst, n reg.Register) {
	ys := make([]reg.VecVirtual, len(xs))
	g.inStreams(len(xs), func(u int) { ys[u] = f(xs[u]) })
	for u, y := range ys {
		g.mov(Mem{Base: dst, Disp: u * g.bytes}, y)
	}
	asm.ADDQ(U32(4*g.bytes), src)
	asm.ADDQ(U32(4*g.bytes), dst)
	asm.SUBQ(U32(4*g.lanes), n)
	asm.JMP(LabelRef("loop4"))
}

func (g *gen) goType() string {
	if g.f32 {
		return "float32"
	}
	return "float64"
}
