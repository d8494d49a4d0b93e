package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// unaryKernel emits func name(dst, x []T): dst[i] = f(x[i]) for
// i < len(dst), full vectors then one masked tail; avx2Streams of the
// four vectors an iteration are interleaved on AVX2 (setStreams), and
// the constants pins are held in registers (pin).
func (g *gen) unaryKernel(name string, f func(x reg.VecVirtual) reg.VecVirtual, avx2Streams int, pins []float64) {
	g.setStreams(4, avx2Streams)
	g.text(name, "func(dst, x []"+g.goType()+")")
	Doc(name + " is the " + g.name + " body of the elementwise function; len(x) ≥ len(dst).")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("x").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	g.pin(pins...)

	// Four independent vectors per iteration, interleaved, hide the
	// polynomial's FMA latency; then single vectors; then the masked tail.
	Label("loop4")
	CMPQ(n, U32(4*g.lanes))
	JB(LabelRef("loop"))
	var ys []reg.VecVirtual
	for u := 0; u < 4; u++ {
		x := g.vec()
		g.mov(x, Mem{Base: src, Disp: u * g.bytes})
		ys = append(ys, x)
	}
	g.inStreams(len(ys), func(u int) { ys[u] = f(ys[u]) })
	for u, y := range ys {
		g.mov(Mem{Base: dst, Disp: u * g.bytes}, y)
	}
	ADDQ(U32(4*g.bytes), src)
	ADDQ(U32(4*g.bytes), dst)
	SUBQ(U32(4*g.lanes), n)
	JMP(LabelRef("loop4"))

	Label("loop")
	CMPQ(n, U32(g.lanes))
	JB(LabelRef("tail"))
	x := g.vec()
	g.mov(x, Mem{Base: src})
	g.mov(Mem{Base: dst}, f(x))
	ADDQ(U32(g.bytes), src)
	ADDQ(U32(g.bytes), dst)
	SUBQ(U32(g.lanes), n)
	JMP(LabelRef("loop"))

	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	m := g.tailMask(n)
	xt := g.maskedLoad(Mem{Base: src}, m)
	g.maskedStore(Mem{Base: dst}, m, f(xt))
	Label("done")
	VZEROUPPER()
	RET()
}

func (g *gen) goType() string {
	if g.f32 {
		return "float32"
	}
	return "float64"
}
