package flow

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// maxNameLen bounds a column name, in bytes.
const maxNameLen = 256

// Names returns the names of the model's columns, Dim data columns then
// ContextDim context columns, as SetNames set them (or a model file held
// them), or nil if none were set. The caller must not change them.
func (m *Model[T]) Names() []string { return m.names }

// SetNames names the model's columns, for tools that read and write data
// by name (the flowkern command keeps a training file's header): Dim names
// for the data, then ContextDim for the context. Each must be non-empty
// valid UTF-8 of at most 256 bytes without control characters, and all
// must differ. nil clears them. Model files keep them (format version 3).
func (m *Model[T]) SetNames(names []string) error {
	if names == nil {
		m.names = nil
		return nil
	}
	if want := m.dim + m.ctxDim; len(names) != want {
		return errorf(ErrDimension, "flow: SetNames: %d names for %d columns (%d data, %d context)", len(names), want, m.dim, m.ctxDim)
	}
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if err := checkName(n); err != nil {
			return fmt.Errorf("flow: SetNames: column %d: %w", i+1, err)
		}
		if j, ok := seen[n]; ok {
			return fmt.Errorf("flow: SetNames: columns %d and %d are both named %q", j+1, i+1, n)
		}
		seen[n] = i
	}
	m.names = append([]string(nil), names...)
	return nil
}

// checkName reports what is wrong with a column name.
func checkName(n string) error {
	switch {
	case n == "":
		return errors.New("empty name")
	case len(n) > maxNameLen:
		return fmt.Errorf("a name of %d bytes, more than %d", len(n), maxNameLen)
	case !utf8.ValidString(n):
		return fmt.Errorf("name %q is not valid UTF-8", n)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return fmt.Errorf("name %q holds a control character", n)
		}
	}
	return nil
}
