package bench

import (
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"

	"github.com/flowkern/flowkern"
)

// K4: the machine's limits as Go reaches them — copy and triad
// (a = b + s·c) over 256 MiB arrays, the triad both as a Go loop and
// through gonum's assembly, and a 2048³ GEMM through gonum. The
// elementwise kernels at large sizes are bounded by copy and the assembly
// triad (the Go loop, scalar, is slower than memory).
func BenchmarkK4Memory(b *testing.B) {
	b.Run("f64", k4[float64])
	b.Run("f32", k4[float32])
}

func k4[T flowkern.Float](b *testing.B) {
	n := (256 << 20) / size[T]()
	src, dst, c := make([]T, n), make([]T, n), make([]T, n)
	for i := range src {
		// Touch every page first, so the timings measure bandwidth, not
		// the kernel's first-touch page faults.
		src[i], c[i], dst[i] = T(i%1000), T(i%7), 1
	}
	b.Run("copy/256MiB/go", func(b *testing.B) {
		for b.Loop() {
			copy(dst, src)
		}
		report(b, n, 2*n*size[T]())
	})
	b.Run("triad/256MiB/go", func(b *testing.B) {
		const s = 1.5
		for b.Loop() {
			for i, v := range src {
				dst[i] = v + s*c[i]
			}
		}
		report(b, n, 3*n*size[T]())
	})
	// The same triad through gonum's SSE assembly (float64: floats'
	// AddScaledTo, dst = src + s·c; float32: Saxpy, dst += s·c): vector
	// loads and stores, so memory rather than the loop sets its speed.
	b.Run("triad/256MiB/gonum", func(b *testing.B) {
		const s = 1.5
		for b.Loop() {
			switch x := any(dst).(type) {
			case []float64:
				floats.AddScaledTo(x, any(src).([]float64), s, any(c).([]float64))
			case []float32:
				blas32.Implementation().Saxpy(n, s, any(c).([]float32), 1, x, 1)
			}
		}
		report(b, n, 3*n*size[T]())
	})
	b.Run("gemm/2048/gonum", func(b *testing.B) {
		const m = 2048
		a, bb, cc := make([]T, m*m), make([]T, m*m), make([]T, m*m)
		for i := range a {
			a[i], bb[i] = T(i%13)/13, T(i%11)/11
		}
		for b.Loop() {
			switch x := any(a).(type) {
			case []float64:
				blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, m, m, m, 1, x, m, any(bb).([]float64), m, 0, any(cc).([]float64), m)
			case []float32:
				blas32.Implementation().Sgemm(blas.NoTrans, blas.NoTrans, m, m, m, 1, x, m, any(bb).([]float32), m, 0, any(cc).([]float32), m)
			}
		}
		reportFlops(b, 2*float64(m)*m*m)
	})
}
