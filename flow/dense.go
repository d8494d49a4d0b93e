package flow

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Conveniences for gonum matrices: one sample per row, converted to and
// from the model's element type.

// toRows copies a rows×Dim matrix into a batch.
func toRows[T Float](m *Model[T], who string, x mat.Matrix) ([]T, int, error) {
	return matrixRows[T](who, "the model's dimension", x, m.dim)
}

// matrixRows copies a matrix of cols columns (what, for errors) into a
// batch of rows.
func matrixRows[T Float](who, what string, x mat.Matrix, cols int) ([]T, int, error) {
	if x == nil {
		return nil, 0, fmt.Errorf("flow: %s: nil matrix", who)
	}
	r, c := x.Dims()
	if c != cols {
		return nil, 0, errorf(ErrDimension, "flow: %s: matrix has %d columns, %s is %d", who, c, what, cols)
	}
	v := make([]T, r*c)
	for i := range r {
		for j := range c {
			v[i*c+j] = T(x.At(i, j))
		}
	}
	return v, r, nil
}

// fromRows returns a batch as a rows×Dim matrix.
func fromRows[T Float](v []T, rows, dim int) *mat.Dense {
	d := make([]float64, len(v))
	for i, e := range v {
		d[i] = float64(e)
	}
	return mat.NewDense(rows, dim, d)
}

// LogProbDense returns log p of each row of x.
func (m *Model[T]) LogProbDense(x mat.Matrix) ([]float64, error) {
	v, rows, err := toRows(m, "LogProbDense", x)
	if err != nil {
		return nil, err
	}
	lp := make([]T, rows)
	if err := m.LogProb(lp, v); err != nil {
		return nil, err
	}
	out := make([]float64, rows)
	for i, e := range lp {
		out[i] = float64(e)
	}
	return out, nil
}

// EncodeDense returns z = f⁻¹(x) for each row of x.
func (m *Model[T]) EncodeDense(x mat.Matrix) (*mat.Dense, error) {
	v, rows, err := toRows(m, "EncodeDense", x)
	if err != nil {
		return nil, err
	}
	z := make([]T, len(v))
	if err := m.Encode(z, v); err != nil {
		return nil, err
	}
	return fromRows(z, rows, m.dim), nil
}

// DecodeDense returns x = f(z) for each row of z.
func (m *Model[T]) DecodeDense(z mat.Matrix) (*mat.Dense, error) {
	v, rows, err := toRows(m, "DecodeDense", z)
	if err != nil {
		return nil, err
	}
	x := make([]T, len(v))
	if err := m.Decode(x, v); err != nil {
		return nil, err
	}
	return fromRows(x, rows, m.dim), nil
}

// SampleDense returns n samples, one per row.
func (m *Model[T]) SampleDense(n int, rng Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("flow: SampleDense: %d samples", n)
	}
	x := make([]T, n*m.dim)
	if err := m.Sample(x, rng); err != nil {
		return nil, err
	}
	return fromRows(x, n, m.dim), nil
}

// TrainDense is Train on the rows of matrices (valid may be nil): the
// data are converted to the model's element type first.
func TrainDense[T Float](ctx context.Context, m *Model[T], train, valid mat.Matrix, cfg TrainConfig) (TrainResult, error) {
	x, _, err := toRows(m, "TrainDense", train)
	if err != nil {
		return TrainResult{}, err
	}
	var v []T
	if valid != nil {
		if v, _, err = toRows(m, "TrainDense", valid); err != nil {
			return TrainResult{}, err
		}
	}
	return Train(ctx, m, x, v, cfg)
}

// contextRows copies a matrix of contexts, ContextDim columns, into a
// batch.
func contextRows[T Float](m *Model[T], who string, c mat.Matrix) ([]T, error) {
	v, _, err := matrixRows[T](who, "the model's context width", c, m.ctxDim)
	return v, err
}

// LogProbDenseGiven returns log p(x | c) of each row of x, c holding a
// context per row or one row for all.
func (m *Model[T]) LogProbDenseGiven(x, c mat.Matrix) ([]float64, error) {
	v, rows, err := toRows(m, "LogProbDenseGiven", x)
	if err != nil {
		return nil, err
	}
	cv, err := contextRows(m, "LogProbDenseGiven", c)
	if err != nil {
		return nil, err
	}
	lp := make([]T, rows)
	if err := m.LogProbGiven(lp, v, cv); err != nil {
		return nil, err
	}
	out := make([]float64, rows)
	for i, e := range lp {
		out[i] = float64(e)
	}
	return out, nil
}

// EncodeDenseGiven returns z = f⁻¹(x; c) for each row of x.
func (m *Model[T]) EncodeDenseGiven(x, c mat.Matrix) (*mat.Dense, error) {
	v, rows, err := toRows(m, "EncodeDenseGiven", x)
	if err != nil {
		return nil, err
	}
	cv, err := contextRows(m, "EncodeDenseGiven", c)
	if err != nil {
		return nil, err
	}
	z := make([]T, len(v))
	if err := m.EncodeGiven(z, v, cv); err != nil {
		return nil, err
	}
	return fromRows(z, rows, m.dim), nil
}

// DecodeDenseGiven returns x = f(z; c) for each row of z.
func (m *Model[T]) DecodeDenseGiven(z, c mat.Matrix) (*mat.Dense, error) {
	v, rows, err := toRows(m, "DecodeDenseGiven", z)
	if err != nil {
		return nil, err
	}
	cv, err := contextRows(m, "DecodeDenseGiven", c)
	if err != nil {
		return nil, err
	}
	x := make([]T, len(v))
	if err := m.DecodeGiven(x, v, cv); err != nil {
		return nil, err
	}
	return fromRows(x, rows, m.dim), nil
}

// SampleDenseGiven returns n samples, one per row, given the contexts c:
// one row for all, or n rows.
func (m *Model[T]) SampleDenseGiven(n int, c mat.Matrix, rng Rand) (*mat.Dense, error) {
	if n < 1 {
		return nil, fmt.Errorf("flow: SampleDenseGiven: %d samples", n)
	}
	cv, err := contextRows(m, "SampleDenseGiven", c)
	if err != nil {
		return nil, err
	}
	x := make([]T, n*m.dim)
	if err := m.SampleGiven(x, cv, rng); err != nil {
		return nil, err
	}
	return fromRows(x, n, m.dim), nil
}

// TrainDenseGiven is TrainGiven on the rows of matrices: train's rows with
// the contexts trainC, valid's with validC (both nil to hold out).
func TrainDenseGiven[T Float](ctx context.Context, m *Model[T], train, trainC, valid, validC mat.Matrix, cfg TrainConfig) (TrainResult, error) {
	x, _, err := toRows(m, "TrainDenseGiven", train)
	if err != nil {
		return TrainResult{}, err
	}
	xc, err := contextRows(m, "TrainDenseGiven", trainC)
	if err != nil {
		return TrainResult{}, err
	}
	var v, vc []T
	if valid != nil {
		if v, _, err = toRows(m, "TrainDenseGiven", valid); err != nil {
			return TrainResult{}, err
		}
		if vc, err = contextRows(m, "TrainDenseGiven", validC); err != nil {
			return TrainResult{}, err
		}
	}
	return TrainGiven(ctx, m, x, xc, v, vc, cfg)
}
