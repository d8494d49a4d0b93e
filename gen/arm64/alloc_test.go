package main

import (
	"strings"
	"testing"
)

// TestEveryKernelUnrolled checks that every kernel's main loop works on
// maxCopies vectors at once: the register plan of none of them has
// outgrown the register file. (The allocator checks every allocation it
// makes as it writes it.)
func TestEveryKernelUnrolled(t *testing.T) {
	want := "// " + string(rune('0'+maxCopies)) + " vectors an iteration"
	for _, k := range kernels() {
		if !strings.Contains(generate(k), want) {
			t.Errorf("%s: fewer than %d vectors an iteration", k.name, maxCopies)
		}
	}
}
