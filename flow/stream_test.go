package flow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
)

// TestWriteToReadModel writes two models to one stream and reads them
// back in turn: each read stops at its model's end, and both evaluate as
// the originals. Every truncation of the stream is an error of the right
// kind, and a stream that claims 2⁴⁰ parameters but holds a few bytes
// is ErrCorrupt without allocating for the claim.
func TestWriteToReadModel(t *testing.T) {
	a := allKinds(t)
	b, err := RealNVP[float64](3, 2, Network{Hidden: []int{4}}, newRand(5))
	checkNoErr(t, err)
	var buf bytes.Buffer
	for _, m := range []*Model[float64]{a, b} {
		n, err := m.WriteTo(&buf)
		checkNoErr(t, err)
		data, _ := m.MarshalBinary()
		if n != int64(len(data)) {
			t.Fatalf("WriteTo reported %d bytes, the model has %d", n, len(data))
		}
	}
	stream := bytes.Clone(buf.Bytes())
	for _, want := range []*Model[float64]{a, b} {
		got, err := ReadModel[float64](&buf)
		checkNoErr(t, err)
		x := randomBatch[float64](newRand(7), 5, want.Dim())
		lw, lg := make([]float64, 5), make([]float64, 5)
		checkNoErr(t, want.LogProb(lw, x))
		checkNoErr(t, got.LogProb(lg, x))
		for r := range lw {
			if lw[r] != lg[r] {
				t.Fatalf("row %d: log p %v after reading, %v before", r, lg[r], lw[r])
			}
		}
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes left unread", buf.Len())
	}
	first, _ := a.MarshalBinary()
	for n := range len(first) {
		_, err := ReadModel[float64](bytes.NewReader(first[:n]))
		want := ErrCorrupt
		if n < len(fileMagic) {
			want = ErrNotModelFile
		}
		if !errors.Is(err, want) {
			t.Fatalf("stream cut at %d of %d bytes: error %v, want %v", n, len(first), err, want)
		}
	}
	claim := bytes.Clone(first[:len(first)-4])
	specLen := binary.LittleEndian.Uint32(claim[12:])
	binary.LittleEndian.PutUint64(claim[16+specLen:], 1<<40)
	claim = claim[:24+specLen+64]
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := ReadModel[float64](bytes.NewReader(claim)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a stream claiming 2^40 parameters: %v", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("reading a stream that claims 2^40 parameters allocated %d bytes", grew)
	}
	if _, err := ReadModel[float64](bytes.NewReader(append([]byte("FLOWKERN\x04\x00\x00\x00"), stream[12:]...))); !errors.Is(err, ErrVersion) {
		t.Errorf("version 4: %v", err)
	}
	if _, err := ReadModel[float64](bytes.NewReader([]byte("not a model at all, but long enough"))); !errors.Is(err, ErrNotModelFile) {
		t.Errorf("text: %v", err)
	}
}
