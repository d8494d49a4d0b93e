package kerneltest

import "math"

// Close reports whether got agrees with the float64 oracle value want:
// exactly in class when want (rounded to T) is NaN or ±Inf, and otherwise
// within k·ε·mag, where mag bounds the magnitudes of the terms that made
// want (so that cancellation is not held against the kernel) and ε is T's
// machine epsilon.
func Close[T Float](got T, want, mag, k float64) bool {
	w := T(want)
	if w != w || math.IsInf(float64(w), 0) {
		return ULPDist(got, w) == 0
	}
	if got != got || math.IsInf(float64(got), 0) {
		return false
	}
	if math.IsNaN(mag) || math.IsInf(mag, 0) {
		// The terms' magnitudes overflowed (Inf·0) while the value is
		// finite: judge relative to the value itself.
		mag = math.Abs(want)
	}
	return math.Abs(float64(got)-want) <= k*Eps[T]()*max(mag, minNormal[T]())
}
