package flowkern

// LogAbsSum adds to each row's log-determinant the sum of log|d| over the
// row — the log-determinant of an elementwise bijection whose derivatives
// are d (a batch of len(logdet) rows of cols elements):
//
//	logdet[r] += Σ_j log|d[r·cols + j]|
//
// A zero gives −Inf and a NaN gives NaN in its row. The logarithm has the
// accuracy of Log. logdet must not overlap d.
func LogAbsSum[T Float](logdet, d []T, cols int) {
	const k = "LogAbsSum"
	rowArgs(k, arg[T]{"logdet", logdet, true, false}, cols, arg[T]{"d", d, false, true})
	if is32[T]() {
		current().f32.logAbsSum(as32(logdet), as32(d), cols)
		return
	}
	current().f64.logAbsSum(as64(logdet), as64(d), cols)
}
