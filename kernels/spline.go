package kernels

// Monotone rational-quadratic splines (Gregory and Delbourgo, "Piecewise
// rational quadratic interpolation to monotonic data", IMA J. Numer. Anal.
// 2, 1982), as the neural spline flows of Durkan, Bekasovs, Murray and
// Papamakarios ("Neural Spline Flows", NeurIPS 2019) use them, with the
// parameterisation and defaults of nflows' unconstrained spline: K bins on
// [−B, B], the identity outside (linear tails), derivative 1 at ±B.
//
// Each element has its own spline, from 3K − 1 unnormalised parameters:
// K bin widths, K bin heights, K − 1 derivatives at the interior knots.
// They are laid out parameter by parameter within a row, so that a vector
// of a row's columns loads each parameter of all of them at once: in a
// batch of rows of cols elements, parameter k of the element in row r,
// column c is params[(r·(3K−1) + k)·cols + c]. Widths and heights
// go through a softmax and are each kept at least a minimum share of 2B;
// derivatives are the minimum plus a softplus. Every product that meets a
// sum is written as an fma or a rounded mul, so that the vector kernels can
// reproduce these kernels' bits.

// RQSpline is the shape of a batch of splines.
type RQSpline[T Float] struct {
	Bins  int // K, 2…MaxBins
	Bound T   // B > 0
	// MinWidth and MinHeight are each bin's least share of the interval
	// (K·MinWidth < 1); MinDerivative is the least derivative at a knot.
	MinWidth, MinHeight, MinDerivative T
}

// MaxBins is the most bins a spline may have.
const MaxBins = 64

// ParamsPer returns the unnormalised parameters of one element's spline.
func (s RQSpline[T]) ParamsPer() int { return 3*s.Bins - 1 }

// rqKnots is one element's spline: its knots (cx, cy), with what the
// backward pass needs of their making, and the derivatives' parameters
// (a derivative is computed only for the knots of the bin used).
type rqKnots[T Float] struct {
	cx, cy [MaxBins + 1]T
	sw, sh [MaxBins]T // the softmax of the widths and of the heights
	ud     [MaxBins]T // the interior derivatives' parameters
	minD   T
	bins   int
}

// build computes the knots from the element's 3K − 1 parameters, u[k·stride]
// being parameter k.
func (kn *rqKnots[T]) build(u []T, stride int, s RQSpline[T]) {
	k := s.Bins
	var w, h [MaxBins]T
	for j := range k {
		w[j], h[j] = u[j*stride], u[(k+j)*stride]
	}
	for j := range k - 1 {
		kn.ud[j] = u[(2*k+j)*stride]
	}
	softmax(kn.sw[:k], w[:k])
	softmax(kn.sh[:k], h[:k])
	knots(kn.cx[:k+1], kn.sw[:k], s.MinWidth, s.Bound)
	knots(kn.cy[:k+1], kn.sh[:k], s.MinHeight, s.Bound)
	kn.minD, kn.bins = s.MinDerivative, k
}

// deriv returns the derivative at knot j and its derivative with respect
// to the knot's parameter (softplus′; 0 at the fixed ends, where it is 1).
func (kn *rqKnots[T]) deriv(j int) (d, sig T) {
	if j == 0 || j == kn.bins {
		return 1, 0
	}
	sp, sig := softplus(kn.ud[j-1])
	return kn.minD + sp, sig
}

// softmax sets dst to the softmax of u: exp(u − max u), normalised by
// multiplying with the reciprocal of their sum, the sum taken in order.
// (One division instead of K: the vector kernels' divisions are slow, and
// a share's extra rounding is far below what the minimum share and the
// knots' sums round away.)
func softmax[T Float](dst, u []T) {
	m := u[0]
	for _, v := range u[1:] {
		m = max(m, v)
	}
	var z T
	for i, v := range u {
		dst[i] = expT(v - m)
		z += dst[i]
	}
	r := 1 / z
	for i := range dst {
		dst[i] = mul(dst[i], r)
	}
}

// knots sets c (K + 1 knots) from the softmax shares s: bin k has the share
// w_k = minimum + (1 − K·minimum)·s_k of [−B, B], the knots are the running
// sums 2B·Σ w − B, and the ends are exactly −B and B.
func knots[T Float](c, s []T, minimum, b T) {
	scale := 1 - mul(minimum, T(len(s)))
	var sum T
	c[0] = -b
	for k, v := range s[:len(s)-1] {
		sum += fma(scale, v, minimum)
		c[k+1] = fma(2*b, sum, -b)
	}
	c[len(s)] = b
}

