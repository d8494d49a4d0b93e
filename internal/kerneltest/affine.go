package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// AffineFunc is the signature of AffineForward and AffineInverse.
type AffineFunc[T Float] func(out, logdet, in, sHat, t []T, cols int, clamp T)

// AffineGradFunc is the signature of AffineInverseGrad; AffineForwardGrad,
// which needs no t, is adapted to it by ForwardGrad.
type AffineGradFunc[T Float] func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T)

// ForwardGrad adapts AffineForwardGrad to AffineGradFunc.
func ForwardGrad[T Float](f func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T)) AffineGradFunc[T] {
	return func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, _ []T, cols int, clamp T) {
		f(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
	}
}

// AffineCase is one set of inputs for the affine kernels.
type AffineCase[T Float] struct {
	Rows, Cols int
	Clamp      T
	In, SHat   []T // rows·cols
	Shift      []T // t, rows·cols
	DOut       []T // rows·cols, for the backward passes
	Logdet     []T // rows: the initial log-determinants (forward passes), or dLogdet (backward)
}

// affineSpecials are the special values scattered into affine inputs.
var affineSpecials = []float64{math.NaN(), inf, -inf, 0, math.Copysign(0, -1), 5e-324, 1e-40, 100, -100, 1e30, -1e30, 0.5}

// NewAffineCase returns a case with typical values (x and t standard
// normal, ŝ in [−3, 3]) and, when specials is set, special values
// scattered through every input.
func NewAffineCase[T Float](rng *rand.Rand, rows, cols int, clamp T, specials bool) AffineCase[T] {
	n := rows * cols
	c := AffineCase[T]{Rows: rows, Cols: cols, Clamp: clamp,
		In: normals[T](rng, n, 1), SHat: uniforms[T](rng, n, 3), Shift: normals[T](rng, n, 1),
		DOut: normals[T](rng, n, 1), Logdet: normals[T](rng, rows, 2)}
	if specials && n > 0 {
		for _, s := range [][]T{c.In, c.SHat, c.Shift, c.DOut} {
			for k := 0; k < n/8+1; k++ {
				s[rng.IntN(n)] = T(affineSpecials[rng.IntN(len(affineSpecials))])
			}
		}
	}
	return c
}

func normals[T Float](rng *rand.Rand, n int, scale float64) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(scale * rng.NormFloat64())
	}
	return x
}

func uniforms[T Float](rng *rand.Rand, n int, a float64) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(a * (2*rng.Float64() - 1))
	}
	return x
}

// scale returns the oracle's s = c·tanh(ŝ/c) and ∂s/∂ŝ, in float64.
func scale(sHat, c float64) (s, ds float64) {
	if c == 0 {
		return sHat, 1
	}
	th := math.Tanh(sHat / c)
	return c * th, 1 - th*th
}

// expT returns exp(v) rounded to T, as the kernels form it before using it.
func expT[T Float](v float64) float64 {
	return float64(T(math.Exp(v)))
}

// affineTol is the allowance, in ε·magnitude, for one affine element: the
// exp's and tanh's ulp errors amplified by |s| ≤ a few, and two roundings.
const affineTol = 16

