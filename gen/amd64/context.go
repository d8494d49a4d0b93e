package main

import (
	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	"github.com/mmcloughlin/avo/operand"
)

// asm is the build context the kernels are written into: a context of our
// own rather than avo's global one, so that the generator reaches the
// function being built (interleave.go) through avo's public API.
var asm = build.NewContext()

// function starts the function name with attributes a and the Go
// signature sig (avo's TEXT).
func function(name string, a attr.Attribute, sig string) {
	asm.Function(name)
	asm.Attributes(a)
	asm.SignatureExpr(sig)
}

// global starts a static data section (avo's GLOBL).
func global(name string, a attr.Attribute) operand.Mem {
	m := asm.StaticGlobal(name)
	asm.DataAttributes(a)
	return m
}

// datum adds v at offset to the data section being written (avo's DATA).
func datum(offset int, v operand.Constant) { asm.AddDatum(offset, v) }

// currentFunction returns the function being built: the file's last
// function section.
func currentFunction() *ir.Function {
	f, _ := asm.Result()
	for i := len(f.Sections) - 1; i >= 0; i-- {
		if fn, ok := f.Sections[i].(*ir.Function); ok {
			return fn
		}
	}
	panic("no function being built")
}
