package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// LogAbsSumFunc is the signature of LogAbsSum.
type LogAbsSumFunc[T Float] func(logdet, d []T, cols int)

// logAbsSpecials are scattered into LogAbsSum inputs.
var logAbsSpecials = []float64{0, math.Copysign(0, -1), math.NaN(), inf, -inf, 5e-324, -1e-310, 1e-40, 1e300, -1e300, -1}

// LogAbsSumBound is the documented accuracy of LogAbsSum: a row sum is
// within LogAbsSumBound(cols, mag)·ε of the true Σ log|d| (ε = 2^-53 or
// 2^-24), mag being Σ |log|d||. The cols·ε that does not scale with mag is
// the product's roundings (kernels.LogAbsSum).
func LogAbsSumBound(cols int, mag float64) float64 {
	return float64(cols+4) * (mag + float64(cols))
}

// LogAbsSumRef returns Σ log|v| over row for finite nonzero v, summed at
// 160 bits and rounded once.
func LogAbsSumRef[T Float](row []T) float64 {
	sum := newBig(0)
	for _, v := range row {
		sum.Add(sum, bigLog(math.Abs(float64(v))))
	}
	f, _ := sum.Float64()
	return f
}

// CheckLogAbsSum runs f on d (rows of cols) in guarded buffers at offset
// and checks guards, that d is untouched, and every row sum against the
// oracle Σ log|d| in float64, within LogAbsSumBound.
func CheckLogAbsSum[T Float](t testing.TB, f LogAbsSumFunc[T], logdet, d []T, cols, offset int) bool {
	t.Helper()
	rows := len(logdet)
	what := fmt.Sprintf("LogAbsSum rows=%d cols=%d offset=%d", rows, cols, offset)
	db := NewBuffer[T](len(d), offset).Fill(d)
	lb := NewBuffer[T](rows, (offset+3)%8).Fill(logdet)
	f(lb.S(), db.S(), cols)
	db.CheckGuards(t, what+" d")
	lb.CheckGuards(t, what+" logdet")
	if !Same(db.S(), d) {
		t.Errorf("%s: d was modified", what)
	}
	for r := 0; r < rows; r++ {
		sum, mag := float64(logdet[r]), math.Abs(float64(logdet[r]))
		for _, v := range d[r*cols : (r+1)*cols] {
			l := RefLog(math.Abs(float64(v)))
			sum += l
			mag += math.Abs(l)
		}
		if got := lb.S()[r]; !Close(got, sum, LogAbsSumBound(cols, mag), 1) {
			t.Errorf("%s: logdet[%d] = %v, want %v (row %v)", what, r, got, sum, d[r*cols:(r+1)*cols])
			return false
		}
	}
	return !t.Failed()
}

// SweepLogAbsSum runs f over AffineShapes and offsets, with and without
// special values.
func SweepLogAbsSum[T Float](t *testing.T, f LogAbsSumFunc[T], short bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(4, 5))
	for _, sh := range AffineShapes(short) {
		rows, cols := sh[0], sh[1]
		offsets := Offsets(rows * cols)
		if rows*cols > 1024 {
			offsets = []int{5}
		}
		for _, off := range offsets {
			d := normals[T](rng, rows*cols, 3)
			if off%2 == 1 && len(d) > 0 {
				for k := 0; k < len(d)/8+1; k++ {
					d[rng.IntN(len(d))] = T(logAbsSpecials[rng.IntN(len(logAbsSpecials))])
				}
			}
			if !CheckLogAbsSum(t, f, normals[T](rng, rows, 5), d, cols, off) {
				return
			}
		}
	}
}
