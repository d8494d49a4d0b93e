// Package table is the one place that lists flowkern's generated kernels.
// Both emitters read it: ../amd64 (avo) and ../arm64 (our own) write each
// kernel it lists for their instruction sets, and from it the Go
// declarations of the kernels and a registration file that fills, per
// kernel set and element type, a struct with one field per kernel. A
// kernel is a table entry, an emitter body per architecture (looked up by
// its name) and the portable reference it reproduces in ../../kernels.
package table

import (
	"bytes"
	"fmt"
	"go/format"
	"slices"
	"strings"
)

// ISA is an instruction set a kernel set is written for.
type ISA string

const (
	AVX2   ISA = "avx2"   // amd64: AVX2 and FMA on ymm registers
	AVX512 ISA = "avx512" // amd64: AVX-512 F/VL/DQ/BW on zmm registers
	NEON   ISA = "neon"   // arm64: Advanced SIMD
)

// Masked reports whether the ISA has masked loads and stores, with which
// a kernel does a slice's or row's tail itself; without them (NEON) a
// kernel does whole vectors and leaves the rest to its Go wrapper, as its
// Kernel.Leaves says.
func (i ISA) Masked() bool { return i != NEON }

// Title is the ISA's name as it appears in symbols: Avx2, Avx512, Neon.
func (i ISA) Title() string { return strings.ToUpper(string(i[:1])) + string(i[1:]) }

// Kernel is one generated kernel, written for every ISA it lists in
// float64 and float32.
type Kernel struct {
	// Name is the field of the registration struct and the stem of the
	// symbols: Name + ISA + type, as expAvx512F64.
	Name string
	// Params are the Go parameters, T standing for the element type.
	Params string
	// Computes says what the kernel computes, naming the portable
	// reference it reproduces bit for bit.
	Computes string
	// Leaves says what a kernel on an ISA without masks leaves to its
	// caller ("" if it does the whole).
	Leaves string
	// ISAs are the instruction sets it is written for.
	ISAs []ISA
}

var (
	amd64      = []ISA{AVX2, AVX512}
	everywhere = []ISA{AVX2, AVX512, NEON}
)

const (
	unaryParams  = "dst, x []T"
	affineParams = "out, logdet, in, sHat, t []T, cols int, clamp, invClamp T"
	gradParams   = "dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp, invClamp T"
	rowTail      = "each row's last cols mod lanes columns"
	splineParams = "out, logdet, in, params, scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T"
	splineGrad   = "dIn, dParams, dOut, dLogdet, in, params, scratch []T, cols, bins int, bound, minWidth, minHeight, minDeriv, scaleW, scaleH T"
)

