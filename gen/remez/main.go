// Command remez computes the polynomial coefficients of flowkern's exp and
// log (internal/algo's ExpQ*, ExpTabQ* and LogP*) by the Remez exchange
// algorithm, in 256-bit arithmetic, and prints them with the measured
// error of the rounded polynomial. It is run by hand, not by go generate: the
// coefficients are constants in internal/algo, and this command is how
// anyone can check where they came from.
//
// exp (-func exp): exp(r) ≈ 1 + r + r²·Q(r) on |r| ≤ 0.34658 (ln2/2 and
// room for the reduction's rounding), Q of degree d chosen to minimise the
// relative error max |(1 + r + r²·Q(r) − e^r)/e^r|. The coefficients of 1
// and r stay 1, so that exp(r) − 1 has no cancellation near 0. -func
// exptab is the same on |r| ≤ 0.04333 (ln2/16 and room), for float64 exp's
// reduction by eighths of ln2 (internal/algo's ExpTabQ*).
//
// log (-func log): log's R(z) ≈ z·P(z), z = s², s = f/(2+f), f = m − 1 for
// m in [3/4, 3/2), so z ≤ 0.04 (0.0401 with room). R is exactly
// 2·atanh(√z)/√z − 2 = Σ_{k≥1} 2z^k/(2k+1); log(1+f) = f − f²/2 +
// s·(f²/2 + R) carries an error of s·ΔR in R into a relative error of
// about ΔR/2, which is what is minimised.
//
// Usage (in gen/): go run ./remez -func exp -degree 9 [-type float32]
// (degree of Q), go run ./remez -func exptab -degree 5, or go run ./remez
// -func log -degree 7 (coefficients of P).
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/big"
	"sort"
)

const prec = 256

// problem is the function approximated: the error of the polynomial with
// coefficients q (lowest first) at x is (Σ q_i·basis(x, i) − target(x)) /
// scale(x), on [lo, hi].
type problem struct {
	lo, hi float64
	basis  func(x *big.Float, i int) *big.Float
	target func(x *big.Float) *big.Float
	scale  func(x *big.Float) *big.Float
}

var problems = map[string]problem{
	"exp":    expProblem(0.34658),
	"exptab": expProblem(0.04333),
	"log": {0, 0.0401,
		func(x *big.Float, i int) *big.Float { return power(x, i+1) },
		logR,
		func(*big.Float) *big.Float { return newF(2) }},
}

// expProblem is exp(r) ≈ 1 + r + r²·Q(r) on |r| ≤ bound, relative error.
func expProblem(bound float64) problem {
	return problem{-bound, bound,
		func(x *big.Float, i int) *big.Float { return power(x, i+2) },
		func(x *big.Float) *big.Float {
			t := expBig(x)
			t.Sub(t, newF(1))
			return t.Sub(t, x)
		},
		expBig}
}

// prob is the problem being solved.
var prob problem

// power returns x^n.
func power(x *big.Float, n int) *big.Float {
	p := newF(1)
	for range n {
		p.Mul(p, x)
	}
	return p
}

// logR returns Σ_{k≥1} 2z^k/(2k+1), for 0 ≤ z < 1/2.
func logR(z *big.Float) *big.Float {
	sum, pw := newF(0), newF(1)
	eps := newF(0x1p-300)
	for k := 1; ; k++ {
		pw.Mul(pw, z)
		term := new(big.Float).SetPrec(prec).Quo(pw, newF(float64(2*k+1)))
		term.Mul(term, newF(2))
		sum.Add(sum, term)
		if term.Cmp(eps) < 0 {
			return sum
		}
	}
}

func main() {
	fn := flag.String("func", "exp", "exp, exptab or log")
	degree := flag.Int("degree", 9, "exp: degree of Q; log: coefficients of P less one")
	refit := flag.Int("refit", 2, "coefficients rounded one at a time with a refit")
	typ := flag.String("type", "float64", "coefficient type: float64 or float32")
	flag.Parse()
	if *typ != "float64" && *typ != "float32" {
		log.Fatalf("remez: -type %q: want float64 or float32", *typ)
	}
	var ok bool
	if prob, ok = problems[*fn]; !ok {
		log.Fatalf("remez: -func %q: want exp, exptab or log", *fn)
	}
	round := func(c *big.Float) float64 {
		f, _ := c.Float64()
		if *typ == "float32" {
			f = float64(float32(f))
		}
		return f
	}
	// Round the lowest coefficients one at a time, re-optimising the higher
	// ones around each rounded one: the low coefficients weigh most, and the
	// refit absorbs their rounding error. The rest are rounded as they are.
	var rounded []float64
	for len(rounded) <= *degree {
		q, e := remez(*degree, rounded, 20000)
		if len(rounded) == 0 {
			fmt.Printf("minimax error (exact coefficients): %.3g = 2^%.2f\n", e, math.Log2(e))
		}
		if len(rounded) == *refit {
			for _, c := range q[len(rounded):] {
				rounded = append(rounded, round(c))
			}
			break
		}
		rounded = append(rounded, round(q[len(rounded)]))
	}
	errRounded := maxError(bigs(rounded), 200000)
	unit := 0x1p-53
	if *typ == "float32" {
		unit = 0x1p-24
	}
	fmt.Printf("rounded to %s: max relative error %.3g = %.4f ulp\n", *typ, errRounded, errRounded/unit)
	for i := len(rounded) - 1; i >= 0; i-- {
		if *typ == "float32" {
			fmt.Printf("q%d = %v // %#x\n", i, float32(rounded[i]), math.Float32bits(float32(rounded[i])))
		} else {
			fmt.Printf("q%d = %v // %#x\n", i, rounded[i], math.Float64bits(rounded[i]))
		}
	}
}

