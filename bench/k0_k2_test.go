package bench

import (
	"math"
	"testing"

	"github.com/flowkern/flowkern"
)

// K0: exp(x), x uniform in [−20, 20], and log(x), x uniform in [10⁻³, 10³],
// into a preallocated output. Peer: a loop over math.Exp / math.Log.
func BenchmarkK0Exp(b *testing.B) {
	b.Run("f64", k0[float64](true))
	b.Run("f32", k0[float32](true))
}

func BenchmarkK0Log(b *testing.B) {
	b.Run("f64", k0[float64](false))
	b.Run("f32", k0[float32](false))
}

func k0[T flowkern.Float](isExp bool) func(b *testing.B) {
	return func(b *testing.B) {
		for _, sh := range shapes(8) {
			w := NewElementwise[T](sh[0], sh[1], 1)
			arg, kernel, ref := w.LogArg, flowkern.Log[T], math.Log
			if isExp {
				arg, kernel, ref = w.ExpArg, flowkern.Exp[T], math.Exp
			}
			n := len(arg)
			b.Run(shapeName(sh), func(b *testing.B) {
				for _, impl := range impls() {
					withImpl(b, impl, func(b *testing.B) {
						for b.Loop() {
							kernel(w.Out, arg)
						}
						report(b, n, 2*n*size[T]())
					})
				}
				peer := "mathlog"
				if isExp {
					peer = "mathexp"
				}
				b.Run(peer, func(b *testing.B) {
					for b.Loop() {
						for i, v := range arg {
							w.Out[i] = T(ref(float64(v)))
						}
					}
					report(b, n, 2*n*size[T]())
				})
			})
		}
	}
}

// K1: affine coupling with its per-row log-determinant, forward
// (y = x·exp(s) + t), inverse and backward, no clamp (s given). Peer: the
// same loops over math.Exp.
func BenchmarkK1AffineCoupling(b *testing.B) {
	b.Run("f64", k1[float64])
	b.Run("f32", k1[float32])
}

func k1[T flowkern.Float](b *testing.B) {
	for _, dir := range []string{"forward", "inverse", "backward"} {
		b.Run(dir, func(b *testing.B) {
			for _, sh := range shapes(8) {
				w := NewElementwise[T](sh[0], sh[1], 2)
				n, cols := len(w.X), w.Cols
				// forward/inverse read x, s, t and write y and the row
				// sums; backward reads dOut, x, s and dLogdet and writes
				// three gradients.
				bytes := (4*n + w.Rows) * size[T]()
				if dir == "backward" {
					bytes = (6*n + w.Rows) * size[T]()
				}
				b.Run(shapeName(sh), func(b *testing.B) {
					for _, impl := range impls() {
						withImpl(b, impl, func(b *testing.B) {
							for b.Loop() {
								switch dir {
								case "forward":
									flowkern.AffineForward(w.Out, w.Logdet, w.X, w.S, w.T, cols, 0)
								case "inverse":
									flowkern.AffineInverse(w.Out, w.Logdet, w.X, w.S, w.T, cols, 0)
								default:
									flowkern.AffineForwardGrad(w.Out, w.Out2, w.Out3, w.T, w.Logdet, w.X, w.S, cols, 0)
								}
							}
							report(b, n, bytes)
						})
					}
					b.Run("mathexp", func(b *testing.B) {
						for b.Loop() {
							affineMathExp(dir, w)
						}
						report(b, n, bytes)
					})
				})
			}
		})
	}
}

// affineMathExp is K1 written as a Go user would without flowkern.
func affineMathExp[T flowkern.Float](dir string, w *Elementwise[T]) {
	for r := range w.Rows {
		var sum T
		for j := r * w.Cols; j < (r+1)*w.Cols; j++ {
			s := w.S[j]
			switch dir {
			case "forward":
				w.Out[j] = w.X[j]*T(math.Exp(float64(s))) + w.T[j]
			case "inverse":
				w.Out[j] = (w.X[j] - w.T[j]) * T(math.Exp(-float64(s)))
			default:
				e := T(math.Exp(float64(s)))
				g := w.T[j]
				w.Out[j] = g * e
				w.Out2[j] = g*w.X[j]*e + w.Logdet[r]
				w.Out3[j] = g
			}
			sum += s
		}
		if dir != "backward" {
			w.Logdet[r] += sum
		}
	}
}

// K2: per-row Σ log|d|. Peer: a loop over math.Log.
func BenchmarkK2LogAbsSum(b *testing.B) {
	b.Run("f64", k2[float64])
	b.Run("f32", k2[float32])
}

func k2[T flowkern.Float](b *testing.B) {
	for _, sh := range shapes(16) {
		w := NewElementwise[T](sh[0], sh[1], 3)
		n, cols := len(w.X), w.Cols
		bytes := (n + w.Rows) * size[T]()
		b.Run(shapeName(sh), func(b *testing.B) {
			for _, impl := range impls() {
				withImpl(b, impl, func(b *testing.B) {
					for b.Loop() {
						flowkern.LogAbsSum(w.Logdet, w.X, cols)
					}
					report(b, n, bytes)
				})
			}
			b.Run("mathlog", func(b *testing.B) {
				for b.Loop() {
					for r := range w.Rows {
						var sum T
						for _, v := range w.X[r*cols : (r+1)*cols] {
							sum += T(math.Log(math.Abs(float64(v))))
						}
						w.Logdet[r] += sum
					}
				}
				report(b, n, bytes)
			})
		})
	}
}
