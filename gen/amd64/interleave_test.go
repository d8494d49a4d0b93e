package main

import (
	"strings"
	"testing"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// opcodes returns the opcodes of fn's instructions from index start on,
// labels as "label:".
func opcodes(fn *ir.Function, start int) []string {
	var ops []string
	for _, n := range fn.Nodes[start:] {
		switch n := n.(type) {
		case *ir.Instruction:
			ops = append(ops, n.Opcode)
		case ir.Label:
			ops = append(ops, string(n)+":")
		}
	}
	return ops
}

// TestInterleavedRoundRobin checks that streams of different lengths come
// out one instruction of each in turn, each stream's own order kept.
func TestInterleavedRoundRobin(t *testing.T) {
	function("interleaveRoundRobin", attr.NOSPLIT, "func()")
	fn := currentFunction()
	start := len(fn.Nodes)
	lengths := []int{3, 1, 2}
	ops := [][]func(){{
		func() { asm.VADDPD(reg.Z1, reg.Z2, reg.Z3) }, func() { asm.VMULPD(reg.Z1, reg.Z2, reg.Z3) }, func() { asm.VSUBPD(reg.Z1, reg.Z2, reg.Z3) },
	}, {
		func() { asm.VMAXPD(reg.Z4, reg.Z5, reg.Z6) },
	}, {
		func() { asm.VMINPD(reg.Z7, reg.Z8, reg.Z9) }, func() { asm.VDIVPD(reg.Z7, reg.Z8, reg.Z9) },
	}}
	interleaved(len(lengths), func(u int) {
		for i := range lengths[u] {
			ops[u][i]()
		}
	})
	got := strings.Join(opcodes(fn, start), " ")
	want := "VADDPD VMAXPD VMINPD VMULPD VDIVPD VSUBPD"
	if got != want {
		t.Errorf("interleaved order %q, want %q", got, want)
	}
}

// TestInterleavedRejectsControlFlow checks that a stream holding a label
// or a branch makes the generator stop rather than move it.
func TestInterleavedRejectsControlFlow(t *testing.T) {
	for name, emit := range map[string]func(){
		"label":  func() { asm.Label("interleaveInside") },
		"branch": func() { asm.JMP(LabelRef("interleaveElsewhere")) },
	} {
		t.Run(name, func(t *testing.T) {
			function("interleaveRejects"+name, attr.NOSPLIT, "func()")
			defer func() {
				if recover() == nil {
					t.Errorf("a stream holding a %s was interleaved", name)
				}
			}()
			interleaved(2, func(u int) {
				asm.VADDPD(reg.Z1, reg.Z2, reg.Z3)
				if u == 1 {
					emit()
				}
			})
		})
	}
}

// TestStreamCountUnset checks that a kernel that never set its streams
// stops the generator.
func TestStreamCountUnset(t *testing.T) {
	g := newGen(avx512, false)
	defer func() {
		if recover() == nil {
			t.Error("streamCount returned without setStreams")
		}
	}()
	g.streamCount()
}
