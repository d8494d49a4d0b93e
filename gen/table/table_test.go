package table

import (
	"strings"
	"testing"
)

// TestKernels checks the table itself: names unique, each kernel written
// for some ISA, a signature with T only as the element type, and every
// NEON kernel saying what it leaves to its caller (NEON has no masks).
func TestKernels(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kernels {
		if seen[k.Name] {
			t.Errorf("kernel %s listed twice", k.Name)
		}
		seen[k.Name] = true
		if len(k.ISAs) == 0 {
			t.Errorf("%s: no ISA", k.Name)
		}
		if k.Computes == "" {
			t.Errorf("%s: no description", k.Name)
		}
		sig := k.Signature("float32")
		for _, f := range strings.FieldsFunc(sig, func(r rune) bool { return strings.ContainsRune("(), []", r) }) {
			if f == "T" {
				t.Errorf("%s: signature %q still holds T", k.Name, sig)
			}
		}
		for _, isa := range k.ISAs {
			if !isa.Masked() && k.Leaves == "" {
				t.Errorf("%s on %s: no Leaves, but %s has no masks", k.Name, isa, isa)
			}
		}
	}
}

// TestDecls checks the declarations file: one //go:noescape function with
// a doc comment per kernel, ISA and type.
func TestDecls(t *testing.T) {
	src := string(Decls("// header\n", AVX2, AVX512))
	want := 2 * (len(For(AVX2)) + len(For(AVX512)))
	if n := strings.Count(src, "//go:noescape\nfunc "); n != want {
		t.Errorf("%d declarations, want %d", n, want)
	}
	for _, k := range For(AVX512) {
		sym := k.Symbol(AVX512, "float32")
		if !strings.Contains(src, "// "+sym+" computes, with avx512,") || !strings.Contains(src, "func "+sym+"(") {
			t.Errorf("%s: no declaration with its doc comment", sym)
		}
	}
	if !strings.Contains(string(Decls("", NEON)), "It does whole vectors only") {
		t.Error("NEON declarations do not say what the kernels leave to their callers")
	}
}

// TestRegistration checks that the registration file fills every field of
// every set by name, and that ISAs with different kernels are refused.
func TestRegistration(t *testing.T) {
	src := string(Registration("", AVX2, AVX512))
	for _, isa := range []ISA{AVX2, AVX512} {
		for _, ty := range Types {
			for _, k := range For(isa) {
				if !strings.Contains(src, "\t"+k.Name+": ") || !strings.Contains(src, k.Symbol(isa, ty)+",") {
					t.Errorf("%s: %s not registered", isa, k.Symbol(isa, ty))
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a registration file for AVX2 and NEON, which have different kernels, was written")
		}
	}()
	Registration("", AVX2, NEON)
}

// TestUnmatched checks that Unmatched finds a listed kernel without a body
// and a body without a kernel.
func TestUnmatched(t *testing.T) {
	var names []string
	for _, k := range For(NEON) {
		names = append(names, k.Name)
	}
	names = append(names[1:], "spline")
	noBody, noKernel := Unmatched(names, NEON)
	if len(noBody) != 1 || noBody[0] != For(NEON)[0].Name || len(noKernel) != 1 || noKernel[0] != "spline" {
		t.Errorf("Unmatched = %v, %v; want [%s], [spline]", noBody, noKernel, For(NEON)[0].Name)
	}
}
