package kernels

import "github.com/flowkern/flowkern/internal/portable"

// The steps of a blocked TriSolve or TriMul (internal/portable.TriParts),
// in the arithmetic of the reference kernels above: each term one fma, in
// the order given.

// triRows runs a row program on the columns [0, cols) of x.
func triRows[T Float](x []T, cols int, prog, src []int, coef, diag []T, mode int) {
	t := 0
	for r := 0; r < len(prog); r += 2 {
		xr := x[prog[r] : prog[r]+cols]
		terms := prog[r+1]
		if mode == portable.TriScale {
			d := diag[r/2]
			for k := range xr {
				xr[k] = mul(xr[k], d)
			}
		}
		for _, off := range src[t : t+terms] {
			subScaled(xr, x[off:off+cols], coef[t])
			t++
		}
		if mode == portable.TriDivide {
			d := diag[r/2]
			for k := range xr {
				xr[k] /= d
			}
		}
	}
}

// triBlockTerms applies the terms of a block step to the columns [0, cols)
// of x.
func triBlockTerms[T Float](x []T, cols int, dst, src []int, coef []T) {
	for j, off := range dst {
		xr := x[off : off+cols]
		for k, s := range src {
			subScaled(xr, x[s:s+cols], coef[k*len(dst)+j])
		}
	}
}

func triParts[T float32 | float64]() portable.TriParts[T] {
	return portable.TriParts[T]{Rows: triRows[T], Block: triBlockTerms[T]}
}
