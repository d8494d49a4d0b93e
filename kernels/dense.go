package kernels

// Dense layers: Y = act(X·Wᵀ + b), X of m×k, W of n×k (one row a unit, the
// layout of PyTorch's Linear), b of n, Y of m×n, all row-major.

// Dense computes y = act(x·wᵀ + b). b may be nil (no bias).
//
// Each sum is a chain of fused multiply-adds in the order of p from zero,
// s = fma(x[i·k+p], w[j·k+p], s), so that the SIMD kernel sets, which keep
// the same chains in vector lanes, and every architecture give the same
// bits (in float32 up to fma's rare double rounding; see fma); the bias is
// added and the activation applied after (denseFinish). Dot products run
// over rows of X and W, both contiguous, two rows of X by four of W at a
// time so that each loaded element serves several sums.
func Dense[T Float](y, x, w, b []T, m, k, n int, act Activation) {
	i := 0
	for ; i+2 <= m; i += 2 {
		x0, x1 := x[i*k:(i+1)*k], x[(i+1)*k:(i+2)*k]
		y0, y1 := y[i*n:(i+1)*n], y[(i+1)*n:(i+2)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			w0, w1, w2, w3 := w[j*k:(j+1)*k], w[(j+1)*k:(j+2)*k], w[(j+2)*k:(j+3)*k], w[(j+3)*k:(j+4)*k]
			var s00, s01, s02, s03, s10, s11, s12, s13 T
			for p, a := range x0 {
				c := x1[p]
				s00 = fma(a, w0[p], s00)
				s01 = fma(a, w1[p], s01)
				s02 = fma(a, w2[p], s02)
				s03 = fma(a, w3[p], s03)
				s10 = fma(c, w0[p], s10)
				s11 = fma(c, w1[p], s11)
				s12 = fma(c, w2[p], s12)
				s13 = fma(c, w3[p], s13)
			}
			y0[j], y0[j+1], y0[j+2], y0[j+3] = s00, s01, s02, s03
			y1[j], y1[j+1], y1[j+2], y1[j+3] = s10, s11, s12, s13
		}
		for ; j < n; j++ {
			y0[j], y1[j] = dot(x0, w[j*k:(j+1)*k]), dot(x1, w[j*k:(j+1)*k])
		}
	}
	for ; i < m; i++ {
		for j := range n {
			y[i*n+j] = dot(x[i*k:(i+1)*k], w[j*k:(j+1)*k])
		}
	}
	denseFinish(y, b, m, n, act)
}

// denseFinish completes Dense from the sums in y (m×n): it adds b (unless
// nil) and applies act, in place.
func denseFinish[T Float](y, b []T, m, n int, act Activation) {
	for i := range m {
		yi := y[i*n : (i+1)*n]
		if b != nil {
			b := b[:len(yi)]
			for j := range yi {
				yi[j] += b[j]
			}
		}
		switch act {
		case ActIdentity:
		case ActReLU:
			for j, v := range yi {
				yi[j] = max(v, 0)
			}
		default:
			for j, v := range yi {
				yi[j] = apply(act, v)
			}
		}
	}
}

// dot returns Σ a[p]·b[p] as Dense's chain; len(b) ≥ len(a).
func dot[T Float](a, b []T) T {
	b = b[:len(a)]
	var s T
	for p, v := range a {
		s = fma(v, b[p], s)
	}
	return s
}

// DenseGrad is the backward pass of Dense. Given y (Dense's output) and dy
// (the gradient with respect to y), it
//
//   - overwrites dy with the gradient with respect to the pre-activation,
//     dz = dy ⊙ act'(y);
//   - sets dx = dz·w (m×k) unless dx is nil (the first layer needs none);
//   - adds dzᵀ·x to dw (n×k) and the column sums of dz to db unless db is
//     nil: parameter gradients accumulate, so a caller can sum them over
//     several batches.
//
// dx and dw are chains of fused multiply-adds like Dense's sums, in the
// order of j for dx and of i for dw, every term added even when it is zero,
// so the SIMD sets can give the same bits.
func DenseGrad[T Float](dx, dw, db, dy, x, w, y []T, m, k, n int, act Activation) {
	denseDZ(dy, y, m, n, act)
	if dx != nil {
		for i := range m {
			dxi := dx[i*k : (i+1)*k]
			clear(dxi)
			for j, g := range dy[i*n : (i+1)*n] {
				addScaled(dxi, w[j*k:(j+1)*k], g)
			}
		}
	}
	for i := range m {
		xi := x[i*k : (i+1)*k]
		for j, g := range dy[i*n : (i+1)*n] {
			addScaled(dw[j*k:(j+1)*k], xi, g)
		}
	}
	denseBiasGrad(db, dy, m, n)
}

// denseDZ overwrites dy (m×n) with dy ⊙ act'(y), the gradient with respect
// to the pre-activation.
func denseDZ[T Float](dy, y []T, m, n int, act Activation) {
	y = y[:m*n]
	switch act {
	case ActIdentity:
	case ActReLU: // dy·1 is dy; dy·0 keeps its rounding (−0, NaN for ±Inf)
		dy = dy[:len(y)]
		for i, v := range y {
			if !(v > 0) {
				dy[i] = mul(dy[i], 0)
			}
		}
	default:
		for i, v := range y {
			dy[i] = mul(dy[i], derivative(act, v))
		}
	}
}

// denseBiasGrad adds the column sums of dz (m×n) to db, unless db is nil.
func denseBiasGrad[T Float](db, dz []T, m, n int) {
	if db == nil {
		return
	}
	db = db[:n]
	// Four rows at a time, each column's additions in row order: the
	// same sums, db read and written once per four rows.
	i := 0
	for ; i+4 <= m; i += 4 {
		r0, r1 := dz[i*n:(i+1)*n], dz[(i+1)*n:(i+2)*n]
		r2, r3 := dz[(i+2)*n:(i+3)*n], dz[(i+3)*n:(i+4)*n]
		for j, s := range db {
			db[j] = s + r0[j] + r1[j] + r2[j] + r3[j]
		}
	}
	for ; i < m; i++ {
		row := dz[i*n : (i+1)*n]
		for j := range db {
			db[j] += row[j]
		}
	}
}

// addScaled adds alpha·src to dst element by element, each by one fused
// multiply-add.
func addScaled[T Float](dst, src []T, alpha T) {
	src = src[:len(dst)]
	for k, v := range src {
		dst[k] = fma(alpha, v, dst[k])
	}
}

// denseSumsColumns computes Dense's chains for the columns j0…n−1 of
// y = x·wt, with x of m×k and wt of k×n: y[i·n+j] = Σ_p x[i·k+p]·wt[p·n+j],
// fused multiply-adds in the order of p, from zero or, with accumulate,
// from y's value. The vector kernel sets use it for the
// columns that do not fill a vector (through package internal/portable).
func denseSumsColumns[T Float](y, x, wt []T, m, k, n, j0 int, accumulate bool) {
	for i := range m {
		xi := x[i*k : (i+1)*k]
		for j := j0; j < n; j++ {
			var s T
			if accumulate {
				s = y[i*n+j]
			}
			for p, v := range xi {
				s = fma(v, wt[p*n+j], s)
			}
			y[i*n+j] = s
		}
	}
}

// DenseT is Dense with the weights given transposed: wt is Wᵀ, k×n. Its
// sums are Dense's chains, so the results are Dense's bits.
func DenseT[T Float](y, x, wt, b []T, m, k, n int, act Activation) {
	denseSumsColumns(y, x, wt, m, k, n, 0, false)
	denseFinish(y, b, m, n, act)
}
