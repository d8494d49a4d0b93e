package kernels

// LogAbsSum adds to each row's log-determinant the sum of log|d| over the
// row's cols elements — the log-determinant of an elementwise bijection
// whose derivatives are d:
//
//	logdet[r] += Σ_j log|d[r·cols + j]|
//
// A zero gives −Inf, a NaN gives NaN. The row sum is formed first, then
// added.
func LogAbsSum[T Float](logdet, d []T, cols int) {
	for r := range logdet {
		var sum T
		for _, v := range d[r*cols : (r+1)*cols] {
			if v < 0 {
				v = -v
			}
			sum += logT(v)
		}
		logdet[r] += sum
	}
}