// CheckAffine runs fwd or inv (inverse set) on the case in guarded buffers
// at offset and checks guards, untouched inputs, every output and row sum
// against the oracle, and the in-place call (out = in).
func (c AffineCase[T]) CheckAffine(t testing.TB, name string, f AffineFunc[T], inverse bool, offset int) bool {
	t.Helper()
	what := fmt.Sprintf("%s rows=%d cols=%d clamp=%v offset=%d", name, c.Rows, c.Cols, c.Clamp, offset)
	in := NewBuffer[T](len(c.In), offset).Fill(c.In)
	sh := NewBuffer[T](len(c.In), (offset+1)%8).Fill(c.SHat)
	tt := NewBuffer[T](len(c.In), (offset+2)%8).Fill(c.Shift)
	out := NewBuffer[T](len(c.In), (offset+5)%8)
	ld := NewBuffer[T](c.Rows, (offset+7)%8).Fill(c.Logdet)
	f(out.S(), ld.S(), in.S(), sh.S(), tt.S(), c.Cols, c.Clamp)
	for _, b := range []struct {
		name string
		buf  *Buffer[T]
		orig []T
	}{{"in", in, c.In}, {"sHat", sh, c.SHat}, {"t", tt, c.Shift}, {"out", out, nil}, {"logdet", ld, nil}} {
		b.buf.CheckGuards(t, what+" "+b.name)
		if b.orig != nil && !Same(b.buf.S(), b.orig) {
			t.Errorf("%s: input %s was modified", what, b.name)
		}
	}
	cl := float64(c.Clamp)
	for r := 0; r < c.Rows; r++ {
		sum, mag := float64(c.Logdet[r]), math.Abs(float64(c.Logdet[r]))
		for j := 0; j < c.Cols; j++ {
			i := r*c.Cols + j
			x, th := float64(c.In[i]), float64(c.Shift[i])
			s, _ := scale(float64(c.SHat[i]), cl)
			var want, m float64
			if inverse {
				e := expT[T](-s)
				want, m = (x-th)*e, (math.Abs(x)+math.Abs(th))*e
				sum -= s
			} else {
				e := expT[T](s)
				want, m = x*e+th, math.Abs(x*e)+math.Abs(th)
				sum += s
			}
			mag += math.Abs(s)
			if got := out.S()[i]; !Close(got, want, m, affineTol) {
				t.Errorf("%s: out[%d] = %v, want %v (in %v, sHat %v, t %v)", what, i, got, want, c.In[i], c.SHat[i], c.Shift[i])
				return false
			}
		}
		if got := ld.S()[r]; !Close(got, sum, mag, float64(c.Cols+affineTol)) {
			t.Errorf("%s: logdet[%d] = %v, want %v", what, r, got, sum)
			return false
		}
	}
	// In place: out is the same slice as in.
	inPlace := NewBuffer[T](len(c.In), offset).Fill(c.In)
	ld2 := NewBuffer[T](c.Rows, offset).Fill(c.Logdet)
	f(inPlace.S(), ld2.S(), inPlace.S(), sh.S(), tt.S(), c.Cols, c.Clamp)
	if !Same(inPlace.S(), out.S()) || !Same(ld2.S(), ld.S()) {
		t.Errorf("%s: in-place result differs from out-of-place", what)
	}
	return !t.Failed()
}

