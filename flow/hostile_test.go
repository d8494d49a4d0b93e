package flow

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestExtremeInputsNeverNaN evaluates rows at the edge of the element
// type's range on every kind of model: the log-density of a finite point
// is a number or −Inf, never NaN (it was NaN for |x| ≥ 3.2e307 in float64
// and 3.5e37 in float32 on RealNVP, MAF and Glow), and ordinary rows in
// the same batch keep their finite values.
func TestExtremeInputsNeverNaN(t *testing.T) {
	extremeInputs[float64](t, []float64{1e300, 3.2e307, math.MaxFloat64})
	extremeInputs[float32](t, []float64{1e36, 3.5e37, math.MaxFloat32})
}

func extremeInputs[T Float](t *testing.T, huge []float64) {
	const d = 4
	builders := map[string]func() (*Model[T], error){
		"realnvp": func() (*Model[T], error) { return RealNVP[T](d, 4, Network{Hidden: []int{16}}, newRand(1)) },
		"maf":     func() (*Model[T], error) { return MAF[T](d, 3, Network{Hidden: []int{16}}, newRand(2)) },
		"glow":    func() (*Model[T], error) { return Glow[T](d, 3, Network{Hidden: []int{16}}, newRand(3)) },
		"nsf": func() (*Model[T], error) {
			return NSF[T](d, 3, Network{Hidden: []int{16}}, DefaultSpline, newRand(4))
		},
	}
	for name, build := range builders {
		m, err := build()
		checkNoErr(t, err)
		rng := newRand(5)
		for _, l := range m.layers {
			perturb(l.Params(), l.Refresh, rng, 0.3)
		}
		// ActNorm (Glow) initialises from an ordinary batch first.
		init := make([]T, 64*d)
		for i := range init {
			init[i] = T(rng.NormFloat64())
		}
		checkNoErr(t, m.LogProb(make([]T, 64), init))
		var x []T
		for _, h := range huge {
			for _, s := range []float64{1, -1} {
				x = append(x, T(s*h), 0.5, -0.25, 1) // one huge coordinate
				x = append(x, T(s*h), T(-s*h), T(s*h), T(s*h))
			}
		}
		x = append(x, 0.1, -0.2, 0.3, 0.4) // an ordinary row
		lp := make([]T, len(x)/d)
		if err := m.LogProb(lp, x); err != nil {
			t.Fatalf("%s %s: %v", name, dtypeOf[T](), err)
		}
		for r, v := range lp {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 1) {
				t.Errorf("%s %s: row %d %v: log p = %v", name, dtypeOf[T](), r, x[r*d:(r+1)*d], v)
			}
		}
		if last := float64(lp[len(lp)-1]); math.IsInf(last, 0) {
			t.Errorf("%s %s: an ordinary row's log p = %v", name, dtypeOf[T](), last)
		}
	}
}

// TestLoadRefusesOverflowingLU saves a Glow model whose LU diagonal
// parameter θ overflows exp in the element type (800 in float64, 100 in
// float32): finite in the file, it would map every point to ±Inf or NaN,
// so the loader refuses it, naming the layer.
func TestLoadRefusesOverflowingLU(t *testing.T) {
	overflowingLU[float64](t, 800)
	overflowingLU[float32](t, 100)
}

func overflowingLU[T Float](t *testing.T, theta T) {
	m, err := Glow[T](3, 2, Network{Hidden: []int{4}}, newRand(6))
	checkNoErr(t, err)
	good, err := m.MarshalBinary()
	checkNoErr(t, err)
	if _, err := UnmarshalModel[T](good); err != nil {
		t.Fatalf("%s: the unchanged model: %v", dtypeOf[T](), err)
	}
	at := -1
	for i, l := range m.layers {
		if lu, ok := l.(*LULinear[T]); ok {
			lu.theta[1] = theta
			lu.Refresh()
			at = i
			break
		}
	}
	data, err := m.MarshalBinary()
	checkNoErr(t, err)
	_, err = UnmarshalModel[T](data)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "layer "+itoa(at)+": LU") {
		t.Errorf("%s: θ = %v loaded with error %v, want ErrCorrupt naming layer %d", dtypeOf[T](), theta, err, at)
	}
}
