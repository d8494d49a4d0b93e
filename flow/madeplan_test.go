package flow

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowkern/flowkern"
)

// dimPassForward is the textbook inversion of an autoregressive layer, the
// reference of the one-pass one: x starts at zero and each of Dim passes
// recomputes every column from z with the network evaluated on x so far,
// fixing one more column; the last pass's log-determinants go to logdet.
func dimPassForward[T Float](dim int, x, logdet []T, ws *Workspace[T], step func(pass []T)) {
	mk := ws.Mark()
	defer ws.Release(mk)
	pass := ws.Take(len(logdet))
	clear(x)
	each := ws.Mark()
	for range dim {
		clear(pass)
		step(pass)
		ws.Release(each)
	}
	for r, v := range pass {
		logdet[r] += v
	}
}

// randomOrder returns a random permutation of dim columns.
func randomOrder(dim int, r Rand) []int {
	p := identityPerm(dim)
	for i := dim - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// TestOnePassMatchesDimPasses checks the one-pass inversion of MAF and
// spline autoregressive layers against the Dim-pass algorithm, bit for
// bit, over dimensions, random orders, hidden sizes that Dim − 1 does not
// divide, none to three hidden layers, every scale, with and without a
// context, in float64 and float32.
func TestOnePassMatchesDimPasses(t *testing.T) {
	t.Run("f64", onePassMatches[float64])
	t.Run("f32", onePassMatches[float32])
}

func onePassMatches[T Float](t *testing.T) {
	rng := newRand(77)
	checked := 0
	for _, dim := range []int{1, 2, 3, 5, 16} {
		for _, hidden := range [][]int{{}, {7}, {13, 9}, {20, 6, 11}} {
			for _, cd := range []int{0, 3} {
				for _, scale := range []Scale{ScaleExp, ScaleSigmoid, ScaleNone} {
					c := Network{Hidden: hidden, Activation: flowkern.ActTanh, Scale: scale, Context: cd}
					if len(hidden) == 2 {
						c.Activation = flowkern.ActReLU
					}
					name := fmt.Sprintf("dim %d hidden %v context %d scale %v", dim, hidden, cd, scale)
					order := randomOrder(dim, rng)
					maf, err := NewMaskedAutoregressive[T](dim, order, c, rng)
					checkNoErr(t, err)
					perturb(maf.Params(), maf.Refresh, rng, 0.4)
					compareOnePass(t, name+" MAF", maf, cd, func(x, logdet, z []T, ws *Workspace[T]) {
						dimPassForward(dim, x, logdet, ws, func(pass []T) {
							sh, tt := maf.conditioner(x, len(logdet), ws)
							transform(maf.cond, x, pass, z, sh, tt, dim, false, ws)
						})
					}, rng)
					checked++
					if scale != ScaleExp {
						continue
					}
					spl, err := NewSplineAutoregressive[T](dim, order, c, flowkern.Spline{Bins: 5, Bound: 2.5}, rng)
					checkNoErr(t, err)
					perturb(spl.Params(), spl.Refresh, rng, 0.4)
					compareOnePass(t, name+" spline", spl, cd, func(x, logdet, z []T, ws *Workspace[T]) {
						dimPassForward(dim, x, logdet, ws, func(pass []T) {
							flowkern.SplineForward(x, pass, z, spl.conditioner(x, len(logdet), ws), dim, spl.spline)
						})
					}, rng)
					checked++
				}
			}
		}
	}
	t.Logf("%d layers checked", checked)
}

// compareOnePass runs l.Forward and the Dim-pass reference on the same
// batch (with contexts of width cd) and compares their bits.
func compareOnePass[T Float](t *testing.T, name string, l Layer[T], cd int, reference func(x, logdet, z []T, ws *Workspace[T]), rng Rand) {
	t.Helper()
	const rows = 37
	dim := l.Dim()
	z := make([]T, rows*dim)
	for i := range z {
		z[i] = T(1.5 * rng.NormFloat64())
	}
	var ws Workspace[T]
	if cd > 0 {
		ctx := make([]T, rows*cd)
		for i := range ctx {
			ctx[i] = T(rng.NormFloat64())
		}
		ws.setContext(ctx, cd)
	}
	x, ld := make([]T, len(z)), make([]T, rows)
	l.Forward(x, ld, z, &ws)
	wantX, wantLd := make([]T, len(z)), make([]T, rows)
	reference(wantX, wantLd, z, &ws)
	for i := range x {
		if math.Float64bits(float64(x[i])) != math.Float64bits(float64(wantX[i])) {
			t.Fatalf("%s: x[%d] = %v, the Dim-pass algorithm's %v", name, i, x[i], wantX[i])
		}
	}
	for r := range ld {
		if math.Float64bits(float64(ld[r])) != math.Float64bits(float64(wantLd[r])) {
			t.Fatalf("%s: logdet[%d] = %v, the Dim-pass algorithm's %v", name, r, ld[r], wantLd[r])
		}
	}
}

// BenchmarkMADEInversion times the inversion of one MAF layer of M3's shape
// (16 columns, MADE 16 → 128 → 128 → 2·16) on a chunk of rows as a Model
// evaluates them, the work of MAF's sampling and of IAF's density, by the
// one-pass algorithm against the Dim-pass one, reporting rows/s:
//
//	go test ./flow -run '^$' -bench MADEInversion
func BenchmarkMADEInversion(b *testing.B) {
	b.Run("f64", madeInversionBench[float64])
	b.Run("f32", madeInversionBench[float32])
}

func madeInversionBench[T Float](b *testing.B) {
	const dim, rows = 16, chunkRows
	rng := newRand(5)
	maf, err := NewMaskedAutoregressive[T](dim, nil, Network{Hidden: []int{128, 128}}, rng)
	if err != nil {
		b.Fatal(err)
	}
	perturb(maf.Params(), maf.Refresh, rng, 0.05)
	z, x, logdet := make([]T, rows*dim), make([]T, rows*dim), make([]T, rows)
	for i := range z {
		z[i] = T(rng.NormFloat64())
	}
	var ws Workspace[T]
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"onepass", func() { maf.Forward(x, logdet, z, &ws) }},
		{"dimpass", func() {
			dimPassForward(dim, x, logdet, &ws, func(pass []T) {
				sh, t := maf.conditioner(x, rows, &ws)
				transform(maf.cond, x, pass, z, sh, t, dim, false, &ws)
			})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				clear(logdet)
				c.run()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
