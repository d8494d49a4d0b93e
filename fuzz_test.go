package flowkern_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
	"github.com/flowkern/flowkern/kernels"
)

// The fuzz targets build kernel inputs from bytes and hold every available
// kernel set to the harness's checks. `go test` runs their seeds; `go test
// -fuzz=FuzzX` searches.

// floats decodes data as little-endian float64s, or float32s.
func floats[T float32 | float64](data []byte) []T {
	var x T
	if _, ok := any(x).(float32); ok {
		out := make([]T, len(data)/4)
		for i := range out {
			out[i] = T(math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])))
		}
		return out
	}
	out := make([]T, len(data)/8)
	for i := range out {
		out[i] = T(math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:])))
	}
	return out
}

// eachImpl runs f with every available kernel set selected.
func eachImpl(t *testing.T, f func()) {
	before := flowkern.Impl()
	defer flowkern.Use(before)
	for _, info := range flowkern.Diagnose().Sets {
		if info.Available {
			if err := flowkern.Use(info.Name); err != nil {
				t.Fatal(err)
			}
			f()
		}
	}
}

func seedBytes(vals ...float64) []byte {
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

func FuzzUnary(f *testing.F) {
	f.Add(seedBytes(0, 1, -1, 709.78, -745.2, math.Inf(1), math.NaN(), 5e-324, 0.625), uint8(0), false)
	f.Add(seedBytes(88.7, -104, 1e-40, 3, 0.625, -0.625), uint8(13), true)
	f.Fuzz(func(t *testing.T, data []byte, op uint8, single bool) {
		s := []kerneltest.UnarySpec{kerneltest.ExpSpec, kerneltest.LogSpec, kerneltest.TanhSpec}[op%3]
		f64, f32 := unaryFuncs(s.Name)
		eachImpl(t, func() {
			if single {
				kerneltest.CheckUnaryValues(t, s, f32, floats[float32](data), int(op/3)%8)
			} else {
				kerneltest.CheckUnaryValues(t, s, f64, floats[float64](data), int(op/3)%8)
			}
		})
	})
}

func FuzzAffine(f *testing.F) {
	f.Add(seedBytes(1, 2, 3, 4, 0.5, -0.5, 1e30, math.NaN(), 2, 3, 4, 5), uint8(3), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, cols, clamp, flags uint8) {
		x := floats[float64](data)
		c := int(cols%40) + 1
		rows := len(x) / (5 * c)
		n := rows * c
		if rows == 0 {
			return
		}
		ac := kerneltest.AffineCase[float64]{Rows: rows, Cols: c, Clamp: float64(clamp%8) / 2,
			In: x[:n], SHat: x[n : 2*n], Shift: x[2*n : 3*n], DOut: x[3*n : 4*n], Logdet: x[4*n : 4*n+rows]}
		off := int(flags>>2) % 8
		eachImpl(t, func() {
			switch flags % 4 {
			case 0:
				ac.CheckAffine(t, "AffineForward", flowkern.AffineForward[float64], false, off)
			case 1:
				ac.CheckAffine(t, "AffineInverse", flowkern.AffineInverse[float64], true, off)
			case 2:
				ac.CheckAffineGrad(t, "AffineForwardGrad", kerneltest.ForwardGrad(flowkern.AffineForwardGrad[float64]), false, off)
			case 3:
				ac.CheckAffineGrad(t, "AffineInverseGrad", flowkern.AffineInverseGrad[float64], true, off)
			}
		})
	})
}

func FuzzLogAbsSum(f *testing.F) {
	f.Add(seedBytes(1, -2, 0, 5e-324, math.Inf(-1), 3, 4, 5), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, cols, offset uint8) {
		x := floats[float64](data)
		c := int(cols%64) + 1
		rows := len(x) / (c + 1)
		eachImpl(t, func() {
			kerneltest.CheckLogAbsSum(t, flowkern.LogAbsSum[float64], x[:rows], x[rows:rows+rows*c], c, int(offset)%8)
		})
	})
}

