package flow

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// team is a set of goroutines that work through the phases of one
// operation together: each worker does its own share of a phase, then
// waits at a barrier for the others. A worker keeps its share of the data
// from one phase to the next (see owner), so that what it wrote in one
// phase is in its own core's cache when it reads it in the next: on the
// machines we measure, a cache line written by the other core costs
// several times one read from the core's own caches.
type team struct {
	size    int
	arrived atomic.Int32
	round   atomic.Uint32
	broken  atomic.Bool    // worker 0 panicked: the others leave at their next barrier
	left    atomic.Int32   // how many of workers 1…size−1 have returned or left: a helper's last touch of the team
	done    sync.WaitGroup // the same count, for awaitHelpers to park on
	jobs    []teamJob      // the helpers' jobs, workers 1…size−1
}

// barrierSpins is how many times a worker checks the barrier before it
// starts yielding its thread between checks: the phases of a training
// step end within microseconds of one another, and waking a parked
// thread costs tens of microseconds.
const barrierSpins = 1 << 10

// teams keeps the teams runTeam has finished with.
var teams freeList[team]

// runTeam calls do(w, t) for the workers w = 0…size−1 of a team t,
// worker 0 on the calling goroutine, and returns when all have returned.
// Workers 1…size−1 run on helper goroutines (see helper). If worker 0
// panics, the others leave at their next barrier, and the panic goes on
// once they have: a caller that recovers finds no worker still running
// the team's work. Teams are reused, so a call allocates nothing when do
// does not (a func value bound once, not a closure made for the call).
func runTeam(size int, do func(w int, t *team)) {
	t, _ := teams.get()
	t.reset(max(size, 1))
	if t.size == 1 {
		do(0, t)
		teams.put(t)
		return
	}
	t.done.Add(t.size - 1)
	for w := 1; w < t.size; w++ {
		j := &t.jobs[w-1]
		*j = teamJob{do: do, w: w, t: t}
		hire(j)
	}
	returned := false
	defer func() {
		if !returned { // worker 0 is panicking: the panic goes on once the others have left
			t.broken.Store(true)
		}
		t.awaitHelpers()
		if returned { // a broken team is left to the collector
			clear(t.jobs)
			teams.put(t)
		}
	}()
	do(0, t)
	returned = true
}

// reset readies t, from the free list, for a team of size workers.
func (t *team) reset(size int) {
	t.size = size
	t.arrived.Store(0)
	t.broken.Store(false)
	t.left.Store(0)
	if cap(t.jobs) < size-1 {
		t.jobs = make([]teamJob, size-1)
	}
	t.jobs = t.jobs[:size-1]
}

// awaitHelpers returns once workers 1…size−1 have returned (or left a
// broken team) and no longer touch t. They usually finish within
// microseconds of worker 0, so it spins (yielding after barrierSpins
// checks) rather than parking the caller, whose wake-up would cost tens
// of microseconds; after helperLinger it parks, so that a long wait (a
// helper's last chunk, a preempted thread) does not keep a core busy.
func (t *team) awaitHelpers() {
	var deadline time.Time
	for i := 1; int(t.left.Load()) < t.size-1; i++ {
		if i%barrierSpins != 0 {
			continue
		}
		runtime.Gosched()
		switch now := time.Now(); {
		case deadline.IsZero():
			deadline = now.Add(helperLinger)
		case now.After(deadline):
			t.done.Wait()
			for int(t.left.Load()) < t.size-1 { // each helper counts itself in left right after done
				runtime.Gosched()
			}
			return
		}
	}
}

// wait returns once every worker of the team has called it (as many
// times). On a team whose worker 0 panicked it ends the calling worker's
// goroutine instead (never worker 0's own).
func (t *team) wait() {
	if t.size == 1 {
		return
	}
	r := t.round.Load()
	if int(t.arrived.Add(1)) == t.size {
		t.arrived.Store(0)
		t.round.Add(1)
		return
	}
	for i := 0; t.round.Load() == r; i++ {
		if t.broken.Load() {
			runtime.Goexit()
		}
		if i >= barrierSpins {
			runtime.Gosched()
		}
	}
}

// owner is the worker of a team of size that owns the part of a flat
// parameter vector of total values centred at mid: the vector is cut into
// size equal shares. Gradient blocks and parameter groups are both given
// to workers by it, so that a worker updates the parameters whose
// gradient it reduced.
func owner(mid, total, size int) int {
	if total <= 0 {
		return 0
	}
	return min(size-1, int(int64(mid)*int64(size)/int64(total)))
}

// share is worker w's contiguous share of n items among size workers.
func share(w, size, n int) (lo, hi int) {
	return w * n / size, (w + 1) * n / size
}
