package flow

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"unsafe"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/internal/atomicfile"
)

// Model files.
//
// A model file holds the architecture and every parameter of a model, and
// is read the same on every architecture. Layout (integers little-endian):
//
//	offset  size  content
//	0       8     magic "FLOWKERN"
//	8       4     format version, uint32: 1; 2 for a conditional model
//	              (its network layers' "context"); 3 for a model with
//	              column names ("names"); a reader of a version reads
//	              every earlier one
//	12      4     n, the length of the architecture description, uint32
//	16      n     the architecture: JSON (element type, dimension, layers
//	              with their settings, base distribution); a layer of a
//	              registered kind (RegisterLayer) has its kind's name and
//	              the "config" its MarshalConfig wrote
//	16+n    8     k, the number of parameter values, uint64
//	24+n    8k    the parameters as float64, layer by layer in the order of
//	              Model.Params (float32 models store their values exactly)
//	24+n+8k 4     CRC-32C (Castagnoli) of every byte before it
//
// A reader checks the magic, the version, that n and k account for the
// file's length exactly, and the checksum before it decodes anything; then
// that the architecture is valid and needs exactly k values, before it
// allocates the model. Layers of registered kinds are the exception: their
// builders run first (bounded by the architecture's size), and the count
// is checked on the model they built.

// FileVersion is the newest version of the model file format, which this
// package reads with every earlier one. It writes the oldest version that
// holds the model: 1 for an unconditional model, which flowkern before
// conditional flows reads too, 2 for a conditional one, 3 for a model
// with column names (SetNames).
const FileVersion = 3

const (
	fileMagic   = "FLOWKERN"
	maxSpecSize = 1 << 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// modelSpec is the architecture description of a model file.
type modelSpec struct {
	DType  string      `json:"dtype"`
	Dim    int         `json:"dim"`
	Layers []layerSpec `json:"layers"`
	Base   baseSpec    `json:"base"`
	// ContextStandardize says the parameters end with the context's means
	// and deviations (StandardizedGiven; version 2).
	ContextStandardize bool `json:"context_standardize,omitempty"`
	// Names are the columns' names (Model.SetNames; version 3).
	Names []string `json:"names,omitempty"`
}

// layerSpec describes one layer; Kind says which fields apply.
type layerSpec struct {
	Kind        string      `json:"kind"` // coupling, spline, autoregressive, spline-autoregressive, inverted, lu, actnorm, permutation, standardize
	Dim         int         `json:"dim"`
	Kept        []int       `json:"kept,omitempty"`
	Order       []int       `json:"order,omitempty"`
	Perm        []int       `json:"perm,omitempty"`
	Sign        []int       `json:"sign,omitempty"`
	Hidden      []int       `json:"hidden,omitempty"`
	Activation  string      `json:"activation,omitempty"`
	Scale       string      `json:"scale,omitempty"`
	Clamp       float64     `json:"clamp,omitempty"`
	Eps         float64     `json:"eps,omitempty"`
	Context     int         `json:"context,omitempty"` // a network's context width (version 2)
	Diag        string      `json:"diag,omitempty"`
	Initialized bool        `json:"initialized,omitempty"`
	Spline      *splineSpec `json:"spline,omitempty"`
	Inner       *layerSpec  `json:"inner,omitempty"`
	// Config is a registered kind's configuration (SavableLayer).
	Config json.RawMessage `json:"config,omitempty"`
}

// splineSpec is a spline layer's shape, minimums written out.
type splineSpec struct {
	Bins          int     `json:"bins"`
	Bound         float64 `json:"bound"`
	MinWidth      float64 `json:"min_width"`
	MinHeight     float64 `json:"min_height"`
	MinDerivative float64 `json:"min_derivative"`
}

// String describes the spline for people.
func (s *splineSpec) String() string {
	if s == nil {
		return "no spline"
	}
	return fmt.Sprintf("%d bins on [−%g, %g]", s.Bins, s.Bound, s.Bound)
}

func (s *splineSpec) spline() flowkern.Spline {
	return flowkern.Spline{Bins: s.Bins, Bound: s.Bound, MinWidth: s.MinWidth, MinHeight: s.MinHeight, MinDerivative: s.MinDerivative}
}

// baseSpec describes the base distribution: normal, diagnormal or
// fullnormal.
type baseSpec struct {
	Kind string `json:"kind"`
	Dim  int    `json:"dim"`
}

// Save writes the model to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so that path holds
// either its old content or the whole new model, never a part. A symbolic
// link is followed and its target replaced so; a FIFO or device is
// written as it is. Temporary files more than an hour old that a killed
// Save left beside path (".name.*.tmp") are removed.
func (m *Model[T]) Save(path string) (err error) {
	data, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	err = atomicfile.Write(path, true, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("flow: Save: %w", err)
	}
	return nil
}

// Load reads a model file written by Save (see the format above). A file
// of the other element type is converted. It returns an error for a file
// that is not a model file, truncated, corrupted, of another format
// version, or describes an invalid model; it never reads more than the
// file holds.
func Load[T Float](path string) (*Model[T], error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	m, err := UnmarshalModel[T](data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// readFile reads a regular file whole.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("flow: %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, st.Size()))
	if err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	return data, nil
}

// MarshalBinary returns the model in the file format. It fails for a model
// with a layer or base of a type this package does not define.
func (m *Model[T]) MarshalBinary() ([]byte, error) {
	spec := modelSpec{DType: dtypeOf[T](), Dim: m.dim, ContextStandardize: m.ctxNorm != nil, Names: m.names}
	for i, l := range m.layers {
		s, err := specOf(l)
		if err != nil {
			return nil, fmt.Errorf("flow: layer %d: %w", i, err)
		}
		spec.Layers = append(spec.Layers, s)
	}
	switch m.base.(type) {
	case *StandardNormal[T]:
		spec.Base = baseSpec{"normal", m.dim}
	case *DiagNormal[T]:
		spec.Base = baseSpec{"diagnormal", m.dim}
	case *FullNormal[T]:
		spec.Base = baseSpec{"fullnormal", m.dim}
	default:
		return nil, fmt.Errorf("flow: base distribution %T cannot be saved", m.base)
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(fileMagic)
	version := 1
	switch {
	case m.names != nil:
		version = 3
	case m.ctxDim > 0:
		version = 2
	}
	binary.Write(&b, binary.LittleEndian, uint32(version))
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	binary.Write(&b, binary.LittleEndian, uint64(m.NumParams()))
	var w [8]byte
	for _, p := range m.Params() {
		for _, v := range p.Value {
			binary.LittleEndian.PutUint64(w[:], math.Float64bits(float64(v)))
			b.Write(w[:])
		}
	}
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), castagnoli))
	return b.Bytes(), nil
}

