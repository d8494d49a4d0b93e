package flow

import (
	"fmt"

	"github.com/flowkern/flowkern"
)

// The architectures below are conditional, p(x | c), when c.Context is
// set: every network then reads the rows' contexts beside its inputs (see
// Model.LogProbGiven).

// RealNVP returns a RealNVP model (Dinh et al. 2017) over dim ≥ 2
// features: layers affine couplings that keep the first and the second
// half of the features in turn, each with a conditioner configured by c,
// over a standard normal base. With c.Hidden = {128, 128} and the default
// clamp this is the M1 model of the benchmarks. rng draws the hidden
// weights; the couplings start as the identity.
func RealNVP[T Float](dim, layers int, c Network, rng Rand) (*Model[T], error) {
	return stack(dim, layers, false, func(i int) (Layer[T], error) {
		return NewAffineCoupling[T](dim, MaskHalves(dim, i), c, rng)
	})
}

// NSF returns a neural spline flow (Durkan et al. 2019) over dim ≥ 2
// features: layers spline couplings that keep the first and the second
// half of the features in turn, each with a network configured by c and
// splines of shape s (DefaultSpline if s.Bins is 0), over a standard
// normal base. With c.Hidden = {128, 128}, 8 layers and the default
// spline this is the M4 model of the benchmarks. rng draws the hidden
// weights; the couplings start as the identity.
func NSF[T Float](dim, layers int, c Network, s flowkern.Spline, rng Rand) (*Model[T], error) {
	if s.Bins == 0 {
		s = DefaultSpline
	}
	return stack(dim, layers, false, func(i int) (Layer[T], error) {
		return NewSplineCoupling[T](dim, MaskHalves(dim, i), c, s, rng)
	})
}

// NSFAR returns an autoregressive neural spline flow (NSF-AR, Durkan et
// al. 2019) over dim features: layers spline autoregressive layers with
// MADE networks configured by c and splines of shape s (DefaultSpline if
// s.Bins is 0), a reversal of the features between consecutive layers,
// over a standard normal base. Density evaluation and sampling each take
// one pass of each network.
func NSFAR[T Float](dim, layers int, c Network, s flowkern.Spline, rng Rand) (*Model[T], error) {
	if s.Bins == 0 {
		s = DefaultSpline
	}
	return stack(dim, layers, true, func(int) (Layer[T], error) {
		return NewSplineAutoregressive[T](dim, nil, c, s, rng)
	})
}

// MAF returns a masked autoregressive flow (Papamakarios et al. 2017)
// over dim features: layers MAF layers with MADE conditioners configured
// by c, a reversal of the features between consecutive layers, over a
// standard normal base.
func MAF[T Float](dim, layers int, c Network, rng Rand) (*Model[T], error) {
	return stack(dim, layers, true, func(int) (Layer[T], error) {
		return NewMaskedAutoregressive[T](dim, nil, c, rng)
	})
}

// stack returns layers layers, layer i from build(i), with a reversal of
// the features between consecutive ones if reverse, over a standard normal
// base.
func stack[T Float](dim, layers int, reverse bool, build func(i int) (Layer[T], error)) (*Model[T], error) {
	if err := checkLayers(layers); err != nil {
		return nil, err
	}
	var ls []Layer[T]
	for i := range layers {
		if i > 0 && reverse {
			p, err := NewReverse[T](dim)
			if err != nil {
				return nil, err
			}
			ls = append(ls, p)
		}
		l, err := build(i)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return withNormal(dim, ls)
}

// Glow returns a Glow-style model (Kingma and Dhariwal 2018) for vectors
// of dim ≥ 2 features: blocks of ActNorm, an LU-parameterised invertible
// linear layer initialised to a random rotation, and an affine coupling
// (halves in turn, conditioner c), over a standard normal base. The
// ActNorm layers initialise themselves from the first batch evaluated.
func Glow[T Float](dim, blocks int, c Network, rng Rand) (*Model[T], error) {
	if err := checkLayers(blocks); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, fmt.Errorf("flow: Glow needs a random source for its rotations")
	}
	var ls []Layer[T]
	for i := range blocks {
		a, err := NewActNorm[T](dim)
		if err != nil {
			return nil, err
		}
		lu, err := NewLULinear[T](dim, DiagExp, rng)
		if err != nil {
			return nil, err
		}
		cp, err := NewAffineCoupling[T](dim, MaskHalves(dim, i), c, rng)
		if err != nil {
			return nil, err
		}
		ls = append(ls, a, lu, cp)
	}
	return withNormal(dim, ls)
}

func checkLayers(n int) error {
	if n < 1 || n > maxLayers {
		return fmt.Errorf("flow: %d layers outside 1…%d", n, maxLayers)
	}
	return nil
}

// maxLayers bounds the layers of a model (and of a model file).
const maxLayers = 4096

func withNormal[T Float](dim int, ls []Layer[T]) (*Model[T], error) {
	b, err := NewStandardNormal[T](dim)
	if err != nil {
		return nil, err
	}
	return NewModel(b, ls...)
}
