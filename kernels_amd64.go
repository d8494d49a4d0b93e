//go:build amd64 && gc && !purego && !noasm

package flowkern

import (
	"github.com/klauspost/cpuid/v2"

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
	register(&kernelSet{
		name:      "avx2",
		requires:  "AVX2 and FMA",
		available: cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3),
		f64: asmKernels[float64]{expAvx2F64, logAvx2F64, tanhAvx2F64, affineFwdAvx2F64, affineFwdClampAvx2F64,
			affineInvAvx2F64, affineInvClampAvx2F64, logAbsSumAvx2F64,
			affineFwdGradAvx2F64, affineFwdGradClampAvx2F64, affineInvGradAvx2F64, affineInvGradClampAvx2F64,
			denseAsmKernels[float64]{denseSumsAvx2F64, denseBiasAvx2F64, denseBiasReLUAvx2F64, denseSumsAccTAvx2F64, reluGradAvx2F64}}.install(portable[float64]()),
		f32: asmKernels[float32]{expAvx2F32, logAvx2F32, tanhAvx2F32, affineFwdAvx2F32, affineFwdClampAvx2F32,
			affineInvAvx2F32, affineInvClampAvx2F32, logAbsSumAvx2F32,
			affineFwdGradAvx2F32, affineFwdGradClampAvx2F32, affineInvGradAvx2F32, affineInvGradClampAvx2F32,
			denseAsmKernels[float32]{denseSumsAvx2F32, denseBiasAvx2F32, denseBiasReLUAvx2F32, denseSumsAccTAvx2F32, reluGradAvx2F32}}.install(portable[float32]()),
	})
	avx2 := registry[0]
	register(&kernelSet{
		name:     "avx512",
		requires: "AVX-512 F, VL, DQ and BW (with FMA and BMI2)",
		available: cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512DQ, cpuid.AVX512BW,
			cpuid.FMA3, cpuid.BMI2),
		f64: narrowRows(asmKernels[float64]{expAvx512F64, logAvx512F64, tanhAvx512F64, affineFwdAvx512F64, affineFwdClampAvx512F64,
			affineInvAvx512F64, affineInvClampAvx512F64, logAbsSumAvx512F64,
			affineFwdGradAvx512F64, affineFwdGradClampAvx512F64, affineInvGradAvx512F64, affineInvGradClampAvx512F64,
			denseAsmKernels[float64]{denseSumsAvx512F64, denseBiasAvx512F64, denseBiasReLUAvx512F64, denseSumsAccTAvx512F64, reluGradAvx512F64}}.install(portable[float64]()), avx2.f64, 8),
		f32: narrowRows(asmKernels[float32]{expAvx512F32, logAvx512F32, tanhAvx512F32, affineFwdAvx512F32, affineFwdClampAvx512F32,
			affineInvAvx512F32, affineInvClampAvx512F32, logAbsSumAvx512F32,
			affineFwdGradAvx512F32, affineFwdGradClampAvx512F32, affineInvGradAvx512F32, affineInvGradClampAvx512F32,
			denseAsmKernels[float32]{denseSumsAvx512F32, denseBiasAvx512F32, denseBiasReLUAvx512F32, denseSumsAccTAvx512F32, reluGradAvx512F32}}.install(portable[float32]()), avx2.f32, 16),
	})
	return true
}

