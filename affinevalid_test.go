package flowkern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAffineValidAgreesWithAffineArgs draws arguments of AffineForward and
// AffineInverse (lengths right and one off, slices of one shared array at
// random offsets, the same slice twice, nil, every kind of clamp) and
// checks that affineValid accepts exactly the calls affineArgs lets
// through: the fast check may neither pass a call the full check stops
// nor stop one it passes.
func TestAffineValidAgreesWithAffineArgs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	clamps := []float64{0, 2, 1e300, -1, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1)}
	shared := make([]float64, 64)
	var passed, stopped, inPlace int
	for range 200000 {
		rows, cols := rng.IntN(4), rng.IntN(4)
		if rng.IntN(8) == 0 {
			cols = -1 - rng.IntN(2)
		}
		pick := func(want int) []float64 {
			if rng.IntN(12) == 0 {
				want += rng.IntN(3) - 1
			}
			want = max(want, 0)
			switch rng.IntN(4) {
			case 0:
				if want == 0 {
					return nil
				}
				fallthrough
			case 1:
				return make([]float64, want)
			default:
				off := rng.IntN(len(shared) - want + 1)
				return shared[off : off+want]
			}
		}
		logdet := pick(rows)
		n := len(logdet) * max(cols, 0)
		out, in, sHat, tt := pick(n), pick(n), pick(n), pick(n)
		switch rng.IntN(6) { // out the same slice as an input
		case 0:
			out = in
		case 1:
			out = sHat
		case 2:
			out = tt
		}
		clamp := clamps[rng.IntN(len(clamps))]
		ok := panicsNot(func() {
			affineArgs("AffineInverse", arg[float64]{"logdet", logdet, true, false}, cols, clamp, arg[float64]{"out", out, true, true},
				arg[float64]{"in", in, false, true}, arg[float64]{"sHat", sHat, false, true}, arg[float64]{"t", tt, false, true})
		})
		if valid := affineValid(out, logdet, in, sHat, tt, cols, clamp); valid != ok {
			t.Fatalf("rows %d cols %d clamp %v lens out %d logdet %d in %d sHat %d t %d: affineValid %v, affineArgs passes %v",
				rows, cols, clamp, len(out), len(logdet), len(in), len(sHat), len(tt), valid, ok)
		}
		switch {
		case ok && len(out) > 0 && (&out[0] == &in[0] || &out[0] == &sHat[0] || &out[0] == &tt[0]):
			inPlace++
			fallthrough
		case ok:
			passed++
		default:
			stopped++
		}
	}
	if passed < 10000 || stopped < 10000 || inPlace < 1000 {
		t.Fatalf("too few cases of a kind: %d passed (%d in place), %d stopped", passed, inPlace, stopped)
	}
}

// panicsNot reports whether f returns without panicking.
func panicsNot(f func()) (ok bool) {
	defer func() { ok = recover() == nil }()
	f()
	return true
}
