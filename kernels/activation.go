package kernels

import "fmt"

// Activation names the elementwise function a dense layer applies to its
// pre-activation z.
type Activation int

// The activations. Each has a derivative that can be computed from the
// activation's output alone, so the backward pass needs no stored z. The
// zero value is ActReLU, the usual activation of a hidden layer.
const (
	ActReLU      Activation = iota // max(z, 0)
	ActIdentity                    // z
	ActLeakyReLU                   // z for z > 0, LeakySlope·z otherwise
	ActTanh                        // tanh z
	ActELU                         // z for z > 0, exp(z) − 1 otherwise
	ActSigmoid                     // 1/(1 + exp(−z))
	numActivations
)

// LeakySlope is LeakyReLU's slope for negative inputs.
const LeakySlope = 0.01

var activationNames = [numActivations]string{"relu", "identity", "leakyrelu", "tanh", "elu", "sigmoid"}

// String returns the activation's lower-case name.
func (a Activation) String() string {
	if a.Valid() {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Valid reports whether a is one of the defined activations.
func (a Activation) Valid() bool {
	return a >= 0 && a < numActivations
}

// apply returns act(z). NaN stays NaN for every activation.
func apply[T Float](act Activation, z T) T {
	switch act {
	case ActReLU:
		return max(z, 0)
	case ActLeakyReLU:
		if z > 0 {
			return z
		}
		return mul(LeakySlope, z)
	case ActTanh:
		return tanhT(z)
	case ActELU:
		if z > 0 {
			return z
		}
		return expm1T(z)
	case ActSigmoid:
		return 1 / (1 + expT(-z))
	}
	return z
}

// derivative returns act'(z) from y = act(z).
func derivative[T Float](act Activation, y T) T {
	switch act {
	case ActReLU:
		if y > 0 {
			return 1
		}
		return 0
	case ActLeakyReLU:
		if y > 0 {
			return 1
		}
		return LeakySlope
	case ActTanh:
		return fma(-y, y, 1)
	case ActELU:
		if y > 0 {
			return 1
		}
		return y + 1
	case ActSigmoid:
		return mul(y, 1-y)
	}
	return 1
}