// softplus returns log(1 + e^v), as max(v, 0) + log(1 + e^−|v|), and its
// derivative, the logistic sigmoid.
func softplus[T Float](v T) (sp, sig T) {
	a := v
	if a < 0 {
		a = -a
	}
	e := expT(-a)
	sp = max(v, 0) + logT(1+e)
	sig = 1 / (1 + e)
	if v < 0 {
		sig = e / (1 + e)
	}
	return sp, sig
}

// bin returns the bin of x among the knots c (K + 1 of them): the number
// of interior knots at or below x.
func bin[T Float](x T, c []T) int {
	k := 0
	for _, v := range c[1 : len(c)-1] {
		if x >= v {
			k++
		}
	}
	return k
}

// rqLocal is the spline on one bin, at θ ∈ [0, 1] across it.
type rqLocal[T Float] struct {
	k                 int
	w, h, delta, a, b T // bin width and height, h/w, the knots' derivatives
	sigA, sigB        T // their derivatives with respect to their parameters
	theta, t1, p, den T // θ, θ(1−θ), δθ² + a·θ(1−θ), δ + (a + b − 2δ)·θ(1−θ)
	n2                T // b·θ² + 2δ·θ(1−θ) + a·(1−θ)²
	c2                T // a + b − 2δ
}

// local sets up bin k of kn.
func (kn *rqKnots[T]) local(k int) rqLocal[T] {
	l := rqLocal[T]{k: k, w: kn.cx[k+1] - kn.cx[k], h: kn.cy[k+1] - kn.cy[k]}
	l.a, l.sigA = kn.deriv(k)
	l.b, l.sigB = kn.deriv(k + 1)
	l.delta = l.h / l.w
	l.c2 = l.a + l.b - 2*l.delta
	return l
}

// at completes l at θ.
func (l *rqLocal[T]) at(theta T) {
	l.theta = theta
	l.t1 = mul(theta, 1-theta)
	l.p = fma(l.delta, mul(theta, theta), mul(l.a, l.t1))
	l.den = fma(l.c2, l.t1, l.delta)
	om := 1 - theta
	l.n2 = fma(l.b, mul(theta, theta), fma(2*l.delta, l.t1, mul(l.a, mul(om, om))))
}

// logDeriv is log g′ on the bin: log(δ²·n2 / den²).
func (l *rqLocal[T]) logDeriv() T {
	return logT(mul(mul(l.delta, l.delta), l.n2) / mul(l.den, l.den))
}

// rqForward is g(x) and log g′(x) for x inside [−B, B].
func (kn *rqKnots[T]) forward(x T, bins int) (y, lad T, l rqLocal[T]) {
	l = kn.local(bin(x, kn.cx[:bins+1]))
	l.at((x - kn.cx[l.k]) / l.w)
	y = kn.cy[l.k] + mul(l.h, l.p)/l.den
	return y, l.logDeriv(), l
}

// inverse is g⁻¹(y) and log g′ there, for y inside [−B, B]: θ is the root
// in [0, 1] of the quadratic α·θ² + β·θ + γ = 0 (γ ≤ 0 ≤ α + β + γ), in
// the form that adds two numbers of one sign: 2γ/(−β − √Δ) when β ≥ 0,
// (−β + √Δ)/(2α) when β < 0 (then α > 0). nflows takes the first always,
// which cancels when a bin's upper derivative dwarfs its slope (float32
// round trips off by 10⁻⁴ relative where this form gives 10⁻⁶).
func (kn *rqKnots[T]) inverse(y T, bins int) (x, lad T, l rqLocal[T]) {
	l = kn.local(bin(y, kn.cy[:bins+1]))
	r := y - kn.cy[l.k]
	alpha := fma(r, l.c2, mul(l.h, l.delta-l.a))
	beta := fma(-r, l.c2, mul(l.h, l.a))
	gamma := -mul(l.delta, r)
	root := sqrtT(max(fma(beta, beta, -mul(4*alpha, gamma)), 0))
	theta := 2 * gamma / (-beta - root)
	if beta < 0 {
		theta = (root - beta) / (2 * alpha)
	}
	l.at(theta)
	x = fma(theta, l.w, kn.cx[l.k])
	return x, l.logDeriv(), l
}

