package flow

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowkern/flowkern"
)

var update = flag.Bool("flow.update", false, "rewrite testdata/golden.flow and its expected log-densities")

// allKinds is a model with every layer and base kind of the file format.
func allKinds(t testing.TB) *Model[float64] {
	rng := newRand(21)
	const d = 4
	c := Network{Hidden: []int{5}, Activation: flowkern.ActELU}
	var ls []Layer[float64]
	add := func(l Layer[float64], err error) {
		checkNoErr(t.(*testing.T), err)
		ls = append(ls, l)
	}
	add(NewStandardize([]float64{1, 2, 3, 4}, []float64{0.5, 1, 2, 4}))
	add(NewActNorm[float64](d))
	add(NewAffineCoupling[float64](d, MaskAlternate(d, 0), c, rng))
	add(NewAffineCoupling[float64](d, []int{2}, Network{Hidden: []int{}, Scale: ScaleSigmoid, Eps: 0.01}, rng))
	add(NewAffineCoupling[float64](d, MaskHalves(d, 1), Network{Hidden: []int{3}, Scale: ScaleNone}, rng))
	add(NewLULinear[float64](d, DiagSoftplus, rng))
	add(NewRandomPermutation[float64](d, rng))
	add(NewMaskedAutoregressive[float64](d, []int{2, 0, 3, 1}, Network{Hidden: []int{6, 6}, Clamp: -1}, rng))
	add(NewIAF[float64](d, nil, c, rng))
	add(NewLULinear[float64](d, DiagExp, rng))
	add(NewSplineCoupling[float64](d, MaskHalves(d, 0), c, flowkern.Spline{Bins: 5, Bound: 2.5, MinDerivative: 1e-2}, rng))
	spl, err := NewSplineCoupling[float64](d, MaskAlternate(d, 1), Network{Hidden: []int{}}, DefaultSpline, rng)
	add(&Inverted[float64]{spl}, err)
	add(NewSplineAutoregressive[float64](d, []int{1, 3, 0, 2}, Network{Hidden: []int{6}}, flowkern.Spline{Bins: 3, Bound: 2}, rng))
	b, err := NewFullNormal[float64]([]float64{0, 1, 0, -1}, []float64{1, 0.2, 0, 0, 0.2, 1, 0, 0, 0, 0, 2, 0.5, 0, 0, 0.5, 1})
	checkNoErr(t.(*testing.T), err)
	m, err := NewModel[float64](b, ls...)
	checkNoErr(t.(*testing.T), err)
	for _, l := range ls {
		if _, ok := l.(*Standardize[float64]); !ok {
			perturb(l.Params(), l.Refresh, rng, 0.2)
		}
	}
	perturb(b.Params(), b.Refresh, rng, 0.1)
	checkNoErr(t.(*testing.T), m.LogProb(make([]float64, 20), randomBatch[float64](rng, 20, d)))
	return m
}

