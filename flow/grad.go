package flow

import (
	"math"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
)

// Trainable is a layer that maximum-likelihood training can differentiate
// (Train, Model.Grad and NewAdam accept a model only if all its layers
// are). InverseGrad is the backward pass of Inverse at the input x: given
// dz, the loss gradient with respect to Inverse's output z (which it may
// overwrite), and dld, with respect to each row's log-determinant
// (len(dld) rows), it writes dx, the gradient with respect to x, and adds
// the gradients with respect to its parameters to g, one slice per entry
// of Params with the same lengths. dx does not overlap dz or x. Like
// Inverse it runs on a chunk of a batch with the chunk's own Workspace, so
// it must not keep state between calls.
type Trainable[T Float] interface {
	Layer[T]
	InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T])
}

// TrainableBase is a base distribution training can differentiate:
// LogProbGrad writes dz, the gradient with respect to z, from dlp, the
// loss gradient with respect to each row's log-density, and adds the
// gradients with respect to its parameters to g (one slice per entry of
// Params).
type TrainableBase[T Float] interface {
	Base[T]
	LogProbGrad(dz, dlp, z []T, g [][]T, ws *Workspace[T])
}

// transformGrad is the backward pass of transform's inverse direction:
// dIn, dSh and dT from dOut and dld; out = (in − t)/σ(ŝ).
func transformGrad[T Float](c Network, dIn, dSh, dT, dOut, dld, in, sh, t []T, cols int) {
	switch c.Scale {
	case ScaleNone:
		for i, v := range dOut {
			dIn[i], dT[i] = v, -v
		}
	case ScaleExp:
		flowkern.AffineInverseGrad(dIn, dSh, dT, dOut, dld, in, sh, t, cols, T(c.clampArg()))
	case ScaleSigmoid:
		sigmoidShifted(dSh, sh)
		for i, sg := range dSh {
			sigma := sg + T(c.Eps)
			out := (in[i] - t[i]) / sigma
			dIn[i] = dOut[i] / sigma
			dT[i] = -dIn[i]
			dSigma := -(dOut[i]*out + dld[i/cols]) / sigma
			dSh[i] = dSigma * sg * (1 - sg)
		}
	}
}

