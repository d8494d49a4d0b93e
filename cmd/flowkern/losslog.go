package main

import (
	"bufio"
	"os"
	"strconv"

	"github.com/flowkern/flowkern/flow"
)

// epochLogHeader names the columns of train -log's CSV file, one row per
// flow.EpochRecord.
const epochLogHeader = "epoch,steps,train_nll,valid_nll,lr,grad_norm,samples_per_s,elapsed_s"

// epochLog writes training's epoch records to a CSV file as they come, so
// that a run can be followed (or read after a crash) while it goes. Its
// methods do nothing on a nil log.
type epochLog struct {
	f   *os.File
	w   *bufio.Writer
	err error // the first write error
}

// newEpochLog creates (or truncates) path and writes the header.
func newEpochLog(path string) (*epochLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	l := &epochLog{f: f, w: bufio.NewWriter(f)}
	l.line(epochLogHeader)
	return l, l.err
}

// add writes one record, exactly (values parse back to the same bits).
func (l *epochLog) add(r flow.EpochRecord) {
	if l == nil {
		return
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	l.line(strconv.Itoa(r.Epoch) + "," + strconv.Itoa(r.Steps) + "," + g(r.TrainNLL) + "," + g(r.ValidNLL) + "," +
		g(r.LR) + "," + g(r.GradNorm) + "," + g(r.SamplesPerSec) + "," + g(r.Elapsed.Seconds()))
}

// line writes s and a newline through to the file.
func (l *epochLog) line(s string) {
	if l.err != nil {
		return
	}
	l.w.WriteString(s)
	l.w.WriteByte('\n')
	l.err = l.w.Flush()
}

// close closes the file and returns the first error.
func (l *epochLog) close() error {
	if l == nil {
		return nil
	}
	if err := l.f.Close(); l.err == nil {
		l.err = err
	}
	return l.err
}