// dtypeOf names T's width.
func dtypeOf[T Float]() string {
	var t T
	if unsafe.Sizeof(t) == 4 {
		return "float32"
	}
	return "float64"
}

// specOf describes a layer of a type this package defines.
func specOf[T Float](l Layer[T]) (layerSpec, error) {
	switch l := l.(type) {
	case *AffineCoupling[T]:
		c := l.cond
		return layerSpec{Kind: "coupling", Dim: l.dim, Kept: l.kept, Hidden: c.Hidden, Activation: c.Activation.String(),
			Scale: c.Scale.String(), Clamp: c.Clamp, Eps: c.Eps, Context: c.Context}, nil
	case *SplineCoupling[T]:
		c, sp := l.cond, l.spline
		return layerSpec{Kind: "spline", Dim: l.dim, Kept: l.kept, Hidden: c.Hidden, Activation: c.Activation.String(),
			Spline: &splineSpec{sp.Bins, sp.Bound, sp.MinWidth, sp.MinHeight, sp.MinDerivative}, Context: c.Context}, nil
	case *SplineAutoregressive[T]:
		c, sp := l.cond, l.spline
		return layerSpec{Kind: "spline-autoregressive", Dim: l.dim, Order: l.order, Hidden: c.Hidden, Activation: c.Activation.String(),
			Spline: &splineSpec{sp.Bins, sp.Bound, sp.MinWidth, sp.MinHeight, sp.MinDerivative}, Context: c.Context}, nil
	case *MaskedAutoregressive[T]:
		c := l.cond
		return layerSpec{Kind: "autoregressive", Dim: l.dim, Order: l.order, Hidden: c.Hidden, Activation: c.Activation.String(),
			Scale: c.Scale.String(), Clamp: c.Clamp, Eps: c.Eps, Context: c.Context}, nil
	case *Inverted[T]:
		in, err := specOf(l.Inner)
		if err != nil {
			return layerSpec{}, err
		}
		return layerSpec{Kind: "inverted", Dim: l.Dim(), Inner: &in}, nil
	case *LULinear[T]:
		return layerSpec{Kind: "lu", Dim: l.dim, Perm: l.perm, Sign: l.sign, Diag: []string{"exp", "softplus"}[l.kind]}, nil
	case *ActNorm[T]:
		return layerSpec{Kind: "actnorm", Dim: l.dim, Initialized: l.Initialized()}, nil
	case *Permutation[T]:
		return layerSpec{Kind: "permutation", Dim: len(l.perm), Perm: l.perm}, nil
	case *Standardize[T]:
		return layerSpec{Kind: "standardize", Dim: len(l.mean)}, nil
	}
	return customSpec(l)
}

