package flow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WriteTo writes the model in the file format to w (see MarshalBinary)
// and returns the number of bytes written. Unlike Save it is not atomic:
// on an error w may hold part of the model.
func (m *Model[T]) WriteTo(w io.Writer) (int64, error) {
	data, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(data)
	if err != nil {
		return int64(n), fmt.Errorf("flow: WriteTo: %w", err)
	}
	return int64(n), nil
}

// ReadModel reads one model in the file format from r, reading no further
// than its end (ReadModelBytes), and builds it as UnmarshalModel does.
// Errors are those of UnmarshalModel; a stream that ends early is
// ErrCorrupt (or ErrNotModelFile within the magic).
func ReadModel[T Float](r io.Reader) (*Model[T], error) {
	data, err := ReadModelBytes(r)
	if err != nil {
		return nil, err
	}
	return UnmarshalModel[T](data)
}

// ReadModelBytes reads the bytes of one model file from r, as many as its
// header says and no more, for UnmarshalModel or ReadFileHeader. It checks
// the magic and version before reading on, and allocates only as bytes
// arrive, so a stream that claims a huge model costs what it holds, not
// what it claims, and one that is not a model file (/dev/zero) fails in
// its first bytes. The checksum and the rest are checked by the functions
// that take the bytes.
func ReadModelBytes(r io.Reader) ([]byte, error) {
	const head = 16 // magic, version, architecture length
	data := make([]byte, head)
	if n, err := io.ReadFull(r, data); err != nil {
		if n < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
			return nil, errorf(ErrNotModelFile, "flow: not a flowkern model file (%d bytes: %w)", n, err)
		}
		return nil, readErr(err)
	}
	if _, _, _, err := parseFile(data); err != nil && !errors.Is(err, ErrCorrupt) {
		return nil, err // not a model file, or another version
	}
	specLen := uint64(binary.LittleEndian.Uint32(data[12:]))
	if specLen > maxSpecSize {
		return nil, errorf(ErrCorrupt, "flow: model file architecture of %d bytes, more than %d", specLen, maxSpecSize)
	}
	data, err := readMore(r, data, int64(specLen)+8)
	if err != nil {
		return nil, err
	}
	k := binary.LittleEndian.Uint64(data[len(data)-8:])
	if k > 1<<40 {
		return nil, errorf(ErrCorrupt, "flow: model file claims %d parameters", k)
	}
	return readMore(r, data, int64(k)*8+4)
}

// readMore appends the next n bytes of r to data, growing it only as they
// arrive.
func readMore(r io.Reader, data []byte, n int64) ([]byte, error) {
	before := len(data)
	buf := make([]byte, 0, min(n, 1<<16))
	for int64(len(buf)) < n {
		chunk := min(n-int64(len(buf)), 1<<20)
		start := len(buf)
		buf = append(buf, make([]byte, chunk)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, readErr(err)
		}
	}
	return append(data[:before:before], buf...), nil
}

// readErr describes a read that failed inside a model.
func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errorf(ErrCorrupt, "flow: ReadModel: model truncated: %w", err)
	}
	return fmt.Errorf("flow: ReadModel: %w", err)
}
