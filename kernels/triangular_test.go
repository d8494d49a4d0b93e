package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactFMA32 is a·b+c rounded once to float32, by big.Float.
func exactFMA32(a, b, c float32) float32 {
	if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) || math.IsNaN(float64(c)) ||
		math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) || math.IsInf(float64(c), 0) {
		return float32(float64(a)*float64(b) + float64(c))
	}
	p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(a)), big.NewFloat(float64(b)))
	s := p.Add(p, big.NewFloat(float64(c)))
	if s.Sign() == 0 { // the sign of an exact zero sum, as IEEE 754 rounds it
		return float32(float64(a)*float64(b) + float64(c))
	}
	f, _ := s.Float32()
	return f
}

// TestSubScaledRoundsOnceInFloat32 holds subScaled's float32 terms,
// c − (−a)·b, to the exactly rounded a·b+c on random operands of every
// magnitude and on the double-rounding cases, where the float64 sum lands
// halfway between two float32s. (subScaled skips a zero coefficient, so a
// is never zero here.)
func TestSubScaledRoundsOnceInFloat32(t *testing.T) {
	check := func(a, b, c float32) {
		t.Helper()
		if a == 0 {
			a = 0x1p-100
		}
		dst := []float32{c}
		subScaled(dst, []float32{b}, -a)
		got, want := dst[0], exactFMA32(a, b, c)
		if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("%g·%g + %g = %g (%#x), want %g (%#x)", a, b, c, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
	// a·b just below 2⁻²⁴ added to 1+2⁻²³: the float64 sum is the midpoint
	// 1+2⁻²³+2⁻²⁴, which ties to even (up), while the true sum rounds down.
	u := float32(0x1p-23)
	for e := -100; e <= 100; e += 10 {
		s := float32(math.Ldexp(1, e))
		for _, sign := range []float32{1, -1} {
			check(sign*s*0x1p-24*(1+u), 1-u, sign*s*(1+u))
			check(sign*s*0x1p-24*(1+u), 1+u, sign*s*(1+u))
			check(sign*s*0x1p-24*(1+u), 1-u, sign*s)
			check(sign*s*0x1p-24*(1-u), 1+u, -sign*s*(1+2*u))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1 << 20
	if testing.Short() {
		n = 1 << 16
	}
	for range n {
		// Operands with few significant bits make exact halfway sums common.
		pick := func() float32 {
			m := float32(rng.IntN(1<<12) - 1<<11)
			if rng.IntN(2) == 0 {
				m = float32(rng.NormFloat64())
			}
			return float32(math.Ldexp(float64(m), rng.IntN(80)-60))
		}
		check(pick(), pick(), pick())
	}
	// Subnormal results, overflow and the specials.
	tiny := math.Float32frombits(1)
	for _, c := range [][3]float32{
		{tiny, 0.5, tiny}, {3 * tiny, 0.5, tiny}, {0x1p-75, 0x1p-75, 3 * tiny},
		{math.MaxFloat32, 2, -math.MaxFloat32}, {math.MaxFloat32, 1 + u, 0},
		{0, float32(math.Inf(1)), 1}, {float32(math.NaN()), 1, 1}, {-0.0, 1, 0},
		{0, 1, float32(math.Copysign(0, -1))}, {float32(math.Copysign(0, -1)), 1, float32(math.Copysign(0, -1))},
	} {
		check(c[0], c[1], c[2])
	}
}
