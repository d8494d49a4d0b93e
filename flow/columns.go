package flow

// The layers that solve with triangular matrices (LULinear, FullNormal)
// work on the batch transposed, a sample a column, so that the kernels run
// along the batch. These transpositions take columnBlock samples at a time:
// the block's rows stay in the L1 cache while each feature's run of them is
// written or read contiguously (a sample at a time would write each
// feature a whole row of the transposed batch apart, a cache miss each).
const columnBlock = 32

// toColumns writes z (rows samples of n features, a sample a row) into y
// (n×rows, a sample a column): feature j of sample r goes to row perm[j]
// of y (row j if perm is nil), less shift[j] if shift is not nil.
func toColumns[T Float](y, z []T, rows, n int, perm []int, shift []T) {
	for r0 := 0; r0 < rows; r0 += columnBlock {
		r1 := min(r0+columnBlock, rows)
		for j := range n {
			to := j
			if perm != nil {
				to = perm[j]
			}
			dst := y[to*rows+r0 : to*rows+r1]
			if shift == nil {
				for k := range dst {
					dst[k] = z[(r0+k)*n+j]
				}
				continue
			}
			s := shift[j]
			for k := range dst {
				dst[k] = z[(r0+k)*n+j] - s
			}
		}
	}
}

// fromColumns writes y (n×rows, a sample a column) into z (rows×n, a sample
// a row), plus shift[j] on feature j if shift is not nil.
func fromColumns[T Float](z, y []T, rows, n int, shift []T) {
	for r0 := 0; r0 < rows; r0 += columnBlock {
		r1 := min(r0+columnBlock, rows)
		for j := range n {
			src := y[j*rows+r0 : j*rows+r1]
			if shift == nil {
				for k, v := range src {
					z[(r0+k)*n+j] = v
				}
				continue
			}
			s := shift[j]
			for k, v := range src {
				z[(r0+k)*n+j] = v + s
			}
		}
	}
}
