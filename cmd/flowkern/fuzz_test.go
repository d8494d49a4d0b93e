package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// frame wraps an architecture description and a parameter block in a
// model file's framing (magic and version from head, the lengths, the
// Castagnoli checksum), so that the fuzzer's bytes reach the loader's
// checks past the checksum.
func frame(head []byte, spec, params []byte) []byte {
	params = params[:len(params)/8*8]
	var b bytes.Buffer
	b.Write(head[:12])
	binary.Write(&b, binary.LittleEndian, uint32(len(spec)))
	b.Write(spec)
	binary.Write(&b, binary.LittleEndian, uint64(len(params)/8))
	b.Write(params)
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), crc32.MakeTable(crc32.Castagnoli)))
	return b.Bytes()
}

// unframe splits a model file into its head, description and parameters.
func unframe(data []byte) (head, spec, params []byte) {
	n := binary.LittleEndian.Uint32(data[12:])
	return data[:12], data[16 : 16+n], data[24+n : len(data)-4]
}

// FuzzEval runs `flowkern eval` on arbitrary CSV bytes and arbitrary
// model files (a description and parameters in valid framing, version 1
// or 2): it must not panic; when it succeeds it prints one mean that is a
// number or −Inf and writes one log-density per data row, none NaN; when
// it fails it says why on standard error and writes nothing.
func FuzzEval(f *testing.F) {
	var seeds [][]byte
	for _, build := range []func() (any, error){
		func() (any, error) {
			return flow.RealNVP[float64](2, 2, flow.Network{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 1)))
		},
		func() (any, error) {
			return flow.MAF[float32](2, 2, flow.Network{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 2)))
		},
		func() (any, error) {
			return flow.Glow[float64](3, 1, flow.Network{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 3)))
		},
		func() (any, error) {
			return flow.NSF[float64](2, 2, flow.Network{Hidden: []int{4}, Context: 1}, flow.DefaultSpline, rand.New(rand.NewPCG(1, 4)))
		},
	} {
		m, err := build()
		if err != nil {
			f.Fatal(err)
		}
		data, err := m.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	for i, data := range seeds {
		head, spec, params := unframe(data)
		f.Add(head[8:12], spec, params, []byte("x1,x2\n0.5,-1\n1e308,2\n-3e38,0\n"))
		f.Add(head[8:12], spec, params, []byte("0,0,0\n1,2,3\n"))
		if i == 0 {
			f.Add(head[8:12], spec, params, []byte("# c\n\ufeff1,2\n"))
		}
	}
	magic := seeds[0][:8]
	f.Fuzz(func(t *testing.T, version, spec, params, csv []byte) {
		if len(version) != 4 {
			return
		}
		dir := t.TempDir()
		model := filepath.Join(dir, "m.flow")
		if err := os.WriteFile(model, frame(append(append([]byte{}, magic...), version...), spec, params), 0o644); err != nil {
			t.Fatal(err)
		}
		data := filepath.Join(dir, "x.csv")
		if err := os.WriteFile(data, csv, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "lp.csv")
		var stdout, stderr bytes.Buffer
		code := run([]string{"eval", "-model", model, "-data", data, "-o", out}, &stdout, &stderr)
		_, statErr := os.Stat(out)
		if code != 0 {
			if stderr.Len() == 0 || statErr == nil {
				t.Fatalf("exit %d with stderr %q and an output file (%v)", code, stderr.String(), statErr)
			}
			return
		}
		if strings.Contains(stdout.String(), "NaN") || !strings.Contains(stdout.String(), "log-density:  mean ") {
			t.Fatalf("exit 0, stdout %q", stdout.String())
		}
		lp, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(lp)), "\n")
		rows := strings.TrimPrefix(strings.SplitN(stdout.String(), "\n", 2)[0], "rows:")
		if n, err := strconv.Atoi(strings.TrimSpace(rows)); err != nil || len(lines) != n+1 || lines[0] != "logprob" {
			t.Fatalf("%q rows, %d lines in the log-density file", rows, len(lines))
		}
		for _, l := range lines[1:] {
			if v, err := strconv.ParseFloat(l, 64); err != nil || v != v {
				t.Fatalf("log-density %q for a row of finite data", l)
			}
		}
	})
}