// contextDim returns the widest context a layer of the model reads (0:
// unconditional).
func (s modelSpec) contextDim() int {
	cd := 0
	for _, l := range s.Layers {
		for l.Inner != nil {
			l = *l.Inner
		}
		cd = max(cd, l.Context)
	}
	return cd
}

// FileHeader is what a model file says about itself (see ReadFileHeader).
type FileHeader struct {
	Version   int
	DType     string // float64 or float32
	Dim       int
	Context   int      // the context's width, 0 for an unconditional model
	Layers    []string // each layer's kind
	Base      string
	NumParams int
}

// ReadFileHeader checks a model file's framing and checksum and returns
// its header, without building the model.
func ReadFileHeader(data []byte) (FileHeader, error) {
	spec, params, version, err := parseFile(data)
	if err != nil {
		return FileHeader{}, err
	}
	h := FileHeader{Version: version, DType: spec.DType, Dim: spec.Dim, Context: spec.contextDim(), Base: spec.Base.Kind, NumParams: len(params) / 8}
	for _, l := range spec.Layers {
		h.Layers = append(h.Layers, l.Kind)
	}
	return h, nil
}

// parseFile checks a model file's framing and checksum and decodes its
// architecture; params is the raw parameter block.
func parseFile(data []byte) (spec modelSpec, params []byte, version int, err error) {
	const fixed = 8 + 4 + 4 + 8 + 4
	if len(data) < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
		return spec, nil, 0, errorf(ErrNotModelFile, "flow: not a flowkern model file (bad magic)")
	}
	if len(data) < 12 {
		return spec, nil, 0, errorf(ErrCorrupt, "flow: model file truncated: %d bytes", len(data))
	}
	version = int(binary.LittleEndian.Uint32(data[8:]))
	if version < 1 || version > FileVersion {
		return spec, nil, version, errorf(ErrVersion, "flow: model file format version %d; this flowkern reads versions 1 to %d", version, FileVersion)
	}
	if len(data) < fixed {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file truncated: %d bytes", len(data))
	}
	n := uint64(binary.LittleEndian.Uint32(data[12:]))
	if n > maxSpecSize || n > uint64(len(data)-fixed) {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file truncated or corrupt: architecture of %d bytes in a file of %d", n, len(data))
	}
	k := binary.LittleEndian.Uint64(data[16+n:])
	if rest := uint64(len(data)-fixed) - n; k > rest/8 || k*8 != rest {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file truncated or corrupt: %d parameters in %d bytes", k, rest)
	}
	body := data[:len(data)-4]
	if sum := binary.LittleEndian.Uint32(data[len(data)-4:]); crc32.Checksum(body, castagnoli) != sum {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file corrupt: checksum mismatch")
	}
	dec := json.NewDecoder(bytes.NewReader(data[16 : 16+n]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file architecture: %w", err)
	}
	if rest := bytes.TrimSpace(data[16+dec.InputOffset() : 16+n]); len(rest) > 0 {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file architecture: %d bytes after the description", len(rest))
	}
	if version == 1 && (spec.contextDim() != 0 || spec.ContextStandardize) {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file architecture: a context in a version 1 file")
	}
	if version < 3 && spec.Names != nil {
		return spec, nil, version, errorf(ErrCorrupt, "flow: model file architecture: column names in a version %d file", version)
	}
	return spec, data[24+n : len(data)-4], version, nil
}

