// Package dispatch is flowkern's kernel-set registry: the kernel sets
// built into the binary, best first, and the one every call runs on. The
// root package registers the architecture's generated sets at package
// initialisation, selects one in its init (from FLOWKERN_IMPL or the CPU)
// and dispatches each public function through Current.
package dispatch

import (
	"fmt"
	"strings"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern/kernels"
)

// Funcs is one kernel set's functions for one element type, with the
// signatures of the portable kernels (package kernels), whose contracts
// they keep.
type Funcs[T float32 | float64] struct {
	Exp, Log, Tanh    func(dst, x []T)
	AffineForward     func(out, logdet, in, sHat, t []T, cols int, clamp T)
	AffineInverse     func(out, logdet, in, sHat, t []T, cols int, clamp T)
	AffineForwardGrad func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T)
	AffineInverseGrad func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T)
	LogAbsSum         func(logdet, d []T, cols int)
	TriSolve, TriMul  func(uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int)
	Dense, DenseT     func(y, x, w, b []T, m, k, n int, act kernels.Activation)
	DenseGrad         func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation)
	SplineForward     func(out, logdet, in, params []T, cols int, s kernels.RQSpline[T])
	SplineInverse     func(out, logdet, in, params []T, cols int, s kernels.RQSpline[T])
	SplineForwardGrad func(dIn, dParams, dOut, dLogdet, in, params []T, cols int, s kernels.RQSpline[T])
	SplineInverseGrad func(dIn, dParams, dOut, dLogdet, in, params []T, cols int, s kernels.RQSpline[T])
	AdamUpdate        func(w, g, old []T, m, v []float64, a kernels.AdamStep) bool
	Transpose         func(dst, a []T, rows, cols int)
}

// Portable returns the portable kernels for T.
func Portable[T float32 | float64]() Funcs[T] {
	return Funcs[T]{
		Exp:               kernels.Exp[T],
		Log:               kernels.Log[T],
		Tanh:              kernels.Tanh[T],
		AffineForward:     kernels.AffineForward[T],
		AffineInverse:     kernels.AffineInverse[T],
		AffineForwardGrad: kernels.AffineForwardGrad[T],
		AffineInverseGrad: kernels.AffineInverseGrad[T],
		LogAbsSum:         kernels.LogAbsSum[T],
		TriSolve:          kernels.TriSolve[T],
		TriMul:            kernels.TriMul[T],
		Dense:             kernels.Dense[T],
		DenseT:            kernels.DenseT[T],
		DenseGrad:         kernels.DenseGrad[T],
		SplineForward:     kernels.SplineForward[T],
		SplineInverse:     kernels.SplineInverse[T],
		SplineForwardGrad: kernels.SplineForwardGrad[T],
		SplineInverseGrad: kernels.SplineInverseGrad[T],
		AdamUpdate:        kernels.AdamUpdate[T],
		Transpose:         kernels.Transpose[T],
	}
}

// Set is one implementation of every kernel, for both element types.
type Set struct {
	Name      string // generic, avx2, avx512 or neon
	Requires  string // the CPU features it needs, for people
	Available bool   // this CPU and OS provide them
	F64       Funcs[float64]
	F32       Funcs[float32]
}

// Known are the kernel sets flowkern has on some architecture, best
// first; a binary holds those of its architecture and build tags.
var Known = []string{"avx512", "avx2", "neon", "generic"}

// sets holds the kernel sets built into this binary, best first. The
// portable set is always last and always available.
var sets = []*Set{{
	Name:      "generic",
	Requires:  "nothing (portable Go)",
	Available: true,
	F64:       Portable[float64](),
	F32:       Portable[float32](),
}}

// Register adds a kernel set ahead of those registered before it: an
// architecture registers its sets worst first, before Select runs.
func Register(s *Set) {
	sets = append([]*Set{s}, sets...)
}

// Sets returns the kernel sets built into this binary, best first.
func Sets() []*Set { return append([]*Set(nil), sets...) }

// selection is the set in use and why it was chosen.
type selection struct {
	set *Set
	why string
}

var active atomic.Pointer[selection]

func init() {
	active.Store(&selection{sets[len(sets)-1], "the portable set, until a set is selected"})
}

// Current returns the kernel set in use.
func Current() *Set { return active.Load().set }

// Reason says why the set in use was chosen.
func Reason() string { return active.Load().why }

// Select makes the set that env (the value of the variable envName, such
// as FLOWKERN_IMPL) names the one in use, or the best available one when
// env is empty. It returns an error, and changes nothing, for a name that
// is unknown, not built in, or that this CPU cannot run.
func Select(envName, env string) error {
	s, why, err := choose(envName, env)
	if err != nil {
		return err
	}
	active.Store(&selection{s, why})
	return nil
}

// choose returns the set env names, or the best available one for an
// empty env, with the reason.
func choose(envName, env string) (*Set, string, error) {
	if env == "" {
		for _, s := range sets {
			if s.Available {
				return s, "best available on this CPU", nil
			}
		}
	}
	s, err := Lookup(env)
	if err != nil {
		return nil, "", fmt.Errorf("%s=%q: %w", envName, env, err)
	}
	return s, "forced by " + envName, nil
}

// Use makes the set called name the one in use, for tests and benchmarks
// that compare sets in one process; calls already running finish with the
// set they started with. why is recorded as the reason.
func Use(name, why string) error {
	s, err := Lookup(name)
	if err != nil {
		return err
	}
	active.Store(&selection{s, why})
	return nil
}

// Lookup returns the built-in, available set called name, or an error
// saying whether it is unknown, not built into this binary, or needs what
// this CPU or OS lacks.
func Lookup(name string) (*Set, error) {
	for _, s := range sets {
		if s.Name != name {
			continue
		}
		if !s.Available {
			return nil, fmt.Errorf("kernel set %s needs %s, which this CPU or OS lacks", name, s.Requires)
		}
		return s, nil
	}
	for _, k := range Known {
		if k == name {
			return nil, fmt.Errorf("kernel set %s is not built into this binary (built in: %s)", name, builtIn())
		}
	}
	return nil, fmt.Errorf("unknown kernel set (known: %s)", strings.Join(Known, ", "))
}

func builtIn() string {
	names := make([]string, len(sets))
	for i, s := range sets {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
