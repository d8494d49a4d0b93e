// Command amd64 generates flowkern's AVX2 and AVX-512 kernels with avo:
// ../kernels_amd64.s and the Go declarations beside it. Run it through
// `go generate ./...` at the repository root.
package main

import (
	"os"

	. "github.com/mmcloughlin/avo/build"
)

func main() {
	// avo generates for amd64 whatever the host is.
	os.Setenv("GOOS", "linux")
	os.Setenv("GOARCH", "amd64")
	ConstraintExpr("amd64,gc,!purego,!noasm")
	for _, i := range []isa{avx2, avx512} {
		for _, f32 := range []bool{false, true} {
			g := newGen(i, f32)
			g.unaryKernel("exp"+titleCase(i.name)+g.suffix(), g.exp, g.expAVX2Streams(), g.expPins(false), nil)
			g.unaryKernel("log"+titleCase(i.name)+g.suffix(), g.log, 2, nil, g.logFastPath())
			g.unaryKernel("tanh"+titleCase(i.name)+g.suffix(), g.tanh, 1, nil, nil)
			sfx := titleCase(i.name) + g.suffix()
			g.affineKernel("affineFwd"+sfx, false, false)
			g.affineKernel("affineFwdClamp"+sfx, false, true)
			g.affineKernel("affineInv"+sfx, true, false)
			g.affineKernel("affineInvClamp"+sfx, true, true)
			g.logAbsSumKernel("logAbsSum" + sfx)
			g.affineGradKernel("affineFwdGrad"+sfx, false, false)
			g.affineGradKernel("affineFwdGradClamp"+sfx, false, true)
			g.affineGradKernel("affineInvGrad"+sfx, true, false)
			g.affineGradKernel("affineInvGradClamp"+sfx, true, true)
			g.denseKernel("denseSums"+sfx, denseSums)
			g.denseKernel("denseBias"+sfx, denseBias)
			g.denseKernel("denseBiasReLU"+sfx, denseBiasReLU)
			g.denseKernel("denseSumsAccT"+sfx, denseAccT)
			g.reluGradKernel("reluGrad" + sfx)
		}
	}
	Generate()
}

func titleCase(s string) string {
	return string(s[0]-'a'+'A') + s[1:]
}
