package flow

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// allocsPerCall returns the heap allocations a call of f makes once warm
// (after warm calls), counted over n calls at the current GOMAXPROCS,
// which testing.AllocsPerRun would set to 1, leaving the parallel paths
// untested. The collector is off from before the warm-up calls, so that
// it cannot take what a call keeps for the next. A gap longer than
// helperLinger between calls lets the team's helpers end, so that the
// next call starts them anew. On several goroutines it counts tries
// windows of n calls and returns the least.
func allocsPerCall(warm, n int, gap time.Duration, f func()) float64 {
	runtime.GC() // no cycle in progress, whose workers would allocate
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	procs := runtime.GOMAXPROCS(0)
	if key := [2]int{procs, min(int(gap), 1)}; procs > 1 && !runtimeWarm[key] {
		warm, runtimeWarm[key] = max(warm, 300), true
	}
	for range warm {
		f()
		pause(gap)
	}
	least := math.Inf(1)
	for range tries(procs) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			f()
			pause(gap)
		}
		runtime.ReadMemStats(&after)
		least = min(least, float64(after.Mallocs-before.Mallocs)/float64(n))
	}
	return least
}

// runtimeWarm records, per GOMAXPROCS and with or without gaps, that
// allocsPerCall has made its first, long warm-up there: in the first few
// hundred parallel calls the runtime's own caches (descriptors of
// goroutines that ended, which a helper started anew takes, and waiters)
// and the kernels' scratch pools fill.
var runtimeWarm = map[[2]int]bool{}

// tries is how many windows of calls allocsPerCall counts at GOMAXPROCS
// procs, keeping the least: one on one goroutine; three on several, where
// a busy machine (other packages' tests) delays the helpers, which then
// end and are started anew, and the runtime may allocate for that (a
// goroutine's descriptor, a waiter). An allocation of ours shows in every
// window.
func tries(procs int) int {
	if procs == 1 {
		return 1
	}
	return 3
}

// allocProcs are the GOMAXPROCS values the allocation tests try: one and
// two, or only one in -short runs (under emulation the parallel path's
// long warm-up takes minutes; it is the same Go code on every machine).
func allocProcs() []int {
	if testing.Short() {
		return []int{1}
	}
	return []int{1, 2}
}

// callGaps are the pauses between calls allocsPerCall tries: none (the
// helpers linger from one call to the next) and past helperLinger (they
// have ended).
var callGaps = []time.Duration{0, 4 * helperLinger}

// The tests call allocsPerCall with 2 warm-up calls and 5 counted on one
// goroutine, where any call of ours that allocates shows at once, and
// with more on several, where the rare allocations described below
// average out.

// allowedAllocs is what allocsPerCall may find at GOMAXPROCS procs: none
// on one goroutine; on several, under half a call, where a call of ours
// that allocates would make one or more. What several goroutines may
// still allocate, rarely, is the runtime's (a goroutine started when no
// helper lingers may need a new descriptor, a parked wait a new waiter)
// and the kernels' sync.Pool scratch, which hands out a new buffer when
// the one put back sits in another P's private slot.
func allowedAllocs(procs int, a float64) bool {
	if procs == 1 {
		return a == 0
	}
	return a < 0.5
}

// pause waits for d, spinning: a sleep would allocate in the runtime's
// timer heaps, which allocsPerCall would count.
func pause(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}
