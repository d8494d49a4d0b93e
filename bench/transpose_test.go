package bench

import (
	"fmt"
	"testing"

	"github.com/flowkern/flowkern"
)

// BenchmarkTranspose times flowkern.Transpose on the weight shapes of M1's
// networks (n×k: 128×8, 128×128, 16×128), which a training step
// transposes after every update for the kernels that read Wᵀ, on every
// available kernel set, in ns an element and GB/s (read and written).
func BenchmarkTranspose(b *testing.B) {
	b.Run("f64", transposeBench[float64])
	b.Run("f32", transposeBench[float32])
}

func transposeBench[T flowkern.Float](b *testing.B) {
	for _, s := range [][2]int{{128, 8}, {128, 128}, {16, 128}} {
		rows, cols := s[0], s[1]
		a, dst := make([]T, rows*cols), make([]T, rows*cols)
		for i := range a {
			a[i] = T(i)
		}
		b.Run(fmt.Sprintf("%dx%d", rows, cols), func(b *testing.B) {
			for _, impl := range impls() {
				withImpl(b, impl, func(b *testing.B) {
					for b.Loop() {
						flowkern.Transpose(dst, a, rows, cols)
					}
					report(b, len(a), 2*len(a)*size[T]())
				})
			}
		})
	}
}
