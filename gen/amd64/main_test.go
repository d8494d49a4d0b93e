package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/flowkern/flowkern/gen/table"
)

// TestBodiesMatchTable checks that every kernel gen/table lists for
// AVX2 or AVX-512 has a body here, and that no body is left over.
func TestBodiesMatchTable(t *testing.T) {
	noBody, noKernel := table.Unmatched(slices.Collect(maps.Keys(bodies)), table.AVX2, table.AVX512)
	if len(noBody) > 0 {
		t.Errorf("listed in gen/table, but no body: %v", noBody)
	}
	if len(noKernel) > 0 {
		t.Errorf("a body, but gen/table lists no such kernel: %v", noKernel)
	}
}
