package flow

import (
	"errors"
	"fmt"
)

// Errors a caller may need to tell apart, checked with errors.Is. The
// errors this package returns wrap them with the detail (which row, which
// field, which file); their messages say everything on their own.
var (
	// ErrNotModelFile: the data does not start as a flowkern model file.
	ErrNotModelFile = errors.New("flow: not a flowkern model file")
	// ErrVersion: a model file of a format version this package does not
	// read.
	ErrVersion = errors.New("flow: unsupported model file version")
	// ErrCorrupt: a model file that is truncated, fails its checksum, or
	// describes a model that cannot be built (bad architecture, a
	// parameter count or value that does not fit it).
	ErrCorrupt = errors.New("flow: model file corrupt or invalid")
	// ErrDimension: data whose length or width does not fit the model's
	// dimension, or parts (layers, base, outputs) of different sizes.
	ErrDimension = errors.New("flow: dimension mismatch")
	// ErrNonFinite: a NaN or ±Inf in the data.
	ErrNonFinite = errors.New("flow: non-finite input")
	// ErrDiverged: training met a non-finite loss, gradient or parameter
	// and stopped; the model keeps its last good parameters.
	ErrDiverged = errors.New("flow: training diverged")
)

// kindError is an error with its own message that is also one of the
// sentinel errors above (and whatever its message wraps).
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// errorf formats an error as fmt.Errorf does and marks it as kind.
func errorf(kind error, format string, args ...any) error {
	return &kindError{kind, fmt.Errorf(format, args...)}
}

// asKind marks err as kind, unless it is nil or already is one.
func asKind(kind, err error) error {
	if err == nil || errors.Is(err, kind) {
		return err
	}
	return &kindError{kind, err}
}
