package kernels

import "math"

// LogAbsSum adds to each row's log-determinant the sum of log|d| over the
// row's cols elements — the log-determinant of an elementwise bijection
// whose derivatives are d:
//
//	logdet[r] += Σ_j log|d[r·cols + j]|
//
// A zero gives −Inf, a NaN gives NaN (and so do a zero and an infinity in
// one row). The row sum is formed first, then added.
//
// The sum is taken as the logarithm of a product, one log a row instead of
// one an element: with |d| = 2^k·m split exactly, Σ log|d| = log(2^Σk·Π m),
// the product split again as log splits its argument and Σk added to that
// exponent, so the last step is log's own reconstruction and a row of one
// element gives log|d| to the bit. The product is split again every 64
// factors, so it stays within 2^±32. Each multiplication rounds once, so
// the row sum is within (cols+4)·ε·(cols + Σ|log|d||) of the true value
// (ε = 2^-53, 2^-24): an absolute cols·ε where the terms are small, where
// a sum of logs would be within cols·ε·Σ|log|d||. A row holding a zero,
// subnormal, infinite or NaN element is summed as logs instead, element by
// element, which gives those their exact meaning.
func LogAbsSum[T Float](logdet, d []T, cols int) {
	for r := range logdet {
		row := d[r*cols : (r+1)*cols]
		sum, ok := logAbsProduct(row)
		if !ok {
			sum = logAbsTerms(row)
		}
		logdet[r] += sum
	}
}

// logAbsProduct returns Σ log|v| over row as log(2^Σk·Π m), and false
// if an element is zero, subnormal, infinite or NaN (the product would
// lose it).
func logAbsProduct[T Float](row []T) (T, bool) {
	minNormal, maxFinite := 0x1p-1022, math.MaxFloat64
	if is32[T]() {
		minNormal, maxFinite = 0x1p-126, math.MaxFloat32
	}
	p, k := T(1), T(0)
	for j, v := range row {
		a := math.Abs(float64(v)) // exact, and no branch on the sign
		if !(a >= minNormal && a <= maxFinite) {
			return 0, false
		}
		m, e := splitNormal(T(a))
		p = mul(p, m)
		k += e
		if j%64 == 63 {
			m, e = splitNormal(p)
			p, k = m, k+e
		}
	}
	m, e := splitNormal(p)
	return logCoreT(m, k+e), true
}

// logAbsTerms returns Σ log|v| over row, term by term.
func logAbsTerms[T Float](row []T) T {
	var sum T
	for _, v := range row {
		sum += logT(T(math.Abs(float64(v))))
	}
	return sum
}

// splitNormal returns m in [3/4, 3/2) and k, as a float, with
// x = 2^k·m, for a positive normal x: log's split, on the bits.
func splitNormal[T Float](x T) (m, k T) {
	if is32[T]() {
		m, e := split32(float32(x))
		return T(m), T(e)
	}
	m64, e := split64(float64(x))
	return T(m64), T(e)
}

// logCoreT is logCore64 or logCore32: log(2^dk·m) for m in [3/4, 3/2).
func logCoreT[T Float](m, dk T) T {
	if is32[T]() {
		return T(logCore32(float32(m), float32(dk)))
	}
	return T(logCore64(float64(m), float64(dk)))
}
