package main

import (
	"math"

	"github.com/mmcloughlin/avo/reg"

	"github.com/flowkern/flowkern/internal/algo"
)

// signMask and absMask are the sign bit and its complement in g's type.
func (g *gen) signMask() uint64 {
	if g.f32 {
		return 1 << 31
	}
	return 1 << 63
}

// tanh returns tanh(x) as kernels.tanh64/tanh32 computes it: both ranges
// are evaluated and the lanes select theirs; in float64 the two share one
// division.
func (g *gen) tanh(x reg.VecVirtual) reg.VecVirtual {
	clampAt := float64(algo.TanhClamp64)
	if g.f32 {
		clampAt = algo.TanhClamp32
	}
	a := g.vec()
	g.and(a, x, g.cbits(^g.signMask()&g.fullMask()))
	g.minv(a, a, g.cf(clampAt))
	small := g.cmp(cmpLT, a, g.cf(algo.TanhSplit))
	s := g.vec()
	g.mul(s, a, a)

	// Large range: 1 − 2/(exp(2|x|) + 1).
	a2 := g.vec()
	g.add(a2, a, a)
	den := g.expCore(a2)
	g.add(den, den, g.cf(1))
	num := g.vec()
	g.mov(num, g.cf(2))

	t := g.vec()
	if g.f32 {
		g.div(num, num, den)
		g.mov(t, g.cf(1))
		g.sub(t, t, num) // 1 − 2/(e+1)
		p := g.vec()
		g.mov(p, g.cf(algo.TanhfP0))
		for _, c := range []float64{algo.TanhfP1, algo.TanhfP2, algo.TanhfP3, algo.TanhfP4} {
			g.fmaAcc(p, s, g.cf(c))
		}
		g.mul(p, p, s)
		g.fmaAcc(p, a, a) // a + a·(s·P(s))
		g.sel(t, small, p)
	} else {
		p := g.vec()
		g.mov(p, g.cf(algo.TanhP0))
		g.fmaAcc(p, s, g.cf(algo.TanhP1))
		g.fmaAcc(p, s, g.cf(algo.TanhP2))
		as := g.vec()
		g.mul(as, a, s)
		g.mul(p, as, p) // (a·s)·P(s)
		q := g.vec()
		g.add(q, s, g.cf(algo.TanhQ0))
		g.fmaAcc(q, s, g.cf(algo.TanhQ1))
		g.fmaAcc(q, s, g.cf(algo.TanhQ2))
		g.sel(num, small, p)
		g.sel(den, small, q)
		g.div(num, num, den)
		g.mov(t, g.cf(1))
		g.sub(t, t, num)
		g.add(a, a, num)
		g.sel(t, small, a)
	}
	sign := g.vec()
	g.and(sign, x, g.cbits(g.signMask()))
	g.or(t, t, sign)
	g.sel(t, g.cmp(cmpUnord, x, x), x)
	return t
}

// fullMask is all ones in g's element size.
func (g *gen) fullMask() uint64 {
	if g.f32 {
		return math.MaxUint32
	}
	return math.MaxUint64
}
