//go:build amd64 && gc && !purego && !noasm

package flowkern

import (
	"fmt"
	"os"
	"regexp"
	"testing"
)

// TestPackedWidthsAgree checks that the widths the wrapper sends to the
// AVX-512 row kernels as packed blocks (packed) are those the generator
// gave a packed block (a "packedC" label in each kernel): a width only one
// side knew would run the slow masked path, or miss the fast one.
func TestPackedWidthsAgree(t *testing.T) {
	src, err := os.ReadFile("kernels_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"affineFwd", "affineFwdClamp", "affineInv", "affineInvClamp", "logAbsSum",
		"affineFwdGrad", "affineFwdGradClamp", "affineInvGrad", "affineInvGradClamp"} {
		for _, sfx := range []struct {
			name  string
			lanes int
		}{{"F64", 8}, {"F32", 16}} {
			name := k + "Avx512" + sfx.name
			body := regexp.MustCompile(`(?s)TEXT ·` + name + `\(SB\).*?\n\tRET`).Find(src)
			if body == nil {
				t.Fatalf("no %s in kernels_amd64.s", name)
			}
			for cols := 1; cols <= 64; cols++ {
				has := regexp.MustCompile(fmt.Sprintf(`(?m)^packed%d:`, cols)).Match(body)
				if want := packed(sfx.lanes, cols, sfx.lanes); has != want {
					t.Errorf("%s: cols=%d packed block generated %v, used %v", name, cols, has, want)
				}
			}
		}
	}
}