// TestSaveLoadRoundTrip saves and loads models of every kind, in both
// element types, and checks that they come back bit for bit.
func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	models := map[string]*Model[float64]{"all-kinds": allKinds(t)}
	for _, c := range modelCases[float64](6) {
		models[c.name] = randomModel(t, c.build, 2)
	}
	for name, m := range models {
		path := filepath.Join(dir, name+".flow")
		checkNoErr(t, m.Save(path))
		got, err := Load[float64](path)
		checkNoErr(t, err)
		a, b := m.Params(), got.Params()
		if len(a) != len(b) {
			t.Fatalf("%s: %d parameter arrays, loaded %d", name, len(a), len(b))
		}
		for i := range a {
			for j := range a[i].Value {
				if math.Float64bits(a[i].Value[j]) != math.Float64bits(b[i].Value[j]) {
					t.Fatalf("%s: parameter %s[%d] = %v, loaded %v", name, a[i].Name, j, a[i].Value[j], b[i].Value[j])
				}
			}
		}
		x := randomBatch[float64](newRand(3), 30, m.Dim())
		lp1, lp2 := make([]float64, 30), make([]float64, 30)
		checkNoErr(t, m.LogProb(lp1, x))
		checkNoErr(t, got.LogProb(lp2, x))
		for r := range lp1 {
			if lp1[r] != lp2[r] {
				t.Fatalf("%s row %d: log p %v, loaded model %v", name, r, lp1[r], lp2[r])
			}
		}
		// float32 through the file and back.
		m32, err := Load[float32](path)
		checkNoErr(t, err)
		p32 := filepath.Join(dir, name+".f32.flow")
		checkNoErr(t, m32.Save(p32))
		again, err := Load[float32](p32)
		checkNoErr(t, err)
		d1, _ := m32.MarshalBinary()
		d2, _ := again.MarshalBinary()
		if !bytes.Equal(d1, d2) {
			t.Fatalf("%s: float32 model changed through a save and load", name)
		}
		h, err := ReadFileHeader(d1)
		checkNoErr(t, err)
		if h.DType != "float32" || h.Version != 1 || h.Dim != m.Dim() || h.NumParams != m.NumParams() {
			t.Errorf("%s: header %+v", name, h)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2*len(models) {
		t.Errorf("%d files in the directory, want %d: temporary files left behind", len(entries), 2*len(models))
	}
}

// TestSaveKeepsOldFileOnError checks that a failed save leaves the file it
// would have replaced untouched, and no temporary file.
func TestSaveKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.flow")
	checkNoErr(t, os.WriteFile(path, []byte("old"), 0o644))
	b, _ := NewStandardNormal[float64](2)
	m, _ := NewModel[float64](b, customLayer{})
	if err := m.Save(path); err == nil || !strings.Contains(err.Error(), "cannot be saved") {
		t.Fatalf("saving a custom layer: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("the old file now holds %q", got)
	}
	if err := m.Save(filepath.Join(dir, "missing", "m.flow")); err == nil {
		t.Fatal("saving into a missing directory: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files in the directory, want 1", len(entries))
	}
}

// customLayer is a user's layer, which the file format cannot hold.
type customLayer struct{}

func (customLayer) Dim() int                                              { return 2 }
func (customLayer) Inverse(z, logdet, x []float64, _ *Workspace[float64]) { copy(z, x) }
func (customLayer) Forward(x, logdet, z []float64, _ *Workspace[float64]) { copy(x, z) }
func (customLayer) Params() []Param[float64]                              { return nil }
func (customLayer) Refresh()                                              {}

// resum rewrites a file's checksum after an edit.
func resum(data []byte) []byte {
	binary.LittleEndian.PutUint32(data[len(data)-4:], crc32.Checksum(data[:len(data)-4], castagnoli))
	return data
}

// withSpec returns a file with the architecture replaced by edit's
// result and the checksum fixed.
func withSpec(t *testing.T, data []byte, edit func(*modelSpec)) []byte {
	spec, raw, _, err := parseFile(data)
	checkNoErr(t, err)
	edit(&spec)
	js, _ := json.Marshal(spec)
	var b bytes.Buffer
	b.Write(data[:12])
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	binary.Write(&b, binary.LittleEndian, uint64(len(raw)/8))
	b.Write(raw)
	b.Write([]byte{0, 0, 0, 0})
	return resum(b.Bytes())
}

// TestLoadRejects checks that truncated, corrupted, wrong-version and
// hostile files give errors, not panics or huge allocations.
func TestLoadRejects(t *testing.T) {
	good, err := allKinds(t).MarshalBinary()
	checkNoErr(t, err)
	// kindAt is the sentinel a file damaged at byte i must give.
	kindAt := func(i int) error {
		switch {
		case i < len(fileMagic):
			return ErrNotModelFile
		case i < 12:
			return ErrVersion
		}
		return ErrCorrupt
	}
	for n := range len(good) {
		want := ErrCorrupt
		if n < len(fileMagic) {
			want = ErrNotModelFile
		}
		if _, err := UnmarshalModel[float64](good[:n]); !errors.Is(err, want) {
			t.Fatalf("file truncated to %d of %d bytes: error %v, want %v", n, len(good), err, want)
		}
	}
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x10
		if _, err := UnmarshalModel[float64](bad); !errors.Is(err, kindAt(i)) {
			t.Fatalf("byte %d flipped: error %v, want %v", i, err, kindAt(i))
		}
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"magic":   {append([]byte("NOTAFLOW"), good[8:]...), "bad magic"},
		"version": {resum(append(append(bytes.Clone(good[:8]), 4, 0, 0, 0), good[12:]...)), "version 4"},
		"count": {resum(func() []byte {
			b := bytes.Clone(good)
			n := binary.LittleEndian.Uint32(b[12:])
			binary.LittleEndian.PutUint64(b[16+n:], 1<<60)
			return b
		}()), "parameters in"},
		"unknown field":        {withSpec(t, good, func(s *modelSpec) { s.Layers[0].Kind = "wavelet" }), "unknown layer kind"},
		"spline without shape": {withSpec(t, good, func(s *modelSpec) { s.Layers[2].Kind = "spline" }), "without a spline"},
		"huge dimension": {withSpec(t, good, func(s *modelSpec) {
			s.Dim = 1 << 30
		}), "dimension"},
		"huge hidden": {withSpec(t, good, func(s *modelSpec) { s.Layers[2].Hidden = []int{1 << 40} }), "outside"},
		"wrong count": {withSpec(t, good, func(s *modelSpec) { s.Layers[2].Hidden = []int{6} }), "needs"},
		"bad perm":    {withSpec(t, good, func(s *modelSpec) { s.Layers[6].Perm = []int{0, 0, 1, 2} }), "permutation"},
		"bad sign":    {withSpec(t, good, func(s *modelSpec) { s.Layers[5].Sign[0] = 0 }), "sign"},
		"dtype":       {withSpec(t, good, func(s *modelSpec) { s.DType = "float16" }), "element type"},
		"nested":      {withSpec(t, good, func(s *modelSpec) { in := s.Layers[8]; s.Layers[8].Inner = &in }), "inverted"},
		"base":        {withSpec(t, good, func(s *modelSpec) { s.Base.Kind = "student" }), "base"},
	}
	for name, c := range cases {
		_, err := UnmarshalModel[float64](c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
		want := map[string]error{"magic": ErrNotModelFile, "version": ErrVersion}[name]
		if want == nil {
			want = ErrCorrupt
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: error %v is not %v", name, err, want)
		}
	}
	// A non-finite parameter.
	spec, raw, _, _ := parseFile(good)
	_ = spec
	bad := bytes.Clone(good)
	off := len(good) - 4 - len(raw)
	binary.LittleEndian.PutUint64(bad[off:], math.Float64bits(math.NaN()))
	if _, err := UnmarshalModel[float64](resum(bad)); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN parameter: %v", err)
	}
	if _, err := Load[float64](filepath.Join(t.TempDir(), "none.flow")); err == nil {
		t.Error("loading a missing file: no error")
	}
	if _, err := Load[float64](t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("loading a directory: %v", err)
	}
}

