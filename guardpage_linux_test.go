package flowkern_test

import (
	"fmt"
	"runtime/debug"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
)

// TestKernelsStayInsideTheirSlices runs every kernel of every available
// set with each slice placed against an inaccessible page, once ending at
// the page edge (a read or write past the end faults) and once beginning at
// it (one before the start faults), at every tail length: all unary and
// Adam lengths 0…257, affine and log-abs rows of 1…40 columns in batches of
// up to 33 rows (the packed blocks of 8 and 16 rows included), dense
// shapes around the vector widths, and transpositions of up to 20 rows by
// 33 columns (the vector tiles are 4 and 8 square). A fault is turned into a panic and
// reported with the kernel and shape.
func TestKernelsStayInsideTheirSlices(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		t.Run("f64", fencedSweep[float64])
		t.Run("f32", fencedSweep[float32])
	})
}

// fenceSlots is how many slices a kernel call takes at most.
const fenceSlots = 8

func fencedSweep[T flowkern.Float](t *testing.T) {
	var fences [fenceSlots]*kerneltest.Fence
	for i := range fences {
		f, err := kerneltest.NewFence(64 << 10)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fences[i] = f
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for _, atEnd := range []bool{true, false} {
		edge := "start"
		if atEnd {
			edge = "end"
		}
		// slot returns slice i of the call, of n elements, against the edge,
		// filled with ordinary arguments (positive, for Log).
		slot := func(i, n int) []T {
			var s []T
			if atEnd {
				s = kerneltest.AtEnd[T](fences[i], n)
			} else {
				s = kerneltest.AtStart[T](fences[i], n)
			}
			for j := range s {
				s[j] = T(0.5 + 0.25*float64((j*7+i)%11))
			}
			return s
		}
		run := func(what string, call func()) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s, slices against the page edge at their %s: %v (a fault: the kernel touched memory outside its slices)", what, edge, r)
				}
			}()
			call()
		}
		for n := 0; n <= 257; n++ {
			for _, u := range []struct {
				name string
				f    func(dst, x []T)
			}{{"Exp", flowkern.Exp[T]}, {"Log", flowkern.Log[T]}, {"Tanh", flowkern.Tanh[T]}} {
				run(fmt.Sprintf("%s n=%d", u.name, n), func() { u.f(slot(0, n), slot(1, n)) })
			}
			moment := func(i int) []float64 { // float64 whatever T, at the same edge
				if atEnd {
					return kerneltest.AtEnd[float64](fences[i], n)
				}
				return kerneltest.AtStart[float64](fences[i], n)
			}
			run(fmt.Sprintf("AdamUpdate n=%d", n), func() {
				m, v := moment(3), moment(4)
				clear(m)
				clear(v)
				flowkern.AdamUpdate(slot(0, n), slot(1, n), slot(2, n), m, v, flowkern.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0.01, 1, 1))
			})
		}
		for cols := 1; cols <= 40; cols++ {
			for _, rows := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 33} {
				n := rows * cols
				shape := fmt.Sprintf("%d×%d", rows, cols)
				for _, clamp := range []T{0, 2} {
					run("AffineForward "+shape, func() {
						flowkern.AffineForward(slot(0, n), slot(1, rows), slot(2, n), slot(3, n), slot(4, n), cols, clamp)
					})
					run("AffineInverse "+shape, func() {
						flowkern.AffineInverse(slot(0, n), slot(1, rows), slot(2, n), slot(3, n), slot(4, n), cols, clamp)
					})
					run("AffineForwardGrad "+shape, func() {
						flowkern.AffineForwardGrad(slot(0, n), slot(1, n), slot(2, n), slot(3, n), slot(4, rows), slot(5, n), slot(6, n), cols, clamp)
					})
					run("AffineInverseGrad "+shape, func() {
						flowkern.AffineInverseGrad(slot(0, n), slot(1, n), slot(2, n), slot(3, n), slot(4, rows), slot(5, n), slot(6, n), slot(7, n), cols, clamp)
					})
				}
				run("LogAbsSum "+shape, func() { flowkern.LogAbsSum(slot(0, rows), slot(1, n), cols) })
			}
		}
		for _, m := range []int{1, 3, 4, 16, 33} {
			for _, k := range []int{1, 3, 8, 17, 33} {
				for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33} {
					shape := fmt.Sprintf("m=%d k=%d n=%d", m, k, n)
					for _, act := range []flowkern.Activation{flowkern.ActIdentity, flowkern.ActReLU, flowkern.ActTanh} {
						run("Dense "+shape, func() { flowkern.Dense(slot(0, m*n), slot(1, m*k), slot(2, n*k), slot(3, n), m, k, n, act) })
						run("DenseT "+shape, func() { flowkern.DenseT(slot(0, m*n), slot(1, m*k), slot(2, k*n), slot(3, n), m, k, n, act) })
						run("Dense without bias "+shape, func() { flowkern.Dense(slot(0, m*n), slot(1, m*k), slot(2, n*k), nil, m, k, n, act) })
						run("DenseGrad "+shape, func() {
							flowkern.DenseGrad(slot(0, m*k), slot(1, n*k), slot(2, n), slot(3, m*n), slot(4, m*k), slot(5, n*k), slot(6, m*n), m, k, n, act)
						})
					}
				}
			}
		}
		for rows := 0; rows <= 20; rows++ {
			for _, cols := range []int{0, 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 33} {
				run(fmt.Sprintf("Transpose %d×%d", rows, cols), func() { flowkern.Transpose(slot(0, rows*cols), slot(1, rows*cols), rows, cols) })
			}
		}
		for _, rows := range []int{1, 3} {
			for _, cols := range []int{1, 5, 8, 9, 17, 33} {
				for _, bins := range []int{2, 8} {
					s := flowkern.Spline{Bins: bins, Bound: 3}
					n := rows * cols
					shape := fmt.Sprintf("rows=%d cols=%d bins=%d", rows, cols, bins)
					run("SplineForward "+shape, func() {
						flowkern.SplineForward(slot(0, n), slot(1, rows), slot(2, n), slot(3, n*s.ParamsPer()), cols, s)
					})
					run("SplineInverse "+shape, func() {
						flowkern.SplineInverse(slot(0, n), slot(1, rows), slot(2, n), slot(3, n*s.ParamsPer()), cols, s)
					})
					run("SplineForwardGrad "+shape, func() {
						flowkern.SplineForwardGrad(slot(0, n), slot(1, n*s.ParamsPer()), slot(2, n), slot(3, rows), slot(4, n), slot(5, n*s.ParamsPer()), cols, s)
					})
					run("SplineInverseGrad "+shape, func() {
						flowkern.SplineInverseGrad(slot(0, n), slot(1, n*s.ParamsPer()), slot(2, n), slot(3, rows), slot(4, n), slot(5, n*s.ParamsPer()), cols, s)
					})
				}
			}
		}
		for _, n := range []int{0, 1, 5, 17} {
			for _, nrhs := range []int{0, 1, 7, 33} {
				for _, uplo := range []blas.Uplo{blas.Lower, blas.Upper} {
					for _, tr := range []blas.Transpose{blas.NoTrans, blas.Trans} {
						shape := fmt.Sprintf("n=%d nrhs=%d %c %c", n, nrhs, uplo, tr)
						run("TriSolve "+shape, func() { flowkern.TriSolve(uplo, tr, blas.NonUnit, n, slot(0, n*n), slot(1, n*nrhs), nrhs) })
						run("TriMul "+shape, func() { flowkern.TriMul(uplo, tr, blas.Unit, n, slot(0, n*n), slot(1, n*nrhs), nrhs) })
					}
				}
			}
		}
	}
}