func newF(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }

func bigs(xs []float64) []*big.Float {
	out := make([]*big.Float, len(xs))
	for i, x := range xs {
		out[i] = newF(x)
	}
	return out
}

// expBig is e^x by its Taylor series, for |x| < 1.
func expBig(x *big.Float) *big.Float {
	sum, term := newF(1), newF(1)
	eps := newF(0x1p-300)
	for n := 1; ; n++ {
		term.Mul(term, x)
		term.Quo(term, newF(float64(n)))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			return sum
		}
	}
}

// errAt returns the polynomial's weighted error at x.
func errAt(q []*big.Float, x *big.Float) *big.Float {
	p := newF(0)
	for i, c := range q {
		p.Add(p, new(big.Float).SetPrec(prec).Mul(c, prob.basis(x, i)))
	}
	p.Sub(p, prob.target(x))
	return p.Quo(p, prob.scale(x))
}

// grid returns m+1 equally spaced points on [lo, hi].
func grid(m int) []float64 {
	xs := make([]float64, m+1)
	for i := range xs {
		xs[i] = prob.lo + (prob.hi-prob.lo)*float64(i)/float64(m)
	}
	return xs
}

func maxError(q []*big.Float, m int) float64 {
	worst := 0.0
	for _, x := range grid(m) {
		e, _ := errAt(q, newF(x)).Float64()
		worst = max(worst, math.Abs(e))
	}
	return worst
}

// remez returns Q's coefficients, lowest first, and the levelled error,
// with the lowest len(fixed) coefficients held at fixed.
func remez(d int, fixed []float64, m int) ([]*big.Float, float64) {
	n := d + 2 - len(fixed) // reference points: the free coefficients and the error
	ref := make([]float64, n)
	mid, half := (prob.lo+prob.hi)/2, (prob.hi-prob.lo)/2
	for j := range ref {
		ref[j] = mid - half*math.Cos(math.Pi*(float64(j)+0.5)/float64(n))
		if math.Abs(ref[j]) < half*1e-3 {
			ref[j] = half / float64(4*n) // the error vanishes at 0
		}
	}
	sort.Float64s(ref)
	var q []*big.Float
	var level float64
	for iter := 0; iter < 30; iter++ {
		q, level = solve(ref, d, fixed)
		xs := grid(m)
		es := make([]float64, len(xs))
		for i, x := range xs {
			es[i], _ = errAt(q, newF(x)).Float64()
		}
		next := extrema(xs, es, n)
		if next == nil {
			log.Fatalf("remez: fewer than %d alternating extrema at iteration %d", n, iter)
		}
		worst := 0.0
		for _, x := range next {
			e, _ := errAt(q, newF(x)).Float64()
			worst = max(worst, math.Abs(e))
		}
		ref = next
		if worst <= math.Abs(level)*(1+1e-6) {
			break
		}
	}
	return q, math.Abs(level)
}

// solve finds the coefficients and E with Σ q_i·basis(x_j, i) −
// target(x_j) = (−1)^j·E·scale(x_j) at every reference point x_j, by
// Gaussian elimination; the lowest coefficients are fixed.
func solve(ref []float64, d int, fixed []float64) ([]*big.Float, float64) {
	n, nf := len(ref), len(fixed)
	a := make([][]*big.Float, n)
	for j, xf := range ref {
		x := newF(xf)
		row := make([]*big.Float, n+1)
		rhs := prob.target(x)
		for i := 0; i <= d; i++ {
			if i < nf {
				rhs.Sub(rhs, new(big.Float).SetPrec(prec).Mul(prob.basis(x, i), newF(fixed[i])))
			} else {
				row[i-nf] = prob.basis(x, i)
			}
		}
		sign := newF(1)
		if j%2 == 1 {
			sign = newF(-1)
		}
		row[n-1] = new(big.Float).SetPrec(prec).Mul(sign, prob.scale(x))
		row[n-1].Neg(row[n-1])
		row[n] = rhs
		a[j] = row
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if new(big.Float).Abs(a[r][c]).Cmp(new(big.Float).Abs(a[p][c])) > 0 {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < n; r++ {
			if r == c {
				continue
			}
			f := new(big.Float).SetPrec(prec).Quo(a[r][c], a[c][c])
			for k := c; k <= n; k++ {
				t := new(big.Float).SetPrec(prec).Mul(f, a[c][k])
				a[r][k].Sub(a[r][k], t)
			}
		}
	}
	q := bigs(fixed)
	for i := range n {
		q = append(q, new(big.Float).SetPrec(prec).Quo(a[i][n], a[i][i]))
	}
	e, _ := q[d+1].Float64()
	return q[:d+1], e
}

// extrema returns n points of alternating sign where |e| is locally
// largest: the largest |e| of each run of one sign, consecutive runs
// alternating, trimmed from the end whose extremum is smaller.
func extrema(xs, es []float64, n int) []float64 {
	type pt struct{ x, e float64 }
	var runs []pt
	for i, e := range es {
		if e == 0 {
			continue
		}
		if len(runs) > 0 && math.Signbit(runs[len(runs)-1].e) == math.Signbit(e) {
			if math.Abs(e) > math.Abs(runs[len(runs)-1].e) {
				runs[len(runs)-1] = pt{xs[i], e}
			}
			continue
		}
		runs = append(runs, pt{xs[i], e})
	}
	for len(runs) > n {
		if math.Abs(runs[0].e) < math.Abs(runs[len(runs)-1].e) {
			runs = runs[1:]
		} else {
			runs = runs[:len(runs)-1]
		}
	}
	if len(runs) < n {
		return nil
	}
	out := make([]float64, n)
	for i, r := range runs {
		out[i] = r.x
	}
	return out
}
