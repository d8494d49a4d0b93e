package kernels

// Dense layers: Y = act(X·Wᵀ + b), X of m×k, W of n×k (one row a unit, the
// layout of PyTorch's Linear), b of n, Y of m×n, all row-major.

// Dense computes y = act(x·wᵀ + b). b may be nil (no bias).
//
// Dot products run over rows of X and W, both contiguous, two rows of X by
// four of W at a time so that each loaded element serves several sums.
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
				s00 += a * w0[p]
				s01 += a * w1[p]
				s02 += a * w2[p]
				s03 += a * w3[p]
				s10 += c * w0[p]
				s11 += c * w1[p]
				s12 += c * w2[p]
				s13 += c * w3[p]
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
	for i := range m {
		yi := y[i*n : (i+1)*n]
		for j, v := range yi {
			if b != nil {
				v += b[j]
			}
			yi[j] = apply(act, v)
		}
	}
}

// dot returns Σ a[p]·b[p]; len(b) ≥ len(a).
func dot[T Float](a, b []T) T {
	b = b[:len(a)]
	var s T
	for p, v := range a {
		s += v * b[p]
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
func DenseGrad[T Float](dx, dw, db, dy, x, w, y []T, m, k, n int, act Activation) {
	if act != ActIdentity {
		for i, v := range y[:m*n] {
			dy[i] = mul(dy[i], derivative(act, v))
		}
	}
	if dx != nil {
		for i := range m {
			dxi := dx[i*k : (i+1)*k]
			clear(dxi)
			for j, g := range dy[i*n : (i+1)*n] {
				subScaled(dxi, w[j*k:(j+1)*k], -g)
			}
		}
	}
	for i := range m {
		xi := x[i*k : (i+1)*k]
		for j, g := range dy[i*n : (i+1)*n] {
			subScaled(dw[j*k:(j+1)*k], xi, -g)
		}
	}
	if db != nil {
		for i := range m {
			for j, g := range dy[i*n : (i+1)*n] {
				db[j] += g
			}
		}
	}
}
