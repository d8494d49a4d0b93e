package main

import (
	"testing"

	"github.com/flowkern/flowkern/gen/table"
)

// TestBodiesMatchTable checks that every kernel gen/table lists for NEON
// has a body here, and that no body is left over.
func TestBodiesMatchTable(t *testing.T) {
	listed := map[string]bool{}
	for _, isa := range []table.ISA{table.NEON} {
		for _, k := range table.For(isa) {
			listed[k.Name] = true
			if bodies[k.Name] == nil {
				t.Errorf("%s: listed for %s in gen/table, but no body", k.Name, isa)
			}
		}
	}
	for name := range bodies {
		if !listed[name] {
			t.Errorf("%s: a body, but gen/table lists no such arm64 kernel", name)
		}
	}
}
