package datasets

import (
	"math"
	"testing"
)

// TestBananaNormalised integrates the conditional banana's density over x
// on a fine grid, for several contexts: each integral must be 1.
func TestBananaNormalised(t *testing.T) {
	s, err := Get("cond-banana")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]float64{{0, 0}, {-1, 1}, {0.9, -0.7}} {
		const h = 0.01
		var sum float64
		for x1 := -8.0; x1 < 8; x1 += h {
			for x2 := -3.0; x2 < 40; x2 += h {
				sum += math.Exp(s.LogProb([]float64{x1, x2, c[0], c[1]})) * h * h
			}
		}
		if math.Abs(sum-1) > 1e-3 {
			t.Errorf("context %v: the density integrates to %v", c, sum)
		}
	}
}

// TestChainEntropy checks chain16's log-density against its entropy,
// known in closed form: each coordinate is normal given the one before,
// so E[−log p] = ½log(2πe) + 15·(½log(2πe) + log 0.4).
func TestChainEntropy(t *testing.T) {
	s, _ := Get("chain16")
	const n = 20000
	mean := s.MeanLogProb(s.Draw(n, 3))
	h := 0.5*math.Log(2*math.Pi*math.E) + 15*(0.5*math.Log(2*math.Pi*math.E)+math.Log(0.4))
	// The log-density of a row varies with a deviation of about 4 nats
	// (a χ² of 16 degrees): 5 standard errors.
	if math.Abs(mean+h) > 5*4/math.Sqrt(n) {
		t.Errorf("mean log-density %v, minus the entropy %v", mean, -h)
	}
}

// TestMixtureLogProb checks mixture16's log-density, summed stably,
// against the plain sum of its five weighted component densities where
// that does not underflow.
func TestMixtureLogProb(t *testing.T) {
	s, _ := Get("mixture16")
	x := s.Draw(50, 4)
	for r := 0; r < len(x); r += 16 {
		row := x[r : r+16]
		var p float64
		for c := range 5 {
			sd := 0.3 + 0.15*float64(c)
			d := 0.2
			for j, v := range row {
				e := (v - 3*math.Sin(float64(7*c+3*j+1))) / sd
				d *= math.Exp(-0.5*e*e) / (sd * math.Sqrt(2*math.Pi))
			}
			p += d
		}
		if got := s.LogProb(row); math.Abs(got-math.Log(p)) > 1e-9*math.Abs(got) {
			t.Errorf("row %d: log p %v, plain sum %v", r/16, got, math.Log(p))
		}
	}
}

// TestDrawReproducible checks that a seed gives the same rows, and that
// every set's rows have its width.
func TestDrawReproducible(t *testing.T) {
	for _, name := range Names() {
		s, _ := Get(name)
		a, b := s.Draw(7, 5), s.Draw(7, 5)
		if len(a) != 7*s.Dim {
			t.Errorf("%s: %d values for 7 rows of %d", name, len(a), s.Dim)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: seed 5 drew differently at %d", name, i)
			}
		}
	}
	if _, err := Get("spiral"); err == nil {
		t.Error("an unknown set was found")
	}
}
