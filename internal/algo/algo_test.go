package algo_test

import (
	"math"
	"math/big"
	"testing"

	"github.com/flowkern/flowkern/internal/algo"
	"github.com/flowkern/flowkern/internal/kerneltest"
)

// polyCase is a polynomial under test: its coefficients, whether they must
// be float32 values, and its stated error bound.
type polyCase struct {
	name  string
	poly  []float64
	is32  bool
	bound float64
}

// checkFloat32 fails if a float32 polynomial has a coefficient that is not
// a float32.
func (c polyCase) checkFloat32(t *testing.T) {
	if !c.is32 {
		return
	}
	for _, q := range c.poly {
		if float64(float32(q)) != q {
			t.Errorf("%s: coefficient %v is not a float32", c.name, q)
		}
	}
}

// maxError returns the largest of errAt(x, p) over n+1 points x evenly
// spread on [lo, hi], p being the polynomial evaluated exactly at x (Horner,
// 160 bits, the coefficients as stored).
func (c polyCase) maxError(lo, hi float64, n int, errAt func(x, p *big.Float) float64) float64 {
	worst := 0.0
	for i := 0; i <= n; i++ {
		x := new(big.Float).SetPrec(160).SetFloat64(lo + (hi-lo)*float64(i)/float64(n))
		p := new(big.Float).SetPrec(160)
		for _, q := range c.poly {
			p.Mul(p, x)
			p.Add(p, new(big.Float).SetFloat64(q))
		}
		worst = max(worst, errAt(x, p))
	}
	return worst
}

// report fails if worst exceeds the case's bound, and logs it.
func (c polyCase) report(t *testing.T, what string, worst float64) {
	if worst > c.bound {
		t.Errorf("%s: %s %.3g, want ≤ %.3g", c.name, what, worst, c.bound)
	}
	t.Logf("%s: %s ≤ %.3g", c.name, what, worst)
}

// TestExpPolyError evaluates 1 + r + r²·Q(r) exactly, with the coefficients
// as stored, and holds its relative error to e^r on |r| ≤ ln2/2 to the bound
// that internal/algo states: a mistyped or misrounded coefficient fails it.
func TestExpPolyError(t *testing.T) {
	for _, c := range []polyCase{
		{"float64", algo.ExpPoly64(), false, 3.72e-18},
		{"float32", algo.ExpPoly32(), true, 3.2e-9},
		{"float64 eighths", algo.ExpTabPoly64(), false, 2.86e-18},
	} {
		c.checkFloat32(t)
		a := math.Ln2/2 + 1e-5
		if c.name == "float64 eighths" {
			a = 0.04333
		}
		worst := c.maxError(-a, a, 4000, func(r, p *big.Float) float64 {
			p.Mul(p, r)
			p.Mul(p, r)
			p.Add(p, r)
			p.Add(p, big.NewFloat(1))
			rf, _ := r.Float64()
			e := kerneltest.ExpSpec.Big(rf)
			p.Sub(p, e)
			rel, _ := p.Quo(p, e).Float64()
			return math.Abs(rel)
		})
		c.report(t, "relative error of the polynomial", worst)
	}
}

// TestLogPolyError evaluates z·P(z) exactly, with the coefficients as
// stored, against log's R(z) = Σ_{k≥1} 2z^k/(2k+1) on 0 ≤ z ≤ 0.0401 (s² for
// m in [3/4, 3/2)) and holds the relative error it puts into log, |ΔR|/2,
// to the bound internal/algo states.
func TestLogPolyError(t *testing.T) {
	for _, c := range []polyCase{
		{"float64", algo.LogPoly64(), false, 1.4e-19},
		{"float32", algo.LogPoly32(), true, 2.7e-11},
	} {
		c.checkFloat32(t)
		worst := c.maxError(0, 0.0401, 4000, func(z, p *big.Float) float64 {
			p.Mul(p, z)
			// R(z) by its series, to far below the bound.
			r, pw := new(big.Float).SetPrec(160), new(big.Float).SetPrec(160).SetInt64(1)
			for k := 1; k < 40; k++ {
				pw.Mul(pw, z)
				term := new(big.Float).SetPrec(160).Quo(pw, big.NewFloat(float64(2*k+1)))
				r.Add(r, term.Mul(term, big.NewFloat(2)))
			}
			d, _ := p.Sub(p, r).Float64()
			return math.Abs(d) / 2
		})
		c.report(t, "error of log from P", worst)
	}
}

// TestExp2Eighths recomputes the tables of 2^(j/8) in 256-bit arithmetic
// (powers of √√√2) and holds each hi to the nearest float64 and each rel
// to the nearest float64 of (2^(j/8) − hi)/hi.
func TestExp2Eighths(t *testing.T) {
	const prec = 256
	root := new(big.Float).SetPrec(prec).Sqrt(new(big.Float).SetPrec(prec).SetInt64(2))
	root.Sqrt(root)
	root.Sqrt(root)
	v := new(big.Float).SetPrec(prec).SetInt64(1)
	for j := range 8 {
		hi, _ := v.Float64()
		bigHi := new(big.Float).SetFloat64(hi)
		rest := new(big.Float).SetPrec(prec).Sub(v, bigHi)
		rel, _ := rest.Quo(rest, bigHi).Float64()
		if algo.Exp2EighthsHi(j) != hi || algo.Exp2EighthsRel(j) != rel {
			t.Errorf("2^(%d/8): tables have %x·(1 + %x), want %x·(1 + %x)", j, algo.Exp2EighthsHi(j), algo.Exp2EighthsRel(j), hi, rel)
		}
		v.Mul(v, root)
	}
}
