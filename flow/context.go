package flow

import (
	"fmt"
	"math"
)

// Conditional flows: a model whose layers read a context c (Network's
// Context, Conditional) is a density p(x | c). Its methods take the
// contexts beside the data: one row of ContextDim values per data row, or
// a single row, which every data row then shares. The unconditional
// methods (LogProb, Encode, …) refuse a conditional model, and the …Given
// methods an unconditional one, with an error naming the method to use.

// ContextDim returns the number of context features of a conditional
// model (the width its conditional layers read), 0 for an unconditional
// one.
func (m *Model[T]) ContextDim() int { return m.ctxDim }

// LogProbGiven writes log p(x | c) of each row of x (len(lp) rows of Dim)
// to lp. c holds a context for each row (rows × ContextDim) or one for
// all (ContextDim values). Its errors are LogProb's, and for a context of
// the wrong length, overlapping lp, or holding a NaN or ±Inf.
func (m *Model[T]) LogProbGiven(lp, x, c []T) error {
	if err := m.conditional("LogProbGiven"); err != nil {
		return err
	}
	return m.logProb("LogProbGiven", lp, x, c)
}

// EncodeGiven maps data to base variables given their contexts, z =
// f⁻¹(x; c), row by row; c as for LogProbGiven, checks as Encode.
func (m *Model[T]) EncodeGiven(z, x, c []T) error {
	if err := m.conditional("EncodeGiven"); err != nil {
		return err
	}
	return m.encode("EncodeGiven", z, x, c)
}

// DecodeGiven maps base variables to data given their contexts, x = f(z;
// c), row by row; c as for LogProbGiven, checks as Decode.
func (m *Model[T]) DecodeGiven(x, z, c []T) error {
	if err := m.conditional("DecodeGiven"); err != nil {
		return err
	}
	return m.decodeChecked("DecodeGiven", x, z, c)
}

// SampleGiven fills x (whole rows of Dim) with draws from p(x | c), row r
// given context row r of c, or every row given c's single row; rng as for
// Sample.
func (m *Model[T]) SampleGiven(x, c []T, rng Rand) error {
	if err := m.conditional("SampleGiven"); err != nil {
		return err
	}
	return m.sample("SampleGiven", x, c, rng)
}

// SampleAndLogProbGiven draws samples into x as SampleGiven does and
// writes their log-densities log p(x | c) to lp, equal to LogProbGiven's
// bit for bit.
func (m *Model[T]) SampleAndLogProbGiven(x, lp, c []T, rng Rand) error {
	if err := m.conditional("SampleAndLogProbGiven"); err != nil {
		return err
	}
	return m.sampleAndLogProb("SampleAndLogProbGiven", x, lp, c, rng)
}

// unconditional returns an error if the model is conditional: method who
// has no context to give it.
func (m *Model[T]) unconditional(who string) error {
	if m.ctxDim > 0 {
		return errorf(ErrDimension, "flow: %s: the model is conditional on a context of %d features: use %sGiven", who, m.ctxDim, who)
	}
	return nil
}

// conditional returns an error if the model is not conditional.
func (m *Model[T]) conditional(who string) error {
	if m.ctxDim == 0 {
		return errorf(ErrDimension, "flow: %s: the model has no context (no layer reads one): use %s", who, who[:len(who)-len("Given")])
	}
	return nil
}

// checkContext checks the contexts c of rows rows: none for an
// unconditional model; else rows × ContextDim values, or ContextDim for
// all rows, finite, and apart from the output out.
func (m *Model[T]) checkContext(who string, c []T, rows int, out []T) error {
	if m.ctxDim == 0 {
		return nil
	}
	cd := m.ctxDim
	if len(c) != cd && len(c) != rows*cd {
		return errorf(ErrDimension, "flow: %s: context of %d values for %d rows: want %d (one context for all) or %d (%d rows × %d)", who, len(c), rows, cd, rows*cd, rows, cd)
	}
	for i, e := range c {
		if f := float64(e); math.IsNaN(f) || math.IsInf(f, 0) {
			return errorf(ErrNonFinite, "flow: %s: context row %d, column %d is %v", who, i/cd, i%cd, f)
		}
	}
	return checkApart(who, "the output", out, "the context", c)
}

// chunkContext returns the contexts of rows lo…hi−1 as the layers read
// them: a slice of c, or c's single row repeated, standardised if the
// model standardises its contexts (in ws where it is not c itself).
func (m *Model[T]) chunkContext(c []T, lo, hi int, ws *Workspace[T]) []T {
	cd, rows := m.ctxDim, hi-lo
	if m.ctxNorm == nil && (len(c) != cd || rows == 1) {
		if len(c) == cd {
			return c
		}
		return c[lo*cd : hi*cd]
	}
	out := ws.Take(rows * cd)
	for r := range rows {
		src := c
		if len(c) != cd {
			src = c[(lo+r)*cd : (lo+r+1)*cd]
		}
		if m.ctxNorm == nil {
			copy(out[r*cd:(r+1)*cd], src)
			continue
		}
		for j, v := range src {
			out[r*cd+j] = (v - m.ctxNorm.mean[j]) * m.ctxNorm.inv[j]
		}
	}
	return out
}

// StandardizedGiven returns the conditional model m with the rows of x
// standardised as Standardized does, and its contexts standardised with
// the column means and deviations of c (rows × ContextDim, the contexts
// of x's rows): the layers see standardised data and contexts while every
// method takes and returns them in their own units. The statistics are
// fixed parameters, saved with the model.
func StandardizedGiven[T Float](m *Model[T], x, c []T) (*Model[T], error) {
	if err := m.conditional("StandardizedGiven"); err != nil {
		return nil, err
	}
	rows := len(x) / max(m.dim, 1)
	if err := m.checkBatch("StandardizedGiven", "x", x, rows, true); err != nil {
		return nil, err
	}
	if len(c) != rows*m.ctxDim {
		return nil, errorf(ErrDimension, "flow: StandardizedGiven: %d context values for %d rows of %d features", len(c), rows, m.ctxDim)
	}
	if err := m.checkContext("StandardizedGiven", c, rows, nil); err != nil {
		return nil, err
	}
	sm, err := Standardized(m, x)
	if err != nil {
		return nil, err
	}
	if sm.ctxNorm, err = FitStandardize(c, m.ctxDim); err != nil {
		return nil, err
	}
	return sm, nil
}

// contextParams names a context standardisation's statistics.
func contextParams[T Float](s *Standardize[T]) []Param[T] {
	return []Param[T]{{Name: "context_mean", Value: s.mean, Fixed: true}, {Name: "context_std", Value: s.std, Fixed: true}}
}

// fullContext returns the contexts of rows rows, c's single row repeated
// if it has one (allocated: for the paths that are not per chunk), or nil
// for an unconditional model.
func (m *Model[T]) fullContext(c []T, rows int) []T {
	if m.ctxDim == 0 {
		return nil
	}
	var ws Workspace[T]
	return m.chunkContext(c, 0, rows, &ws)
}

// describeContext names a model's context for summaries.
func (m *Model[T]) describeContext() string {
	switch {
	case m.ctxDim == 0:
		return "unconditional"
	case m.ctxNorm != nil:
		return fmt.Sprintf("conditional on a context of %d features, standardised (fixed statistics, %d parameters)", m.ctxDim, 2*m.ctxDim)
	}
	return fmt.Sprintf("conditional on a context of %d features", m.ctxDim)
}
