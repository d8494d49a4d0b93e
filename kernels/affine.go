package kernels

// Affine coupling, fused with the per-row log-determinant.
//
// The scale applied is s = c·tanh(ŝ/c) for a clamp c > 0 (the soft clamp of
// Glow and FrEIA, which keeps exp(s) within [e^−c, e^c]), or s = ŝ for c = 0.
// Rows have cols elements; logdet has one element a row. An output may be
// the same slice as an input (exactly, not a shifted overlap): every element
// is read before its outputs are written.

// softClamp returns s = c·tanh(ŝ·invC) and ds/dŝ = 1 − tanh²(ŝ·invC) for
// c > 0, or ŝ and 1 for c = 0.
func softClamp[T Float](sHat, c, invC T) (s, ds T) {
	if c == 0 {
		return sHat, 1
	}
	th := tanhT(mul(sHat, invC))
	return mul(c, th), fma(-th, th, 1)
}

// inverseOf returns 1/c, or 0 for c = 0.
func inverseOf[T Float](c T) T {
	if c == 0 {
		return 0
	}
	return 1 / c
}

// AffineForward computes, for each row r and column j (i = r·cols + j),
// the flow direction z → x:
//
//	out[i] = in[i]·exp(s[i]) + t[i],   logdet[r] += Σ_j s[i]
//
// with s the clamped sHat. The row sum is formed first, then added.
func AffineForward[T Float](out, logdet, in, sHat, t []T, cols int, clamp T) {
	invC := inverseOf(clamp)
	for r := range logdet {
		lo, hi := r*cols, (r+1)*cols
		o, x, sh, tt := out[lo:hi], in[lo:hi], sHat[lo:hi], t[lo:hi]
		var sum T
		for j := range o {
			s, _ := softClamp(sh[j], clamp, invC)
			o[j] = fma(x[j], expT(s), tt[j])
			sum += s
		}
		logdet[r] += sum
	}
}

// AffineInverse computes the direction x → z of AffineForward:
//
//	out[i] = (in[i] − t[i])·exp(−s[i]),   logdet[r] −= Σ_j s[i]
func AffineInverse[T Float](out, logdet, in, sHat, t []T, cols int, clamp T) {
	invC := inverseOf(clamp)
	for r := range logdet {
		lo, hi := r*cols, (r+1)*cols
		o, y, sh, tt := out[lo:hi], in[lo:hi], sHat[lo:hi], t[lo:hi]
		var sum T
		for j := range o {
			s, _ := softClamp(sh[j], clamp, invC)
			o[j] = mul(y[j]-tt[j], expT(-s))
			sum += s
		}
		logdet[r] -= sum
	}
}

// AffineForwardGrad is the backward pass of AffineForward. From the
// gradients dOut of the outputs and dLogdet of the row log-determinants it
// computes the gradients with respect to in, sHat and t:
//
//	dIn[i]   = dOut[i]·exp(s[i])
//	dSHat[i] = (dOut[i]·in[i]·exp(s[i]) + dLogdet[r]) · ds/dŝ
//	dT[i]    = dOut[i]
//
// The outputs are overwritten, not accumulated.
func AffineForwardGrad[T Float](dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
	invC := inverseOf(clamp)
	for r, dld := range dLogdet {
		lo, hi := r*cols, (r+1)*cols
		di, ds, dt, do, x, sh := dIn[lo:hi], dSHat[lo:hi], dT[lo:hi], dOut[lo:hi], in[lo:hi], sHat[lo:hi]
		for j := range di {
			g := do[j]
			s, dsdh := softClamp(sh[j], clamp, invC)
			e := expT(s)
			xj := x[j]
			di[j] = mul(g, e)
			ds[j] = mul(fma(mul(g, xj), e, dld), dsdh)
			dt[j] = g
		}
	}
}

// AffineInverseGrad is the backward pass of AffineInverse:
//
//	dIn[i]   = dOut[i]·exp(−s[i])
//	dT[i]    = −dIn[i]
//	dSHat[i] = −(dOut[i]·z[i] + dLogdet[r]) · ds/dŝ,  z[i] = (in[i] − t[i])·exp(−s[i])
//
// The outputs are overwritten, not accumulated.
func AffineInverseGrad[T Float](dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T) {
	invC := inverseOf(clamp)
	for r, dld := range dLogdet {
		lo, hi := r*cols, (r+1)*cols
		di, ds, dt, do, y, sh, tt := dIn[lo:hi], dSHat[lo:hi], dT[lo:hi], dOut[lo:hi], in[lo:hi], sHat[lo:hi], t[lo:hi]
		for j := range di {
			g := do[j]
			s, dsdh := softClamp(sh[j], clamp, invC)
			e := expT(-s)
			z := mul(y[j]-tt[j], e)
			d := mul(g, e)
			di[j] = d
			dt[j] = -d
			ds[j] = mul(-fma(g, z, dld), dsdh)
		}
	}
}
