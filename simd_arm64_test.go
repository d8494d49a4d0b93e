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
	if !slices.Contains(flowkern.Diagnose().Features, "ASIMD") {
		t.Fatalf("the OS reports no ASIMD on arm64 (features %v)", flowkern.Diagnose().Features)
	}
	for _, info := range flowkern.Diagnose().Sets {
		if info.Name == "neon" && info.Available {
			return
		}
	}
	t.Fatalf("the neon kernel set is not available: %+v", flowkern.Diagnose().Sets)
}