// UnmarshalModel builds a model from the bytes of a model file (see
// Load). Its errors are ErrNotModelFile, ErrVersion or ErrCorrupt (see
// errors.Is).
func UnmarshalModel[T Float](data []byte) (*Model[T], error) {
	spec, raw, _, err := parseFile(data)
	if err != nil {
		return nil, err
	}
	m, err := buildModel[T](spec, raw)
	return m, asKind(ErrCorrupt, err)
}

// derivedChecker is a layer whose parameters can be finite while what
// Refresh derives from them is not.
type derivedChecker interface{ checkDerived() error }

// buildModel builds the model spec describes with the parameters raw, after
// checking that they fit.
func buildModel[T Float](spec modelSpec, raw []byte) (*Model[T], error) {
	if spec.DType != "float64" && spec.DType != "float32" {
		return nil, fmt.Errorf("flow: model file element type %q", spec.DType)
	}
	if spec.Dim < 1 || spec.Dim > maxDim {
		return nil, fmt.Errorf("flow: model file dimension %d outside 1…%d", spec.Dim, maxDim)
	}
	if len(spec.Layers) > maxLayers {
		return nil, fmt.Errorf("flow: model file has %d layers, more than %d", len(spec.Layers), maxLayers)
	}
	// Count what the architecture needs before allocating any of it
	// (layers of registered kinds are counted once built).
	var need int64
	custom := false
	for i, s := range spec.Layers {
		n, err := s.params(spec.Dim, 0)
		if err != nil {
			return nil, fmt.Errorf("flow: model file layer %d: %w", i, err)
		}
		if n == unknownCount {
			custom = true
			continue
		}
		need += n
	}
	bn, err := spec.Base.params(spec.Dim)
	if err != nil {
		return nil, fmt.Errorf("flow: model file base: %w", err)
	}
	cd := spec.contextDim()
	if spec.ContextStandardize {
		if cd == 0 {
			return nil, errors.New("flow: model file standardises a context no layer reads")
		}
		bn += 2 * int64(cd)
	}
	if need += bn; !custom && need != int64(len(raw)/8) || need > int64(len(raw)/8) {
		return nil, fmt.Errorf("flow: model file holds %d parameters; its architecture needs %d", len(raw)/8, need)
	}
	layers := make([]Layer[T], len(spec.Layers))
	for i, s := range spec.Layers {
		if layers[i], err = buildLayer[T](s); err != nil {
			return nil, fmt.Errorf("flow: model file layer %d: %w", i, err)
		}
	}
	base, err := buildBase[T](spec.Base)
	if err != nil {
		return nil, fmt.Errorf("flow: model file base: %w", err)
	}
	m, err := NewModel(base, layers...)
	if err != nil {
		return nil, err
	}
	if spec.ContextStandardize {
		if m.ctxDim != cd {
			return nil, fmt.Errorf("flow: model file context of %d features, its layers read %d", cd, m.ctxDim)
		}
		mean, std := make([]T, cd), make([]T, cd)
		for j := range std {
			std[j] = 1
		}
		if m.ctxNorm, err = NewStandardize(mean, std); err != nil {
			return nil, err
		}
	}
	if spec.Names != nil {
		if err := m.SetNames(spec.Names); err != nil {
			return nil, err
		}
	}
	if n := m.NumParams(); n != len(raw)/8 {
		return nil, fmt.Errorf("flow: model file holds %d parameters; its architecture needs %d", len(raw)/8, n)
	}
	off := 0
	for _, p := range m.Params() {
		for i := range p.Value {
			v := math.Float64frombits(binary.LittleEndian.Uint64(raw[off:]))
			if !finite(float64(T(v))) {
				return nil, fmt.Errorf("flow: model file parameter %s[%d] is %v as %s", p.Name, i, v, dtypeOf[T]())
			}
			if spec.DType == "float32" && float64(float32(v)) != v {
				return nil, fmt.Errorf("flow: model file parameter %s[%d] is %v, which the float32 model that wrote it cannot have held", p.Name, i, v)
			}
			p.Value[i] = T(v)
			off += 8
		}
	}
	for i, l := range layers {
		if st, ok := l.(*Standardize[T]); ok {
			for j, v := range st.std {
				if !(v > 0) {
					return nil, fmt.Errorf("flow: model file layer %d: Standardize deviation %v in column %d", i, v, j)
				}
			}
		}
		l.Refresh()
		if c, ok := l.(derivedChecker); ok {
			if err := c.checkDerived(); err != nil {
				return nil, fmt.Errorf("flow: model file layer %d: %w", i, err)
			}
		}
	}
	base.Refresh()
	if m.ctxNorm != nil {
		for j, v := range m.ctxNorm.std {
			if !(v > 0) {
				return nil, fmt.Errorf("flow: model file context standardisation: deviation %v in column %d", v, j)
			}
		}
		m.ctxNorm.Refresh()
	}
	return m, nil
}

