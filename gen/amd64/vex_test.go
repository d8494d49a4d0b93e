package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAVX2KernelsUseVEXRegistersOnly reads the generated assembly and
// fails for any AVX2 kernel that names X16…X31, Y16…Y31 or a mask
// register: those need AVX-512 (EVEX), and the AVX2 set runs on CPUs
// without it, where such an instruction faults. (avo's allocator hands out
// all 32 vector registers; a kernel that needs more than 16 must hold
// fewer values or spill.)
func TestAVX2KernelsUseVEXRegistersOnly(t *testing.T) {
	src, err := os.ReadFile("../../kernels_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	evex := regexp.MustCompile(`\b([XYZ](1[6-9]|2[0-9]|3[01])|K[1-7])\b`)
	fn, bad := "", map[string]string{}
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "TEXT ") {
			fn = strings.Fields(line)[1]
			continue
		}
		if strings.Contains(fn, "Avx2") && evex.MatchString(line) {
			if _, seen := bad[fn]; !seen {
				bad[fn] = strings.TrimSpace(line)
			}
		}
	}
	for f, line := range bad {
		t.Errorf("%s needs AVX-512: %s", f, line)
	}
}
