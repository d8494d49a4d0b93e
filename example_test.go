package flowkern_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
)

func ExampleExp() {
	x := []float64{0, 1, -1, 709.78}
	y := make([]float64, len(x))
	flowkern.Exp(y, x)
	fmt.Printf("%.6g\n", y)
	// Output: [1 2.71828 0.367879 1.79282e+308]
}

// A batch of two samples of dimension three through an affine coupling,
// there and back: the log-determinants cancel.
func ExampleAffineForward() {
	z := []float32{0.5, -1, 2, 1, 0, -0.5}
	sHat := []float32{0.1, 0.2, 0.3, -0.3, -0.2, -0.1}
	t := []float32{1, 1, 1, 0, 0, 0}
	x := make([]float32, len(z))
	logdet := make([]float32, 2)
	flowkern.AffineForward(x, logdet, z, sHat, t, 3, 2) // soft clamp at ±2
	fmt.Printf("x = %.4f\nlogdet = %.4f\n", x, logdet)
	back := make([]float32, len(z))
	flowkern.AffineInverse(back, logdet, x, sHat, t, 3, 2)
	fmt.Printf("z = %.4f\nlogdet = %.4f\n", back, logdet)
	// Output:
	// x = [1.5525 -0.2206 3.6937 0.7425 0.0000 -0.4525]
	// logdet = [0.5970 -0.5970]
	// z = [0.5000 -1.0000 2.0000 1.0000 0.0000 -0.5000]
	// logdet = [0.0000 0.0000]
}

// Solving L·X = B for four right-hand sides at once; each row of x holds
// one coordinate of all four.
func ExampleTriSolve() {
	l := []float64{
		2, 0,
		1, 4,
	}
	x := []float64{
		2, 4, 6, 8,
		5, 6, 7, 8,
	}
	flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, 2, l, x, 4)
	fmt.Println(x)
	// Output: [1 2 3 4 1 1 1 1]
}

func ExampleDense() {
	x := []float64{1, 2} // one sample, two features
	w := []float64{
		1, 1,
		-1, 0,
		0.5, -1,
	} // three units
	b := []float64{0, 0.5, 1}
	y := make([]float64, 3)
	flowkern.Dense(y, x, w, b, 1, 2, 3, flowkern.ActReLU)
	fmt.Println(y)
	// Output: [3 0 0]
}

// A layer evaluated many times between changes keeps its weights
// transposed, once, in the layout DenseT reads.
func ExampleTranspose() {
	w := []float64{
		1, 1,
		-1, 0,
		0.5, -1,
	} // three units of two inputs (Dense's layout, 3×2)
	wt := make([]float64, len(w))
	flowkern.Transpose(wt, w, 3, 2) // 2×3
	fmt.Println(wt)
	y := make([]float64, 3)
	flowkern.DenseT(y, []float64{1, 2}, wt, []float64{0, 0.5, 1}, 1, 2, 3, flowkern.ActReLU)
	fmt.Println(y)
	// Output:
	// [1 -1 0.5 1 0 -1]
	// [3 0 0]
}

func ExampleAdamUpdate() {
	w := []float64{1, -2}     // parameters
	g := []float64{0.5, -0.5} // their gradient
	m, v := make([]float64, 2), make([]float64, 2)
	old := make([]float64, 2)
	step := flowkern.NewAdamStep(0.1, 0.9, 0.999, 1e-8, 0, 1, 1) // lr 0.1, step 1
	finite := flowkern.AdamUpdate(w, g, old, m, v, step)
	// The first step moves each parameter by about lr against its gradient.
	fmt.Printf("%.4f %.4f %v %v\n", w[0], w[1], old, finite)
	// Output: 0.9000 -1.9000 [1 -2] true
}

func ExampleDiagnose() {
	// The kernel set in use depends on the CPU (flowkern.Impl() names it,
	// d.Reason says why); the portable one is always there, last.
	d := flowkern.Diagnose()
	last := d.Sets[len(d.Sets)-1]
	fmt.Println(last.Name, last.Available)
	// Output: generic true
}
