//go:build amd64 && gc && !purego && !noasm

package flowkern

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestSplineGradScratchMatchesKernels checks the scratch the spline
// backward kernels' wrapper gives them against what their declarations
// say they use (gen/amd64/splinegrad.go's splineStashes), so that the
// generator and the wrapper cannot drift apart.
func TestSplineGradScratchMatchesKernels(t *testing.T) {
	stubs, err := os.ReadFile("kernels_amd64_stubs.go")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(strings.ReplaceAll(string(stubs), "//", "")), " ")
	want := fmt.Sprintf("scratch at least %d + 2·bins vectors", splineGradStashes)
	if !strings.Contains(text, want) {
		t.Errorf("kernels_amd64_stubs.go does not say %q: the wrapper's scratch is not what the kernels use", want)
	}
}
