package flowkern_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/flowkern/flowkern"
)

// TestImplErrorReported runs this test binary again with FLOWKERN_IMPL
// naming no kernel set: the package must start, report the error through
// ImplError and Diagnose, and run the fastest available set.
func TestImplErrorReported(t *testing.T) {
	if os.Getenv("FLOWKERN_TEST_IMPL_CHILD") == "1" {
		fmt.Printf("impl=%s\nerror=%v\nreason=%s\n", flowkern.Impl(), flowkern.ImplError(), flowkern.Diagnose().Reason)
		return
	}
	if err := flowkern.ImplError(); err != nil && os.Getenv(flowkern.EnvImpl) == "" {
		t.Fatalf("ImplError %v without %s set", err, flowkern.EnvImpl)
	}
	for _, bad := range []string{"bogus", "sse9"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestImplErrorReported$", "-test.v")
		cmd.Env = append(os.Environ(), flowkern.EnvImpl+"="+bad, "FLOWKERN_TEST_IMPL_CHILD=1")
		out, err := cmd.CombinedOutput()
		if reexecImpossible(err) {
			t.Skipf("cannot run this test binary again here: %v", err)
		}
		if err != nil {
			t.Fatalf("%s=%s: the package did not start: %v\n%s", flowkern.EnvImpl, bad, err, out)
		}
		s := string(out)
		best := flowkern.Diagnose().Sets[0].Name
		for _, set := range flowkern.Diagnose().Sets {
			if set.Available {
				best = set.Name
				break
			}
		}
		for _, want := range []string{
			"impl=" + best,
			fmt.Sprintf("error=flowkern: FLOWKERN_IMPL=%q: unknown kernel set", bad),
			fmt.Sprintf("%s=%q ignored", flowkern.EnvImpl, bad),
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s=%s: output lacks %q:\n%s", flowkern.EnvImpl, bad, want, s)
			}
		}
	}
}

// reexecImpossible reports whether err says the test binary cannot be run
// again as a child (under an emulator without binfmt_misc, an arm64
// binary cannot execute directly).
func reexecImpossible(err error) bool {
	var ee *exec.Error
	return errors.As(err, &ee) || err != nil && strings.Contains(err.Error(), "exec format error")
}
