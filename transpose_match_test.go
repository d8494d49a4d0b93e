package flowkern_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/kerneltest"
	"github.com/flowkern/flowkern/kernels"
)

// TestSIMDTransposeMatchesPortable holds every set's Transpose to the
// portable one, bit for bit: random bit patterns (NaNs with payloads,
// infinities, subnormals, −0 among them) in every shape up to 40×40,
// which meets every remainder of the 4×4 and 8×8 vector tiles, and the
// networks' shapes; a and dst at every offset 0…7 from a 64-byte
// boundary, dst inside guard regions that must stay untouched.
func TestSIMDTransposeMatchesPortable(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(8, 9))
		var shapes [][2]int
		for rows := 0; rows <= 40; rows++ {
			for cols := 0; cols <= 40; cols++ {
				shapes = append(shapes, [2]int{rows, cols})
			}
		}
		shapes = append(shapes, [][2]int{{128, 128}, {128, 8}, {16, 128}, {8, 128}, {257, 3}, {3, 257}, {100, 300}}...)
		for i, s := range shapes {
			transposeMatch[float64](t, rng, s[0], s[1], i%8)
			transposeMatch[float32](t, rng, s[0], s[1], (i+3)%8)
		}
	})
}

func transposeMatch[T flowkern.Float](t *testing.T, rng *rand.Rand, rows, cols, offset int) {
	t.Helper()
	n := rows * cols
	a := kerneltest.NewBuffer[T](n, (offset+5)%8)
	for i := range a.S() {
		a.S()[i] = randomBits[T](rng)
	}
	dst := kerneltest.NewBuffer[T](n, offset)
	flowkern.Transpose(dst.S(), a.S(), rows, cols)
	want := make([]T, n)
	kernels.Transpose(want, a.S(), rows, cols)
	for i, v := range dst.S() {
		if kerneltest.Bits(v) != kerneltest.Bits(want[i]) {
			t.Fatalf("%T %d×%d at offset %d: dst[%d] = %v (%#x), want %v (%#x)", v, rows, cols, offset, i, v, kerneltest.Bits(v), want[i], kerneltest.Bits(want[i]))
		}
	}
	dst.CheckGuards(t, "Transpose dst")
	a.CheckGuards(t, "Transpose a")
}

// randomBits returns a value of random bits: one in four a special value
// (a NaN with a random payload, ±Inf, ±0 or a subnormal).
func randomBits[T flowkern.Float](rng *rand.Rand) T {
	is32 := kerneltest.Is32[T]()
	switch rng.IntN(16) {
	case 0:
		if is32 {
			return T(math.Float32frombits(0x7f800001 | rng.Uint32()&0x803fffff))
		}
		return T(math.Float64frombits(0x7ff0000000000001 | rng.Uint64()&0x8007ffffffffffff))
	case 1:
		return T(math.Inf(1 - 2*rng.IntN(2)))
	case 2:
		return T(math.Copysign(0, float64(1-2*rng.IntN(2))))
	case 3:
		if is32 {
			return T(math.Float32frombits(rng.Uint32() & 0x807fffff))
		}
		return T(math.Float64frombits(rng.Uint64() & 0x800fffffffffffff))
	}
	if is32 {
		return T(math.Float32frombits(rng.Uint32()))
	}
	return T(math.Float64frombits(rng.Uint64()))
}
