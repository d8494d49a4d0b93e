package main

import (
	"regexp"
	"strconv"
	"testing"
)

// TestEveryKernelUnrolled checks that every kernel's main loop works on
// at least maxCopies vectors at once: the register plan of none of them
// has outgrown the register file. (The allocator checks every allocation
// it makes as it writes it.)
func TestEveryKernelUnrolled(t *testing.T) {
	re := regexp.MustCompile(`// (\d+) vectors an iteration`)
	for _, k := range kernels() {
		m := re.FindStringSubmatch(generate(k))
		if m == nil {
			t.Errorf("%s: no unrolled loop", k.name)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < maxCopies {
			t.Errorf("%s: %d vectors an iteration, fewer than %d", k.name, n, maxCopies)
		}
	}
}