// partials returns the gradient of dy·y + dl·log g′ on the bin, at its θ,
// with respect to θ, δ, the bin height h (where it appears outside δ) and
// the knots' derivatives a and b.
func (l *rqLocal[T]) partials(dy, dl T) (gTheta, gDelta, gH, gA, gB T) {
	th, om := l.theta, 1-l.theta
	den2 := mul(l.den, l.den)
	pTheta := fma(2*l.delta, th, mul(l.a, 1-2*th))
	denTheta := mul(l.c2, 1-2*th)
	denDelta := 1 - 2*l.t1
	yTheta := mul(l.h, mul(pTheta, l.den)-mul(l.p, denTheta)) / den2
	yDelta := mul(l.h, mul(mul(th, th), l.den)-mul(l.p, denDelta)) / den2
	yA := mul(mul(l.h, l.t1), l.den-l.p) / den2
	yB := -mul(mul(l.h, l.p), l.t1) / den2
	n2Theta := 2 * (mul(l.b, th) + mul(l.delta, 1-2*th) - mul(l.a, om))
	ladTheta := n2Theta/l.n2 - 2*denTheta/l.den
	ladDelta := 2/l.delta + 2*l.t1/l.n2 - 2*denDelta/l.den
	ladA := mul(om, om)/l.n2 - 2*l.t1/l.den
	ladB := mul(th, th)/l.n2 - 2*l.t1/l.den
	gTheta = mul(dy, yTheta) + mul(dl, ladTheta)
	gDelta = mul(dy, yDelta) + mul(dl, ladDelta)
	gH = mul(dy, l.p/l.den)
	gA = mul(dy, yA) + mul(dl, ladA)
	gB = mul(dy, yB) + mul(dl, ladB)
	return
}

// paramGrad writes the gradient of dy·y + dl·log g′ through the bin l at
// its θ, x held fixed, to the element's 3K − 1 parameter gradients
// (g[k·stride] for parameter k), and returns its gradient with respect
// to θ.
func (kn *rqKnots[T]) paramGrad(g []T, stride int, l *rqLocal[T], dy, dl T, s RQSpline[T]) (gTheta T) {
	k := s.Bins
	gTheta, gDelta, gH, gA, gB := l.partials(dy, dl)
	gW := -(mul(gTheta, l.theta) + mul(gDelta, l.delta)) / l.w
	gHt := gH + gDelta/l.w
	var gcx, gcy [MaxBins + 1]T
	gcx[l.k] = -gTheta/l.w - gW
	gcx[l.k+1] = gW
	gcy[l.k] = dy - gHt
	gcy[l.k+1] = gHt
	var gw, gh [MaxBins]T
	knotsGrad(gw[:k], gcx[:k+1], kn.sw[:k], s.MinWidth, s.Bound)
	knotsGrad(gh[:k], gcy[:k+1], kn.sh[:k], s.MinHeight, s.Bound)
	for j := range k {
		g[j*stride], g[(k+j)*stride] = gw[j], gh[j]
	}
	for j := range k - 1 {
		var v T
		switch j {
		case l.k - 1:
			v = mul(gA, l.sigA)
		case l.k:
			v = mul(gB, l.sigB)
		}
		g[(2*k+j)*stride] = v
	}
	return gTheta
}

// knotsGrad writes to gu the gradient with respect to the unnormalised
// parameters of knots from gc, that with respect to the knots (the fixed
// ends' ignored), s being their softmax.
func knotsGrad[T Float](gu, gc, s []T, minimum, b T) {
	scale := 1 - mul(minimum, T(len(s)))
	// c_j = 2B·Σ_{i<j} w_i − B for 0 < j < K: ∂/∂w_i = 2B·Σ_{j>i} gc_j.
	var suffix, dot T
	for i := len(s) - 1; i >= 0; i-- {
		gs := mul(scale, mul(2*b, suffix))
		gu[i] = gs
		dot += mul(s[i], gs)
		if i > 0 {
			suffix += gc[i]
		}
	}
	for i, v := range s {
		gu[i] = mul(v, gu[i]-dot)
	}
}

// inside reports whether x is in [−B, B], where the spline applies.
func inside[T Float](x, b T) bool { return x >= -b && x <= b }

// element returns the offset of element i's first parameter in a batch
// of rows of cols elements, its parameters being that far apart (stride
// cols).
func element(i, cols, per int) int { return (i/cols*per)*cols + i%cols }

