package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
)

// AdamFunc is the signature of AdamUpdate.
type AdamFunc[T Float] func(w, g, old []T, m, v []float64, a flowkern.AdamStep) bool

// AdamCase is one input of AdamUpdate: parameters, gradients and moments.
type AdamCase[T Float] struct {
	W, G []T
	M, V []float64
	Step flowkern.AdamStep
}

// adamSpecials are scattered into the cases: NaN, infinities, zeros,
// subnormals, and values whose step overflows.
var adamSpecials = []float64{math.NaN(), inf, -inf, 0, math.Copysign(0, -1), 5e-324, 1e-40, math.MaxFloat32, -math.MaxFloat32, 1e300, math.MaxFloat64}

// AdamSteps are the steps the sweep takes: PyTorch's defaults at step 1,
// other rates with weight decay and clipping at step 7, and a learning
// rate that overflows.
var AdamSteps = []flowkern.AdamStep{
	flowkern.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0, 1, 1),
	flowkern.NewAdamStep(3e-2, 0.8, 0.99, 1e-6, 0.1, 0.37, 7),
	flowkern.NewAdamStep(1e30, 0.9, 0.999, 1e-8, 0, 1, 2),
}

// NewAdamCase returns n parameters and gradients from N(0, 1) (gradients
// of magnitudes spread over e^±8), first moments from N(0, 0.01), second
// moments their magnitudes at 0.01, and with specials a quarter of the
// values replaced by adamSpecials (second moments by their magnitudes).
func NewAdamCase[T Float](rng *rand.Rand, n int, step flowkern.AdamStep, specials bool) AdamCase[T] {
	c := AdamCase[T]{W: make([]T, n), G: make([]T, n), M: make([]float64, n), V: make([]float64, n), Step: step}
	for i := range n {
		c.W[i] = T(rng.NormFloat64())
		c.G[i] = T(rng.NormFloat64() * math.Exp(4*rng.NormFloat64()))
		c.M[i] = 0.1 * rng.NormFloat64()
		c.V[i] = 0.01 * math.Abs(rng.NormFloat64())
	}
	if !specials {
		return c
	}
	for range n / 4 {
		i, x := rng.IntN(n), adamSpecials[rng.IntN(len(adamSpecials))]
		switch rng.IntN(4) {
		case 0:
			c.W[i] = T(x)
		case 1:
			c.G[i] = T(x)
		case 2:
			c.M[i] = x
		default:
			c.V[i] = math.Abs(x)
		}
	}
	return c
}

// adamRef is the oracle: the documented formula of AdamUpdate, element by
// element in float64, each operation rounded on its own, the new w
// rounded to T; it reports whether every new w is finite in T.
func (c AdamCase[T]) adamRef() (w, old []T, m, v []float64, finite bool) {
	a := c.Step
	n := len(c.W)
	w, old, m, v = make([]T, n), append([]T(nil), c.W...), make([]float64, n), make([]float64, n)
	finite = true
	for i, x := range c.W {
		gs := float64(c.G[i]) * a.Scale
		m[i] = float64(a.Beta1*c.M[i]) + float64(a.C1*gs)
		v[i] = float64(a.Beta2*c.V[i]) + float64(float64(a.C2*gs)*gs)
		den := float64(math.Sqrt(v[i])*a.InvSqrtBC2) + a.Eps
		y := float64(float64(x) - float64(a.StepSize*m[i])/den)
		w[i] = T(y - float64(a.Decay*float64(x)))
		if math.IsNaN(float64(w[i])) || math.IsInf(float64(w[i]), 0) {
			finite = false
		}
	}
	return w, old, m, v, finite
}

// CheckAdam runs f on the case in guarded buffers at offset and checks
// the guards, that g is untouched, and w, old, m, v and the report
// against the oracle, bit for bit (any NaN for a NaN).
func (c AdamCase[T]) CheckAdam(t testing.TB, f AdamFunc[T], offset int) bool {
	t.Helper()
	n := len(c.W)
	what := fmt.Sprintf("AdamUpdate n=%d offset=%d", n, offset)
	wb, gb := NewBuffer[T](n, offset).Fill(c.W), NewBuffer[T](n, (offset+1)%8).Fill(c.G)
	ob := NewBuffer[T](n, (offset+2)%8)
	mb, vb := NewBuffer[float64](n, (offset+3)%8).Fill(c.M), NewBuffer[float64](n, (offset+5)%8).Fill(c.V)
	finite := f(wb.S(), gb.S(), ob.S(), mb.S(), vb.S(), c.Step)
	for _, b := range []*Buffer[T]{wb, gb, ob} {
		b.CheckGuards(t, what)
	}
	mb.CheckGuards(t, what+" m")
	vb.CheckGuards(t, what+" v")
	if !Same(gb.S(), c.G) {
		t.Errorf("%s: g was modified", what)
	}
	w, old, m, v, ok := c.adamRef()
	for _, o := range []struct {
		name      string
		same      bool
		got, want any
	}{
		{"w", Same(wb.S(), w), wb.S(), w}, {"old", Same(ob.S(), old), ob.S(), old},
		{"m", Same(mb.S(), m), mb.S(), m}, {"v", Same(vb.S(), v), vb.S(), v},
	} {
		if !o.same {
			t.Errorf("%s: %s = %v, want %v", what, o.name, o.got, o.want)
		}
	}
	if finite != ok {
		t.Errorf("%s: reports finite = %v, want %v", what, finite, ok)
	}
	return !t.Failed()
}

// SweepAdam runs f over Lengths and Offsets at every step of AdamSteps,
// every other case with special values.
func SweepAdam[T Float](t *testing.T, f AdamFunc[T], short bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range Lengths(short) {
		for _, off := range Offsets(n) {
			for si, step := range AdamSteps {
				if !NewAdamCase[T](rng, n, step, (n+off+si)%2 == 0).CheckAdam(t, f, off) {
					return
				}
			}
		}
	}
}
