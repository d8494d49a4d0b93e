package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/flowkern/flowkern/internal/atomicfile"
)

// table is a CSV file of numbers: rows of cols values.
type table struct {
	header []string // nil if the file has none
	cols   int
	values []float64 // row-major
}

// stdin is what a path of "-" reads (a variable for the tests).
var stdin io.Reader = os.Stdin

// readCSV reads comma-separated numbers for a model of bits-bit floats
// from path, or from standard input if path is "-".
// The first line is a header if none of its fields is a number; blank
// lines and lines starting with # are skipped, and a UTF-8 byte-order mark
// at the start is ignored. Errors name the file, line and column of a
// value that is not a finite number or that overflows a float of bits
// bits, and the line of a row with the wrong number of values.
func readCSV(path string, bits int) (*table, error) {
	var in io.Reader = stdin
	if path == "-" {
		path = "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	br := bufio.NewReader(in)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	lines := &lineLimit{r: br, max: maxLine, line: 1}
	r := csv.NewReader(lines)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	t := &table{}
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errLongLine) {
			return nil, fmt.Errorf("%s:%d: %w", path, lines.line, err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if first {
			first = false
			if isHeader(rec) {
				t.header = append([]string(nil), rec...)
				t.cols = len(rec)
				continue
			}
		}
		if t.cols == 0 {
			t.cols = len(rec)
		}
		if len(rec) != t.cols {
			return nil, fmt.Errorf("%s:%d: %d values, the first row has %d", path, line, len(rec), t.cols)
		}
		for i, field := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				_, col := r.FieldPos(i)
				return nil, fmt.Errorf("%s:%d:%d: column %d: %q is not a finite number", path, line, col, i+1, field)
			}
			if bits == 32 && math.Abs(v) > math.MaxFloat32 {
				_, col := r.FieldPos(i)
				return nil, fmt.Errorf("%s:%d:%d: column %d: %s overflows float32, the model's element type", path, line, col, i+1, strings.TrimSpace(field))
			}
			t.values = append(t.values, v)
		}
	}
	if len(t.values) == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	return t, nil
}

// maxLine is the longest line readCSV accepts: 16 MiB, some 600,000
// values, far beyond any row a model takes, while a file that is not text
// (/dev/zero) stops with an error instead of filling memory.
const maxLine = 16 << 20

var errLongLine = fmt.Errorf("a line longer than %d MiB: not a CSV file of numbers", maxLine>>20)

// lineLimit reads r, failing with errLongLine once a line (bytes between
// newlines) exceeds max; line is the number of the line being read, from
// 1.
type lineLimit struct {
	r        io.Reader
	max, run int
	line     int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			l.run += len(rest)
			break
		}
		if l.run += i; l.run > l.max {
			return 0, errLongLine
		}
		l.line, l.run, rest = l.line+1, 0, rest[i+1:]
	}
	if l.run > l.max {
		return 0, errLongLine
	}
	return n, err
}

// isHeader reports whether no field of a record is a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil {
			return false
		}
	}
	return true
}

// writeCSV writes rows of cols values, each in the shortest form that
// parses back to the same value of bitSize bits, under an optional header.
func writeCSV(w io.Writer, header []string, values []float64, cols, bitSize int) error {
	cw := newCSVWriter(w, header, cols, bitSize)
	cw.write(values)
	return cw.flush()
}

// csvWriter writes rows of cols values as writeCSV does, a batch at a
// time, keeping the first write error.
type csvWriter struct {
	bw         *bufio.Writer
	cols, bits int
	buf        []byte
}

// newCSVWriter writes the header (if not nil) and returns the writer of
// the rows after it.
func newCSVWriter(w io.Writer, header []string, cols, bitSize int) *csvWriter {
	bw := bufio.NewWriter(w)
	if header != nil {
		bw.WriteString(strings.Join(header, ",") + "\n")
	}
	return &csvWriter{bw: bw, cols: cols, bits: bitSize}
}

// write writes whole rows of values and returns the first error any write
// has met (after which nothing more is written).
func (c *csvWriter) write(values []float64) error {
	for i, v := range values {
		c.buf = strconv.AppendFloat(c.buf[:0], v, 'g', -1, c.bits)
		c.bw.Write(c.buf)
		if (i+1)%c.cols == 0 {
			c.bw.WriteByte('\n')
		} else {
			c.bw.WriteByte(',')
		}
	}
	_, err := c.bw.Write(nil)
	return err
}

// flush writes what is buffered and returns the first error.
func (c *csvWriter) flush() error { return c.bw.Flush() }

// writeOutput writes through write to path (see internal/atomicfile: a
// regular file is replaced atomically, a symbolic link's target likewise,
// a FIFO or device written as it is), or to stdout if path is empty or
// "-".
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	return atomicfile.Write(path, false, write)
}

// columnNames returns x1…xn.
func columnNames(prefix string, n int) []string {
	h := make([]string, n)
	for i := range h {
		h[i] = prefix + strconv.Itoa(i+1)
	}
	return h
}