func (l *LULinear[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	n, rows := l.dim, len(dld)
	mk := ws.Mark()
	defer ws.Release(mk)
	dw, unused := ws.Take(n*n), ws.Take(rows*n) // unused: the output identity's derivative ignores
	clear(dw)
	flowkern.DenseGrad(dx, dw, nil, dz, x, l.w, unused, rows, n, n, flowkern.ActIdentity)
	// W = P·M, M = L·U′ with U′ = U + diag(d): dM[perm[i]] = dW[i],
	// dL = dM·U′ᵀ below the diagonal, dU′ = Lᵀ·dM on and above it.
	dm := ws.Take(n * n)
	for i, p := range l.perm {
		copy(dm[p*n:(p+1)*n], dw[i*n:(i+1)*n])
	}
	var sumDld float64
	for _, v := range dld {
		sumDld += float64(v)
	}
	kl, ku := 0, 0
	for i := range n {
		for j := range i { // L_ij, i > j
			var s float64
			for k := j; k < n; k++ {
				s += float64(dm[i*n+k]) * float64(l.u[j*n+k])
			}
			g[0][kl] += T(s)
			kl++
		}
		for j := i; j < n; j++ { // U′_ij, i ≤ j
			var s float64
			for k := i; k < n; k++ {
				s += float64(l.l[k*n+i]) * float64(dm[k*n+j])
			}
			if j > i {
				g[1][ku] += T(s)
				ku++
				continue
			}
			d := float64(l.u[i*n+i])
			dd := s + sumDld/d // log|d| adds Σ_r dld_r/d
			th := float64(l.theta[i])
			if l.kind == DiagExp {
				g[2][i] += T(dd * d)
			} else {
				g[2][i] += T(dd * float64(l.sign[i]) / (1 + math.Exp(-th)))
			}
		}
	}
}

func (l *ActNorm[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	n := l.dim
	var sumDld T
	for _, v := range dld {
		sumDld += v
	}
	for j, e := range l.inv {
		var gb, gs T
		for r := range dld {
			i := r*n + j
			dx[i] = dz[i] * e
			gb -= dx[i]
			gs -= dz[i] * (x[i] - l.shift[j]) * e
		}
		g[0][j] += gb
		g[1][j] += gs - sumDld
	}
}

func (l *Permutation[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	scatterCols(dx, len(l.perm), dz, l.perm)
}

func (l *Standardize[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	n := len(l.inv)
	for i, v := range dz {
		dx[i] = v * l.inv[i%n]
	}
}

func (b *StandardNormal[T]) LogProbGrad(dz, dlp, z []T, g [][]T, ws *Workspace[T]) {
	for i, v := range z {
		dz[i] = -dlp[i/b.dim] * v
	}
}

func (b *DiagNormal[T]) LogProbGrad(dz, dlp, z []T, g [][]T, ws *Workspace[T]) {
	n := len(b.mean)
	for i, v := range z {
		j := i % n
		inv := T(math.Exp(-float64(b.logScale[j])))
		u := (v - b.mean[j]) * inv
		d := dlp[i/n]
		dz[i] = -d * u * inv
		g[0][j] += d * u * inv
		g[1][j] += d * (u*u - 1)
	}
}

func (b *FullNormal[T]) LogProbGrad(dz, dlp, z []T, g [][]T, ws *Workspace[T]) {
	n, rows := b.dim, len(dlp)
	mk := ws.Mark()
	defer ws.Release(mk)
	y, w := ws.Take(n*rows), ws.Take(n*rows) // n×rows
	toColumns(y, z, rows, n, nil, b.mean)
	flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, n, b.l, y, rows) // y = L⁻¹(z − μ)
	copy(w, y)
	flowkern.TriSolve(blas.Lower, blas.Trans, blas.NonUnit, n, b.l, w, rows) // w = L⁻ᵀ y
	for r := range rows {
		for j := range n {
			dz[r*n+j] = -dlp[r] * w[j*rows+r]
		}
	}
	// The gradient with respect to L is −Σ_r dlp_r·w_r·y_rᵀ (lower part):
	// with u = dlp ⊙ w, the product G = u·yᵀ, a dense kernel's work.
	u, gl := ws.Take(n*rows), ws.Take(n*n)
	for i := range n {
		wi, ui := w[i*rows:(i+1)*rows], u[i*rows:(i+1)*rows]
		for r, v := range wi {
			ui[r] = dlp[r] * v
		}
	}
	flowkern.Dense(gl, u, y, nil, n, rows, n, flowkern.ActIdentity)
	var sd T
	for _, v := range dlp {
		sd += v
	}
	k := 0
	for i := range n {
		var gm T
		for _, v := range u[i*rows : (i+1)*rows] {
			gm += v
		}
		g[0][i] += gm
		for j := range i {
			g[1][k] += gl[i*n+j]
			k++
		}
		g[2][i] += gl[i*n+i]*b.l[i*n+i] - sd
	}
}

// ForwardTrainable is a layer whose Forward can be differentiated too, so
// that it trains inside Inverted. ForwardGrad is the backward pass of
// Forward at the input z: given dx, the loss gradient with respect to
// Forward's output x (which it may overwrite), and dld, it writes dz and
// adds the parameter gradients to g, as InverseGrad does for Inverse.
type ForwardTrainable[T Float] interface {
	Layer[T]
	ForwardGrad(dz, dx, dld, z []T, g [][]T, ws *Workspace[T])
}

// InverseGrad of an inverted layer is its inner layer's ForwardGrad.
func (l *Inverted[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	l.Inner.(ForwardTrainable[T]).ForwardGrad(dx, dz, dld, x, g, ws)
}

// forwardTransformGrad is the backward pass of transform's forward
// direction, out = in·σ(ŝ) + t.
func forwardTransformGrad[T Float](c Network, dIn, dSh, dT, dOut, dld, in, sh []T, cols int) {
	switch c.Scale {
	case ScaleNone:
		copy(dIn, dOut)
		copy(dT, dOut)
	case ScaleExp:
		flowkern.AffineForwardGrad(dIn, dSh, dT, dOut, dld, in, sh, cols, T(c.clampArg()))
	case ScaleSigmoid:
		sigmoidShifted(dSh, sh)
		for i, sg := range dSh {
			sigma := sg + T(c.Eps)
			dIn[i] = dOut[i] * sigma
			dT[i] = dOut[i]
			dSh[i] = (dOut[i]*in[i] + dld[i/cols]/sigma) * sg * (1 - sg)
		}
	}
}
