package flowkern

import "github.com/flowkern/flowkern/internal/dispatch"

// Exp sets dst[i] = exp(x[i]). len(dst) must equal len(x); dst may be x
// itself but must not overlap it otherwise.
//
// Accuracy: within 1 ulp of the true value, for float64 and float32.
// Special values as math.Exp: exp(NaN) = NaN, exp(+Inf) = +Inf,
// exp(−Inf) = 0; results above the largest float are +Inf (x > 709.78 in
// float64, x > 88.72 in float32) and results below half the smallest
// subnormal are 0. (Go's amd64 assembly math.Exp returns +Inf already from
// x ≈ 709.09; Exp follows the true value there.)
func Exp[T Float](dst, x []T) {
	unary("Exp", dst, x)
	if is32[T]() {
		dispatch.Current().F32.Exp(as32(dst), as32(x))
		return
	}
	dispatch.Current().F64.Exp(as64(dst), as64(x))
}

// Log sets dst[i] = log(x[i]). len(dst) must equal len(x); dst may be x
// itself but must not overlap it otherwise.
//
// Accuracy: within 1 ulp of the true value, for float64 and float32,
// subnormal inputs included. Special values as math.Log: log(+Inf) = +Inf,
// log(±0) = −Inf, log(x < 0) = NaN, log(NaN) = NaN.
func Log[T Float](dst, x []T) {
	unary("Log", dst, x)
	if is32[T]() {
		dispatch.Current().F32.Log(as32(dst), as32(x))
		return
	}
	dispatch.Current().F64.Log(as64(dst), as64(x))
}

// Tanh sets dst[i] = tanh(x[i]). len(dst) must equal len(x); dst may be x
// itself but must not overlap it otherwise.
//
// Accuracy: within 2 ulp of the true value, for float64 and float32.
// Special values as math.Tanh: tanh(±0) = ±0, tanh(±Inf) = ±1,
// tanh(NaN) = NaN.
func Tanh[T Float](dst, x []T) {
	unary("Tanh", dst, x)
	if is32[T]() {
		dispatch.Current().F32.Tanh(as32(dst), as32(x))
		return
	}
	dispatch.Current().F64.Tanh(as64(dst), as64(x))
}

// unary checks the arguments of an elementwise function dst = f(x).
func unary[T Float](kernel string, dst, x []T) {
	wantLen(kernel, "dst", dst, len(x), "len(x)")
	checkOverlaps(kernel, arg[T]{"dst", dst, true, true}, arg[T]{"x", x, false, true})
}