func FuzzTriangular(f *testing.F) {
	f.Add(uint8(5), uint16(9), uint8(0), uint64(1))
	f.Add(uint8(17), uint16(257), uint8(7), uint64(2))
	f.Fuzz(func(t *testing.T, n uint8, nrhs uint16, flags uint8, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		uplo := []blas.Uplo{blas.Lower, blas.Upper}[flags&1]
		tA := []blas.Transpose{blas.NoTrans, blas.Trans}[flags>>1&1]
		diag := []blas.Diag{blas.NonUnit, blas.Unit}[flags>>2&1]
		size, cols := int(n%40), int(nrhs%700)
		a := triProblemMatrix[float64](rng, uplo, triCase{n: size, zeros: float64(flags>>6) / 4})
		x := randVec(rng, size*cols, 1)
		eachImpl(t, func() {
			kerneltest.CheckTri(t, "TriSolve", flowkern.TriSolve[float64], true, uplo, tA, diag, size, a, x, cols, int(flags>>3)%8)
			kerneltest.CheckTri(t, "TriMul", flowkern.TriMul[float64], false, uplo, tA, diag, size, a, x, cols, int(flags>>3)%8)
			for _, op := range []struct {
				f, ref kerneltest.TriFunc[float64]
			}{{flowkern.TriSolve[float64], kernels.TriSolve[float64]}, {flowkern.TriMul[float64], kernels.TriMul[float64]}} {
				got, want := slices.Clone(x), slices.Clone(x)
				op.f(uplo, tA, diag, size, a, got, cols)
				op.ref(uplo, tA, diag, size, a, want, cols)
				if !kerneltest.Same(got, want) {
					t.Fatalf("%s: uplo=%c tA=%c diag=%c n=%d nrhs=%d: not the portable kernel's bits", flowkern.Impl(), uplo, tA, diag, size, cols)
				}
			}
		})
	})
}

func FuzzDense(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(1), uint64(1))
	f.Fuzz(func(t *testing.T, m, k, n, flags uint8, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 2))
		act := kerneltest.Activations[int(flags)%len(kerneltest.Activations)]
		eachImpl(t, func() {
			kerneltest.CheckDense(t, flowkern.Dense[float64], flowkern.DenseGrad[float64], int(m%40), int(k%70), int(n%40), act, flags&8 != 0, rng, int(flags>>4)%8)
		})
	})
}

// FuzzSpline runs the spline kernels on arbitrary inputs and parameters
// (any bits: NaN, ±Inf, huge logits) under every kernel set: the same
// outputs as the portable kernels, row log-determinants within cols·ε of
// the sum of their terms' magnitudes, and inputs beyond the bound passed
// through exactly.
func FuzzSpline(f *testing.F) {
	f.Add(seedBytes(0.5, -2, 3, 7, 1e4, -1e4, 0, 2, 1, -1, 0.25, 0.5, 3, -3, 1, 1), uint8(2), uint8(3), false)
	f.Add(seedBytes(math.NaN(), math.Inf(1), -0.0, 2.9, 1, 2, 3, 4, 5, 6, 7, 8), uint8(3), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, bins, cols uint8, inverse bool) {
		s := flowkern.Spline{Bins: int(bins%8) + 2, Bound: 3}
		c := int(cols%19) + 1
		v := floats[float64](data)
		per := s.ParamsPer()
		rows := len(v) / (c * (per + 1))
		if rows == 0 {
			return
		}
		in, params := v[:rows*c], v[rows*c:rows*c*(per+1)]
		ks := kernels.RQSpline[float64]{Bins: s.Bins, Bound: 3, MinWidth: 1e-3, MinHeight: 1e-3, MinDerivative: 1e-3}
		want, wantLd := make([]float64, len(in)), make([]float64, rows)
		if inverse {
			kernels.SplineInverse(want, wantLd, in, params, c, ks)
		} else {
			kernels.SplineForward(want, wantLd, in, params, c, ks)
		}
		// The backward pass, for loss gradients of a few magnitudes.
		dOut, dLd := make([]float64, len(in)), make([]float64, rows)
		for i := range dOut {
			dOut[i] = float64(i%5) - 2
		}
		for r := range dLd {
			dLd[r] = 0.5*float64(r) - 1
		}
		wantIn, wantP := make([]float64, len(in)), make([]float64, len(params))
		grad, gradRef := flowkern.SplineForwardGrad[float64], kernels.SplineForwardGrad[float64]
		if inverse {
			grad, gradRef = flowkern.SplineInverseGrad[float64], kernels.SplineInverseGrad[float64]
		}
		gradRef(wantIn, wantP, dOut, dLd, in, params, c, ks)
		mag := splineTermMagnitudes(in, params, c, ks, inverse)
		eachImpl(t, func() {
			out, ld := make([]float64, len(in)), make([]float64, rows)
			if inverse {
				flowkern.SplineInverse(out, ld, in, params, c, s)
			} else {
				flowkern.SplineForward(out, ld, in, params, c, s)
			}
			if !kerneltest.Same(out, want) {
				t.Fatalf("%s: out differs from the portable kernel's", flowkern.Impl())
			}
			dIn, dP := make([]float64, len(in)), make([]float64, len(params))
			grad(dIn, dP, dOut, dLd, in, params, c, s)
			if !kerneltest.Same(dIn, wantIn) || !kerneltest.Same(dP, wantP) {
				t.Fatalf("%s: gradients differ from the portable kernel's", flowkern.Impl())
			}
			for r, l := range ld {
				if !kerneltest.Close(l, wantLd[r], mag[r], 4*float64(c)) && !(math.IsNaN(l) && math.IsNaN(wantLd[r])) {
					t.Fatalf("%s: logdet[%d] = %v, portable %v", flowkern.Impl(), r, l, wantLd[r])
				}
			}
		})
		for i, x := range in {
			if math.Abs(x) > 3 && want[i] != x {
				t.Fatalf("%v beyond the bound maps to %v", x, want[i])
			}
		}
	})
}

