package kernels

import (
	"math"
	"testing"
)

// TestTranspose checks every shape up to 13×13 and a few larger ones,
// with every row count mod 4 (the tail rows), against the definition, and
// that nothing beyond rows·cols of dst is written.
func TestTranspose(t *testing.T) {
	shapes := [][2]int{{128, 128}, {8, 128}, {128, 16}, {129, 7}, {3, 257}}
	for r := 0; r <= 13; r++ {
		for c := 0; c <= 13; c++ {
			shapes = append(shapes, [2]int{r, c})
		}
	}
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		a := make([]float64, rows*cols)
		for i := range a {
			a[i] = float64(i) + 0.5
		}
		dst := make([]float64, rows*cols+3)
		for i := range dst {
			dst[i] = math.NaN()
		}
		Transpose(dst, a, rows, cols)
		for i := range rows {
			for j := range cols {
				if got := dst[j*rows+i]; got != a[i*cols+j] {
					t.Fatalf("%d×%d: dst[%d][%d] = %v, want %v", rows, cols, j, i, got, a[i*cols+j])
				}
			}
		}
		for _, v := range dst[rows*cols:] {
			if !math.IsNaN(v) {
				t.Fatalf("%d×%d: wrote beyond rows·cols", rows, cols)
			}
		}
	}
}

func TestTransposeShortPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a dst shorter than rows·cols")
		}
	}()
	Transpose(make([]float32, 5), make([]float32, 6), 2, 3)
}

// BenchmarkTranspose times the 128×128 transposition of a hidden layer's
// weights (flow's refresh after every training step, and the root
// package's Dense for each call of 8 rows or more).
func BenchmarkTranspose(b *testing.B) {
	a, dst := make([]float64, 128*128), make([]float64, 128*128)
	b.SetBytes(int64(8 * len(a)))
	for b.Loop() {
		Transpose(dst, a, 128, 128)
	}
}
