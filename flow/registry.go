package flow

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
)

// SavableLayer is a layer of the caller's own kind that model files can
// hold: Save and MarshalBinary write its kind and configuration beside the
// built-in layers, its parameters (Params) with the model's, and Load
// rebuilds it with the builder registered for its kind (RegisterLayer),
// sets its parameters and calls Refresh.
type SavableLayer interface {
	// LayerKind returns the name its kind was registered under.
	LayerKind() string
	// MarshalConfig returns what a builder needs, besides the dimension,
	// to build a layer of the same architecture, as JSON (for example
	// []byte("{}") if nothing). The parameters are not part of it.
	MarshalConfig() ([]byte, error)
}

// LayerBuilder builds a layer of a registered kind over dim features
// from the configuration its MarshalConfig wrote. The loader then sets
// the layer's parameters from the file and calls Refresh. A builder must
// validate config (the loader has checked the file's checksum, not what a
// writer put in it) and return an error, not panic, for a bad one.
type LayerBuilder[T Float] func(dim int, config []byte) (Layer[T], error)

// builtinKinds are the layer kinds of the file format itself.
var builtinKinds = []string{"coupling", "spline", "autoregressive", "spline-autoregressive", "inverted", "lu", "actnorm", "permutation", "standardize"}

// layerKinds maps a kindKey to the LayerBuilder registered for it.
var layerKinds sync.Map

// kindKey is a layer kind for one element type.
type kindKey struct {
	kind string
	elem reflect.Type
}

// RegisterLayer makes model files of element type T able to hold layers
// of the given kind (see SavableLayer), built by build. Register a kind
// once per element type it is used with, typically from an init function.
// It panics if kind is empty, names a built-in layer kind, or is already
// registered for T.
func RegisterLayer[T Float](kind string, build LayerBuilder[T]) {
	if kind == "" || slices.Contains(builtinKinds, kind) || build == nil {
		panic(fmt.Sprintf("flow.RegisterLayer: kind %q: empty, built in, or without a builder", kind))
	}
	if _, dup := layerKinds.LoadOrStore(kindKey{kind, reflect.TypeFor[T]()}, build); dup {
		panic(fmt.Sprintf("flow.RegisterLayer: kind %q is already registered for %v", kind, reflect.TypeFor[T]()))
	}
}

// registered returns the builder of kind for T.
func registered[T Float](kind string) (LayerBuilder[T], bool) {
	b, ok := layerKinds.Load(kindKey{kind, reflect.TypeFor[T]()})
	if !ok {
		return nil, false
	}
	return b.(LayerBuilder[T]), true
}

// customSpec describes a layer of a registered kind for the file.
func customSpec[T Float](l Layer[T]) (layerSpec, error) {
	sl, ok := l.(SavableLayer)
	if !ok {
		return layerSpec{}, fmt.Errorf("%T cannot be saved: it is not a built-in layer and does not implement flow.SavableLayer", l)
	}
	kind := sl.LayerKind()
	if _, ok := registered[T](kind); !ok {
		return layerSpec{}, fmt.Errorf("%T: layer kind %q is not registered for %v (flow.RegisterLayer), so its file could not be read back", l, kind, reflect.TypeFor[T]())
	}
	cfg, err := sl.MarshalConfig()
	if err != nil {
		return layerSpec{}, fmt.Errorf("%T: %w", l, err)
	}
	if !json.Valid(cfg) {
		return layerSpec{}, fmt.Errorf("%T: MarshalConfig returned invalid JSON", l)
	}
	return layerSpec{Kind: kind, Dim: l.Dim(), Config: cfg}, nil
}

// buildCustom builds a layer of a registered kind from its description.
func buildCustom[T Float](s layerSpec) (Layer[T], error) {
	build, ok := registered[T](s.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown layer kind %q (not built in, nor registered for %v)", s.Kind, reflect.TypeFor[T]())
	}
	l, err := build(s.Dim, s.Config)
	if err != nil {
		return nil, fmt.Errorf("%s layer: %w", s.Kind, err)
	}
	if l == nil || l.Dim() != s.Dim {
		return nil, fmt.Errorf("%s layer: the builder returned no layer of dimension %d", s.Kind, s.Dim)
	}
	return l, nil
}
