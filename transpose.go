package flowkern

import "github.com/flowkern/flowkern/internal/dispatch"

// Transpose writes aᵀ to dst: a is rows×cols and dst cols×rows, both
// row-major, so that dst[j·rows + i] = a[i·cols + j]. It turns weights in
// PyTorch's Linear layout (W, n×k, as Dense reads them) into the layout
// DenseT reads (Wᵀ, k×n). It moves bits only: a NaN's payload and a
// zero's sign arrive unchanged. dst must not overlap a.
func Transpose[T Float](dst, a []T, rows, cols int) {
	const kn = "Transpose"
	nonNegative(kn, "rows", rows)
	nonNegative(kn, "cols", cols)
	n := product(kn, rows, cols)
	wantLen(kn, "a", a, n, "rows·cols")
	wantLen(kn, "dst", dst, n, "rows·cols")
	if overlap(dst, a) {
		checkOverlaps(kn, arg[T]{"dst", dst, true, false}, arg[T]{"a", a, false, false})
	}
	if is32[T]() {
		dispatch.Current().F32.Transpose(as32(dst), as32(a), rows, cols)
		return
	}
	dispatch.Current().F64.Transpose(as64(dst), as64(a), rows, cols)
}