// params returns how many parameter values the layer s describes needs,
// checking its sizes (depth counts nested inverted layers).
func (s layerSpec) params(dim, depth int) (int64, error) {
	if s.Dim != dim {
		return 0, fmt.Errorf("%s layer of dimension %d in a model of %d", s.Kind, s.Dim, dim)
	}
	net := func(in, heads, out int) (int64, error) {
		if len(s.Hidden) > maxDepth {
			return 0, fmt.Errorf("%d hidden layers, more than %d", len(s.Hidden), maxDepth)
		}
		if s.Context < 0 || s.Context > maxWidth {
			return 0, fmt.Errorf("context of %d features outside 0…%d", s.Context, maxWidth)
		}
		sizes := append(append([]int{in + s.Context}, s.Hidden...), heads*out)
		var n int64
		for l := 0; l+1 < len(sizes); l++ {
			if sizes[l+1] < 1 || sizes[l+1] > 2*maxWidth {
				return 0, fmt.Errorf("layer size %d outside 1…%d", sizes[l+1], maxWidth)
			}
			n += int64(sizes[l+1])*int64(sizes[l]) + int64(sizes[l+1])
		}
		return n, nil
	}
	heads := 2
	if s.Scale == "none" {
		heads = 1
	}
	switch s.Kind {
	case "coupling":
		if len(s.Kept) < 1 || len(s.Kept) >= dim {
			return 0, fmt.Errorf("coupling keeps %d of %d columns", len(s.Kept), dim)
		}
		return net(len(s.Kept), heads, dim-len(s.Kept))
	case "spline", "spline-autoregressive":
		if s.Spline == nil || s.Spline.Bins < 2 || s.Spline.Bins > flowkern.MaxSplineBins {
			return 0, errors.New("spline layer without a spline of 2…64 bins")
		}
		per := s.Spline.spline().ParamsPer()
		if s.Kind == "spline-autoregressive" {
			return net(dim, 1, dim*per)
		}
		if len(s.Kept) < 1 || len(s.Kept) >= dim {
			return 0, fmt.Errorf("spline coupling keeps %d of %d columns", len(s.Kept), dim)
		}
		return net(len(s.Kept), 1, (dim-len(s.Kept))*per)
	case "autoregressive":
		return net(dim, heads, dim)
	case "inverted":
		if s.Inner == nil || depth > 0 {
			return 0, errors.New("inverted layer without a (non-inverted) inner layer")
		}
		return s.Inner.params(dim, depth+1)
	case "lu":
		return int64(dim) * int64(dim), nil
	case "actnorm", "standardize":
		return 2 * int64(dim), nil
	case "permutation":
		return 0, nil
	}
	if slices.Contains(builtinKinds, s.Kind) || s.Config == nil {
		return 0, fmt.Errorf("unknown layer kind %q", s.Kind)
	}
	return unknownCount, nil // a registered kind: counted once built
}

// unknownCount is what params returns for a layer of a registered kind,
// whose parameters can be counted only once its builder has run.
const unknownCount = -1

