package flowkern

import (
	"testing"

	"github.com/flowkern/flowkern/kernels"
)

// TestActivationsMatchPortable checks that each activation converts to the
// portable kernels' activation of the same name, which the kernel sets
// rely on, and that names round-trip through ParseActivation.
func TestActivationsMatchPortable(t *testing.T) {
	for a := range numActivations {
		if got, want := kernels.Activation(a).String(), a.String(); got != want {
			t.Errorf("Activation %d is %s here and %s in package kernels", int(a), want, got)
		}
		if p, err := ParseActivation(a.String()); err != nil || p != a {
			t.Errorf("ParseActivation(%q) = %v, %v", a.String(), p, err)
		}
	}
	if kernels.Activation(numActivations).Valid() {
		t.Errorf("package kernels has more activations than the %d here", int(numActivations))
	}
	var zero Activation
	if zero != ActReLU {
		t.Errorf("the zero Activation is %v, want relu", zero)
	}
}