// CheckAffineGrad runs a backward pass on the case (Logdet as dLogdet) and
// checks it like CheckAffine, against the oracle's gradients.
func (c AffineCase[T]) CheckAffineGrad(t testing.TB, name string, f AffineGradFunc[T], inverse bool, offset int) bool {
	t.Helper()
	what := fmt.Sprintf("%s rows=%d cols=%d clamp=%v offset=%d", name, c.Rows, c.Cols, c.Clamp, offset)
	n := len(c.In)
	in := NewBuffer[T](n, offset).Fill(c.In)
	sh := NewBuffer[T](n, (offset+1)%8).Fill(c.SHat)
	tt := NewBuffer[T](n, (offset+2)%8).Fill(c.Shift)
	dOut := NewBuffer[T](n, (offset+3)%8).Fill(c.DOut)
	dld := NewBuffer[T](c.Rows, (offset+4)%8).Fill(c.Logdet)
	dIn, dS, dT := NewBuffer[T](n, (offset+5)%8), NewBuffer[T](n, (offset+6)%8), NewBuffer[T](n, (offset+7)%8)
	f(dIn.S(), dS.S(), dT.S(), dOut.S(), dld.S(), in.S(), sh.S(), tt.S(), c.Cols, c.Clamp)
	for _, b := range []struct {
		name string
		buf  *Buffer[T]
		orig []T
	}{{"in", in, c.In}, {"sHat", sh, c.SHat}, {"t", tt, c.Shift}, {"dOut", dOut, c.DOut}, {"dLogdet", dld, c.Logdet},
		{"dIn", dIn, nil}, {"dSHat", dS, nil}, {"dT", dT, nil}} {
		b.buf.CheckGuards(t, what+" "+b.name)
		if b.orig != nil && !Same(b.buf.S(), b.orig) {
			t.Errorf("%s: input %s was modified", what, b.name)
		}
	}
	// ∂s/∂ŝ = 1 − tanh² cancels where |tanh| is near 1, which multiplies
	// tanh's error: the magnitude of dSHat's terms counts 1 + |∂s/∂ŝ|. The
	// oracle rounds to T where the kernels' documented formula does (the
	// product dOut·in, the fused dOut·z + dLogdet before ∂s/∂ŝ), so that an
	// overflow of T there, or its absence thanks to the fusion, is
	// expected, not a failure.
	cl := float64(c.Clamp)
	for i := 0; i < n; i++ {
		r := i / c.Cols
		x, th, g, dl := float64(c.In[i]), float64(c.Shift[i]), float64(c.DOut[i]), float64(c.Logdet[r])
		s, ds := scale(float64(c.SHat[i]), cl)
		var wIn, wS, wT, mIn, mS float64
		if inverse {
			e := expT[T](-s)
			z := float64(T((x - th) * e))
			wIn, mIn = g*e, math.Abs(g*e)
			wT = -wIn
			wS, mS = -float64(T(math.FMA(g, z, dl)))*ds, (math.Abs(g*z)+math.Abs(dl))*(1+math.Abs(ds))
		} else {
			e := expT[T](s)
			wIn, mIn = g*e, math.Abs(g*e)
			wT = g
			gx := float64(T(g * x))
			wS, mS = float64(T(math.FMA(gx, e, dl)))*ds, (math.Abs(gx*e)+math.Abs(dl))*(1+math.Abs(ds))
		}
		for _, o := range []struct {
			name      string
			got       T
			want, mag float64
		}{{"dIn", dIn.S()[i], wIn, mIn}, {"dT", dT.S()[i], wT, math.Abs(wT)}, {"dSHat", dS.S()[i], wS, mS}} {
			if !Close(o.got, o.want, o.mag, affineTol) {
				t.Errorf("%s: %s[%d] = %v, want %v (in %v, sHat %v, t %v, dOut %v, dLogdet %v)",
					what, o.name, i, o.got, o.want, c.In[i], c.SHat[i], c.Shift[i], c.DOut[i], c.Logdet[r])
				return false
			}
		}
	}
	// In place: dIn is the same slice as dOut.
	inPlace := NewBuffer[T](n, offset).Fill(c.DOut)
	dS2, dT2 := NewBuffer[T](n, offset), NewBuffer[T](n, offset)
	f(inPlace.S(), dS2.S(), dT2.S(), inPlace.S(), dld.S(), in.S(), sh.S(), tt.S(), c.Cols, c.Clamp)
	if !Same(inPlace.S(), dIn.S()) || !Same(dS2.S(), dS.S()) || !Same(dT2.S(), dT.S()) {
		t.Errorf("%s: in-place result differs from out-of-place", what)
	}
	return !t.Failed()
}

// AffineShapes returns the (rows, cols) shapes the sweep runs: short and
// long rows (up to 2000, as in wide autoregressive layers), row counts that
// leave every remainder of a vector, and empty batches.
func AffineShapes(short bool) [][2]int {
	cols := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257}
	rows := []int{0, 1, 2, 3, 5, 17, 40}
	var shapes [][2]int
	for _, r := range rows {
		for _, c := range cols {
			shapes = append(shapes, [2]int{r, c})
		}
	}
	shapes = append(shapes, [2]int{3, 2000}, [2]int{1, 1999}, [2]int{4096, 8})
	if !short {
		shapes = append(shapes, [2]int{1 << 17, 8}, [2]int{1 << 16, 16})
	}
	return shapes
}

// SweepAffine runs the four affine kernels over AffineShapes, offsets and
// clamps, with and without special values.
func SweepAffine[T Float](t *testing.T, fwd, inv AffineFunc[T], fwdGrad, invGrad AffineGradFunc[T], short bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, 3))
	for _, sh := range AffineShapes(short) {
		offsets, clamps := Offsets(sh[0]*sh[1]), []T{0, 2, 0.75}
		if sh[0]*sh[1] > 1024 {
			offsets, clamps = []int{5}, []T{2} // the long cases test streaming, not edges
		}
		for _, off := range offsets {
			for _, clamp := range clamps {
				c := NewAffineCase[T](rng, sh[0], sh[1], clamp, off%2 == 1)
				ok := c.CheckAffine(t, "AffineForward", fwd, false, off) &&
					c.CheckAffine(t, "AffineInverse", inv, true, off) &&
					c.CheckAffineGrad(t, "AffineForwardGrad", fwdGrad, false, off) &&
					c.CheckAffineGrad(t, "AffineInverseGrad", invGrad, true, off)
				if !ok {
					return
				}
			}
		}
	}
}
