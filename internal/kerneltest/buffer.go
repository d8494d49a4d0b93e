package kerneltest

import (
	"math"
	"testing"
	"unsafe"
)

// guardLen is the number of sentinel elements on each side of a buffer.
const guardLen = 16

// Guard returns the sentinel that fills guard regions: a quiet NaN with a
// payload no kernel produces, so that a stray write, even of a NaN, shows.
func Guard[T Float]() T {
	if Is32[T]() {
		return T(math.Float32frombits(0x7fc0beef))
	}
	return T(math.Float64frombits(0x7ff8deadbeefbeef))
}

// isGuard reports whether x has exactly the sentinel's bits.
func isGuard[T Float](x T) bool {
	if Is32[T]() {
		return math.Float32bits(float32(x)) == 0x7fc0beef
	}
	return math.Float64bits(float64(x)) == 0x7ff8deadbeefbeef
}

// Buffer is a slice of n elements that starts offset elements past a
// 64-byte boundary inside a larger backing array, with guard regions before
// and after it.
type Buffer[T Float] struct {
	back   []T
	lo, hi int // the slice is back[lo:hi]
}

// NewBuffer returns a guarded buffer of n elements at the given offset
// (0…7) from a 64-byte boundary, filled with the sentinel.
func NewBuffer[T Float](n, offset int) *Buffer[T] {
	var x T
	size := int(unsafe.Sizeof(x))
	back := make([]T, n+2*guardLen+64/size+offset)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(back)))
	skip := int((64-base%64)%64) / size
	b := &Buffer[T]{back: back, lo: skip + guardLen + offset}
	b.hi = b.lo + n
	g := Guard[T]()
	for i := range back {
		back[i] = g
	}
	return b
}

// S returns the buffer's slice; its capacity ends at its length, so an
// append cannot reach the guard region.
func (b *Buffer[T]) S() []T {
	return b.back[b.lo:b.hi:b.hi]
}

// Fill copies src into the slice.
func (b *Buffer[T]) Fill(src []T) *Buffer[T] {
	copy(b.S(), src)
	return b
}

// CheckGuards reports every guard element that no longer holds the
// sentinel.
func (b *Buffer[T]) CheckGuards(t testing.TB, what string) {
	t.Helper()
	for i, v := range b.back {
		if (i < b.lo || i >= b.hi) && !isGuard(v) {
			t.Errorf("%s: guard element %d past the slice's %s was overwritten with %v",
				what, distance(i, b.lo, b.hi), side(i, b.lo), v)
			return
		}
	}
}

func distance(i, lo, hi int) int {
	if i < lo {
		return lo - i
	}
	return i - hi + 1
}

func side(i, lo int) string {
	if i < lo {
		return "start"
	}
	return "end"
}

// Same reports whether a and b are equal bit for bit, taking any two NaNs
// as equal.
func Same[T Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if Bits(a[i]) != Bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

// Bits returns x's bits (a float32's in the low 32).
func Bits[T Float](x T) uint64 {
	if Is32[T]() {
		return uint64(math.Float32bits(float32(x)))
	}
	return math.Float64bits(float64(x))
}

// Lengths returns the slice lengths every kernel is run at: 0…257,
// 1023…1025 and, unless short, 2²⁰.
func Lengths(short bool) []int {
	var ls []int
	for n := 0; n <= 257; n++ {
		ls = append(ls, n)
	}
	ls = append(ls, 1023, 1024, 1025)
	if !short {
		ls = append(ls, 1<<20)
	}
	return ls
}

// Offsets returns the offsets from a 64-byte boundary to run at for a slice
// of n elements: all of 0…7, or a few for the longest slices.
func Offsets(n int) []int {
	if n > 1<<12 {
		return []int{0, 3}
	}
	return []int{0, 1, 2, 3, 4, 5, 6, 7}
}
