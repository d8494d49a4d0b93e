package flow

import (
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/flowkern/flowkern"
)

func itoa(n int) string { return strconv.Itoa(n) }

// scatterCols writes src's columns (rows × len(cols)) into dst's columns
// cols (rows × dim).
func scatterCols[T Float](dst []T, dim int, src []T, cols []int) {
	k := len(cols)
	for r := 0; r*k < len(src); r++ {
		d, s := dst[r*dim:(r+1)*dim], src[r*k:(r+1)*k]
		for j, c := range cols {
			d[c] = s[j]
		}
	}
}

// gatherCols writes columns cols of src (rows × dim) into dst (rows ×
// len(cols)).
func gatherCols[T Float](dst []T, src []T, dim int, cols []int) {
	k := len(cols)
	for r := 0; r*k < len(dst); r++ {
		d, s := dst[r*k:(r+1)*k], src[r*dim:(r+1)*dim]
		for j, c := range cols {
			d[j] = s[c]
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// overlap reports whether a and b share memory.
func overlap[T Float](a, b []T) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	size := unsafe.Sizeof(a[0])
	a0, b0 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(len(b))*size && b0 < a0+uintptr(len(a))*size
}

// checkApart returns an error if the output out overlaps the input in:
// the model reads its input in chunks on several goroutines while it
// writes, so an overlap gives wrong values, not an in-place result.
func checkApart[T Float](who, outName string, out []T, inName string, in []T) error {
	if overlap(out, in) {
		return fmt.Errorf("flow: %s: %s overlaps %s", who, outName, inName)
	}
	return nil
}

// identityPerm returns 0, 1, …, n−1.
func identityPerm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// checkPerm reports whether p is a permutation of 0…n−1.
func checkPerm(p []int, n int) error {
	if len(p) != n {
		return fmt.Errorf("%d entries for %d columns", len(p), n)
	}
	seen := make([]bool, n)
	for _, v := range p {
		if v < 0 || v >= n || seen[v] {
			return fmt.Errorf("%v is not a permutation of 0…%d", p, n-1)
		}
		seen[v] = true
	}
	return nil
}

// expInPlace sets every element of v to its exponential.
func expInPlace[T Float](v []T) { flowkern.Exp(v, v) }

// shiftThenScale sets out = (in − shift)·scale feature by feature over rows
// of len(shift) elements, and adds ld to every row's logdet.
func shiftThenScale[T Float](out, logdet, in, shift, scale []T, ld T) {
	n := len(shift)
	for r := range logdet {
		o, x := out[r*n:(r+1)*n], in[r*n:(r+1)*n]
		for j, v := range x {
			o[j] = (v - shift[j]) * scale[j]
		}
		logdet[r] += ld
	}
}

// scaleThenShift sets out = in·scale + shift feature by feature, and adds
// ld to every row's logdet.
func scaleThenShift[T Float](out, logdet, in, scale, shift []T, ld T) {
	n := len(shift)
	for r := range logdet {
		o, x := out[r*n:(r+1)*n], in[r*n:(r+1)*n]
		for j, v := range x {
			o[j] = v*scale[j] + shift[j]
		}
		logdet[r] += ld
	}
}

// columnStats returns the mean and the (population) standard deviation of
// each of the dim columns of x, by Welford's updates, or an error naming
// a column where either is not finite.
func columnStats[T Float](x []T, dim int) (mean, std []float64, err error) {
	rows := len(x) / dim
	mean, std = make([]float64, dim), make([]float64, dim)
	for j := range dim {
		var m, m2 float64
		for r := range rows {
			v := float64(x[r*dim+j])
			d := v - m
			m += d / float64(r+1)
			m2 += d * (v - m)
		}
		mean[j], std[j] = m, math.Sqrt(m2/float64(rows))
		if !finite(mean[j]) || !finite(std[j]) {
			return nil, nil, fmt.Errorf("column %d has a non-finite mean or deviation", j)
		}
	}
	return mean, std, nil
}
