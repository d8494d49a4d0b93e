package flowkern_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
)

// TestLogAbsSumAccuracy holds every kernel set's row sums to the true
// Σ log|d| (160-bit reference) within kerneltest.LogAbsSumBound, on data
// that stresses the product form: factors near 1 (where the sum is small
// and the product's roundings are all the error), magnitudes spread over
// the exponent range, and factors of one size (the product's growth).
// Rows of 17 fill a packed block for every lane count.
func TestLogAbsSumAccuracy(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", func(t *testing.T) { logAbsAccuracy[float64](t, 1000) })
		t.Run("f32", func(t *testing.T) { logAbsAccuracy[float32](t, 120) })
	})
}

func logAbsAccuracy[T flowkern.Float](t *testing.T, maxExp float64) {
	rng := rand.New(rand.NewPCG(11, 12))
	data := map[string]func() T{
		"near1": func() T { return T((1 + 0.01*(2*rng.Float64()-1)) * sign(rng)) },
		"wide":  func() T { return T(math.Exp2(maxExp*(2*rng.Float64()-1)) * sign(rng)) },
		"large": func() T { return T(1.4 + 0.01*rng.Float64()) },
	}
	const rows = 17
	worst := 0.0
	for _, kind := range []string{"near1", "wide", "large"} {
		for _, cols := range []int{1, 2, 4, 8, 16, 32, 100} {
			d := make([]T, rows*cols)
			for i := range d {
				d[i] = data[kind]()
			}
			ld := make([]T, rows)
			flowkern.LogAbsSum(ld, d, cols)
			for r := range ld {
				row := d[r*cols : (r+1)*cols]
				want := kerneltest.LogAbsSumRef(row)
				mag := 0.0
				for _, v := range row {
					mag += math.Abs(math.Log(math.Abs(float64(v))))
				}
				err := math.Abs(float64(ld[r])-want) / kerneltest.Eps[T]()
				bound := kerneltest.LogAbsSumBound(cols, mag)
				if err > bound {
					t.Fatalf("%s cols=%d row %d: %v, want %v: %.1f ε, bound %.1f ε", kind, cols, r, ld[r], want, err, bound)
				}
				worst = max(worst, err/(mag+float64(cols)))
			}
		}
	}
	// Rows of one element: exactly Log(|d|), the product being |d| itself.
	one := make([]T, 1000)
	for i := range one {
		one[i] = data["wide"]()
	}
	ld, want := make([]T, len(one)), make([]T, len(one))
	flowkern.LogAbsSum(ld, one, 1)
	for i, v := range one {
		want[i] = T(math.Abs(float64(v)))
	}
	flowkern.Log(want, want)
	for i := range ld {
		if ld[i] != want[i] {
			t.Fatalf("one-element row %v: %v, Log gives %v", one[i], ld[i], want[i])
		}
	}

	// Long rows of one value: the lane products grow (or shrink) by the
	// same factor each vector, and only the periodic splits keep them in
	// range. Each value is at the top (or bottom) of some set's split.
	const cols = 4000
	for _, v := range []float64{1.999, 1.4142, 0.7072, 1.9e30, -3e-30} {
		row := make([]T, cols)
		for i := range row {
			row[i] = T(v)
		}
		ld := make([]T, 1)
		flowkern.LogAbsSum(ld, row, cols)
		want := cols * kerneltest.LogAbsSumRef(row[:1])
		mag := math.Abs(want)
		err := math.Abs(float64(ld[0])-want) / kerneltest.Eps[T]()
		if bound := kerneltest.LogAbsSumBound(cols, mag); !(err <= bound) {
			t.Fatalf("%d × %v: %v, want %v: %.1f ε, bound %.1f ε", cols, T(v), ld[0], want, err, bound)
		}
		worst = max(worst, err/(mag+cols))
	}
	t.Logf("worst error %s ε·(cols + Σ|log|d||)", fmt.Sprintf("%.3f", worst))
}

func sign(rng *rand.Rand) float64 {
	if rng.IntN(2) == 0 {
		return -1
	}
	return 1
}
