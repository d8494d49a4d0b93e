package flowkern

import (
	"math"

	"github.com/flowkern/flowkern/internal/dispatch"
	"github.com/flowkern/flowkern/kernels"
)

// AdamStep holds the scalars of one step of Adam with decoupled weight
// decay (AdamW): the gradient's scale, β₁ and 1 − β₁, β₂ and 1 − β₂, the
// step size lr/(1 − β₁ᵏ), 1/√(1 − β₂ᵏ), ε and lr·λ. NewAdamStep computes
// them; a caller may set them itself (as 1 − β exactly, say).
type AdamStep = kernels.AdamStep

// NewAdamStep returns the scalars of step k (from 1) of Adam with learning
// rate lr, decay rates beta1 and beta2, ε eps and decoupled weight decay
// wd, the gradient multiplied by scale (1, or a clipping factor), as
// PyTorch's Adam and AdamW compute them: the bias corrections folded into
// the step size and into 1/√(1 − β₂ᵏ), so that an element takes one square
// root and one division. It panics unless k ≥ 1 and 0 ≤ beta1, beta2 < 1
// (the bias corrections would divide by zero or change sign).
func NewAdamStep(lr, beta1, beta2, eps, wd, scale float64, k int) AdamStep {
	if k < 1 {
		fail("NewAdamStep", "step k = %d, want k ≥ 1", k)
	}
	if !(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1) {
		fail("NewAdamStep", "beta1 = %v, beta2 = %v, want both in [0, 1)", beta1, beta2)
	}
	c1, c2 := 1-math.Pow(beta1, float64(k)), 1-math.Pow(beta2, float64(k))
	return AdamStep{
		Scale: scale, Beta1: beta1, C1: 1 - beta1, Beta2: beta2, C2: 1 - beta2,
		StepSize: lr / c1, InvSqrtBC2: 1 / math.Sqrt(c2), Eps: eps, Decay: lr * wd,
	}
}

// AdamUpdate takes step a of Adam on the parameters w, given their
// gradient g and their moment estimates m and v, all of len(w); it keeps
// w's values before the step in old and reports whether every new w is
// finite in T. For each element, in float64, every operation rounded on
// its own (no fused multiply-add, so every kernel set gives the same bits):
//
//	ĝ = g·Scale
//	m = β₁·m + (1 − β₁)·ĝ
//	v = β₂·v + ((1 − β₂)·ĝ)·ĝ
//	w = (w − (StepSize·m) / (√v·InvSqrtBC2 + ε)) − Decay·w
//
// and the new w rounded to T. The moments stay in float64 whatever T. A
// new w that is infinite or NaN in T (T's overflow included) is stored all
// the same, and the result is false: restore w from old to undo the step
// (m and v keep it).
//
// w, g and old must not overlap one another, nor m and v one another or
// any of them.
func AdamUpdate[T Float](w, g, old []T, m, v []float64, a AdamStep) bool {
	const kn = "AdamUpdate"
	n := len(w)
	wantLen(kn, "g", g, n, "len(w)")
	wantLen(kn, "old", old, n, "len(w)")
	wantLen(kn, "m", m, n, "len(w)")
	wantLen(kn, "v", v, n, "len(w)")
	checkOverlaps(kn, arg[T]{"w", w, true, false}, arg[T]{"g", g, false, false}, arg[T]{"old", old, true, false})
	checkOverlaps(kn, arg[float64]{"m", m, true, false}, arg[float64]{"v", v, true, false})
	for _, mv := range []arg[float64]{{"m", m, true, false}, {"v", v, true, false}} {
		lo, hi := span(mv.s)
		for _, t := range []arg[T]{{"w", w, true, false}, {"g", g, false, false}, {"old", old, true, false}} {
			if tlo, thi := span(t.s); tlo < hi && lo < thi {
				fail(kn, "%s overlaps %s", mv.name, t.name)
			}
		}
	}
	if is32[T]() {
		return dispatch.Current().F32.AdamUpdate(as32(w), as32(g), as32(old), m, v, a)
	}
	return dispatch.Current().F64.AdamUpdate(as64(w), as64(g), as64(old), m, v, a)
}