// Kernels are the generated kernels, in the order they are written.
var Kernels = []Kernel{
	{"exp", unaryParams, "dst[i] = exp(x[i]) for i < len(dst), as kernels.Exp; len(x) ≥ len(dst)", "the last len(dst) mod lanes elements", everywhere},
	{"log", unaryParams, "dst[i] = log(x[i]) for i < len(dst), as kernels.Log; len(x) ≥ len(dst)", "the last len(dst) mod lanes elements", everywhere},
	{"tanh", unaryParams, "dst[i] = tanh(x[i]) for i < len(dst), as kernels.Tanh; len(x) ≥ len(dst)", "the last len(dst) mod lanes elements", everywhere},
	{"affineFwd", affineParams, "kernels.AffineForward without clamp: out = in·exp(ŝ) + t, logdet[r] += Σ ŝ over row r", rowTail, everywhere},
	{"affineFwdClamp", affineParams, "kernels.AffineForward with the soft clamp s = clamp·tanh(ŝ·invClamp): out = in·exp(s) + t, logdet[r] += Σ s", rowTail, everywhere},
	{"affineInv", affineParams, "kernels.AffineInverse without clamp: out = (in − t)·exp(−ŝ), logdet[r] −= Σ ŝ over row r", rowTail, everywhere},
	{"affineInvClamp", affineParams, "kernels.AffineInverse with the soft clamp s = clamp·tanh(ŝ·invClamp): out = (in − t)·exp(−s), logdet[r] −= Σ s", rowTail, everywhere},
	{"logAbsSum", "logdet, d []T, cols int", "kernels.LogAbsSum: logdet[r] += Σ log|d| over row r", rowTail, everywhere},
	{"affineFwdGrad", gradParams, "kernels.AffineForwardGrad without clamp: dIn, dSHat and dT from dOut and dLogdet (t is not read)", rowTail, everywhere},
	{"affineFwdGradClamp", gradParams, "kernels.AffineForwardGrad with the soft clamp (t is not read)", rowTail, everywhere},
	{"affineInvGrad", gradParams, "kernels.AffineInverseGrad without clamp: dIn, dSHat and dT from dOut and dLogdet", rowTail, everywhere},
	{"affineInvGradClamp", gradParams, "kernels.AffineInverseGrad with the soft clamp", rowTail, everywhere},
	{"denseSums", "y, x, wt []T, m, k, n int", "the sums of kernels.Dense, y = x·wt with wt = Wᵀ (k×n), each in the portable chain's order", "the last n mod lanes columns", everywhere},
	{"denseBias", "y, x, wt, b []T, m, k, n int", "kernels.Dense without activation, y = x·wt + b, with wt = Wᵀ", "", amd64},
	{"denseBiasReLU", "y, x, wt, b []T, m, k, n int", "kernels.Dense with ReLU, y = max(x·wt + b, 0), with wt = Wᵀ", "", amd64},
	{"denseSumsAccT", "y, x, wt []T, m, k, n int", "y += xᵀ·wt, x being k×m: DenseGrad's dw += dZᵀ·X without transposing dZ", "", amd64},
	{"denseSumsAcc", "y, x, wt []T, m, k, n int", "y += x·wt with wt = Wᵀ (k×n), the chains starting from y: DenseGrad's weight gradient", "the last n mod lanes columns", []ISA{NEON}},
	{"triRows", "x []T, cols int, prog, src []int, coef, diag []T, mode int", "internal/portable.TriParts.Rows, a row program of kernels.TriSolve or kernels.TriMul on the columns [0, cols) of x", "the last cols mod lanes columns", everywhere},
	{"triBlock", "x []T, cols int, dst, src []int, coef, tri, diag []T, mode int", "internal/portable.TriParts.Block for len(dst) = the set's tile (8 rows on AVX-512 and NEON, 4 on AVX2): a block of rows of kernels.TriSolve or kernels.TriMul on the columns [0, cols) of x", "the last cols mod lanes columns", everywhere},
	{"splineFwd", splineParams, "kernels.SplineForward, scaleW and scaleH being 1 − bins·minWidth and 1 − bins·minHeight rounded as it rounds them, scratch at least 2·bins vectors of 64 bytes", rowTail, everywhere},
	{"splineInv", splineParams, "kernels.SplineInverse, scaleW, scaleH and scratch as for splineFwd", rowTail, everywhere},
	{"splineFwdGrad", splineGrad, "kernels.SplineForwardGrad, scaleW and scaleH as for splineFwd, scratch at least 48 + 2·bins vectors of 64 bytes", rowTail, everywhere},
	{"splineInvGrad", splineGrad, "kernels.SplineInverseGrad, scaleW, scaleH and scratch as for splineFwdGrad", rowTail, everywhere},
	{"reluGrad", "dy, y []T", "dy[i] ·= ReLU′ at the output y[i] (1 where y > 0, else 0), as kernels.DenseDZ; len(y) ≥ len(dy)", "", amd64},
	{"transpose", "dst, a []T, rows, cols int", "dst = aᵀ (a rows×cols, dst cols×rows, both row-major) on a's first rows − rows mod tile rows and cols − cols mod tile columns, in square tiles of a 32-byte vector's lanes (8 float32 or 4 float64; the caller does the rest), as kernels.Transpose; dst and a at least rows·cols long", "", amd64},
	{"adamUpdate", "w, g, old []T, m, v []float64, scale, beta1, c1, beta2, c2, stepSize, invSqrtBC2, eps, decay float64", "kernels.AdamUpdate, in float64 whatever T, on the first len(w) − len(w) mod lanes elements, lanes being the float64 lanes of a vector, on every ISA (the caller does the rest); the scalars are kernels.AdamStep's, g, old, m and v at least as long as w; finite reports whether every new w it stored is finite in T", "the last len(w) mod lanes elements", everywhere},
}

// results are the results of the kernels that return any, by name.
var results = map[string]string{"adamUpdate": "(finite bool)"}

// For returns the kernels written for isa.
func For(isa ISA) []Kernel {
	var ks []Kernel
	for _, k := range Kernels {
		if slices.Contains(k.ISAs, isa) {
			ks = append(ks, k)
		}
	}
	return ks
}

