package portable

// TriParts are the steps a blocked triangular solve or product is made of
// (see kernels.TriSolve and kernels.TriMul for the order of their
// arithmetic), in portable Go for one element type. The SIMD sets run the
// same steps in assembly and the portable ones on the columns their
// vectors leave, so that every column gets the same bits.
//
// Both work on the columns [0, cols) of x, whose rows start at the
// element offsets the steps name. Every term is x_dst = x_dst − c·x_src,
// one fused multiply-add: a product's terms are passed negated.
type TriParts[T float32 | float64] struct {
	// Rows runs a row program. Row r of it is x at offset prog[2r], with
	// prog[2r+1] terms, taken in turn from src (offsets) and coef; diag[r]
	// divides the row after its terms (mode TriDivide) or multiplies it
	// before them (TriScale), or is not read (TriNoDiag).
	Rows func(x []T, cols int, prog, src []int, coef, diag []T, mode int)
	// Block applies len(src) terms to each of the rows at offsets dst:
	// term k of row j has the source row at src[k] and the coefficient
	// coef[k·len(dst)+j], and the terms go in the order of k. Unless tri
	// is empty, the rows then also take the terms among themselves and
	// their diagonal, as a row step would one row at a time: row j's
	// coefficients on the rows q < j of the block start at tri[j(j−1)/2];
	// for a solve (mode TriNoDiag or TriDivide) they come after the terms
	// from src, the rows from the first, q ascending, each row divided by
	// diag[j] last; for a product (mode|TriBefore, with TriScale or
	// TriNoDiag) before them, the rows from the last, each multiplied by
	// diag[j] first, q from j−1 down. No coefficient in tri is zero.
	Block func(x []T, cols int, dst, src []int, coef, tri, diag []T, mode int)
}

// The modes of TriParts.Rows and TriParts.Block.
const (
	TriNoDiag = iota // a unit diagonal
	TriDivide        // a solve's division, after the terms
	TriScale         // a product's multiplication, before the terms
	// TriBefore, added to TriNoDiag or TriScale, says a block's rows take
	// the terms among themselves before those from src (a product).
	TriBefore = 4
)

// T64 and T32 are the parts for each element type.
var (
	T64 TriParts[float64]
	T32 TriParts[float32]
)

// Tri returns the parts for T.
func Tri[T float32 | float64]() *TriParts[T] {
	if p, ok := any(&T64).(*TriParts[T]); ok {
		return p
	}
	return any(&T32).(*TriParts[T])
}
