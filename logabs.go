package flowkern

import "github.com/flowkern/flowkern/internal/dispatch"

// LogAbsSum adds to each row's log-determinant the sum of log|d| over the
// row — the log-determinant of an elementwise bijection whose derivatives
// are d (a batch of len(logdet) rows of cols elements):
//
//	logdet[r] += Σ_j log|d[r·cols + j]|
//
// A zero gives −Inf and a NaN gives NaN in its row (so do a zero and an
// infinity together). logdet must not overlap d.
//
// The sum is formed as the logarithm of a product, log(2^Σk·Π m) with
// |d| = 2^k·m split exactly: one logarithm a row rather than one an
// element, several times faster for rows of two vectors or more. A row sum
// is within (cols+4)·ε·(cols + Σ|log|d||) of the true value (ε = 2^-53 for
// float64, 2^-24 for float32): the cols·ε part is the product's roundings,
// an absolute error where a sum of logarithms would be relative to the
// terms. A row of one element gives Log(|d|) exactly.
func LogAbsSum[T Float](logdet, d []T, cols int) {
	const k = "LogAbsSum"
	rowArgs(k, arg[T]{"logdet", logdet, true, false}, cols, arg[T]{"d", d, false, true})
	if is32[T]() {
		dispatch.Current().F32.LogAbsSum(as32(logdet), as32(d), cols)
		return
	}
	dispatch.Current().F64.LogAbsSum(as64(logdet), as64(d), cols)
}
