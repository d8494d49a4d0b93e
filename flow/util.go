package flow

import (
	"fmt"
	"math"
	"strconv"

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
