package flow

import (
	"github.com/flowkern/flowkern"
)

// Float is the set of element types of models: float32 and float64.
type Float = flowkern.Float

// Layer is one invertible map of a flow, over vectors of Dim elements.
//
// For a batch of rows = len(logdet) samples, Inverse writes z = f⁻¹(x)
// and adds log|det ∂z/∂x| to each row's logdet; Forward writes x = f(z)
// and adds log|det ∂x/∂z|. The vectors have rows·Dim elements and the
// output must not overlap the input or logdet. ws is scratch memory.
// Both panic if the lengths do not fit.
type Layer[T Float] interface {
	Dim() int
	Inverse(z, logdet, x []T, ws *Workspace[T])
	Forward(x, logdet, z []T, ws *Workspace[T])
	// Params returns the layer's parameters; their Values may be changed
	// in place, after which Refresh must be called.
	Params() []Param[T]
	// Refresh recomputes whatever the layer derives from its parameters.
	Refresh()
}

// Conditional is a layer of a conditional flow, a density p(x | c): its
// map depends on a context c of ContextDim features per row, which it
// reads from its Workspace (Workspace.Context) while a conditional model
// evaluates it. A layer without the method, or returning 0, does not read
// the context.
type Conditional interface {
	ContextDim() int
}

// contextDim returns l's context width: 0 unless it is Conditional.
func contextDim(l any) int {
	if c, ok := l.(Conditional); ok {
		return c.ContextDim()
	}
	return 0
}

// Param is a named parameter array of a layer or base distribution. Its
// Value aliases the layer's storage. Fixed parameters (statistics a layer
// was fitted with) are saved with the model but are not trained.
type Param[T Float] struct {
	Name  string
	Value []T
	Fixed bool
}

// Base is a model's base distribution over vectors of Dim elements. For
// rows = len(lp) samples z (rows·Dim elements), LogProb writes each row's
// log-density to lp; Sample fills z with draws from rng.
type Base[T Float] interface {
	Dim() int
	LogProb(lp, z []T, ws *Workspace[T])
	Sample(z []T, rng Rand, ws *Workspace[T])
	Params() []Param[T]
	Refresh()
}

// Rand is the source of randomness of sampling and initialisation:
// *math/rand/v2.Rand satisfies it.
type Rand interface {
	NormFloat64() float64
	Float64() float64
	IntN(n int) int
}

// checkLayer panics unless x and z have rows·dim elements for
// rows = len(logdet).
func checkLayer[T Float](who string, dim int, out, logdet, in []T) {
	rows := len(logdet)
	if len(in) != rows*dim || len(out) != rows*dim {
		panic("flow." + who + ": input of " + itoa(len(in)) + " and output of " + itoa(len(out)) +
			" elements, want " + itoa(rows) + " rows (len(logdet)) × " + itoa(dim))
	}
}