// Unmatched compares an emitter's bodies, by name, with the kernels the
// table lists for isas: it returns the listed kernels without a body and
// the bodies of no listed kernel, each sorted.
func Unmatched(bodies []string, isas ...ISA) (noBody, noKernel []string) {
	listed := map[string]bool{}
	for _, isa := range isas {
		for _, k := range For(isa) {
			listed[k.Name] = true
		}
	}
	for name := range listed {
		if !slices.Contains(bodies, name) {
			noBody = append(noBody, name)
		}
	}
	for _, name := range bodies {
		if !listed[name] {
			noKernel = append(noKernel, name)
		}
	}
	slices.Sort(noBody)
	slices.Sort(noKernel)
	return noBody, noKernel
}

// Type is an element type: "float64" or "float32".
type Type string

// Types are the element types every kernel is written for.
var Types = []Type{"float64", "float32"}

// Suffix is the type's part of a symbol: F64 or F32.
func (t Type) Suffix() string { return "F" + string(t[len(t)-2:]) }

// Symbol is the kernel's symbol for isa and t, as expAvx512F64.
func (k Kernel) Symbol(isa ISA, t Type) string { return k.Name + isa.Title() + t.Suffix() }

// Signature is the kernel's Go function type for t, as "func(dst, x []float64)".
func (k Kernel) Signature(t Type) string {
	sig := "func(" + strings.NewReplacer("[]T", "[]"+string(t), " T", " "+string(t)).Replace(k.Params) + ")"
	if r := results[k.Name]; r != "" {
		sig += " " + r
	}
	return sig
}

// Doc is the doc comment of the kernel's declaration for isa and t,
// without the comment markers.
func (k Kernel) Doc(isa ISA, t Type) string {
	doc := k.Symbol(isa, t) + " computes, with " + string(isa) + ", " + k.Computes + "."
	if !isa.Masked() && k.Leaves != "" {
		doc += " It does whole vectors only: its caller does " + k.Leaves + "."
	}
	return doc
}

// Decls returns the Go file that declares the kernels of isas: for each,
// a doc comment, //go:noescape (no kernel keeps a pointer) and the
// signature. header is the file's first lines (generated-code notice,
// build constraint).
func Decls(header string, isas ...ISA) []byte {
	var w bytes.Buffer
	fmt.Fprint(&w, header, "\npackage flowkern\n")
	for _, isa := range isas {
		for _, t := range Types {
			for _, k := range For(isa) {
				fmt.Fprintf(&w, "\n%s//\n//go:noescape\nfunc %s%s\n", comment(k.Doc(isa, t)), k.Symbol(isa, t), strings.TrimPrefix(k.Signature(t), "func"))
			}
		}
	}
	return gofmt(w.Bytes())
}

// Registration returns the registration file of isas: the struct type
// generated, one field per kernel the ISAs share (its signature's type),
// and a variable per ISA and element type that holds that set's kernels
// by name, as avx512F64. The Go wrapper (kernels_<arch>.go) installs a set
// from its variables.
func Registration(header string, isas ...ISA) []byte {
	var b bytes.Buffer
	w := &b
	fmt.Fprint(w, header, "\npackage flowkern\n\n")
	fields := For(isas[0])
	fmt.Fprintf(w, "// generated holds one kernel set's generated kernels for one element type,\n// by name (gen/table).\n")
	fmt.Fprintf(w, "type generated[T float32 | float64] struct {\n")
	for _, k := range fields {
		fmt.Fprintf(w, "\t%s %s // %s\n", k.Name, k.Signature("T"), k.Computes)
	}
	fmt.Fprint(w, "}\n")
	for _, isa := range isas {
		if !slices.EqualFunc(For(isa), fields, func(a, b Kernel) bool { return a.Name == b.Name }) {
			panic(fmt.Sprintf("table: %s and %s have different kernels; give them registration files of their own", isa, isas[0]))
		}
		for _, t := range Types {
			fmt.Fprintf(w, "\n// %s%s are the %s kernels for %s.\nvar %s%s = generated[%s]{\n", isa, t.Suffix(), isa, t, isa, t.Suffix(), t)
			for _, k := range fields {
				fmt.Fprintf(w, "\t%s: %s,\n", k.Name, k.Symbol(isa, t))
			}
			fmt.Fprint(w, "}\n")
		}
	}
	return gofmt(b.Bytes())
}

// gofmt formats generated Go source; the table's own text is at fault if
// it does not parse.
func gofmt(src []byte) []byte {
	out, err := format.Source(src)
	if err != nil {
		panic(fmt.Sprintf("table: generated Go does not parse: %v\n%s", err, src))
	}
	return out
}

// comment turns text into // lines of at most about 76 characters.
func comment(text string) string {
	var b strings.Builder
	line := "//"
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > 78 && line != "//" {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + word
	}
	return b.String() + line + "\n"
}
