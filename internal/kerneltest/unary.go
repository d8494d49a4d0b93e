package kerneltest

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// UnaryFunc is the signature of the elementwise functions Exp, Log, Tanh.
type UnaryFunc[T Float] func(dst, x []T)

// UnarySpec describes an elementwise function to the harness.
type UnarySpec struct {
	Name string
	// Ref is the reference in float64: the math package, except where it is
	// known to be wrong (see RefExp, RefLog).
	Ref func(float64) float64
	// Big is the 160-bit reference, for true errors.
	Big func(float64) *big.Float
	// Sample draws a typical argument.
	Sample func(*rand.Rand) float64
	// Specials are arguments every run includes: ±0, ±Inf, NaN,
	// subnormals, thresholds.
	Specials []float64
	// MaxDist64 and MaxDist32 bound ULPDist(kernel, Ref): the kernel's
	// error plus the reference's (math's float64 functions err by up to
	// 1.36 ulp themselves; in float32, Ref is exact to ≪ 0.01 ulp).
	MaxDist64, MaxDist32 uint64
	// Bound is the documented bound on the true error in ulp, both types.
	Bound float64
}

// RefExp is math.Exp, except on (709, 710], where Go's amd64 assembly
// math.Exp returns +Inf for finite results; there it is BigExp.
func RefExp(x float64) float64 {
	if x > 709 && x <= 710 {
		return BigExp(x)
	}
	return math.Exp(x)
}

// RefLog is math.Log, except for subnormal x, which Go's amd64 assembly
// math.Log misreads; there it is BigLog.
func RefLog(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return BigLog(x)
	}
	return math.Log(x)
}

var (
	inf       = math.Inf(1)
	common    = []float64{0, math.Copysign(0, -1), inf, -inf, math.NaN(), 1, -1, 5e-324, -5e-324, 0x1p-1022, 0x1.fffffffffffffp-1023, math.MaxFloat64, -math.MaxFloat64, 0x1p-149, 0x1p-126, math.MaxFloat32, 1e-300, 1e300}
	expEdges  = []float64{709.782712893384, 709.7827128933841, 709.78, 709.5, 709.1, 710, -745.1332191019411, -745.1332191019412, -745.14, -708.4, -708.39, -720, -740, 88.72283, 88.722839, 88.7229, -103.97208, -103.9721, -87.33655, -87.34, -100, 50, -50, 1e-10, -1e-10, 0x1p-28}
	logEdges  = []float64{0.5, 2, 0.7071067811865476, 1.4142135623730951, 1 + 0x1p-52, 1 - 0x1p-53, 0x1p-1074 * 3, 1e-310, 0x1.fffffep-127, 1e-40, 1e-45, 3.4e38, -0.5, -inf}
	tanhEdges = []float64{0.625, -0.625, 0.6249999999999999, 20, -20, 22, 9, 10, -10, 1e-10, -1e-10, 0x1p-28, 0.5, -0.5, 44, 100, -100}
)

// ExpSpec, LogSpec and TanhSpec describe Exp, Log and Tanh.
var (
	ExpSpec = UnarySpec{
		Name: "Exp", Ref: RefExp, Big: func(x float64) *big.Float { return bigExp(x) },
		Sample:    func(r *rand.Rand) float64 { return -746 + 1456*r.Float64() },
		Specials:  append(append([]float64{}, common...), expEdges...),
		MaxDist64: 2, MaxDist32: 1, Bound: 1,
	}
	LogSpec = UnarySpec{
		Name: "Log", Ref: RefLog, Big: func(x float64) *big.Float { return bigLog(x) },
		Sample:    func(r *rand.Rand) float64 { return math.Exp(-745 + 1454*r.Float64()) },
		Specials:  append(append([]float64{}, common...), logEdges...),
		MaxDist64: 1, MaxDist32: 1, Bound: 1,
	}
	TanhSpec = UnarySpec{
		Name: "Tanh", Ref: math.Tanh, Big: func(x float64) *big.Float { return bigTanh(x) },
		Sample:    func(r *rand.Rand) float64 { return -25 + 50*r.Float64() },
		Specials:  append(append([]float64{}, common...), tanhEdges...),
		MaxDist64: 2, MaxDist32: 2, Bound: 2,
	}
)

// MaxDist returns the spec's bound on ULPDist against Ref for T.
func (s UnarySpec) MaxDist(is32 bool) uint64 {
	if is32 {
		return s.MaxDist32
	}
	return s.MaxDist64
}

// Want returns the reference value for x in T.
func Want[T Float](s UnarySpec, x T) T {
	return T(s.Ref(float64(x)))
}

