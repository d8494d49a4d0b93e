package flowkern

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"
)

// Float is the set of element types the kernels accept: float32, float64
// and named types of them.
type Float interface {
	~float32 | ~float64
}

// is32 reports whether T is a 4-byte float (a constant per instantiation).
func is32[T Float]() bool {
	var x T
	return unsafe.Sizeof(x) == 4
}

// as64 and as32 view a []T as the concrete slice type of its size; T may
// be a named type such as `type Score float64`. A nil slice stays nil.
func as64[T Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func as32[T Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// fail panics with a message naming the kernel. The checks below call it
// only on their failure paths, which are separate functions so that the
// checks themselves inline into every kernel call as a comparison or two.
func fail(kernel, format string, args ...any) {
	panic(fmt.Sprintf("flowkern."+kernel+": "+format, args...))
}

// product returns a·b for non-negative a and b, panicking if it overflows.
func product(kernel string, a, b int) int {
	if uint(a|b) >= 1<<31 { // a·b might not fit in 62 bits
		return bigProduct(kernel, a, b)
	}
	return a * b
}

// bigProduct is product for large a or b.
//
//go:noinline
func bigProduct(kernel string, a, b int) int {
	if hi, lo := bits.Mul(uint(a), uint(b)); hi != 0 || lo > math.MaxInt {
		overflows(kernel, a, b)
	}
	return a * b
}

//go:noinline
func overflows(kernel string, a, b int) { fail(kernel, "size %d·%d overflows int", a, b) }

// wantLen panics unless len(s) == want.
func wantLen[T Float](kernel, name string, s []T, want int, how string) {
	if len(s) != want {
		badLen(kernel, name, len(s), want, how)
	}
}

//go:noinline
func badLen(kernel, name string, got, want int, how string) {
	fail(kernel, "len(%s) = %d, want %s = %d", name, got, how, want)
}

// nonNegative panics if the size v called name is negative.
func nonNegative(kernel, name string, v int) {
	if v < 0 {
		negative(kernel, name, v)
	}
}

//go:noinline
func negative(kernel, name string, v int) { fail(kernel, "%s = %d is negative", name, v) }

// span returns the address range [lo, hi) of s's elements.
func span[T Float](s []T) (lo, hi uintptr) {
	if len(s) == 0 {
		return 0, 0
	}
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return lo, lo + uintptr(len(s))*unsafe.Sizeof(s[0])
}

// overlap reports whether a and b share any element.
func overlap[T Float](a, b []T) bool {
	alo, ahi := span(a)
	blo, bhi := span(b)
	return alo < bhi && blo < ahi
}

// arg is a slice argument of a kernel, for the overlap rules of
// checkOverlaps.
type arg[T Float] struct {
	name string
	s    []T
	out  bool // the kernel writes it
	elem bool // it has one element per batch element (not per row)
}

// checkOverlaps panics if an output shares memory with another argument,
// except that an elementwise output may be exactly the same slice as an
// elementwise input (the kernels read each element before writing it).
func checkOverlaps[T Float](kernel string, args ...arg[T]) {
	for i := range args {
		a := &args[i]
		alo, ahi := span(a.s)
		if alo == ahi {
			continue
		}
		for j := i + 1; j < len(args); j++ {
			b := &args[j]
			if !(a.out || b.out) {
				continue
			}
			if blo, bhi := span(b.s); alo < bhi && blo < ahi {
				overlapping(kernel, a, b)
			}
		}
	}
}

// overlapping panics unless a and b, which share memory, are the same
// elementwise slice, one read and one written.
//
//go:noinline
func overlapping[T Float](kernel string, a, b *arg[T]) {
	same := unsafe.SliceData(a.s) == unsafe.SliceData(b.s) && len(a.s) == len(b.s)
	if !same || !a.elem || !b.elem || (a.out && b.out) {
		fail(kernel, "%s overlaps %s", a.name, b.name)
	}
}

// checkClamp panics unless the soft-clamp bound c is finite and ≥ 0.
func checkClamp[T Float](kernel string, c T) {
	if !(c >= 0) || math.IsInf(float64(c), 1) {
		fail(kernel, "clamp = %v, want a finite value ≥ 0 (0: no clamp)", c)
	}
}
