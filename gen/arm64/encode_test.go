package main

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// decodes checks that the word w disassembles (GNU syntax) to want.
func decodes(t *testing.T, w uint32, want string) {
	t.Helper()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], w)
	inst, err := arm64asm.Decode(b[:])
	if err != nil {
		t.Fatalf("%#08x (%s): does not decode: %v", w, want, err)
	}
	if got := strings.ToLower(arm64asm.GNUSyntax(inst)); got != want {
		t.Fatalf("%#08x: decodes to %q, its comment says %q", w, got, want)
	}
}

// TestEncodings decodes every encoder's output over registers and
// arrangements.
func TestEncodings(t *testing.T) {
	regs := [][3]int{{0, 1, 2}, {31, 30, 29}, {5, 17, 9}, {16, 0, 31}}
	for _, a := range []arr{d2, s4} {
		for _, r := range regs {
			w, s := faddpScalar(a, r[0], r[1])
			decodes(t, w, s)
			for _, op := range []fp3Op{opFADD, opFSUB, opFMUL, opFDIV, opFMAX, opFMIN, opFCMEQ, opFCMGE, opFCMGT, opFADDP} {
				w, s := fp3(op, a, r[0], r[1], r[2])
				decodes(t, w, s)
			}
			for _, op := range []fp2Op{opFABS, opFNEG, opSCVTF, opFSQRT} {
				w, s := fp2(op, a, r[0], r[1])
				decodes(t, w, s)
			}
			for idx := range 4 / map[arr]int{d2: 2, s4: 1}[a] {
				w, s := fmlsElem(a, r[0], r[1], r[2], idx)
				decodes(t, w, s)
			}
			w, s = fcvtl(r[0], r[1])
			decodes(t, w, s)
			w, s = fcvtn(r[0], r[1])
			decodes(t, w, s)
			for _, shift := range []int{1, 7, 23, 31} {
				w, s := sshr(a, r[0], r[1], shift)
				decodes(t, w, s)
			}
		}
	}
}

// TestEmittedWords decodes every WORD the generator writes into the arm64
// assembly and compares it with its comment.
func TestEmittedWords(t *testing.T) {
	var out strings.Builder
	emitAll(&out)
	n := 0
	for _, line := range strings.Split(out.String(), "\n") {
		word, comment, ok := parseWord(line)
		if !ok {
			continue
		}
		decodes(t, word, comment)
		n++
	}
	if n == 0 {
		t.Fatal("the generator emitted no WORD")
	}
	t.Logf("%d words verified", n)
}
