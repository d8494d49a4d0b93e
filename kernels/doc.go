// Package kernels holds flowkern's portable Go kernels: the fallback that
// runs where no SIMD kernel set exists (and under the purego and noasm build
// tags), and the oracle every SIMD kernel set is tested against.
//
// The transcendental functions use the algorithms the SIMD kernels use (the
// same range reductions, the same polynomials, fused multiply-adds in the
// same places through math.FMA), so that a SIMD result can be compared with
// the portable one bit for bit or within one ulp, and so that no result
// depends on the length of the slice it sits in.
//
// Most users want the root package flowkern instead: it checks slice lengths
// with messages that name the kernel, and dispatches to the fastest kernel
// set of the CPU. The functions here assume validated lengths; given
// inconsistent ones they panic with Go's index-out-of-range error.
//
// Batches are row-major: a batch of rows samples of dimension cols is one
// slice of length rows·cols. Row sums (the per-sample log-determinants) are
// accumulated into a slice of length rows.
package kernels
