package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ULPReport is the accuracy of one function for one element type.
type ULPReport struct {
	Func, Type string
	// Points compared with the spec's Ref; MaxDist is the largest
	// ULPDist found, at argument WorstDist.
	Points    int
	MaxDist   uint64
	WorstDist float64
	// TruePoints compared with the high-precision reference (all points
	// in float32, where the float64 Ref is exact to far below an ulp; a
	// subset in float64, through math/big, plus every point where the
	// kernel and Ref are further apart than the spec's MaxDist); MaxTrue
	// is the largest error in ulp, at argument WorstTrue.
	TruePoints int
	MaxTrue    float64
	WorstTrue  float64
	// Arbitrated counts the points further from Ref than MaxDist, each
	// then measured against the high-precision reference.
	Arbitrated int
}

// String formats the report as one line of a table.
func (r ULPReport) String() string {
	return fmt.Sprintf("%-5s %-7s vs math: max %d ulp over %d points (at %g; %d arbitrated)   true error: max %.3f ulp over %d points (at %g)",
		r.Func, r.Type, r.MaxDist, r.Points, r.WorstDist, r.Arbitrated, r.MaxTrue, r.TruePoints, r.WorstTrue)
}

// ULPArgs returns n arguments for measuring s: a quarter from s.Sample, a
// quarter random bit patterns (any finite or special float), a quarter
// log-uniform magnitudes of either sign, and a quarter within 64 ulp of one
// of s.Specials.
func ULPArgs[T Float](s UnarySpec, rng *rand.Rand, n int) []T {
	x := make([]T, n)
	for i := range x {
		switch i % 4 {
		case 0:
			x[i] = T(s.Sample(rng))
		case 1:
			if Is32[T]() {
				x[i] = T(math.Float32frombits(rng.Uint32()))
			} else {
				x[i] = T(math.Float64frombits(rng.Uint64()))
			}
		case 2:
			v := T(math.Exp2(float64(rng.IntN(600)-300) + rng.Float64()))
			if rng.IntN(2) == 0 {
				v = -v
			}
			x[i] = v
		case 3:
			v := T(s.Specials[rng.IntN(len(s.Specials))])
			for k := rng.IntN(129) - 64; k != 0; {
				if k > 0 {
					v, k = next(v, 1), k-1
				} else {
					v, k = next(v, -1), k+1
				}
			}
			x[i] = v
		}
	}
	return x
}

// next returns the float of type T after x in the direction of dir's sign.
func next[T Float](x T, dir float64) T {
	if Is32[T]() {
		return T(math.Nextafter32(float32(x), float32(dir)*float32(math.Inf(1))))
	}
	return T(math.Nextafter(float64(x), dir*math.Inf(1)))
}

// MeasureULP runs f over points arguments from ULPArgs, in batches of 4096,
// and measures it against s.Ref, and against the high-precision reference
// for every point (float32) or the first truePoints (float64).
func MeasureULP[T Float](s UnarySpec, f UnaryFunc[T], points, truePoints int, seed uint64) ULPReport {
	is32 := Is32[T]()
	r := ULPReport{Func: s.Name, Type: "float64"}
	if is32 {
		r.Type = "float32"
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	const batch = 4096
	out := make([]T, batch)
	for done := 0; done < points; done += batch {
		x := ULPArgs[T](s, rng, min(batch, points-done))
		f(out[:len(x)], x)
		for i, xi := range x {
			got, want := out[i], Want(s, xi)
			d := ULPDist(got, want)
			if d > r.MaxDist {
				r.MaxDist, r.WorstDist = d, float64(xi)
			}
			arbitrate := d > s.MaxDist(is32)
			if arbitrate {
				r.Arbitrated++
			}
			if !is32 && r.TruePoints >= truePoints && !arbitrate {
				continue
			}
			e, ok := trueErr(s, xi, got, is32)
			if !ok && arbitrate { // a special value that differs: no ulp error excuses it
				e, ok = math.Inf(1), true
			}
			if ok {
				r.TruePoints++
				if e > r.MaxTrue {
					r.MaxTrue, r.WorstTrue = e, float64(xi)
				}
			}
		}
		r.Points += len(x)
	}
	return r
}

// WithinBound reports whether got = f(x) is within the spec's Bound of the
// high-precision reference (false for special values, which must match
// exactly).
func WithinBound[T Float](s UnarySpec, x, got T) bool {
	e, ok := trueErr(s, x, got, Is32[T]())
	return ok && e <= s.Bound
}

// trueErr returns the error of got = f(x) in ulp of T against the
// high-precision reference, for finite non-zero reference values (where an
// ulp error is meaningful; special values are exact and checked by
// ULPDist).
func trueErr[T Float](s UnarySpec, x, got T, is32 bool) (float64, bool) {
	want := Want(s, x)
	if want != want || want == 0 || math.IsInf(float64(want), 0) || math.IsInf(float64(x), 0) {
		return 0, false
	}
	if is32 {
		return ErrULP32(float32(got), s.Ref(float64(x))), true
	}
	return ErrULP(got, s.Big(float64(x))), true
}