// narrowRows makes the row kernels of wide (AVX-512) use those of narrow
// (AVX2, the same algorithm on half-width vectors) when a row is shorter
// than one wide vector of lanes: such a row would be all masked tail. The
// dense kernels likewise, for outputs narrower than a wide vector.
func narrowRows[T float32 | float64](wide, narrow funcs[T], lanes int) funcs[T] {
	wide.dense = narrowDense(wide.dense, narrow.dense, lanes)
	wide.denseT = narrowDense(wide.denseT, narrow.denseT, lanes)
	wdg, ndg := wide.denseGrad, narrow.denseGrad
	wide.denseGrad = func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
		if k < lanes { // the columns of dx and dw
			ndg(dx, dw, db, dy, x, w, y, m, k, n, act)
			return
		}
		wdg(dx, dw, db, dy, x, w, y, m, k, n, act)
	}
	wf, nf := wide.affineForward, narrow.affineForward
	wide.affineForward = func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes && !packed(len(logdet), cols, lanes) {
			nf(out, logdet, in, sHat, t, cols, clamp)
			return
		}
		wf(out, logdet, in, sHat, t, cols, clamp)
	}
	wi, ni := wide.affineInverse, narrow.affineInverse
	wide.affineInverse = func(out, logdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes && !packed(len(logdet), cols, lanes) {
			ni(out, logdet, in, sHat, t, cols, clamp)
			return
		}
		wi(out, logdet, in, sHat, t, cols, clamp)
	}
	wfg, nfg := wide.affineForwardGrad, narrow.affineForwardGrad
	wide.affineForwardGrad = func(dIn, dSHat, dT, dOut, dLogdet, in, sHat []T, cols int, clamp T) {
		if cols < lanes && !packed(len(dLogdet), cols, lanes) {
			nfg(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
			return
		}
		wfg(dIn, dSHat, dT, dOut, dLogdet, in, sHat, cols, clamp)
	}
	wig, nig := wide.affineInverseGrad, narrow.affineInverseGrad
	wide.affineInverseGrad = func(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t []T, cols int, clamp T) {
		if cols < lanes && !packed(len(dLogdet), cols, lanes) {
			nig(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp)
			return
		}
		wig(dIn, dSHat, dT, dOut, dLogdet, in, sHat, t, cols, clamp)
	}
	wl, nl := wide.logAbsSum, narrow.logAbsSum
	wide.logAbsSum = func(logdet, d []T, cols int) {
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

// asmKernels are one set's generated kernels for one type.
type asmKernels[T float32 | float64] struct {
	exp, log, tanh           func(dst, x []T)
	affineFwd, affineFwdClmp affineAsm[T]
	affineInv, affineInvClmp affineAsm[T]
	logAbsSum                func(logdet, d []T, cols int)
	fwdGrad, fwdGradClmp     gradAsm[T]
	invGrad, invGradClmp     gradAsm[T]
	dense                    denseAsmKernels[T]
}

// denseAsmKernels are a set's generated dense kernels: the sums, the sums
// with the bias and with bias and ReLU, the sums of xᵀ·wt added to y, and
// ReLU's backward step.
type denseAsmKernels[T float32 | float64] struct {
	sums, bias, biasReLU, accT func(y, x, wt, b []T, m, k, n int)
	reluGrad                   func(dy, y []T)
}

// withWT is DenseT on the kernels: bias and ReLU fused into the store,
// other activations applied by the portable DenseFinish after.
func (ks denseAsmKernels[T]) withWT(y, x, wt, b []T, m, k, n int, act kernels.Activation) {
	raceRead(x[:m*k])
	raceRead(wt[:k*n])
	raceRead(b)
	raceWrite(y[:m*n])
	switch {
	case b != nil && act == kernels.ActReLU:
		ks.biasReLU(y, x, wt, b, m, k, n)
	case b != nil:
		ks.bias(y, x, wt, b, m, k, n)
		kernels.DenseFinish(y, nil, m, n, act)
	default:
		ks.sums(y, x, wt, nil, m, k, n)
		kernels.DenseFinish(y, nil, m, n, act)
	}
}

// install returns fs with the assembly kernels in place of the portable
// ones, each wrapped so that the race detector sees its memory accesses.
func (a asmKernels[T]) install(fs funcs[T]) funcs[T] {
	fs.exp, fs.log, fs.tanh = unaryAsm(a.exp), unaryAsm(a.log), unaryAsm(a.tanh)
	fs.affineForward = affine(a.affineFwd, a.affineFwdClmp)
	fs.affineInverse = affine(a.affineInv, a.affineInvClmp)
	fs.affineForwardGrad = withoutT(grad(a.fwdGrad, a.fwdGradClmp))
	fs.affineInverseGrad = grad(a.invGrad, a.invGradClmp)
	fs.logAbsSum = logAbsAsm(a.logAbsSum)
	fs.dense = denseAsm(a.dense)
	fs.denseT = a.dense.withWT
	fs.denseGrad = denseGradAsm(a.dense)
	return fs
}

// denseGradAsm runs DenseGrad on generated sums: dx = dZ·W is Dense's
// product with W in its own layout, and dw += dZᵀ·X a kernel that reads dZ
// column by column; dZ and db stay portable (O(m·n)).
func denseGradAsm[T float32 | float64](ks denseAsmKernels[T]) func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
	return func(dx, dw, db, dy, x, w, y []T, m, k, n int, act kernels.Activation) {
		if m < denseMinRows {
			kernels.DenseGrad(dx, dw, db, dy, x, w, y, m, k, n, act)
			return
		}
		if act == kernels.ActReLU {
			raceRead(y[:m*n])
			raceWrite(dy[:m*n])
			ks.reluGrad(dy[:m*n], y)
		} else {
			kernels.DenseDZ(dy, y, m, n, act)
		}
		raceRead(dy[:m*n])
		raceRead(x[:m*k])
		raceRead(w[:n*k])
		if dx != nil {
			raceWrite(dx[:m*k])
			ks.sums(dx, dy, w, nil, m, n, k)
		}
		raceWrite(dw[:n*k])
		ks.accT(dw, dy, x, nil, n, m, k)
		kernels.DenseBiasGrad(db, dy, m, n)
	}
}

// denseAsm runs Dense on generated kernels: W is transposed into a pooled
// buffer (so a warm call allocates nothing) and the kernel computes X·Wᵀ
// with the portable kernel's chains, adding the bias and applying ReLU as
// it stores; other activations run in the portable DenseFinish after.
// Below denseMinRows rows the transposition would cost more than it
// saves, and the portable kernel (the same arithmetic) runs instead.
func denseAsm[T float32 | float64](ks denseAsmKernels[T]) func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
	var pool scratch[T]
	return func(y, x, w, b []T, m, k, n int, act kernels.Activation) {
		if m < denseMinRows {
			kernels.Dense(y, x, w, b, m, k, n, act)
			return
		}
		buf := pool.get(n * k)
		wt := *buf
		transpose(wt, w, n, k)
		ks.withWT(y, x, wt, b, m, k, n, act)
		pool.put(buf)
	}
}
