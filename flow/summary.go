package flow

import (
	"fmt"
	"strings"
)

// Summary describes the model a line at a time: whether it is
// conditional, each layer, data side first, with its settings and
// parameter count, then the base.
func (m *Model[T]) Summary() []string {
	lines := []string{m.describeContext()}
	for i, l := range m.layers {
		lines = append(lines, fmt.Sprintf("%2d  %s  (%d parameters)", i, describe(l), count(l.Params())))
	}
	return append(lines, fmt.Sprintf("base  %s  (%d parameters)", describeBase(m.base), count(m.base.Params())))
}

// describeBase names a base distribution.
func describeBase[T Float](b Base[T]) string {
	switch b.(type) {
	case *StandardNormal[T]:
		return "standard normal"
	case *DiagNormal[T]:
		return "diagonal normal"
	case *FullNormal[T]:
		return "full-covariance normal"
	}
	return fmt.Sprintf("%T", b)
}

func count[T Float](ps []Param[T]) int {
	n := 0
	for _, p := range ps {
		n += len(p.Value)
	}
	return n
}

// describe names a layer and its settings.
func describe[T Float](l Layer[T]) string {
	s, err := specOf(l)
	if err != nil {
		return fmt.Sprintf("%T", l)
	}
	return describeSpec(s)
}

func describeSpec(s layerSpec) string {
	net := func() string {
		b := fmt.Sprintf("hidden %v %s, scale %s", s.Hidden, s.Activation, s.Scale)
		switch {
		case s.Scale == "exp" && s.Clamp > 0:
			b += fmt.Sprintf(" (clamp %g)", s.Clamp)
		case s.Scale == "sigmoid":
			b += fmt.Sprintf(" (ε %g)", s.Eps)
		}
		return b
	}
	ctx := ""
	if s.Context > 0 {
		ctx = fmt.Sprintf("; context %d", s.Context)
	}
	switch s.Kind {
	case "coupling":
		return fmt.Sprintf("affine coupling: keeps %v; %s%s", s.Kept, net(), ctx)
	case "autoregressive":
		return fmt.Sprintf("masked autoregressive (MADE): order %v; %s%s", s.Order, net(), ctx)
	case "spline":
		return fmt.Sprintf("spline coupling: keeps %v; hidden %v %s; %s%s", s.Kept, s.Hidden, s.Activation, s.Spline, ctx)
	case "spline-autoregressive":
		return fmt.Sprintf("spline autoregressive (MADE): order %v; hidden %v %s; %s%s", s.Order, s.Hidden, s.Activation, s.Spline, ctx)
	case "inverted":
		return "inverted " + describeSpec(*s.Inner)
	case "lu":
		return fmt.Sprintf("LU linear: diagonal %s, permutation %v", s.Diag, s.Perm)
	case "actnorm":
		return "ActNorm" + map[bool]string{false: " (not yet initialised from data)", true: ""}[s.Initialized]
	case "permutation":
		return fmt.Sprintf("permutation %v", s.Perm)
	case "standardize":
		return "standardize (fixed data statistics)"
	}
	return strings.TrimSpace(s.Kind)
}
