package kerneltest

import (
	"math"
	"math/big"
	"sync"
)

// High-precision references for exp, log and tanh, computed with math/big at
// bigPrec bits and rounded once to float64. They are slow (tens of
// microseconds a call) and serve where the math package cannot: to say how
// far a result is from the true value, and in the ranges where Go's amd64
// assembly math.Exp and math.Log are wrong (math.Exp returns +Inf for x in
// about (709.09, 709.78], math.Log misreads subnormal inputs).

const bigPrec = 160

func newBig(x float64) *big.Float {
	return new(big.Float).SetPrec(bigPrec).SetFloat64(x)
}

// bigExp returns exp(x) for a finite x as a big.Float: x is halved m times
// until |x| < 1/2, the Taylor series is summed there, and the sum squared m
// times (losing m bits of the bigPrec).
func bigExp(x float64) *big.Float {
	m := 0
	for a := math.Abs(x); a >= 0.5; a /= 2 {
		m++
	}
	r := newBig(math.Ldexp(x, -m)) // exact
	sum := newBig(1)
	term := newBig(1)
	eps := newBig(math.Ldexp(1, -bigPrec))
	for n := 1; ; n++ {
		term.Mul(term, r)
		term.Quo(term, newBig(float64(n)))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	for ; m > 0; m-- {
		sum.Mul(sum, sum)
	}
	return sum
}

// BigExp returns exp(x) rounded once to float64.
func BigExp(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 710:
		return math.Inf(1)
	case x < -746:
		return 0
	}
	f, _ := bigExp(x).Float64()
	return f
}

// bigLog returns log(x) for a finite x > 0: with x = 2^e·m, m in [1/2, 1),
// log x = e·ln2 + 2·atanh((m−1)/(m+1)), the series in u = (m−1)/(m+1),
// |u| ≤ 1/3.
func bigLog(x float64) *big.Float {
	m, e := math.Frexp(x)
	u := newBig(m - 1) // exact
	u.Quo(u, new(big.Float).SetPrec(bigPrec).Add(newBig(m), newBig(1)))
	u2 := new(big.Float).SetPrec(bigPrec).Mul(u, u)
	sum := new(big.Float).SetPrec(bigPrec).Set(u)
	pow := new(big.Float).SetPrec(bigPrec).Set(u)
	eps := newBig(math.Ldexp(1, -bigPrec))
	for n := 3; ; n += 2 {
		pow.Mul(pow, u2)
		term := new(big.Float).SetPrec(bigPrec).Quo(pow, newBig(float64(n)))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	sum.Mul(sum, newBig(2))
	return sum.Add(sum, new(big.Float).SetPrec(bigPrec).Mul(newBig(float64(e)), bigLn2()))
}

// bigLn2 returns ln 2 to bigPrec bits, computed once.
var bigLn2 = sync.OnceValue(computeLn2)

// computeLn2 sums ln 2 = 2·atanh(1/3).
func computeLn2() *big.Float {
	u := new(big.Float).SetPrec(bigPrec).Quo(newBig(1), newBig(3))
	u2 := new(big.Float).SetPrec(bigPrec).Mul(u, u)
	sum := new(big.Float).SetPrec(bigPrec).Set(u)
	pow := new(big.Float).SetPrec(bigPrec).Set(u)
	for n := 3; n < 220; n += 2 {
		pow.Mul(pow, u2)
		sum.Add(sum, new(big.Float).SetPrec(bigPrec).Quo(pow, newBig(float64(n))))
	}
	return sum.Mul(sum, newBig(2))
}

// BigLog returns log(x) rounded once to float64.
func BigLog(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f, _ := bigLog(x).Float64()
	return f
}

// bigTanh returns tanh(x) for a non-zero x, as
// (e^{2x} − 1)/(e^{2x} + 1) for moderate |x| and from the odd Taylor series
// near 0, where that quotient would cancel.
func bigTanh(x float64) *big.Float {
	a := math.Abs(x)
	if a > 40 {
		a = 40 // tanh(40) = 1 − 3.6e-35, far below any ulp here
	}
	e := bigExp(2 * a)
	num := new(big.Float).SetPrec(bigPrec).Sub(e, newBig(1))
	if a < 1e-3 {
		// e^{2a} − 1 would cancel: the odd Taylor series,
		// tanh a = a·(1 + a²·(−1/3 + a²·(2/15 − a²·17/315))), truncated
		// below a relative 1e-25.
		b2 := newBig(a)
		b2.Mul(b2, newBig(a))
		t := newBig(-17)
		t.Quo(t, newBig(315))
		for _, c := range [][2]float64{{2, 15}, {-1, 3}, {1, 1}} {
			t.Mul(t, b2)
			t.Add(t, new(big.Float).SetPrec(bigPrec).Quo(newBig(c[0]), newBig(c[1])))
		}
		t.Mul(t, newBig(a))
		return t.Mul(t, newBig(math.Copysign(1, x)))
	}
	den := new(big.Float).SetPrec(bigPrec).Add(e, newBig(1))
	num.Quo(num, den)
	return num.Mul(num, newBig(math.Copysign(1, x)))
}