// CheckUnaryValues runs f on x (in guarded buffers at the given offset)
// and checks the guards, that x is untouched, every result against the
// reference (arbitrated by the high-precision reference where they are
// further apart than the spec allows: the math package's assembly
// functions on some architectures err by more than ours), and that f in
// place gives the same bits. It reports failures
// through t and returns false after the first kind of failure.
func CheckUnaryValues[T Float](t testing.TB, s UnarySpec, f UnaryFunc[T], x []T, offset int) bool {
	t.Helper()
	n := len(x)
	what := fmt.Sprintf("%s n=%d offset=%d", s.Name, n, offset)
	in := NewBuffer[T](n, (offset+3)%8).Fill(x)
	out := NewBuffer[T](n, offset)
	f(out.S(), in.S())
	out.CheckGuards(t, what+" dst")
	in.CheckGuards(t, what+" x")
	if !Same(in.S(), x) {
		t.Errorf("%s: x was modified", what)
		return false
	}
	tol := s.MaxDist(Is32[T]())
	for i, v := range out.S() {
		want := Want(s, x[i])
		if ULPDist(v, want) > tol && !WithinBound(s, x[i], v) {
			t.Errorf("%s: %s(%v) = %v at index %d, want %v (%d ulp apart, allowed %d)",
				what, s.Name, x[i], v, i, want, ULPDist(v, want), tol)
			return false
		}
	}
	inPlace := NewBuffer[T](n, offset).Fill(x)
	f(inPlace.S(), inPlace.S())
	inPlace.CheckGuards(t, what+" in place")
	if !Same(inPlace.S(), out.S()) {
		t.Errorf("%s: in-place result differs from out-of-place", what)
		return false
	}
	return !t.Failed()
}

// UnaryInput returns n arguments drawn from the spec's Sample with (up to
// 512 of) its special values scattered through them (and, from time to time, at the
// last index, where tails are handled).
func UnaryInput[T Float](s UnarySpec, rng *rand.Rand, n int) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(s.Sample(rng))
	}
	for k := 0; k < min(n/4+1, 512) && n > 0; k++ {
		x[rng.IntN(n)] = T(s.Specials[rng.IntN(len(s.Specials))])
	}
	if n > 0 && rng.IntN(3) == 0 {
		x[n-1] = T(s.Specials[rng.IntN(len(s.Specials))])
	}
	return x
}

// SweepUnary runs f over every special value, over each alone among
// ordinary arguments (checkIsolatedSpecials), and over every length of
// Lengths(short) at every offset of Offsets, with UnaryInput's arguments.
func SweepUnary[T Float](t *testing.T, s UnarySpec, f UnaryFunc[T], short bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(len(s.Name))))
	specials := make([]T, len(s.Specials))
	for i, v := range s.Specials {
		specials[i] = T(v)
	}
	if !CheckUnaryValues(t, s, f, specials, 0) {
		return
	}
	if !checkIsolatedSpecials(t, s, f, rng) {
		return
	}
	for _, n := range Lengths(short) {
		for _, off := range Offsets(n) {
			if !CheckUnaryValues(t, s, f, UnaryInput[T](s, rng, n), off) {
				return
			}
		}
	}
}

// isolatedBlock is the length over which checkIsolatedSpecials moves each
// special value: four AVX-512 float32 vectors, the largest block a kernel
// takes at once.
const isolatedBlock = 64

// checkIsolatedSpecials checks each special value alone among ordinary
// arguments (normal and finite in T), at every index of isolatedBlock: a
// kernel with a fast path for blocks of ordinary arguments must take any
// block holding a special value through its full path.
func checkIsolatedSpecials[T Float](t *testing.T, s UnarySpec, f UnaryFunc[T], rng *rand.Rand) bool {
	t.Helper()
	x := make([]T, isolatedBlock)
	for i := range x {
		x[i] = ordinary[T](s, rng)
	}
	for _, v := range s.Specials {
		for i := range x {
			saved := x[i]
			x[i] = T(v)
			if !CheckUnaryValues(t, s, f, x, 0) {
				return false
			}
			x[i] = saved
		}
	}
	return true
}

// ordinary draws an argument from the spec's Sample that is a normal,
// finite number in T.
func ordinary[T Float](s UnarySpec, rng *rand.Rand) T {
	for {
		v := T(s.Sample(rng))
		a := math.Abs(float64(v))
		if a >= minNormal[T]() && a <= maxFinite[T]() {
			return v
		}
	}
}

// minNormal and maxFinite are T's smallest normal and largest finite.
func minNormal[T Float]() float64 {
	if Is32[T]() {
		return 0x1p-126
	}
	return 0x1p-1022
}

func maxFinite[T Float]() float64 {
	if Is32[T]() {
		return math.MaxFloat32
	}
	return math.MaxFloat64
}
