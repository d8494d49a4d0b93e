package main

import (
	"regexp"
	"strconv"
	"testing"
)

// oneVector are the kernels that work on one vector at a time by design:
// the spline kernels loop over the bins for each vector, in segments
// allocated one by one (spline.go).
var oneVector = map[string]bool{"splineFwd": true, "splineInv": true, "splineFwdGrad": true, "splineInvGrad": true}

// TestEveryKernelUnrolled checks that every kernel's main loop works on
// at least maxStreams vectors at once: the register plan of none of them
// has outgrown the register file. (The allocator checks every allocation
// it makes as it writes it.)
func TestEveryKernelUnrolled(t *testing.T) {
	re := regexp.MustCompile(`// (\d+) vectors an iteration`)
	for _, k := range kernels() {
		if oneVector[k.Name] {
			continue
		}
		m := re.FindStringSubmatch(generate(k))
		if m == nil {
			t.Errorf("%s: no unrolled loop", k.sym)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < maxStreams {
			t.Errorf("%s: %d vectors an iteration, fewer than %d", k.sym, n, maxStreams)
		}
	}
}

// TestAllocRun checks that a run of consecutive registers goes to the
// highest free run, in order, and that none free is an errRegisters.
func TestAllocRun(t *testing.T) {
	var free [32]bool
	for _, r := range []int{3, 4, 10, 11, 12, 20, 22} {
		free[r] = true
	}
	where := map[reg]int{}
	id := func(r reg) reg { return r }
	allocRun([]reg{tmpBase + 1, tmpBase + 2}, id, where, &free, 4, 0)
	if where[tmpBase+1] != 11 || where[tmpBase+2] != 12 || free[11] || free[12] {
		t.Errorf("run of 2 went to %d, %d; want 11, 12", where[tmpBase+1], where[tmpBase+2])
	}
	defer func() {
		if _, ok := recover().(errRegisters); !ok {
			t.Error("no run of 3 left, but allocRun did not report errRegisters")
		}
	}()
	allocRun([]reg{tmpBase + 3, tmpBase + 4, tmpBase + 5}, id, where, &free, 4, 0)
}