// SplineForward computes out[i] = g_i(in[i]), the rational-quadratic spline
// of element i (parameters as RQSpline lays them out), and adds
// log g_i′(in[i]) to logdet[r] for i in row r (rows of cols elements).
// Outside [−B, B] g_i is the identity: out = in, log g′ = 0, whatever the
// parameters. NaN stays NaN; a non-finite parameter gives NaN inside
// [−B, B].
func SplineForward[T Float](out, logdet, in, params []T, cols int, s RQSpline[T]) {
	splineApply(out, logdet, in, params, cols, s, false)
}

// SplineInverse computes out[i] = g_i⁻¹(in[i]), SplineForward's inverse,
// and adds log |∂out/∂in| = −log g_i′(out[i]) to logdet[r].
func SplineInverse[T Float](out, logdet, in, params []T, cols int, s RQSpline[T]) {
	splineApply(out, logdet, in, params, cols, s, true)
}

// splineApply is SplineForward, or SplineInverse if inverse.
func splineApply[T Float](out, logdet, in, params []T, cols int, s RQSpline[T], inverse bool) {
	splineColumns(out, logdet, in, params, cols, 0, s, inverse)
}

// splineColumns is splineApply on the columns [c0, cols) of every row.
func splineColumns[T Float](out, logdet, in, params []T, cols, c0 int, s RQSpline[T], inverse bool) {
	per := s.ParamsPer()
	var kn rqKnots[T]
	for r := range logdet {
		for i := r*cols + c0; i < (r+1)*cols; i++ {
			v := in[i]
			if !inside(v, s.Bound) {
				out[i] = v
				continue
			}
			kn.build(params[element(i, cols, per):], cols, s)
			if inverse {
				x, lad, _ := kn.inverse(v, s.Bins)
				out[i] = x
				logdet[r] -= lad
				continue
			}
			y, lad, _ := kn.forward(v, s.Bins)
			out[i] = y
			logdet[r] += lad
		}
	}
}

// clearParams zeroes the parameter gradients of one element.
func clearParams[T Float](g []T, stride, per int) {
	for k := range per {
		g[k*stride] = 0
	}
}

// SplineForwardGrad is the backward pass of SplineForward: from dOut and
// dLogdet (the loss's gradients with respect to its out and logdet) it
// writes the gradients with respect to in (dIn) and params (dParams, laid
// out as params). Outside [−B, B], dIn = dOut and the parameters'
// gradients are zero.
func SplineForwardGrad[T Float](dIn, dParams, dOut, dLogdet, in, params []T, cols int, s RQSpline[T]) {
	splineGrad(dIn, dParams, dOut, dLogdet, in, params, cols, s, false)
}

// SplineInverseGrad is the backward pass of SplineInverse. With x =
// g⁻¹(y), ∂x/∂y = 1/g′(x) and ∂x/∂p = −(∂g/∂p)/g′(x); its log-determinant
// is −log g′(x).
func SplineInverseGrad[T Float](dIn, dParams, dOut, dLogdet, in, params []T, cols int, s RQSpline[T]) {
	splineGrad(dIn, dParams, dOut, dLogdet, in, params, cols, s, true)
}

// splineGrad is SplineForwardGrad, or SplineInverseGrad if inverse.
func splineGrad[T Float](dIn, dParams, dOut, dLogdet, in, params []T, cols int, s RQSpline[T], inverse bool) {
	splineGradColumns(dIn, dParams, dOut, dLogdet, in, params, cols, 0, s, inverse)
}

// splineGradColumns is splineGrad on the columns [c0, cols) of every row.
func splineGradColumns[T Float](dIn, dParams, dOut, dLogdet, in, params []T, cols, c0 int, s RQSpline[T], inverse bool) {
	per := s.ParamsPer()
	var kn rqKnots[T]
	for r, dl := range dLogdet {
		for i := r*cols + c0; i < (r+1)*cols; i++ {
			v := in[i]
			e := element(i, cols, per)
			g := dParams[e:]
			if !inside(v, s.Bound) {
				dIn[i] = dOut[i]
				clearParams(g, cols, per)
				continue
			}
			kn.build(params[e:], cols, s)
			if !inverse {
				_, _, l := kn.forward(v, s.Bins)
				dIn[i] = kn.paramGrad(g, cols, &l, dOut[i], dl, s) / l.w
				continue
			}
			_, _, l := kn.inverse(v, s.Bins)
			ladTheta, _, _, _, _ := l.partials(0, 1)
			deriv := mul(mul(l.delta, l.delta), l.n2) / mul(l.den, l.den) // g′(x)
			q := (dOut[i] - mul(dl, ladTheta/l.w)) / deriv
			kn.paramGrad(g, cols, &l, -q, -dl, s)
			dIn[i] = q
		}
	}
}
