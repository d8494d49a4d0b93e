// Package kerneltest is the conformance harness every flowkern kernel set is
// held to: lengths 0…257, 1023…1025 and 2²⁰, every offset 0…7 into one
// backing array, NaN guard regions before and after every output, checks
// that inputs are untouched and that in-place calls agree with out-of-place
// ones, special values, and ulp measurement against the math package and
// against 160-bit references.
//
// Each kernel family has a Case type holding one set of inputs, an oracle
// that computes the expected result independently of the kernels (from the
// math package, gonum's BLAS, or math/big), and a Check method that runs a
// kernel on the case inside guarded buffers. Sweep functions generate the
// cases; fuzz targets build them from bytes.
package kerneltest
