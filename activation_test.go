package flowkern

import (
	"testing"

	"github.com/flowkern/flowkern/kernels"
)

// TestActivationsMatchPortable checks that each activation has the value
// of the portable kernels' activation of the same meaning, which the
// kernel sets rely on (they convert one to the other), that their names
// round-trip through ParseActivation, and that the zero value is ReLU.
func TestActivationsMatchPortable(t *testing.T) {
	pairs := []struct {
		ours   Activation
		theirs kernels.Activation
		name   string
	}{
		{ActReLU, kernels.ActReLU, "relu"}, {ActIdentity, kernels.ActIdentity, "identity"},
		{ActLeakyReLU, kernels.ActLeakyReLU, "leakyrelu"}, {ActTanh, kernels.ActTanh, "tanh"},
		{ActELU, kernels.ActELU, "elu"}, {ActSigmoid, kernels.ActSigmoid, "sigmoid"},
	}
	if len(pairs) != int(numActivations) {
		t.Fatalf("%d activations here, %d checked", numActivations, len(pairs))
	}
	for _, p := range pairs {
		if int(p.ours) != int(p.theirs) {
			t.Errorf("%s is %d here and %d in package kernels", p.name, int(p.ours), int(p.theirs))
		}
		if p.ours.String() != p.name {
			t.Errorf("Activation %d is called %q, want %q", int(p.ours), p.ours.String(), p.name)
		}
		if a, err := ParseActivation(p.name); err != nil || a != p.ours {
			t.Errorf("ParseActivation(%q) = %v, %v", p.name, a, err)
		}
	}
	if kernels.Activation(numActivations).Valid() || Activation(numActivations).Valid() {
		t.Errorf("an activation beyond the %d known is valid", int(numActivations))
	}
	if _, err := ParseActivation("swish"); err == nil {
		t.Error(`ParseActivation("swish"): no error`)
	}
	var zero Activation
	if zero != ActReLU {
		t.Errorf("the zero Activation is %v, want relu", zero)
	}
}
