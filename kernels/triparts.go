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

// triBlockTerms runs a block step on the columns [0, cols) of x.
func triBlockTerms[T Float](x []T, cols int, dst, src []int, coef, tri, diag []T, mode int) {
	before := mode&portable.TriBefore != 0
	if before && len(tri) > 0 {
		triBlockTriangle(x, cols, dst, tri, diag, mode&^portable.TriBefore, true)
	}
	for j, off := range dst {
		xr := x[off : off+cols]
		for k, s := range src {
			subScaled(xr, x[s:s+cols], coef[k*len(dst)+j])
		}
	}
	if !before && len(tri) > 0 {
		triBlockTriangle(x, cols, dst, tri, diag, mode, false)
	}
}

// triBlockTriangle applies the terms among a block's rows and their
// diagonal: a product's (from the last row, nearest first) or a solve's.
func triBlockTriangle[T Float](x []T, cols int, dst []int, tri, diag []T, mode int, product bool) {
	row := func(j int) []T { return x[dst[j] : dst[j]+cols] }
	if product {
		for j := len(dst) - 1; j >= 0; j-- {
			xj := row(j)
			if mode == portable.TriScale {
				for k := range xj {
					xj[k] = mul(xj[k], diag[j])
				}
			}
			for k := range j {
				subScaled(xj, row(j-1-k), tri[j*(j-1)/2+k])
			}
		}
		return
	}
	for j := range dst {
		xj := row(j)
		for q := range j {
			subScaled(xj, row(q), tri[j*(j-1)/2+q])
		}
		if mode == portable.TriDivide {
			for k := range xj {
				xj[k] /= diag[j]
			}
		}
	}
}

func triParts[T float32 | float64]() portable.TriParts[T] {
	return portable.TriParts[T]{Rows: triRows[T], Block: triBlockTerms[T]}
}
