package flow

import (
	"context"
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

// TestTrainHugeLearningRates: at LR 1e100 the run stopped with "keeps the
// best parameters so far (epoch 0)" but left a model whose log-density
// was −Inf on every training row; at LR 1e6 it finished without a word at
// a validation NLL of 4.8e14. After any divergence the model must hold
// parameters with a finite loss, the initial ones if need be, and a run
// that got no better than where it started must say so (BestEpoch 0).
func TestTrainHugeLearningRates(t *testing.T) {
	data := correlated(2000, 11)
	for _, lr := range []float64{1e100, 1e6} {
		m, err := RealNVP[float64](2, 4, Network{Hidden: []int{32, 32}}, newRand(12))
		checkNoErr(t, err)
		res, err := Train(context.Background(), m, data, nil, TrainConfig{Epochs: 3, Batch: 100, LR: lr, Schedule: ScheduleConstant})
		if err != nil && !errors.Is(err, ErrDiverged) {
			t.Fatalf("LR %g: %v", lr, err)
		}
		lp := make([]float64, len(data)/2)
		checkNoErr(t, m.LogProb(lp, data))
		for r, v := range lp {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("LR %g: the model left has log p = %v on training row %d (result %+v, error %v)", lr, v, r, res, err)
			}
		}
		if res.BestEpoch != 0 || !(res.BestValidNLL == res.InitialValidNLL) || !(res.BestValidNLL < 10) {
			t.Errorf("LR %g: %+v: want the initial parameters kept (BestEpoch 0, their NLL)", lr, res)
		}
	}
}

// TestLUStartsOrthogonal checks that a random LU layer's W is orthogonal,
// as the matrix it was factorised from (its permutation now taken from
// the factorisation's pivots instead of a search over all pairs of rows,
// which took minutes at dim 2048).
func TestLUStartsOrthogonal(t *testing.T) {
	for _, d := range []int{1, 2, 3, 7, 16, 41} {
		l, err := NewLULinear[float64](d, DiagExp, newRand(uint64(d)))
		checkNoErr(t, err)
		for i := range d {
			for j := range d {
				var s float64
				for k := range d {
					s += l.w[i*d+k] * l.w[j*d+k]
				}
				if want := float64(map[bool]int{true: 1}[i == j]); math.Abs(s-want) > 1e-12 {
					t.Fatalf("dim %d: (W·Wᵀ)[%d,%d] = %v", d, i, j, s)
				}
			}
		}
	}
}
