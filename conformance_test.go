package flowkern_test

import (
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
)

// The conformance tests run every available kernel set through the
// harness, through the public functions (so the length checks and the
// dispatch are on the path).

func TestUnaryConformance(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		for _, s := range []kerneltest.UnarySpec{kerneltest.ExpSpec, kerneltest.LogSpec, kerneltest.TanhSpec} {
			f64, f32 := unaryFuncs(s.Name)
			t.Run(s.Name+"/f64", func(t *testing.T) { kerneltest.SweepUnary(t, s, f64, testing.Short()) })
			t.Run(s.Name+"/f32", func(t *testing.T) { kerneltest.SweepUnary(t, s, f32, testing.Short()) })
		}
	})
}

// unaryFuncs returns the public function called name for both types.
func unaryFuncs(name string) (kerneltest.UnaryFunc[float64], kerneltest.UnaryFunc[float32]) {
	switch name {
	case "Exp":
		return flowkern.Exp[float64], flowkern.Exp[float32]
	case "Log":
		return flowkern.Log[float64], flowkern.Log[float32]
	}
	return flowkern.Tanh[float64], flowkern.Tanh[float32]
}

func TestAffineConformance(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) {
			kerneltest.SweepAffine(t, flowkern.AffineForward[float64], flowkern.AffineInverse[float64],
				kerneltest.ForwardGrad(flowkern.AffineForwardGrad[float64]), flowkern.AffineInverseGrad[float64], testing.Short())
		})
		t.Run("f32", func(t *testing.T) {
			kerneltest.SweepAffine(t, flowkern.AffineForward[float32], flowkern.AffineInverse[float32],
				kerneltest.ForwardGrad(flowkern.AffineForwardGrad[float32]), flowkern.AffineInverseGrad[float32], testing.Short())
		})
	})
}

func TestLogAbsSumConformance(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) { kerneltest.SweepLogAbsSum(t, flowkern.LogAbsSum[float64], testing.Short()) })
		t.Run("f32", func(t *testing.T) { kerneltest.SweepLogAbsSum(t, flowkern.LogAbsSum[float32], testing.Short()) })
	})
}

func TestTriangularConformance(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) {
			kerneltest.SweepTri(t, flowkern.TriSolve[float64], flowkern.TriMul[float64], testing.Short())
		})
		t.Run("f32", func(t *testing.T) {
			kerneltest.SweepTri(t, flowkern.TriSolve[float32], flowkern.TriMul[float32], testing.Short())
		})
	})
}

func TestDenseConformance(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) {
			kerneltest.SweepDense(t, flowkern.Dense[float64], flowkern.DenseGrad[float64], testing.Short())
		})
		t.Run("f32", func(t *testing.T) {
			kerneltest.SweepDense(t, flowkern.Dense[float32], flowkern.DenseGrad[float32], testing.Short())
		})
	})
}

func TestAdamConformance(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) { kerneltest.SweepAdam(t, flowkern.AdamUpdate[float64], testing.Short()) })
		t.Run("f32", func(t *testing.T) { kerneltest.SweepAdam(t, flowkern.AdamUpdate[float32], testing.Short()) })
	})
}
