package main

import "fmt"

// adamSig is the signature of the Adam kernels: five slices of 24 bytes,
// nine float64 scalars, and the result at 192.
const adamSig = "(w, g, old []T, m, v []float64, scale, beta1, c1, beta2, c2, stepSize, invSqrtBC2, eps, decay float64) (finite bool)"

// adam writes kernels.AdamUpdate over the whole vectors of two float64
// lanes at the start of w (two elements a vector whatever T), leaving the
// last len(w) mod 2 elements to its Go wrapper. It computes in float64,
// each operation rounded on its own as the portable kernel rounds it; a
// float32 kernel widens w and g exactly (FCVTL) and rounds the new w as
// it stores it (FCVTN). A pinned register keeps, lane by lane, whether
// every stored w was finite: w − w equals itself exactly then.
func (e *emitter) adam(name string) {
	narrow := !e.f64()
	e.a = d2 // the arithmetic is float64's for both types
	tBytes := 16
	if narrow {
		tBytes = 8
	}
	fmt.Fprintf(e.w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-193\n", name, adamSig, name)
	for i, p := range []string{"w", "g", "old", "m", "v"} {
		e.ins("MOVD %s_base+%d(FP), R%d", p, 24*i, i)
	}
	e.ins("MOVD w_len+8(FP), R5")
	e.ins("LSR $1, R5, R5") // whole vectors of two lanes
	scalar := func(name string, i int) reg { return e.arg(name, 120+8*i) }
	scale, beta1, c1 := scalar("scale", 0), scalar("beta1", 1), scalar("c1", 2)
	beta2, c2, stepSize := scalar("beta2", 3), scalar("c2", 4), scalar("stepSize", 5)
	invSqrt, eps, decay := scalar("invSqrtBC2", 6), scalar("eps", 7), scalar("decay", 8)
	finite := e.reserve()

	// loadT and storeT move one stream's two elements of T at ptr.
	loadT := func(ptr string) reg {
		d := e.tmp()
		e.emit([]reg{d}, nil, func(p func(reg) int, c, _ int) {
			if narrow {
				e.ins("FMOVD %d(%s), F%d", 8*c, ptr, p(d))
				return
			}
			e.ins("FMOVQ %d(%s), F%d", 16*c, ptr, p(d))
		})
		return d
	}
	storeT := func(s reg, ptr string) {
		e.emit(nil, []reg{s}, func(p func(reg) int, c, _ int) {
			if narrow {
				e.ins("FMOVD F%d, %d(%s)", p(s), 8*c, ptr)
				return
			}
			e.ins("FMOVQ F%d, %d(%s)", p(s), 16*c, ptr)
		})
	}
	widen := func(n reg) reg {
		if !narrow {
			return n
		}
		d := e.tmp()
		e.vec(d, []reg{n}, func(p func(reg) int) { e.word(fcvtl(p(d), p(n))) })
		return d
	}

	l := e.prepare(func() {
		xt := loadT("R0")
		storeT(xt, "R2") // old
		x, gs := widen(xt), widen(loadT("R1"))
		e.fmul(gs, gs, scale)

		mi, t := e.load("R3"), e.tmp() // m = β₁·m + (1 − β₁)·ĝ
		e.fmul(mi, mi, beta1)
		e.fmul(t, gs, c1)
		e.fadd(mi, mi, t)
		e.store(mi, "R3")

		vi := e.load("R4") // v = β₂·v + ((1 − β₂)·ĝ)·ĝ
		e.fmul(t, gs, c2)
		e.fmul(t, t, gs)
		e.fmul(vi, vi, beta2)
		e.fadd(vi, vi, t)
		e.store(vi, "R4")

		e.fsqrt(vi, vi) // w = (w − (StepSize·m) / (√v·InvSqrtBC2 + ε)) − Decay·w
		e.fmul(vi, vi, invSqrt)
		e.fadd(vi, vi, eps)
		e.fmul(mi, mi, stepSize)
		e.fdiv(mi, mi, vi)
		y := e.tmp()
		e.fsub(y, x, mi)
		e.fmul(t, x, decay)
		e.fsub(y, y, t)

		if narrow {
			yn, wide := e.tmp(), y // the closure runs when the body is written
			e.vec(yn, []reg{wide}, func(p func(reg) int) { e.word(fcvtn(p(yn), p(wide))) })
			storeT(yn, "R0")
			y = widen(yn) // the stored value, exactly, its overflow an infinity
		} else {
			storeT(y, "R0")
		}
		e.fsub(t, y, y) // 0, or NaN for NaN and ±Inf
		e.fcmeq(t, t, t)
		e.vand(finite, finite, t)
		for _, r := range []string{"R0", "R1", "R2"} {
			e.ins("ADD $%d, %s, %s", tBytes*e.r.streams, r, r)
		}
		e.advance("R3", "R4")
	})
	e.writePins()
	e.bits(int(finite), ^uint64(0))
	e.loops("R5", "loop", l)
	e.ins("VMOV V%d.D[0], R6", finite)
	e.ins("VMOV V%d.D[1], R7", finite)
	e.ins("AND R7, R6, R6")
	e.ins("CMN $1, R6") // all lanes finite: all ones
	e.ins("CSET EQ, R6")
	e.ins("MOVB R6, finite+192(FP)")
	e.ins("RET")
}