// buildLayer builds the layer s describes, parameters zero.
func buildLayer[T Float](s layerSpec) (Layer[T], error) {
	cond := func() (Network, error) {
		sc, err := parseScale(s.Scale)
		if err != nil {
			return Network{}, err
		}
		if s.Hidden == nil {
			s.Hidden = []int{}
		}
		if s.Clamp == 0 || s.Eps == 0 {
			return Network{}, errors.New("clamp or ε missing")
		}
		act, err := flowkern.ParseActivation(s.Activation)
		if err != nil {
			return Network{}, err
		}
		return Network{Hidden: s.Hidden, Activation: act, Scale: sc, Clamp: s.Clamp, Eps: s.Eps, Context: s.Context}, nil
	}
	switch s.Kind {
	case "coupling":
		c, err := cond()
		if err != nil {
			return nil, err
		}
		return newAffineCoupling[T](s.Dim, s.Kept, c, nil)
	case "spline", "spline-autoregressive":
		if s.Hidden == nil {
			s.Hidden = []int{}
		}
		act, err := flowkern.ParseActivation(s.Activation)
		if err != nil {
			return nil, err
		}
		sp := s.Spline.spline()
		if sp.MinWidth == 0 || sp.MinHeight == 0 || sp.MinDerivative == 0 {
			return nil, errors.New("spline minimums missing")
		}
		c := Network{Hidden: s.Hidden, Activation: act, Context: s.Context}
		if s.Kind == "spline-autoregressive" {
			return newSplineAutoregressive[T](s.Dim, s.Order, c, sp, nil)
		}
		return newSplineCoupling[T](s.Dim, s.Kept, c, sp, nil)
	case "autoregressive":
		c, err := cond()
		if err != nil {
			return nil, err
		}
		return newMaskedAutoregressive[T](s.Dim, s.Order, c, nil)
	case "inverted":
		in, err := buildLayer[T](*s.Inner)
		if err != nil {
			return nil, err
		}
		return &Inverted[T]{in}, nil
	case "lu":
		kind := map[string]DiagParam{"exp": DiagExp, "softplus": DiagSoftplus}
		k, ok := kind[s.Diag]
		if !ok {
			return nil, fmt.Errorf("unknown LU diagonal %q", s.Diag)
		}
		if err := checkPerm(s.Perm, s.Dim); err != nil {
			return nil, fmt.Errorf("LU permutation: %w", err)
		}
		if len(s.Sign) != s.Dim {
			return nil, fmt.Errorf("LU layer with %d signs for %d columns", len(s.Sign), s.Dim)
		}
		l := newLU[T](s.Dim, k)
		for i, v := range s.Sign {
			if v != 1 && v != -1 {
				return nil, fmt.Errorf("LU sign %d", v)
			}
			l.sign[i], l.perm[i] = v, s.Perm[i]
		}
		return l, nil
	case "actnorm":
		l, err := NewActNorm[T](s.Dim)
		if err == nil {
			l.ready.Store(s.Initialized)
		}
		return l, err
	case "permutation":
		return NewPermutation[T](s.Perm)
	case "standardize":
		one := make([]T, s.Dim)
		for i := range one {
			one[i] = 1
		}
		return NewStandardize(make([]T, s.Dim), one)
	}
	return buildCustom[T](s)
}

// params returns how many parameter values the base needs.
func (b baseSpec) params(dim int) (int64, error) {
	if b.Dim != dim {
		return 0, fmt.Errorf("base of dimension %d in a model of %d", b.Dim, dim)
	}
	switch b.Kind {
	case "normal":
		return 0, nil
	case "diagnormal":
		return 2 * int64(dim), nil
	case "fullnormal":
		n := int64(dim)
		return n + n*(n-1)/2 + n, nil
	}
	return 0, fmt.Errorf("unknown base kind %q", b.Kind)
}

// buildBase builds the base b describes, parameters zero.
func buildBase[T Float](b baseSpec) (Base[T], error) {
	switch b.Kind {
	case "diagnormal":
		return NewDiagNormal[T](b.Dim)
	case "fullnormal":
		n := b.Dim
		cov := make([]float64, n*n)
		for i := range n {
			cov[i*n+i] = 1
		}
		return NewFullNormal[T](make([]float64, n), cov)
	}
	return NewStandardNormal[T](b.Dim)
}