// FuzzAdamUpdate holds every kernel set's AdamUpdate to the harness's
// oracle on parameters, gradients and moments from the fuzzer (the second
// moments' magnitudes, as a second moment is never negative), with every
// scalar of the step from it too.
func FuzzAdamUpdate(f *testing.F) {
	f.Add(seedBytes(1, -2, 0.5, 3, 1e-3, 0.1, 0.2, 0.3, math.Inf(1), math.NaN(), 5e-324, -0.0), seedBytes(1, 0.9, 0.1, 0.999, 0.001, 1e-3, 1, 1e-8, 1e-5), uint8(0), false)
	f.Add(seedBytes(3e38, -3e38, 1, 1, 1e300, 1e-300, 2, 2, 0.5, 0.5, 0.25, 0.25, 4, 4, 8, 8, 1, 2), seedBytes(2, 0.5, 0.5, 0.5, 0.5, 1e30, 3, 1, 0), uint8(3), true)
	f.Fuzz(func(t *testing.T, data, scalars []byte, offset uint8, single bool) {
		p := floats[float64](scalars)
		if len(p) < 9 {
			return
		}
		step := flowkern.AdamStep{Scale: p[0], Beta1: p[1], C1: p[2], Beta2: p[3], C2: p[4], StepSize: p[5], InvSqrtBC2: p[6], Eps: p[7], Decay: p[8]}
		vals := floats[float64](data)
		n := len(vals) / 4
		eachImpl(t, func() {
			if single {
				adamCase[float32](vals, n, step).CheckAdam(t, flowkern.AdamUpdate[float32], int(offset%8))
			} else {
				adamCase[float64](vals, n, step).CheckAdam(t, flowkern.AdamUpdate[float64], int(offset%8))
			}
		})
	})
}

// adamCase is the case whose n parameters, gradients, first and second
// moments vals holds in turn.
func adamCase[T flowkern.Float](vals []float64, n int, step flowkern.AdamStep) kerneltest.AdamCase[T] {
	c := kerneltest.AdamCase[T]{W: make([]T, n), G: make([]T, n), M: slices.Clone(vals[2*n : 3*n]), V: slices.Clone(vals[3*n : 4*n]), Step: step}
	for i := range n {
		c.W[i], c.G[i] = T(vals[i]), T(vals[n+i])
		c.V[i] = math.Abs(c.V[i])
	}
	return c
}

// FuzzTranspose transposes arbitrary bits, as float64 and as float32, in
// shapes up to 47×47 under every kernel set: dst must be the portable
// Transpose's, bit for bit (a signalling NaN's too), and a unchanged.
func FuzzTranspose(f *testing.F) {
	f.Add(seedBytes(1, -0.0, math.NaN(), math.Inf(-1), 5e-324, 2, 3, 4, 5, 6, 7, 8, 9), uint8(3), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, rows, cols uint8) {
		transposeFuzz(t, floats[float64](data), int(rows%48), int(cols%48))
		transposeFuzz(t, floats[float32](data), int(cols%48), int(rows%48))
	})
}

func transposeFuzz[T float32 | float64](t *testing.T, v []T, rows, cols int) {
	n := rows * cols
	a := make([]T, n)
	for i := range a {
		if len(v) > 0 {
			a[i] = v[i%len(v)]
		}
	}
	before := slices.Clone(a)
	want := make([]T, n)
	kernels.Transpose(want, a, rows, cols)
	eachImpl(t, func() {
		got := make([]T, n)
		flowkern.Transpose(got, a, rows, cols)
		for i := range got {
			if kerneltest.Bits(got[i]) != kerneltest.Bits(want[i]) || kerneltest.Bits(a[i]) != kerneltest.Bits(before[i]) {
				t.Fatalf("%s %T %d×%d: element %d = %#x, want %#x (a's %#x, before %#x)", flowkern.Impl(), got[i], rows, cols, i, kerneltest.Bits(got[i]), kerneltest.Bits(want[i]), kerneltest.Bits(a[i]), kerneltest.Bits(before[i]))
			}
		}
	})
}
