package main

import (
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// adamKernel emits Adam's update (kernels.AdamUpdate) on the whole vectors
// of float64 lanes (8 on AVX-512, 4 on AVX2) at the start of w, leaving
// the last len(w) mod lanes elements to its Go wrapper. It computes in
// float64 whatever T, each operation rounded on its own as the portable
// kernel rounds it: a float32 kernel widens w and g exactly as they are
// loaded and rounds the new w as it stores it. It returns whether every
// new w it stored is finite in T.
func (g *gen) adamKernel() {
	wide := func() reg.VecVirtual { // a vector of float64 lanes
		if g.avx512 {
			return asm.ZMM()
		}
		return asm.YMM()
	}
	narrow := func() reg.VecVirtual { // the same lanes of float32
		if g.avx512 {
			return asm.YMM()
		}
		return asm.XMM()
	}
	lanes := g.bytes / 8
	bcast := func(name string) reg.VecVirtual {
		v := wide()
		asm.VBROADCASTSD(asm.Load(asm.Param(name), asm.XMM()), v)
		return v
	}
	pw := asm.Load(asm.Param("w").Base(), asm.GP64())
	pg := asm.Load(asm.Param("g").Base(), asm.GP64())
	pold := asm.Load(asm.Param("old").Base(), asm.GP64())
	pm := asm.Load(asm.Param("m").Base(), asm.GP64())
	pv := asm.Load(asm.Param("v").Base(), asm.GP64())
	n := asm.Load(asm.Param("w").Len(), asm.GP64())
	scale, beta1, c1 := bcast("scale"), bcast("beta1"), bcast("c1")
	beta2, c2, stepSize := bcast("beta2"), bcast("c2"), bcast("stepSize")
	invSqrt, eps, decay := bcast("invSqrtBC2"), bcast("eps"), bcast("decay")

	// bad collects the lanes whose new w is not finite: a mask register
	// on AVX-512 (VFPCLASSPD's QNaN, SNaN, +Inf and −Inf), a vector on AVX2
	// (w − w is NaN exactly for those).
	var bad reg.Register
	if g.avx512 {
		bad = asm.K()
		asm.KXORB(bad, bad, bad)
	} else {
		bad = wide()
		asm.VXORPD(bad, bad, bad)
	}
	i := asm.GP64()
	asm.XORQ(i, i)
	at := func(base reg.Register, size int) Mem { return Mem{Base: base, Index: i, Scale: uint8(size)} }

	asm.Label("loop")
	end := asm.GP64()
	asm.LEAQ(Mem{Base: i, Disp: lanes}, end)
	asm.CMPQ(end, n)
	asm.JA(LabelRef("done"))

	// w, kept in old as it is, and ĝ = g·scale.
	x, gs := wide(), wide()
	if g.f32 {
		xn := narrow()
		asm.VMOVUPS(at(pw, 4), xn)
		asm.VMOVUPS(xn, at(pold, 4))
		asm.VCVTPS2PD(xn, x)
		asm.VCVTPS2PD(at(pg, 4), gs)
	} else {
		asm.VMOVUPD(at(pw, 8), x)
		asm.VMOVUPD(x, at(pold, 8))
		asm.VMOVUPD(at(pg, 8), gs)
	}
	asm.VMULPD(scale, gs, gs)

	// m = β₁·m + (1 − β₁)·ĝ
	mi, t := wide(), wide()
	asm.VMULPD(at(pm, 8), beta1, mi)
	asm.VMULPD(c1, gs, t)
	asm.VADDPD(t, mi, mi)
	asm.VMOVUPD(mi, at(pm, 8))

	// v = β₂·v + ((1 − β₂)·ĝ)·ĝ
	vi := wide()
	asm.VMULPD(c2, gs, t)
	asm.VMULPD(gs, t, t)
	asm.VMULPD(at(pv, 8), beta2, vi)
	asm.VADDPD(t, vi, vi)
	asm.VMOVUPD(vi, at(pv, 8))

	// w = (w − (StepSize·m) / (√v·InvSqrtBC2 + ε)) − Decay·w
	asm.VSQRTPD(vi, vi)
	asm.VMULPD(invSqrt, vi, vi)
	asm.VADDPD(eps, vi, vi)
	asm.VMULPD(stepSize, mi, mi)
	asm.VDIVPD(vi, mi, mi) // mi = mi / vi
	y := wide()
	asm.VSUBPD(mi, x, y) // y = x − mi
	asm.VMULPD(decay, x, t)
	asm.VSUBPD(t, y, y)

	// Round to T and store; check the stored values (a float32 widened
	// back, exactly, so that its overflow shows as an infinity).
	if g.f32 {
		yn := narrow()
		if g.avx512 {
			asm.VCVTPD2PS(y, yn)
		} else {
			asm.VCVTPD2PSY(y, yn)
		}
		asm.VMOVUPS(yn, at(pw, 4))
		asm.VCVTPS2PD(yn, y)
	} else {
		asm.VMOVUPD(y, at(pw, 8))
	}
	if g.avx512 {
		k := asm.K()
		asm.VFPCLASSPDZ(U8(0x99), y, k)
		asm.KORB(k, bad, bad)
	} else {
		asm.VSUBPD(y, y, t)
		asm.VCMPPD(U8(3), t, t, t) // unordered: NaN
		asm.VORPD(t, bad, bad)
	}
	asm.MOVQ(end, i)
	asm.JMP(LabelRef("loop"))

	asm.Label("done")
	ok := asm.GP8()
	if g.avx512 {
		asm.KORTESTB(bad, bad)
	} else {
		asm.VPTEST(bad, bad)
	}
	asm.SETEQ(ok)
	asm.Store(ok, asm.ReturnIndex(0))
	asm.VZEROUPPER()
	asm.RET()
}
