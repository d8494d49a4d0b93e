//go:build amd64 && gc && !purego && !noasm

package flowkern

import (
	"sync/atomic"
	"unsafe"

	"github.com/klauspost/cpuid/v2"

	"github.com/flowkern/flowkern/internal/dispatch"
	"github.com/flowkern/flowkern/internal/portable"
	"github.com/flowkern/flowkern/kernels"
)

// The amd64 kernel sets, registered by a package-level initializer so that
// they are in the registry before impl.go's init selects one (package
// variables are initialised before any init function runs, while init
// functions run in file-name order). cpuid reports AVX and AVX-512
// features only when the OS saves the registers they need (XCR0), so these
// checks include OS support. Kernels not yet in assembly stay portable.
var _ = registerAMD64()

func registerAMD64() bool {
	avx2 := &dispatch.Set{
		Name:      "avx2",
		Requires:  "AVX2 and FMA",
		Available: cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3),
		F64:       install(avx2F64, dispatch.Portable[float64](), false),
		F32:       install(avx2F32, dispatch.Portable[float32](), false),
	}
	dispatch.Register(avx2)
	dispatch.Register(&dispatch.Set{
		Name:     "avx512",
		Requires: "AVX-512 F, VL, DQ and BW (with FMA and BMI2)",
		Available: cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512DQ, cpuid.AVX512BW,
			cpuid.FMA3, cpuid.BMI2),
		F64: narrowRows(install(avx512F64, dispatch.Portable[float64](), true), avx2.F64, 8),
		F32: narrowRows(install(avx512F32, dispatch.Portable[float32](), true), avx2.F32, 16),
	})
	return true
}

// install returns fs with a set's generated kernels (kernels_amd64_register.go)
// in place of the portable ones, each wrapped so that the race detector
// sees its memory accesses.
func install[T float32 | float64](g generated[T], fs dispatch.Funcs[T], avx512 bool) dispatch.Funcs[T] {
	fs.Exp, fs.Log, fs.Tanh = unaryAsm(g.exp), unaryAsm(g.log), unaryAsm(g.tanh)
	fs.AffineForward = affine(g.affineFwd, g.affineFwdClamp)
	fs.AffineInverse = affine(g.affineInv, g.affineInvClamp)
	fs.AffineForwardGrad = withoutT(grad(g.affineFwdGrad, g.affineFwdGradClamp))
	fs.AffineInverseGrad = grad(g.affineInvGrad, g.affineInvGradClamp)
	fs.LogAbsSum = logAbsAsm(g.logAbsSum)
	fs.Transpose = transposeAsm(g.transpose, 32/int(unsafe.Sizeof(T(0))))
	fs.Dense = denseAsm(g, fs.Transpose)
	fs.DenseT = g.withWT
	fs.DenseGrad = denseGradAsm(g)
	lanes, tile := 4, 4 // gen/amd64/tri.go's triTile
	if avx512 {
		lanes, tile = 8, 8
	}
	fs.AdamUpdate = adamAsm(g.adamUpdate, lanes) // float64 lanes, whatever T
	if is32[T]() {
		lanes *= 2
	}
	fs.SplineForward, fs.SplineInverse = spline(g.splineFwd), spline(g.splineInv)
	fs.SplineForwardGrad, fs.SplineInverseGrad = splineGrad(g.splineFwdGrad), splineGrad(g.splineInvGrad)
	tri := newTriSteps(g.triRows, g.triBlock, lanes, tile, true)
	fs.TriSolve, fs.TriMul = tri.solve, tri.mul
	return fs
}

// narrowRows makes the row kernels of wide (AVX-512) use those of narrow
// (AVX2, the same algorithm on half-width vectors) when a row is shorter
// than one wide vector of lanes: such a row would be all masked tail. The
// dense kernels likewise, for outputs narrower than a wide vector.
func narrowRows[T float32 | float64](wide, narrow dispatch.Funcs[T], lanes int) dispatch.Funcs[T] {
	wide.Dense = narrowDense(wide.Dense, narrow.Dense, lanes)
	wide.DenseT = narrowDense(wide.DenseT, narrow.DenseT, lanes)
	wdg, ndg := wide.DenseGrad, narrow.DenseGrad
	wide.DenseGrad = func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
		if k < lanes { // the columns of dx and dw
			ndg(dx, dw, db, dy, x, w, y, m, k, n, act)
			return
		}
		wdg(dx, dw, db, dy, x, w, y, m, k, n, act)
	}
	wf, nf := wide.AffineForward, narrow.AffineForward
	wide.AffineForward = func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes && !packed(len(logdet), cols, lanes) {
			nf(out, logdet, in, sHat, t, cols, clamp)
			return
		}
		wf(out, logdet, in, sHat, t, cols, clamp)
	}
	wi, ni := wide.AffineInverse, narrow.AffineInverse
	wide.AffineInverse = func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes && !packed(len(logdet), cols, lanes) {
			ni(out, logdet, in, sHat, t, cols, clamp)
			return
		}
		wi(out, logdet, in, sHat, t, cols, clamp)
	}
	wfg, nfg := wide.AffineForwardGrad, narrow.AffineForwardGrad
	wide.AffineForwardGrad = func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
		if cols < lanes && !packed(len(dLogdet), cols, lanes) {
			nfg(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
			return
		}
		wfg(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
	}
	wig, nig := wide.AffineInverseGrad, narrow.AffineInverseGrad
	wide.AffineInverseGrad = func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes && !packed(len(dLogdet), cols, lanes) {
			nig(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp)
			return
		}
		wig(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp)
	}
	wl, nl := wide.LogAbsSum, narrow.LogAbsSum
	wide.LogAbsSum = func(logdet, d []T, cols int) {
		if cols < lanes && !packed(len(logdet), cols, lanes) {
			nl(logdet, d, cols)
			return
		}
		wl(logdet, d, cols)
	}
	return wide
}