// TestGoldenFile loads a model file written on amd64 and checks its
// log-densities, on whatever architecture the test runs (the CI runs it
// on arm64 and s390x under qemu), and that writing it again gives the
// file's bytes.
func TestGoldenFile(t *testing.T) {
	path, want := filepath.Join("testdata", "golden.flow"), filepath.Join("testdata", "golden.json")
	x := randomBatch[float64](newRand(99), 16, 4)
	if *update {
		m := allKinds(t)
		checkNoErr(t, m.Save(path))
		lp := make([]float64, 16)
		checkNoErr(t, m.LogProb(lp, x))
		js, _ := json.MarshalIndent(lp, "", " ")
		checkNoErr(t, os.WriteFile(want, js, 0o644))
	}
	m, err := Load[float64](path)
	checkNoErr(t, err)
	// Writing it again gives the same bytes: the format has not moved.
	written, err := os.ReadFile(path)
	checkNoErr(t, err)
	if again, err := m.MarshalBinary(); err != nil || !bytes.Equal(again, written) {
		t.Errorf("the golden file, read and written again, differs from itself (%v)", err)
	}
	js, err := os.ReadFile(want)
	checkNoErr(t, err)
	var exp []float64
	checkNoErr(t, json.Unmarshal(js, &exp))
	lp := make([]float64, 16)
	checkNoErr(t, m.LogProb(lp, x))
	for r := range lp {
		if relErr(lp[r], exp[r]) > 1e-12 {
			t.Errorf("row %d: log p %v, written on amd64 as %v", r, lp[r], exp[r])
		}
	}
}

// FuzzUnmarshalModel feeds arbitrary bytes to the model reader: it must
// return a model or an error, never panic, and a model it returns must
// survive a save and load unchanged.
func FuzzUnmarshalModel(f *testing.F) {
	good, _ := os.ReadFile(filepath.Join("testdata", "golden.flow"))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(fileMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalModel[float64](data)
		if err != nil {
			return
		}
		again, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := UnmarshalModel[float64](again)
		if err != nil {
			t.Fatalf("a loaded model does not load again: %v", err)
		}
		again2, _ := m2.MarshalBinary()
		if !bytes.Equal(again, again2) {
			t.Fatal("a loaded model changed through a save and load")
		}
	})
}

// FuzzModelSpec fuzzes what the checksum protects: architecture and
// parameters inside a correctly framed file.
func FuzzModelSpec(f *testing.F) {
	good, _ := os.ReadFile(filepath.Join("testdata", "golden.flow"))
	if n := binary.LittleEndian.Uint32(good[12:]); len(good) > 28 {
		f.Add(good[16:16+n], good[24+n:len(good)-4])
	}
	f.Add([]byte(`{"dtype":"float64","dim":2,"layers":[{"kind":"lu","dim":2,"perm":[1,0],"sign":[1,-1],"diag":"exp"}],"base":{"kind":"normal","dim":2}}`), make([]byte, 32))
	f.Fuzz(func(t *testing.T, spec, params []byte) {
		var b bytes.Buffer
		b.WriteString(fileMagic)
		binary.Write(&b, binary.LittleEndian, uint32(FileVersion))
		binary.Write(&b, binary.LittleEndian, uint32(len(spec)))
		b.Write(spec)
		params = params[:len(params)/8*8]
		binary.Write(&b, binary.LittleEndian, uint64(len(params)/8))
		b.Write(params)
		b.Write(make([]byte, 4))
		m, err := UnmarshalModel[float64](resum(b.Bytes()))
		if err != nil {
			return
		}
		x := make([]float64, 3*m.Dim())
		m.LogProb(make([]float64, 3), x)
	})
}
