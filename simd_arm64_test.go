//go:build arm64 && gc && !purego && !noasm

package flowkern_test

import (
	"slices"
	"testing"

	"github.com/flowkern/flowkern"
)

// TestNeonAvailable fails when an arm64 run could not exercise the neon
// kernel set.
func TestNeonAvailable(t *testing.T) {
	if !slices.Contains(flowkern.CPU().Features, "ASIMD") {
		t.Fatalf("the OS reports no ASIMD on arm64 (features %v)", flowkern.CPU().Features)
	}
	for _, info := range flowkern.Impls() {
		if info.Name == "neon" && info.Available {
			return
		}
	}
	t.Fatalf("the neon kernel set is not available: %+v", flowkern.Impls())
}
