package kernels

import "math"

// AdamStep holds the scalars of one step of Adam with decoupled weight
// decay, in the form AdamUpdate takes them; see flowkern.NewAdamStep for
// how they follow from the learning rate, the decay rates, ε, the weight
// decay, the step number and a clipping factor.
type AdamStep struct {
	Scale      float64 // multiplies the gradient (1: no clipping)
	Beta1, C1  float64 // β₁ and 1 − β₁
	Beta2, C2  float64 // β₂ and 1 − β₂
	StepSize   float64 // lr / (1 − β₁ᵏ)
	InvSqrtBC2 float64 // 1 / √(1 − β₂ᵏ)
	Eps        float64 // ε
	Decay      float64 // lr · weight decay
}

// AdamUpdate takes step a on the parameters w with gradient g and the
// moment estimates m and v (all of len(w)), keeping w's values before the
// step in old, and reports whether every new w is finite in T. For each i,
// in float64, each operation rounded on its own (no fused multiply-add):
//
//	ĝ = g·Scale
//	m = β₁·m + (1 − β₁)·ĝ
//	v = β₂·v + ((1 − β₂)·ĝ)·ĝ
//	w = (w − (StepSize·m) / (√v·InvSqrtBC2 + ε)) − Decay·w
//
// the new w rounded to T. A new w that is not finite in T is stored all
// the same: the caller restores w from old.
func AdamUpdate[T Float](w, g, old []T, m, v []float64, a AdamStep) bool {
	g, old, m, v = g[:len(w)], old[:len(w)], m[:len(w)], v[:len(w)]
	finite := true
	for i, x := range w {
		old[i] = x
		x64 := float64(x)
		gs := float64(g[i]) * a.Scale
		mi := float64(a.Beta1*m[i]) + float64(a.C1*gs)
		vi := float64(a.Beta2*v[i]) + float64(float64(a.C2*gs)*gs)
		m[i], v[i] = mi, vi
		den := float64(math.Sqrt(vi)*a.InvSqrtBC2) + a.Eps
		y := x64 - float64(a.StepSize*mi)/den
		y -= float64(a.Decay * x64)
		yt := T(y)
		w[i] = yt
		if !(math.Abs(float64(yt)) <= math.MaxFloat64) { // NaN, ±Inf
			finite = false
		}
	}
	return finite
}
