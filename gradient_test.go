package flowkern_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
)

// The backward kernels against central finite differences of the forward
// kernels: for the linear functional L = Σ dOut·out + Σ dLogdet·logdet, the
// backward kernels' outputs are ∂L/∂in, ∂L/∂ŝ and ∂L/∂t. This checks the
// formulas themselves, independently of the harness's oracle.

const fdStep = 1e-6

// fdCheck compares grad[i] with the central difference of loss in p[i].
func fdCheck(t *testing.T, what string, p, grad []float64, loss func() float64) {
	t.Helper()
	for i := range p {
		old := p[i]
		p[i] = old + fdStep
		up := loss()
		p[i] = old - fdStep
		down := loss()
		p[i] = old
		fd := (up - down) / (2 * fdStep)
		if math.Abs(fd-grad[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("%s[%d]: backward kernel gives %.10g, finite differences %.10g", what, i, grad[i], fd)
			return
		}
	}
}

func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

func TestAffineGradientsMatchFiniteDifferences(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		const rows, cols = 3, 5
		for _, clamp := range []float64{0, 2} {
			for _, inverse := range []bool{false, true} {
				in, sHat, tt := randVec(rng, rows*cols, 1), randVec(rng, rows*cols, 1.5), randVec(rng, rows*cols, 1)
				dOut, dLd := randVec(rng, rows*cols, 1), randVec(rng, rows, 1)
				out, ld := make([]float64, rows*cols), make([]float64, rows)
				loss := func() float64 {
					clear(ld)
					if inverse {
						flowkern.AffineInverse(out, ld, in, sHat, tt, cols, clamp)
					} else {
						flowkern.AffineForward(out, ld, in, sHat, tt, cols, clamp)
					}
					var l float64
					for i, v := range out {
						l += dOut[i] * v
					}
					for r, v := range ld {
						l += dLd[r] * v
					}
					return l
				}
				dIn, dS, dT := make([]float64, rows*cols), make([]float64, rows*cols), make([]float64, rows*cols)
				name := "forward"
				if inverse {
					name = "inverse"
					flowkern.AffineInverseGrad(dIn, dS, dT, dOut, dLd, in, sHat, tt, cols, clamp)
				} else {
					flowkern.AffineForwardGrad(dIn, dS, dT, dOut, dLd, in, sHat, cols, clamp)
				}
				fdCheck(t, name+" dIn", in, dIn, loss)
				fdCheck(t, name+" dSHat", sHat, dS, loss)
				fdCheck(t, name+" dT", tt, dT, loss)
			}
		}
	})
}

func TestDenseGradientsMatchFiniteDifferences(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		const m, k, n = 4, 3, 5
		for _, act := range []flowkern.Activation{flowkern.ActIdentity, flowkern.ActReLU, flowkern.ActLeakyReLU,
			flowkern.ActTanh, flowkern.ActELU, flowkern.ActSigmoid} {
			x, w, b, dy := randVec(rng, m*k, 1), randVec(rng, n*k, 0.7), randVec(rng, n, 0.5), randVec(rng, m*n, 1)
			y := make([]float64, m*n)
			loss := func() float64 {
				flowkern.Dense(y, x, w, b, m, k, n, act)
				var l float64
				for i, v := range y {
					l += dy[i] * v
				}
				return l
			}
			loss()
			dx, dw, db := make([]float64, m*k), make([]float64, n*k), make([]float64, n)
			dz := append([]float64(nil), dy...)
			flowkern.DenseGrad(dx, dw, db, dz, x, w, y, m, k, n, act)
			fdCheck(t, act.String()+" dx", x, dx, loss)
			fdCheck(t, act.String()+" dw", w, dw, loss)
			fdCheck(t, act.String()+" db", b, db, loss)
		}
	})
}
