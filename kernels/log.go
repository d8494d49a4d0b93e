package kernels

import (
	"math"

	"github.com/flowkern/flowkern/internal/algo"
)

// Logarithm: x = 2^k·m with m in [3/4, 3/2), then, with f = m − 1 and
// s = f/(2+f), log(m) = f − f²/2 + s·(f²/2 + R(s²)): fdlibm's reconstruction
// (e_log.c, e_logf.c), with R(z) = z·P(z) a minimax polynomial of its own
// for the wider range of m (internal/algo, computed by gen/remez), evaluated
// by Horner's rule in z.
//
// The split x = 2^k·m is done on the bits: subtracting the bits of 3/4 from
// those of x leaves k in the exponent field, so m's bits are x's minus k<<52
// (k<<23); subnormal x is first scaled by 2^52 (2^25).

// log64 is log for one float64, within 1 ulp of the true value.
func log64(x float64) float64 {
	switch {
	case isNaN(x) || x > math.MaxFloat64:
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	var k int64
	if x < 0x1p-1022 {
		x *= 0x1p52
		k = -52
	}
	m, e := split64(x)
	return logCore64(m, float64(k+e))
}

// logCore64 returns log(2^dk·m) for m in [3/4, 3/2) and an integral dk:
// log's polynomial and reconstruction.
func logCore64(m, dk float64) float64 {
	f := m - 1
	s := f / (2 + f)
	z := mul(s, s)
	p := math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(math.FMA(
		algo.LogP7_64, z, algo.LogP6_64), z, algo.LogP5_64), z, algo.LogP4_64), z, algo.LogP3_64), z, algo.LogP2_64), z, algo.LogP1_64), z, algo.LogP0_64)
	hfsq := mul(0.5*f, f)
	lo := math.FMA(s, hfsq+mul(z, p), mul(dk, algo.Ln2Lo64Log))
	return mul(dk, algo.Ln2Hi64Log) - ((hfsq - lo) - f)
}

// log32 is log for one float32, within 1 ulp of the true value.
func log32(x float32) float32 {
	switch {
	case isNaN(x) || x > math.MaxFloat32:
		return x
	case x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	}
	var k int32
	if x < 0x1p-126 {
		x *= 0x1p25
		k = -25
	}
	m, e := split32(x)
	return logCore32(m, float32(k+e))
}

// logCore32 is logCore64 for float32.
func logCore32(m, dk float32) float32 {
	f := m - 1
	s := f / (2 + f)
	z := mul(s, s)
	p := fma(fma(fma(algo.LogP3_32, z, algo.LogP2_32), z, algo.LogP1_32), z, algo.LogP0_32)
	hfsq := mul(0.5*f, f)
	lo := fma(s, hfsq+mul(z, p), mul(dk, algo.Ln2Lo32Log))
	return mul(dk, algo.Ln2Hi32Log) - ((hfsq - lo) - f)
}

// split64 returns m in [3/4, 3/2) and k with x = 2^k·m, for a positive
// normal x, on the bits.
func split64(x float64) (m float64, k int64) {
	bits := math.Float64bits(x)
	k = int64(bits-algo.LogSplit64) >> 52
	return math.Float64frombits(bits - uint64(k)<<52), k
}

// split32 is split64 for float32.
func split32(x float32) (m float32, k int32) {
	bits := math.Float32bits(x)
	k = int32(bits-algo.LogSplit32) >> 23
	return math.Float32frombits(bits - uint32(k)<<23), k
}

// logT is log in T's precision.
func logT[T Float](x T) T {
	if is32[T]() {
		return T(log32(float32(x)))
	}
	return T(log64(float64(x)))
}

// Log sets dst[i] = log(x[i]) for i < len(dst); len(x) ≥ len(dst).
//
// Within 1 ulp of the true value for float64 and float32. Special values as
// math.Log: log(+Inf) = +Inf, log(±0) = −Inf, log(x < 0) = NaN,
// log(NaN) = NaN. dst may be x itself.
func Log[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = logT(v)
	}
}