// packed reports whether the AVX-512 row kernels take rows of cols
// columns lanes rows at a time (gen/amd64/packed.go's packedWidths): cols
// a power of two up to 16 and 2·lanes, and a full block of rows.
func packed(rows, cols, lanes int) bool {
	return rows >= lanes && cols >= 1 && cols <= min(16, 2*lanes) && cols&(cols-1) == 0
}

// narrowDense runs narrow instead of wide for outputs of fewer than lanes
// columns.
func narrowDense[T float32 | float64](wide, narrow func(y, x, w, b []T, m, k, n int, act kernels.Activation), lanes int) func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
	return func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
		if n < lanes {
			narrow(y, x, w, b, m, k, n, act)
			return
		}
		wide(y, x, w, b, m, k, n, act)
	}
}

// withWT is DenseT on the kernels: bias and ReLU fused into the store,
// other activations applied by the portable DenseFinish after.
func (ks *generated[T]) withWT(y, x, wt, b []T, m, k, n int, act kernels.Activation) {
	raceRead(x[:m*k])
	raceRead(wt[:k*n])
	raceRead(b)
	raceWrite(y[:m*n])
	switch {
	case act == kernels.ActReLU: // without a bias, a zero one: s + 0 is s, but for −0, which ReLU makes +0 anyway
		if b == nil {
			b = zerosOf[T](n)
		}
		ks.denseBiasReLU(y, x, wt, b, m, k, n)
	case b != nil:
		ks.denseBias(y, x, wt, b, m, k, n)
		portable.Dense[T]().Finish(y, nil, m, n, int(act))
	default:
		ks.denseSums(y, x, wt, m, k, n)
		portable.Dense[T]().Finish(y, nil, m, n, int(act))
	}
}

// denseGradAsm runs DenseGrad on generated sums: dx = dZ·W is Dense's
// product with W in its own layout, and dw += dZᵀ·X a kernel that reads dZ
// column by column; dZ and db stay portable (O(m·n)).
func denseGradAsm[T float32 | float64](ks generated[T]) func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
	return func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
		if act == kernels.ActReLU {
			raceRead(y[:m*n])
			raceWrite(dy[:m*n])
			ks.reluGrad(dy[:m*n], y)
		} else {
			portable.Dense[T]().DZ(dy, y, m, n, int(act))
		}
		raceRead(dy[:m*n])
		raceRead(x[:m*k])
		raceRead(w[:n*k])
		if dx != nil {
			raceWrite(dx[:m*k])
			ks.denseSums(dx, dy, w, m, n, k)
		}
		raceWrite(dw[:n*k])
		ks.denseSumsAccT(dw, dy, x, n, m, k)
		portable.Dense[T]().BiasGrad(db, dy, m, n)
	}
}

// denseAsm runs Dense on generated kernels: W is transposed into a pooled
// buffer (so a warm call allocates nothing) and the kernel computes X·Wᵀ
// with the portable kernel's chains, adding the bias and applying ReLU as
// it stores; other activations run in the portable DenseFinish after.
// The vector transposition pays from one row: for 128×128 it takes a
// fraction of what one row of the portable kernel does (float32 at one
// row: 2.3 µs against 50).
func denseAsm[T float32 | float64](ks generated[T], transpose func(dst, a []T, rows, cols int)) func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
	var pool scratch[T]
	return func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
		if m == 0 {
			return // no rows: nothing to write, and W need not be transposed
		}
		buf := pool.get(n * k)
		wt := *buf
		transpose(wt, w, n, k)
		ks.withWT(y, x, wt, b, m, k, n, act)
		pool.put(buf)
	}
}

// transposeAsm runs Transpose on a generated kernel, which transposes
// the whole tiles of tile×tile elements; the rows and columns of a past
// the last whole tile are moved here.
func transposeAsm[T float32 | float64](kernel func(dst, a []T, rows, cols int), tile int) func(dst, a []T, rows, cols int) {
	return func(dst, a []T, rows, cols int) {
		n := rows * cols
		dst, a = dst[:n], a[:n] // the kernel reads and writes within rows·cols
		raceRead(a)
		raceWrite(dst)
		kernel(dst, a, rows, cols)
		rt, ct := rows-rows%tile, cols-cols%tile
		for i := range rt {
			for j := ct; j < cols; j++ {
				dst[j*rows+i] = a[i*cols+j]
			}
		}
		for i := rt; i < rows; i++ {
			for j := range cols {
				dst[j*rows+i] = a[i*cols+j]
			}
		}
	}
}

// zeros64 and zeros32 hold read-only zeros, replaced by longer ones as
// needed (zerosOf).
var (
	zeros64 atomic.Pointer[[]float64]
	zeros32 atomic.Pointer[[]float32]
)

// zerosOf returns n read-only zeros of type T, shared by every caller.
func zerosOf[T float32 | float64](n int) []T {
	if is32[T]() {
		return any(zeros(&zeros32, n)).([]T)
	}
	return any(zeros(&zeros64, n)).([]T)
}

func zeros[E float32 | float64](p *atomic.Pointer[[]E], n int) []E {
	if z := p.Load(); z != nil && len(*z) >= n {
		return (*z)[:n]
	}
	z := make([]E, max(n, 1024))
	p.Store(&z)
	return z[:n]
}
